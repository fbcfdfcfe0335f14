"""Code lists shared by the UBL and CII builders (EN 16931 / Peppol BIS Billing 3.0)."""

from __future__ import annotations

import re

from documents.data import InvoiceDocument, Party

# Grobadressierung (2-12 digits), optional Feinadressierung (up to 30), 2 check digits.
LEITWEG_PATTERN = re.compile(r"\d{2,12}(-[A-Za-z0-9]{1,30})?-\d{2}")

# Peppol Electronic Address Scheme (EAS, BT-34/BT-49 scheme) of each country's VAT number,
# keyed by the VAT id's prefix. Only schemes present in the EAS list that BR-CL-25 checks;
# Greece's VAT ids start with "EL".
VAT_EAS_BY_PREFIX: dict[str, str] = {
    "AD": "9922",
    "AL": "9923",
    "AT": "9914",
    "BA": "9924",
    "BE": "9925",
    "BG": "9926",
    "CH": "9927",
    "CY": "9928",
    "CZ": "9929",
    "DE": "9930",
    "EE": "9931",
    "EL": "9933",
    "ES": "9920",
    "FI": "0213",
    "FR": "9957",
    "GB": "9932",
    "HR": "9934",
    "HU": "9910",
    "IE": "9935",
    "IT": "0211",
    "LI": "9936",
    "LT": "9937",
    "LU": "9938",
    "LV": "9939",
    "MC": "9940",
    "ME": "9941",
    "MK": "9942",
    "MT": "9943",
    "NL": "9944",
    "PL": "9945",
    "PT": "9946",
    "RO": "9947",
    "RS": "9948",
    "SI": "9949",
    "SK": "9950",
    "SM": "9951",
    "TR": "9952",
    "VA": "9953",
}


def _code_list(codes: str) -> frozenset[str]:
    return frozenset(codes.split())


EMAIL_EAS = "EM"
# Leitweg-ID of German public buyers (XRechnung).
LEITWEG_EAS = "0204"

# The EAS code list as Peppol checks it (PEPPOL-EN16931-CL008, BIS Billing 3.0.19); "EM"
# (e-mail) is in the CEN list and allowed by XRechnung, but not by Peppol.
PEPPOL_EAS_CODES: frozenset[str] = _code_list(
    "0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0151 0177 0183 0184 0188 "
    "0190 0191 0192 0193 0195 0196 0198 0199 0200 0201 0202 0204 0208 0209 0210 0211 0212 "
    "0213 0215 0216 0218 0221 0230 0235 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 "
    "9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 "
    "9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959 0147 0154 0158 "
    "0170 0194 0203 0205 0217 0225 0240"
)
EAS_CODES: frozenset[str] = PEPPOL_EAS_CODES | {EMAIL_EAS}

# BT-120 / BT-121 defaults: BR-E-10, BR-AE-10, BR-IC-10, BR-G-10 and BR-O-10 require a
# reason (text or code) on every breakdown row of these categories. E depends on the
# article of the VAT directive, so it has no default: the invoice must give one.
DEFAULT_EXEMPTION_REASONS: dict[str, str] = {
    "AE": "Reverse charge",
    "K": "Intra-community supply",
    "G": "Export outside the EU",
    "O": "Not subject to VAT",
}
EXEMPTION_REASON_CODES: dict[str, str] = {
    "AE": "VATEX-EU-AE",
    "K": "VATEX-EU-IC",
    "G": "VATEX-EU-G",
    "O": "VATEX-EU-O",
}
# Categories whose breakdown rows carry an exemption reason (BR-S-10 / BR-Z-10 forbid it
# for S and Z).
EXEMPT_CATEGORIES: frozenset[str] = frozenset({"E", "AE", "K", "G", "O"})
# VATEX codes (CEF VATEX code list as the EN 16931 rules check it, BR-CL-22).
VATEX_CODES: frozenset[str] = _code_list(
    """VATEX-EU-132 VATEX-EU-132-1A VATEX-EU-132-1B VATEX-EU-132-1C VATEX-EU-132-1D
    VATEX-EU-132-1E VATEX-EU-132-1F VATEX-EU-132-1G VATEX-EU-132-1H VATEX-EU-132-1I
    VATEX-EU-132-1J VATEX-EU-132-1K VATEX-EU-132-1L VATEX-EU-132-1M VATEX-EU-132-1N
    VATEX-EU-132-1O VATEX-EU-132-1P VATEX-EU-132-1Q VATEX-EU-143 VATEX-EU-143-1A
    VATEX-EU-143-1B VATEX-EU-143-1C VATEX-EU-143-1D VATEX-EU-143-1E VATEX-EU-143-1F
    VATEX-EU-143-1FA VATEX-EU-143-1G VATEX-EU-143-1H VATEX-EU-143-1I VATEX-EU-143-1J
    VATEX-EU-143-1K VATEX-EU-143-1L VATEX-EU-144 VATEX-EU-146-1E VATEX-EU-148 VATEX-EU-148-A
    VATEX-EU-148-B VATEX-EU-148-C VATEX-EU-148-D VATEX-EU-148-E VATEX-EU-148-F
    VATEX-EU-148-G VATEX-EU-151 VATEX-EU-151-1A VATEX-EU-151-1AA VATEX-EU-151-1B
    VATEX-EU-151-1C VATEX-EU-151-1D VATEX-EU-151-1E VATEX-EU-153 VATEX-EU-159 VATEX-EU-309
    VATEX-EU-79-C VATEX-EU-AE VATEX-EU-D VATEX-EU-F VATEX-EU-G VATEX-EU-I VATEX-EU-IC
    VATEX-EU-J VATEX-EU-O VATEX-FR-298SEXDECIESA VATEX-FR-AE VATEX-FR-CGI261-1
    VATEX-FR-CGI261-2 VATEX-FR-CGI261-3 VATEX-FR-CGI261-4 VATEX-FR-CGI261-5
    VATEX-FR-CGI261-7 VATEX-FR-CGI261-8 VATEX-FR-CGI261A VATEX-FR-CGI261B VATEX-FR-CGI261C-1
    VATEX-FR-CGI261C-2 VATEX-FR-CGI261C-3 VATEX-FR-CGI261D-1 VATEX-FR-CGI261D-1BIS
    VATEX-FR-CGI261D-2 VATEX-FR-CGI261D-3 VATEX-FR-CGI261D-4 VATEX-FR-CGI261E-1
    VATEX-FR-CGI261E-2 VATEX-FR-CGI275 VATEX-FR-CGI277A VATEX-FR-CGI295 VATEX-FR-CNWVAT
    VATEX-FR-FRANCHISE"""
)

# Categories whose rate is always 0 (BR-Z-05, BR-E-05, BR-AE-05, BR-IC-05, BR-G-05).
ZERO_RATED: frozenset[str] = frozenset({"Z", "E", "AE", "K", "G"})

# "Not subject to VAT" carries no rate at all (BR-O-05..08) and no VAT ids (BR-O-02..04).
NOT_SUBJECT = "O"

# Intra-community supply needs a delivery date and a deliver-to country (BR-IC-11/12).
INTRA_COMMUNITY = "K"

# UNCL1001 document type codes (BT-3).
INVOICE_TYPE_CODE = "380"
CREDIT_NOTE_TYPE_CODE = "381"

# UNCL4461 payment means (BT-81): SEPA credit transfer needs an account (BR-61), so
# without an IBAN the means stays "not defined".
PAYMENT_MEANS_SEPA = "58"
PAYMENT_MEANS_NOT_DEFINED = "1"

DEFAULT_ALLOWANCE_REASON = "Discount"
DEFAULT_CHARGE_REASON = "Charge"

# E-invoice profiles (Customer.einvoice_profile, fixed at issue in the buyer snapshot).
PEPPOL = "peppol"
XRECHNUNG = "xrechnung"
EN16931 = "en16931"
PROFILES = (PEPPOL, XRECHNUNG, EN16931)

# BT-24 of each profile. Factur-X (and with it the CII of the Peppol and EN 16931
# profiles) requires the plain EN 16931 id in its guideline parameter.
EN16931_ID = "urn:cen.eu:en16931:2017"
PEPPOL_CUSTOMIZATION_ID = f"{EN16931_ID}#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
XRECHNUNG_CUSTOMIZATION_ID = f"{EN16931_ID}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
CUSTOMIZATION_IDS = {
    PEPPOL: PEPPOL_CUSTOMIZATION_ID,
    XRECHNUNG: XRECHNUNG_CUSTOMIZATION_ID,
    EN16931: EN16931_ID,
}
# BT-23: the Peppol billing process, which XRechnung uses too; every document carries it.
BUSINESS_PROCESS_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
# Kept for readers of the old names.
UBL_CUSTOMIZATION_ID = PEPPOL_CUSTOMIZATION_ID
UBL_PROFILE_ID = BUSINESS_PROCESS_ID
CII_GUIDELINE_ID = EN16931_ID


def ubl_customization_id(profile: str) -> str:
    return CUSTOMIZATION_IDS.get(profile, EN16931_ID)


def cii_guideline_id(profile: str) -> str:
    """BT-24 in the CII: XRechnung's for XRechnung, else Factur-X EN 16931's."""
    return XRECHNUNG_CUSTOMIZATION_ID if profile == XRECHNUNG else EN16931_ID


def vat_prefix(vat_id: str) -> str:
    """The two-letter prefix of a VAT id, upper case ("" when it has none)."""
    prefix = vat_id.strip()[:2].upper()
    return prefix if len(prefix) == 2 and prefix.isalpha() else ""


def endpoint_for(party: Party, profile: str) -> tuple[str, str] | None:
    """(EAS scheme, identifier) of a party's electronic address (BT-34 / BT-49), or None.

    Explicit when given; else the VAT id under its country's EAS code (9930 for DE, ...);
    else the e-mail under "EM", which Peppol does not accept (CL008): for Peppol a party
    without either has no endpoint, and R010 / R020 refuse the document.
    """
    if party.endpoint_id.strip() and party.endpoint_scheme.strip():
        return party.endpoint_scheme.strip(), party.endpoint_id.strip()
    vat = party.tax_id.strip().replace(" ", "")
    scheme = VAT_EAS_BY_PREFIX.get(vat_prefix(vat))
    if scheme:
        return scheme, vat
    if party.email.strip() and profile != PEPPOL:
        return EMAIL_EAS, party.email.strip()
    return None


def exemption_for(category: str, code: str, reason: str) -> tuple[str, str]:
    """(BT-121 code, BT-120 text) of a breakdown row: the invoice's, else the default.

    Always ("", "") for S and Z: BR-S-10 and BR-Z-10 forbid an exemption reason there.
    """
    if category not in EXEMPT_CATEGORIES:
        return "", ""
    code, reason = code.strip(), reason.strip()
    if not code and not reason:
        return EXEMPTION_REASON_CODES.get(category, ""), DEFAULT_EXEMPTION_REASONS.get(category, "")
    return code, reason


def payment_terms_text(text: str) -> str:
    """BT-20 as written: trimmed, but a text ending in an XRechnung structured line
    (``#SKONTO#TAGE=14#PROZENT=2.00#``) keeps the line break BR-DE-18 requires after it
    (an API client's trailing newline does not survive the trimming of input)."""
    text = text.strip()
    if text.splitlines() and text.splitlines()[-1].startswith("#"):
        return text + "\n"
    return text


def leitweg_id_valid(value: str) -> bool:
    """A Leitweg-ID with its check digits (ISO 7064 MOD 97-10 over the whole id)."""
    match = LEITWEG_PATTERN.fullmatch(value.strip())
    if not match:
        return False
    digits = "".join(str(int(char, 36)) for char in value.strip().replace("-", "").upper())
    return int(digits) % 97 == 1


def looks_like_leitweg_id(value: str) -> bool:
    return bool(LEITWEG_PATTERN.fullmatch(value.strip()))


def categories_of(doc: InvoiceDocument) -> set[str]:
    """Every VAT category used by a line, a document allowance/charge or the breakdown."""
    categories = {line.tax_category for line in doc.lines}
    categories |= {item.tax_category for item in doc.allowances_charges}
    return categories | {group.tax_category for group in doc.tax_breakdown}


def endpoint_errors(scheme: str, identifier: str) -> dict[str, list[str]]:
    """Problems of an explicit electronic address (BT-34 / BT-49), by field name."""
    scheme, identifier = scheme.strip(), identifier.strip()
    errors: dict[str, list[str]] = {}
    if bool(scheme) != bool(identifier):
        missing = "endpoint_scheme" if identifier else "endpoint_id"
        errors[missing] = ["Give the endpoint id and its scheme (an EAS code) together."]
    elif scheme and scheme not in EAS_CODES:
        errors["endpoint_scheme"] = [f"{scheme!r} is not an EAS code (e.g. 9930, 0088, 0204)."]
    elif scheme == LEITWEG_EAS and not leitweg_id_valid(identifier):
        errors["endpoint_id"] = ["Not a valid Leitweg-ID (format or check digits)."]
    return errors


def buyer_reference_errors(profile: str, reference: str) -> list[str]:
    """A default BT-10 of an XRechnung buyer that has the form of a Leitweg-ID must carry
    its right check digits: a wrong one routes the invoice nowhere."""
    if (
        profile == XRECHNUNG
        and looks_like_leitweg_id(reference)
        and not leitweg_id_valid(reference)
    ):
        return ["The Leitweg-ID's check digits are wrong."]
    return []

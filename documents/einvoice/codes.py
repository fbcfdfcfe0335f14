"""Code lists shared by the UBL and CII builders (EN 16931 / Peppol BIS Billing 3.0)."""

from __future__ import annotations

from documents.data import InvoiceDocument

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

EMAIL_EAS = "EM"

# BT-120 default texts: BR-E-10, BR-AE-10, BR-IC-10, BR-G-10 and BR-O-10 require a reason
# (text or code) on every breakdown row of these categories.
DEFAULT_EXEMPTION_REASONS: dict[str, str] = {
    "E": "Exempt from VAT",
    "AE": "Reverse charge",
    "K": "Intra-community supply",
    "G": "Export outside the EU",
    "O": "Not subject to VAT",
}

# BT-121 (VATEX) for the categories whose meaning is one code; E depends on the article of
# the VAT directive, so it has no default code.
EXEMPTION_REASON_CODES: dict[str, str] = {
    "AE": "VATEX-EU-AE",
    "K": "VATEX-EU-IC",
    "G": "VATEX-EU-G",
    "O": "VATEX-EU-O",
}

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

UBL_CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
UBL_PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CII_GUIDELINE_ID = "urn:cen.eu:en16931:2017"


def vat_prefix(vat_id: str) -> str:
    """The two-letter prefix of a VAT id, upper case ("" when it has none)."""
    prefix = vat_id.strip()[:2].upper()
    return prefix if len(prefix) == 2 and prefix.isalpha() else ""


def endpoint_for(vat_id: str, email: str) -> tuple[str, str] | None:
    """(EAS scheme, identifier) of a party's electronic address, or None."""
    vat = vat_id.strip().replace(" ", "")
    scheme = VAT_EAS_BY_PREFIX.get(vat_prefix(vat))
    if scheme:
        return scheme, vat
    if email.strip():
        return EMAIL_EAS, email.strip()
    return None


def exemption_reason(category: str, reason: str) -> str:
    """BT-120 of a breakdown row: the given text, else the category's default.

    Always "" for S and Z: BR-S-10 and BR-Z-10 forbid an exemption reason there.
    """
    if category not in DEFAULT_EXEMPTION_REASONS:
        return ""
    return reason.strip() or DEFAULT_EXEMPTION_REASONS[category]


def categories_of(doc: InvoiceDocument) -> set[str]:
    """Every VAT category used by a line, a document allowance/charge or the breakdown."""
    categories = {line.tax_category for line in doc.lines}
    categories |= {item.tax_category for item in doc.allowances_charges}
    return categories | {group.tax_category for group in doc.tax_breakdown}

"""Which field a client changes to fix a failed e-invoice rule.

A refused issue names, beside each rule id and message, the field of the invoice
(``buyer_reference``, ``items.2.unit_code``), of the customer (``customer.endpoint_id``)
or of the company settings (``settings.contact_name``) that produced the failing
element. Rules are looked up by id first; otherwise the failing node's location says
whose element it is (seller, buyer, a line).
"""

from __future__ import annotations

import re

# Rule id -> field, for rules whose context node does not say it.
RULE_FIELDS: dict[str, str] = {
    # BT-10: XRechnung requires it; Peppol requires it or an order reference (BT-13).
    "BR-DE-15": "buyer_reference",
    "DE-R-015": "buyer_reference",
    "PEPPOL-EN16931-R003": "buyer_reference",
    # Seller contact (BG-6, BT-41..43), city and post code.
    "BR-DE-2": "settings.contact_name",
    "DE-R-002": "settings.contact_name",
    "BR-DE-5": "settings.contact_name",
    "DE-R-005": "settings.contact_name",
    "BR-DE-6": "settings.contact_phone",
    "DE-R-006": "settings.contact_phone",
    "BR-DE-7": "settings.contact_email",
    "DE-R-007": "settings.contact_email",
    "BR-DE-3": "settings.city",
    "DE-R-003": "settings.city",
    "BR-DE-4": "settings.postal_code",
    "DE-R-004": "settings.postal_code",
    "BR-DE-8": "customer.city",
    "BR-DE-9": "customer.postal_code",
    # Seller VAT id (or tax registration) where a VAT category needs it.
    "BR-DE-16": "settings.vat_id",
    "DE-R-016": "settings.vat_id",
    "BR-CO-26": "settings.vat_id",
    "BR-S-02": "settings.vat_id",
    "BR-Z-02": "settings.vat_id",
    "BR-E-02": "settings.vat_id",
    "BR-G-02": "settings.vat_id",
    # Reverse charge and intra-community supply need the buyer's VAT id.
    "BR-AE-02": "customer.tax_id",
    "BR-AE-03": "customer.tax_id",
    "BR-AE-04": "customer.tax_id",
    "BR-IC-02": "customer.tax_id",
    "BR-IC-03": "customer.tax_id",
    "BR-IC-04": "customer.tax_id",
    # Payment instructions.
    "BR-DE-1": "settings.iban",
    "DE-R-001": "settings.iban",
    "BR-50": "settings.iban",
    "BR-61": "settings.iban",
    # Electronic addresses.
    "PEPPOL-EN16931-R010": "customer.endpoint_id",
    "PEPPOL-EN16931-R020": "settings.endpoint_id",
    # Exemption reasons (BT-120 / BT-121).
    "BR-E-10": "vat_exemptions",
    "BR-AE-10": "vat_exemptions",
    "BR-IC-10": "vat_exemptions",
    "BR-G-10": "vat_exemptions",
    "BR-O-10": "vat_exemptions",
    "BR-CL-22": "vat_exemptions",
    # Delivery and period.
    "BR-IC-11": "delivery_date",
    "BR-DE-TMP-32": "delivery_date",
    "BR-29": "period_end",
    "BR-CO-19": "period_start",
    "BR-CO-25": "payment_terms",
    "BR-DE-18": "payment_terms",
}
# Rule id prefix -> field.
RULE_PREFIX_FIELDS: tuple[tuple[str, str], ...] = (
    # BR-DEC: at most 2 decimals in an amount (3-decimal currencies).
    ("BR-DEC-", "currency"),
)
# Line rules -> the line field (with the line's index added from the location).
LINE_RULE_FIELDS: dict[str, str] = {
    "BR-CL-23": "unit_code",
    "PEPPOL-EN16931-R120": "unit_price",
    "PEPPOL-EN16931-R121": "price_base_quantity",
}

# A line step of an SVRL location: "...InvoiceLine' and namespace-uri()='...'][3]"; the
# skeleton writes no position when the line is the only one.
_LINE = re.compile(
    r"(?:InvoiceLine|CreditNoteLine|IncludedSupplyChainTradeLineItem)\b[^/]*?(?:\[(\d+)\])?(?=/|$)"
)
_SELLER = ("AccountingSupplierParty", "SellerTradeParty")
_BUYER = ("AccountingCustomerParty", "BuyerTradeParty")
# Element of a party -> the settings / customer field that fills it.
_PARTY_ELEMENTS: tuple[tuple[str, str, str], ...] = (
    # (element in the location, seller field, buyer field)
    ("EndpointID", "endpoint_id", "endpoint_id"),
    ("URIUniversalCommunication", "endpoint_id", "endpoint_id"),
    ("Contact", "contact_name", "email"),
    ("PartyTaxScheme", "vat_id", "tax_id"),
    ("SpecifiedTaxRegistration", "vat_id", "tax_id"),
    ("PostalAddress", "street", "street"),
    ("PostalTradeAddress", "street", "street"),
    ("PartyLegalEntity", "company_id", "company_id"),
)


def _line_index(location: str) -> int | None:
    match = _LINE.search(location)
    if not match:
        return None
    return int(match.group(1)) - 1 if match.group(1) else 0


def _party_field(location: str) -> str | None:
    for owner, markers, index in (("settings", _SELLER, 1), ("customer", _BUYER, 2)):
        if any(marker in location for marker in markers):
            for row in _PARTY_ELEMENTS:
                if row[0] in location:
                    return f"{owner}.{row[index]}"
            return owner
    return None


def field_for(rule_id: str, location: str) -> str | None:
    """The field to fix for a failed rule at `location` (an XPath), or None."""
    if rule_id in LINE_RULE_FIELDS:
        index = _line_index(location)
        name = LINE_RULE_FIELDS[rule_id]
        return f"items.{index}.{name}" if index is not None else f"items.{name}"
    if rule_id in RULE_FIELDS:
        return RULE_FIELDS[rule_id]
    for prefix, field in RULE_PREFIX_FIELDS:
        if rule_id.startswith(prefix):
            return field
    if (party := _party_field(location)) is not None:
        return party
    index = _line_index(location)
    if index is not None:
        return f"items.{index}"
    return None

"""Turn a parsed official example (EN 16931 or KoSIT XRechnung) into an issued invoice,
through the services.

Used by ``test_official_roundtrip`` and ``test_xrechnung_roundtrip``: the seller goes
into the company settings (with its contact, BT-41..43, and endpoint, BT-34), the buyer
becomes a customer (endpoint BT-49, e-invoice profile), lines, document allowances/
charges and the business terms (BT-10, BT-13, BT-20, BT-72, BG-14, BT-120/121) go
through ``invoice_create_draft`` and ``invoice_issue`` exactly as an API write would
after validation. Nothing here computes money; the file's figures are only used by the
test to compare (``figures``).

Where the product holds data differently from the file, the import adapts the input
and says so here (none of these changes any amount):

- Missing buyer street/city/postal code: the product refuses to issue without a full
  buyer address (``invoice_not_issuable``), EN 16931 only requires the country. The
  import fills the gap with :data:`MISSING_ADDRESS_PART`.
- A unit price with more than 4 decimals (``0.00101``, ``0.41375``): the product keeps 4
  (API contract and ``InvoiceItem.unit_price``), so the same price is written per a
  larger base quantity (BT-149): ``0.00101`` per 1 becomes ``1.01`` per 1000. quantity x
  price / base quantity, hence every amount, is unchanged.
- A due date before the issue date (the product refuses it): left to the default
  payment terms.
- An endpoint scheme outside the EAS code list, or a file without seller contact: the
  settings keep none (the product refuses an unknown scheme; the contact falls back to
  the company's e-mail).
  (``scale_long_prices=False`` turns this off, to show what the services do with such
  a price: see ``KNOWN_BUGS`` in the test.)
- Options the test names per file (``negated_lines``, ``base_quantity_as_one``), each
  with its reason in the test.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from accounts.models import User
from common.tests.factories import CustomerFactory
from customers.models import Customer
from documents.einvoice.codes import EAS_CODES, EN16931
from invoices.models import Invoice, Payment
from invoices.services import invoice_create_draft, invoice_issue, payment_record
from invoices.tests.official_examples import (
    ExampleLine,
    ExampleParty,
    OfficialExample,
    parse_example,
)
from settings_app.models import CompanySettings

MISSING_ADDRESS_PART = "n/a"
# InvoiceItem.unit_price / quantity / price_base_quantity hold 4 decimals.
MAX_DECIMALS = 4
_ONE = Decimal("1")


@dataclass(frozen=True)
class Imported:
    """The issued invoice and the prepayment recorded for BT-113 (None when none)."""

    invoice: Invoice
    prepayment: Payment | None


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _name(party: ExampleParty) -> str:
    # One file wraps the buyer's name over two lines with indentation.
    return " ".join(party.name.split())


def _endpoint(party: ExampleParty) -> tuple[str, str]:
    """(scheme, id) of BT-34 / BT-49 when its scheme is an EAS code, else ("", "")."""
    if party.endpoint_scheme in EAS_CODES and party.endpoint_id:
        return party.endpoint_scheme, party.endpoint_id
    return "", ""


def configure_seller(example: OfficialExample) -> CompanySettings:
    """The company settings become the file's seller (BG-4) and payee account."""
    seller = example.seller
    company = CompanySettings.load()
    company.legal_name = _name(seller)
    company.trading_name = ""
    company.street = seller.street
    company.city = seller.city
    company.postal_code = seller.postal_code
    company.country = seller.country
    company.vat_id = seller.vat_id
    company.company_id = seller.legal_id
    company.email = seller.email
    company.phone = ""
    company.contact_name = seller.contact_name
    company.contact_phone = seller.contact_phone
    company.contact_email = seller.contact_email
    company.endpoint_scheme, company.endpoint_id = _endpoint(seller)
    company.iban = example.payee_iban
    company.bic = example.payee_bic
    company.default_currency = example.currency
    company.save()
    return company


def create_buyer(example: OfficialExample, *, owner: User, profile: str = EN16931) -> Customer:
    """The file's buyer (BG-7) as a customer of ``owner``, in e-invoice ``profile``."""
    buyer = example.buyer
    scheme, endpoint = _endpoint(buyer)
    return CustomerFactory(
        owner=owner,
        name=_name(buyer),
        street=buyer.street or MISSING_ADDRESS_PART,
        city=buyer.city or MISSING_ADDRESS_PART,
        postal_code=buyer.postal_code or MISSING_ADDRESS_PART,
        country=buyer.country,
        tax_id=buyer.vat_id,
        company_id=buyer.legal_id,
        email=buyer.email,
        currency=example.currency,
        einvoice_profile=profile,
        endpoint_scheme=scheme,
        endpoint_id=endpoint,
    )


def _price_and_base(line: ExampleLine, base: Decimal, *, scale: bool) -> tuple[Decimal, Decimal]:
    price = line.net_price
    shift = _decimals(price) - MAX_DECIMALS
    if scale and shift > 0:
        price, base = price.scaleb(shift), base.scaleb(shift)
    return price, base


def item_rows(
    example: OfficialExample,
    *,
    negated_lines: Collection[str] = (),
    base_quantity_as_one: bool = False,
    scale_long_prices: bool = True,
) -> list[dict[str, Any]]:
    """The ``items`` of ``invoice_create_draft`` for the file's lines (BG-25).

    ``negated_lines``: line ids (BT-126) whose quantity is written with a minus sign
    (returned goods the file states as a positive quantity with a negative amount).
    ``base_quantity_as_one``: ignore the file's BT-149 (files that repeat the price there).
    ``scale_long_prices``: write a price with more than 4 decimals per a larger base.
    """
    rows = []
    for line in example.lines:
        base = _ONE if base_quantity_as_one else line.base_quantity
        price, base = _price_and_base(line, base, scale=scale_long_prices)
        rows.append(
            {
                "description": line.name or line.description or f"Line {line.id}",
                "quantity": -line.quantity if line.id in negated_lines else line.quantity,
                "unit_code": line.unit_code or "C62",
                "unit_price": price,
                "price_base_quantity": base,
                "discount_amount": line.allowance_total,
                "charge_amount": line.charge_total,
                "tax_category": line.tax_category,
                "tax_rate": line.tax_rate,
            }
        )
    return rows


def allowance_charge_rows(example: OfficialExample) -> list[dict[str, Any]]:
    """The ``allowances_charges`` of ``invoice_create_draft`` (BG-20 / BG-21)."""
    return [
        {
            "is_charge": item.is_charge,
            "amount": item.amount,
            "reason": item.reason,
            "tax_category": item.tax_category,
            "tax_rate": item.tax_rate,
        }
        for item in example.allowances_charges
    ]


EXEMPT = ("E", "AE", "K", "G", "O")


def vat_exemption_rows(example: OfficialExample) -> list[dict[str, str]]:
    """BT-121 code and BT-120 text of the file's breakdown rows (one per category); an E
    row with neither gets the generic text, which BR-E-10 accepts."""
    rows: dict[str, dict[str, str]] = {}
    for row in example.tax_breakdown:
        code, reason = row.exemption_code.strip(), row.exemption_text.strip()
        if row.tax_category == "E" and not (code or reason):
            reason = "Exempt from VAT"
        if row.tax_category in EXEMPT and (code or reason):
            rows.setdefault(
                row.tax_category,
                {"tax_category": row.tax_category, "code": code, "reason": reason},
            )
    return list(rows.values())


def import_example(
    example: OfficialExample,
    *,
    owner: User,
    negated_lines: Collection[str] = (),
    base_quantity_as_one: bool = False,
    scale_long_prices: bool = True,
    profile: str = EN16931,
) -> Imported:
    """Seller, buyer, draft, issue on the file's date, and BT-113 as a recorded payment
    (when it fits: a file may state more paid than its gross, a refund due)."""
    configure_seller(example)
    customer = create_buyer(example, owner=owner, profile=profile)
    due_date = example.due_date
    if due_date is not None and due_date < example.issue_date:
        due_date = None
    draft = invoice_create_draft(
        owner=owner,
        customer=customer,
        items=item_rows(
            example,
            negated_lines=negated_lines,
            base_quantity_as_one=base_quantity_as_one,
            scale_long_prices=scale_long_prices,
        ),
        allowances_charges=allowance_charge_rows(example),
        kind=example.kind,
        currency=example.currency,
        buyer_reference=example.buyer_reference,
        notes=example.note,
        issue_date=example.issue_date,
        due_date=due_date,
        vat_exemptions=vat_exemption_rows(example),
        order_reference=example.order_reference,
        delivery_date=example.delivery_date,
        period_start=example.period_start,
        period_end=example.period_end,
        payment_terms=example.payment_terms,
    )
    invoice = invoice_issue(invoice=draft, by=owner, issue_date=example.issue_date)
    prepayment = None
    if 0 < example.totals.prepaid <= invoice.amount_due:
        # BT-113 "paid amount": recorded after issue, it stays out of the issued exports.
        prepayment = payment_record(
            invoice=invoice,
            by=owner,
            amount=example.totals.prepaid,
            date=example.issue_date,
            reference="prepayment",
        )
        invoice.refresh_from_db()
    return Imported(invoice=invoice, prepayment=prepayment)


# --- what a round trip compares ------------------------------------------------------


def read_back(xml: bytes, syntax: str, directory: Path) -> OfficialExample:
    """An export, parsed by the same parser as the original file."""
    path = directory / f"export.{syntax}.xml"
    path.write_bytes(xml)
    return parse_example(path, syntax=syntax)


def figures(example: OfficialExample) -> dict[str, object]:
    """BG-22 totals, BG-23 rows and BT-131, in the document currency."""
    totals = example.totals
    return {
        "kind": example.kind,
        "currency": example.currency,
        "BT-106": totals.line_extension,
        "BT-107": totals.allowance_total,
        "BT-108": totals.charge_total,
        "BT-109": totals.tax_exclusive,
        # BT-110 may be absent when no VAT is due (category O only).
        "BT-110": totals.tax_total if totals.tax_total is not None else Decimal("0"),
        "BT-112": totals.tax_inclusive,
        "BT-113": totals.prepaid,
        # BR-CO-16: BT-115 = BT-112 - BT-113 + BT-114; the product has no BT-114.
        "BT-115": totals.payable - totals.rounding,
        # The files list BG-23 in no particular order; Decimal compares numerically.
        "BG-23": sorted(
            (row.tax_category, row.tax_rate, row.taxable_amount, row.tax_amount)
            for row in example.tax_breakdown
        ),
        "BT-131": [line.net_amount for line in example.lines],
    }


def issued_figures(example: OfficialExample) -> dict[str, object]:
    """The file's figures as the product exports them: as issued, nothing paid yet."""
    found = figures(example)
    return {**found, "BT-113": Decimal("0"), "BT-115": found["BT-112"]}


def differences(ours: dict[str, object], theirs: dict[str, object]) -> dict[str, object]:
    return {key: (ours[key], theirs[key]) for key in theirs if ours[key] != theirs[key]}

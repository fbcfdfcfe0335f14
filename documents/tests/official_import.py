"""Turn a parsed official EN 16931 example into an issued invoice, through the services.

Used by ``test_official_roundtrip``: the seller goes into the company settings, the
buyer becomes a customer, lines and document allowances/charges go through
``invoice_create_draft`` and ``invoice_issue`` exactly as an API write would after
validation. Nothing here computes money; the file's figures are only used by the test
to compare.

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
  (``scale_long_prices=False`` turns this off, to show what the services do with such
  a price: see ``KNOWN_BUGS`` in the test.)
- Options the test names per file (``negated_lines``, ``base_quantity_as_one``), each
  with its reason in the test.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from accounts.models import User
from common.tests.factories import CustomerFactory
from customers.models import Customer
from invoices.models import Invoice, Payment
from invoices.services import invoice_create_draft, invoice_issue, payment_record
from invoices.tests.official_examples import ExampleLine, ExampleParty, OfficialExample
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
    company.iban = example.payee_iban
    company.bic = example.payee_bic
    company.default_currency = example.currency
    company.save()
    return company


def create_buyer(example: OfficialExample, *, owner: User) -> Customer:
    """The file's buyer (BG-7) as a customer of ``owner``."""
    buyer = example.buyer
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
    """BT-120 of the file's breakdown rows (one per category). The parser reads no BT-121,
    so an E row that only had a code gets the generic text, which BR-E-10 accepts."""
    rows: dict[str, dict[str, str]] = {}
    for row in example.tax_breakdown:
        reason = row.exemption_reason.strip()
        if row.tax_category == "E" and not reason:
            reason = "Exempt from VAT"
        if row.tax_category in EXEMPT and reason:
            rows.setdefault(row.tax_category, {"tax_category": row.tax_category, "reason": reason})
    return list(rows.values())


def import_example(
    example: OfficialExample,
    *,
    owner: User,
    negated_lines: Collection[str] = (),
    base_quantity_as_one: bool = False,
    scale_long_prices: bool = True,
) -> Imported:
    """Seller, buyer, draft, issue on the file's date, and BT-113 as a recorded payment."""
    configure_seller(example)
    customer = create_buyer(example, owner=owner)
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
    )
    invoice = invoice_issue(invoice=draft, by=owner, issue_date=example.issue_date)
    prepayment = None
    if example.totals.prepaid > 0:
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

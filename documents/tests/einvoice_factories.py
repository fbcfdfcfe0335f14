"""``InvoiceDocument`` builders for the e-invoice tests; totals come from the calculation."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from documents.data import (
    DocumentAllowanceCharge,
    DocumentLine,
    DocumentTaxGroup,
    InvoiceDocument,
    Party,
)
from invoices.calculation import AllowanceChargeInput, LineInput, calculate_totals

D = Decimal

SELLER = Party(
    name="Müller & Söhne Werkzeugbau GmbH",
    street="Hauptstraße 5",
    city="München",
    postal_code="80331",
    country="DE",
    tax_id="DE123456789",
    company_id="HRB 123456",
    email="billing@mueller-soehne.example",
    phone="+49 89 1234567",
    trading_name="Müller Werkzeuge",
)
BUYER_DE = Party(
    name="Beispiel Handel AG",
    street="Marktplatz 1",
    city="Köln",
    postal_code="50667",
    country="DE",
    tax_id="DE987654321",
    company_id="HRB 98765",
    email="ap@beispiel-handel.example",
)
BUYER_FR = Party(
    name="Client Exemple SARL",
    street="12 rue de la Paix",
    city="Paris",
    postal_code="75002",
    country="FR",
    tax_id="FR40303265045",
    company_id="303265045",
    email="factures@client-exemple.example",
)
BUYER_US = Party(
    name="Example Imports Inc.",
    street="1 Harbor Way",
    city="Boston",
    postal_code="02110",
    country="US",
    email="payables@example-imports.example",
)
BUYER_JP = Party(
    name="Sample Trading KK",
    street="1-1 Marunouchi",
    city="Tokyo",
    postal_code="100-0005",
    country="JP",
    email="keiri@sample-trading.example",
)
BUYER_KW = Party(
    name="Gulf Supplies Co.",
    street="Block 3, Street 12",
    city="Kuwait City",
    postal_code="13001",
    country="KW",
    email="accounts@gulf-supplies.example",
)


@dataclass(frozen=True)
class LineSpec:
    """One line as a test writes it: the calculation's input plus what the XML shows."""

    quantity: Decimal
    unit_price: Decimal
    tax_category: str = "S"
    tax_rate: Decimal = Decimal("19")
    price_base_quantity: Decimal = Decimal("1")
    discount_amount: Decimal = Decimal("0")
    charge_amount: Decimal = Decimal("0")
    description: str = "Article"
    unit_code: str = "C62"

    def to_input(self) -> LineInput:
        return LineInput(
            quantity=self.quantity,
            unit_price=self.unit_price,
            tax_category=self.tax_category,
            tax_rate=self.tax_rate,
            price_base_quantity=self.price_base_quantity,
            discount_amount=self.discount_amount,
            charge_amount=self.charge_amount,
        )


@dataclass(frozen=True)
class AllowanceChargeSpec:
    """A document level allowance or charge as a test writes it."""

    is_charge: bool
    amount: Decimal
    tax_category: str = "S"
    tax_rate: Decimal = Decimal("19")
    reason: str = ""


def make_document(
    lines: Sequence[LineSpec],
    allowances_charges: Sequence[AllowanceChargeSpec] = (),
    *,
    currency: str = "EUR",
    kind: str = "invoice",
    number: str = "INV-2026-00042",
    seller: Party = SELLER,
    buyer: Party = BUYER_DE,
    paid_total: Decimal = Decimal("0"),
    exemption_reasons: dict[str, str] | None = None,
    **overrides: object,
) -> InvoiceDocument:
    """An issued ``InvoiceDocument`` whose every amount comes from ``calculate_totals``."""
    totals = calculate_totals(
        lines=[spec.to_input() for spec in lines],
        allowances_charges=[
            AllowanceChargeInput(
                is_charge=item.is_charge,
                amount=item.amount,
                tax_category=item.tax_category,
                tax_rate=item.tax_rate,
            )
            for item in allowances_charges
        ],
        currency=currency,
        paid_total=paid_total,
    )
    reasons = exemption_reasons or {}
    document_lines = tuple(
        DocumentLine(
            position=position,
            description=spec.description,
            quantity=spec.quantity,
            unit_code=spec.unit_code,
            unit_price=spec.unit_price,
            price_base_quantity=spec.price_base_quantity,
            discount_amount=spec.discount_amount,
            charge_amount=spec.charge_amount,
            tax_category=spec.tax_category,
            tax_rate=spec.tax_rate,
            net_amount=net,
        )
        for position, (spec, net) in enumerate(zip(lines, totals.line_nets, strict=True), 1)
    )
    values: dict[str, object] = {
        "kind": kind,
        "number": number,
        "status": "issued",
        "issue_date": dt.date(2026, 3, 15),
        "due_date": dt.date(2026, 4, 14),
        "currency": currency,
        "language": "en",
        "seller": seller,
        "buyer": buyer,
        "lines": document_lines,
        "allowances_charges": tuple(
            DocumentAllowanceCharge(
                is_charge=item.is_charge,
                amount=item.amount,
                reason=item.reason,
                tax_category=item.tax_category,
                tax_rate=item.tax_rate,
            )
            for item in allowances_charges
        ),
        "tax_breakdown": tuple(
            DocumentTaxGroup(
                tax_category=group.tax_category,
                tax_rate=group.tax_rate,
                taxable_amount=group.taxable_amount,
                tax_amount=group.tax_amount,
                exemption_reason=reasons.get(group.tax_category, ""),
            )
            for group in totals.tax_breakdown
        ),
        "line_total": totals.line_total,
        "allowance_total": totals.allowance_total,
        "charge_total": totals.charge_total,
        "net_total": totals.net_total,
        "tax_total": totals.tax_total,
        "gross_total": totals.gross_total,
        "paid_total": totals.paid_total,
        "amount_due": totals.amount_due,
        "buyer_reference": "PO-4711",
        "notes": "Thank you for your order.",
        "payment_iban": "DE89370400440532013000",
        "payment_bic": "COBADEFFXXX",
        "payment_reference": number,
    }
    values.update(overrides)
    return InvoiceDocument(**values)  # type: ignore[arg-type]


def standard_invoice() -> InvoiceDocument:
    """S 19 % and 7 %, line discount and charge, base quantity, document allowance + charge."""
    return make_document(
        [
            LineSpec(D("10"), D("12.50"), description="Drill bits set", discount_amount=D("5.00")),
            LineSpec(
                D("3"),
                D("4.9715"),
                tax_rate=D("7"),
                description="Technical handbook",
                charge_amount=D("2.50"),
            ),
            LineSpec(
                D("250"),
                D("18.90"),
                price_base_quantity=D("100"),
                description="Screws M4 (per 100)",
            ),
        ],
        [
            AllowanceChargeSpec(False, D("10.00"), reason="Loyalty discount"),
            AllowanceChargeSpec(True, D("7.50"), reason="Freight"),
            AllowanceChargeSpec(False, D("1.00"), tax_rate=D("7")),
        ],
    )


def zero_and_exempt_invoice() -> InvoiceDocument:
    """Z and E next to S; E with an explicit exemption text."""
    return make_document(
        [
            LineSpec(D("2"), D("100.00"), description="Consulting"),
            LineSpec(D("1"), D("45.00"), tax_category="Z", tax_rate=D("0"), description="Books"),
            LineSpec(
                D("1.5"), D("80.00"), tax_category="E", tax_rate=D("0"), description="Training"
            ),
        ],
        exemption_reasons={"E": "Exempt under Article 132(1)(i) of Directive 2006/112/EC"},
    )


def reverse_charge_invoice() -> InvoiceDocument:
    """AE with seller and buyer VAT ids."""
    return make_document(
        [
            LineSpec(D("8"), D("95.00"), tax_category="AE", tax_rate=D("0"), description="Audit"),
            LineSpec(D("1"), D("150.00"), tax_category="AE", tax_rate=D("0"), description="Travel"),
        ],
        [AllowanceChargeSpec(False, D("50.00"), tax_category="AE", tax_rate=D("0"))],
        buyer=BUYER_FR,
    )


def intra_community_invoice() -> InvoiceDocument:
    """K: goods to a VAT-registered buyer in another member state."""
    return make_document(
        [
            LineSpec(D("4"), D("310.00"), tax_category="K", tax_rate=D("0"), description="Lathe"),
            LineSpec(D("12"), D("7.25"), tax_category="K", tax_rate=D("0"), description="Chisels"),
        ],
        [
            AllowanceChargeSpec(
                True, D("60.00"), tax_category="K", tax_rate=D("0"), reason="Freight"
            )
        ],
        buyer=BUYER_FR,
    )


def export_invoice() -> InvoiceDocument:
    """G: export outside the EU, buyer without VAT id (endpoint falls back to e-mail)."""
    return make_document(
        [LineSpec(D("20"), D("49.99"), tax_category="G", tax_rate=D("0"), description="Clamps")],
        buyer=BUYER_US,
        currency="USD",
    )


def not_subject_invoice() -> InvoiceDocument:
    """O: not subject to VAT; the buyer's VAT id must not be written."""
    return make_document(
        [
            LineSpec(D("1"), D("500.00"), tax_category="O", tax_rate=D("0"), description="Grant"),
            LineSpec(D("2"), D("25.00"), tax_category="O", tax_rate=D("0"), description="Fees"),
        ],
        [AllowanceChargeSpec(False, D("20.00"), tax_category="O", tax_rate=D("0"))],
    )


def jpy_invoice() -> InvoiceDocument:
    """JPY (no minor unit) with Japanese-style rates 10 % and 8 %."""
    return make_document(
        [
            LineSpec(D("3"), D("1980"), tax_rate=D("10"), description="Tool case"),
            LineSpec(
                D("7"),
                D("333.3"),
                tax_rate=D("8"),
                description="Green tea",
                discount_amount=D("17"),
            ),
        ],
        [AllowanceChargeSpec(False, D("100"), tax_rate=D("10"))],
        currency="JPY",
        buyer=BUYER_JP,
    )


def kwd_invoice() -> InvoiceDocument:
    """KWD (3-decimal minor unit) whose amounts stay within EN 16931's 2 decimals."""
    return make_document(
        [
            LineSpec(D("2"), D("12.500"), tax_rate=D("5"), description="Generator service"),
            LineSpec(D("4"), D("3.250"), tax_rate=D("5"), description="Filters"),
        ],
        [AllowanceChargeSpec(True, D("2.000"), tax_rate=D("5"), reason="Delivery")],
        currency="KWD",
        buyer=BUYER_KW,
    )


def kwd_invoice_with_fils() -> InvoiceDocument:
    """KWD amounts that really use the third decimal: not expressible in EN 16931."""
    return make_document(
        [LineSpec(D("3"), D("1.237"), tax_rate=D("5"), description="Cable")],
        currency="KWD",
        buyer=BUYER_KW,
    )


def credit_note() -> InvoiceDocument:
    """A credit note referring to an invoice (BT-25/26), positive amounts."""
    return make_document(
        [
            LineSpec(D("2"), D("12.50"), description="Drill bits set (returned)"),
            LineSpec(D("1"), D("4.9715"), tax_rate=D("7"), description="Technical handbook"),
        ],
        kind="credit_note",
        number="CN-2026-00007",
        credited_invoice_number="INV-2026-00042",
        credited_invoice_issue_date=dt.date(2026, 3, 1),
        notes="Credit for returned goods.",
    )


def partially_paid_invoice() -> InvoiceDocument:
    """A prepaid amount (BT-113) leaves a smaller amount due."""
    return make_document(
        [LineSpec(D("5"), D("99.95"), description="Safety boots")],
        paid_total=D("200.00"),
    )


def minimal_invoice() -> InvoiceDocument:
    """No IBAN, no buyer reference, no e-mail: the fallbacks."""
    return make_document(
        [LineSpec(D("1"), D("10.00"))],
        buyer=dataclasses.replace(BUYER_DE, email="", company_id=""),
        buyer_reference="",
        payment_iban="",
        payment_bic="",
        notes="",
    )


SCENARIOS: dict[str, Callable[[], InvoiceDocument]] = {
    "standard": standard_invoice,
    "zero_and_exempt": zero_and_exempt_invoice,
    "reverse_charge": reverse_charge_invoice,
    "intra_community": intra_community_invoice,
    "export": export_invoice,
    "not_subject": not_subject_invoice,
    "jpy": jpy_invoice,
    "kwd": kwd_invoice,
    "credit_note": credit_note,
    "partially_paid": partially_paid_invoice,
    "minimal": minimal_invoice,
}


def with_total_raised(
    doc: InvoiceDocument, field: str = "gross_total", delta: Decimal = Decimal("0.01")
) -> InvoiceDocument:
    """A tampered copy: one total no longer follows from the others (BR-CO-10..16)."""
    return dataclasses.replace(doc, **{field: getattr(doc, field) + delta})


def describe(violations: Sequence[object]) -> str:
    """Violations one per line, for assertion messages."""
    return "\n".join(str(violation) for violation in violations)

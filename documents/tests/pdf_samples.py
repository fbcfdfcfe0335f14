"""Hand-built ``InvoiceDocument`` samples with consistent EN 16931 figures.

The figures are computed here with the contract's formula (line net rounded once,
tax per group rounded once) so every sample is internally consistent; the tests
then only check that renderers print them.
"""

# The samples use typographic characters on purpose: the PDF must print them.
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from documents.data import (
    DocumentAllowanceCharge,
    DocumentLine,
    DocumentTaxGroup,
    InvoiceDocument,
    Party,
)

SELLER = Party(
    name="Müller & Söhne GmbH",
    street="Hauptstraße 5",
    city="Köln",
    postal_code="50667",
    country="DE",
    tax_id="DE123456789",
    company_id="HRB 12345",
    email="rechnung@example.com",
    phone="+49 221 1234567",
)
BUYER_DE = Party(
    name="Bäckerei Groß KG",
    street="Weißdornweg 12",
    city="München",
    postal_code="80331",
    country="DE",
    tax_id="DE987654321",
)
BUYER_FR = Party(
    name="Société Générale d’Études",
    street="12 rue de l’Église",
    city="Besançon",
    postal_code="25000",
    country="FR",
    tax_id="FR12345678901",
)
BUYER_EN = Party(name="Acme Ltd", street="1 King Street", city="London", postal_code="EC2V 8AU")

IBAN = "DE89370400440532013000"
BIC = "COBADEFFXXX"


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def line(
    position: int,
    description: str,
    quantity: str,
    unit_price: str,
    *,
    rate: str = "19.00",
    category: str = "S",
    unit: str = "C62",
    base: str = "1",
    discount: str = "0",
    charge: str = "0",
    places: int = 2,
) -> DocumentLine:
    """One line whose net follows BR-CO-10's formula."""
    qty, price, base_qty = Decimal(quantity), Decimal(unit_price), Decimal(base)
    net = _round(qty * price / base_qty + Decimal(charge) - Decimal(discount), places)
    return DocumentLine(
        position=position,
        description=description,
        quantity=qty,
        unit_code=unit,
        unit_price=price,
        price_base_quantity=base_qty,
        discount_amount=Decimal(discount),
        charge_amount=Decimal(charge),
        tax_category=category,
        tax_rate=Decimal(rate),
        net_amount=net,
    )


def build(
    lines: list[DocumentLine],
    *,
    allowances_charges: tuple[DocumentAllowanceCharge, ...] = (),
    paid: str = "0",
    currency: str = "EUR",
    places: int = 2,
    exemption_reasons: dict[str, str] | None = None,
    **fields: object,
) -> InvoiceDocument:
    """An invoice with every total derived from ``lines`` and ``allowances_charges``."""
    groups: dict[tuple[str, Decimal], Decimal] = {}
    for item in lines:
        key = (item.tax_category, item.tax_rate)
        groups[key] = groups.get(key, Decimal(0)) + item.net_amount
    for item in allowances_charges:
        key = (item.tax_category, item.tax_rate)
        signed = item.amount if item.is_charge else -item.amount
        groups[key] = groups.get(key, Decimal(0)) + signed
    reasons = exemption_reasons or {}
    breakdown = tuple(
        DocumentTaxGroup(
            tax_category=category,
            tax_rate=rate,
            taxable_amount=taxable,
            tax_amount=_round(taxable * rate / 100, places),
            exemption_reason=reasons.get(category, ""),
        )
        for (category, rate), taxable in groups.items()
    )
    line_total = sum((item.net_amount for item in lines), Decimal(0))
    allowance_total = sum(
        (item.amount for item in allowances_charges if not item.is_charge), Decimal(0)
    )
    charge_total = sum((item.amount for item in allowances_charges if item.is_charge), Decimal(0))
    net_total = line_total - allowance_total + charge_total
    tax_total = sum((group.tax_amount for group in breakdown), Decimal(0))
    gross = net_total + tax_total
    values: dict[str, object] = {
        "kind": "invoice",
        "number": "INV-2026-00042",
        "status": "issued",
        "issue_date": dt.date(2026, 3, 2),
        "due_date": dt.date(2026, 4, 1),
        "currency": currency,
        "language": "en",
        "seller": SELLER,
        "buyer": BUYER_EN,
        "lines": tuple(lines),
        "allowances_charges": allowances_charges,
        "tax_breakdown": breakdown,
        "line_total": line_total,
        "allowance_total": allowance_total,
        "charge_total": charge_total,
        "net_total": net_total,
        "tax_total": tax_total,
        "gross_total": gross,
        "paid_total": Decimal(paid),
        "amount_due": gross - Decimal(paid),
        "payment_iban": IBAN,
        "payment_bic": BIC,
        "payment_reference": "INV-2026-00042",
        "footer_text": (
            "Müller & Söhne GmbH · Amtsgericht Köln HRB 12345 · Geschäftsführer: J. Müller"
        ),
    }
    values.update(fields)
    return InvoiceDocument(**values)  # type: ignore[arg-type]


def ten_line_invoice(lang: str = "en") -> InvoiceDocument:
    """The benchmark case: one page, 10 lines, two VAT rates."""
    lines = [
        line(i, f"Consulting work package {i}: analysis and design", str(i), "95.50")
        for i in range(1, 9)
    ]
    lines.append(line(9, "Reference book", "2", "24.90", rate="7.00"))
    lines.append(line(10, "Travel expenses (flat rate)", "1", "120", unit="LS"))
    return build(lines, language=lang)


def multi_rate_de() -> InvoiceDocument:
    """German invoice: three rates, a line discount, a 4-decimal price, a document
    allowance, a charge, a partial payment, notes."""
    lines = [
        line(1, "Beratung Datenschutz (DSGVO)", "12.5", "110.00", unit="HUR", discount="75.00"),
        line(2, "Fachbuch „Steuerrecht für Anfänger“", "3", "24.90", rate="7.00"),
        line(3, "Schrauben M4 × 20, Edelstahl", "1000", "4.9715", base="100", discount="2.15"),
        line(4, "Ausfuhrbescheinigung", "1", "0", rate="0.00", category="Z"),
        line(5, "Wartungsvertrag März", "1", "249", unit="MON", charge="15.00"),
    ]
    adjustments = (
        DocumentAllowanceCharge(False, Decimal("50.00"), "Treuerabatt", "S", Decimal("19.00")),
        DocumentAllowanceCharge(True, Decimal("12.50"), "Versandkosten", "S", Decimal("19.00")),
    )
    return build(
        lines,
        allowances_charges=adjustments,
        paid="500.00",
        language="de",
        buyer=BUYER_DE,
        buyer_reference="Bestellung 4711/ÄÖÜ",
        notes="Leistungszeitraum: März 2026.\n\nVielen Dank für Ihren Auftrag – wir freuen uns "
        "auf die weitere Zusammenarbeit. Grüße aus Köln, Straße & Söhne «ß».",
    )


def credit_note(lang: str = "de") -> InvoiceDocument:
    """A credit note that refers to the invoice it corrects."""
    lines = [line(1, "Minderung wegen fehlerhafter Lieferung", "2", "49.95")]
    buyer = BUYER_FR if lang == "fr" else BUYER_DE
    return build(
        lines,
        kind="credit_note",
        number="CN-2026-00007",
        payment_reference="CN-2026-00007",
        language=lang,
        buyer=buyer,
        credited_invoice_number="INV-2026-00042",
        credited_invoice_issue_date=dt.date(2026, 3, 2),
    )


def french_invoice() -> InvoiceDocument:
    """French invoice with an exempt line and its exemption reason."""
    lines = [
        line(1, "Prestation de conseil — étude préalable", "3", "850", unit="DAY", rate="20.00"),
        line(2, "Formation œnologie « Côtes-du-Rhône »", "1", "1200", rate="0.00", category="E"),
    ]
    return build(
        lines,
        language="fr",
        buyer=BUYER_FR,
        exemption_reasons={"E": "Exonération de TVA, article 261-4-4° du CGI"},
    )


def draft_invoice() -> InvoiceDocument:
    """A draft: no number yet, must show DRAFT."""
    return dataclasses.replace(
        ten_line_invoice("en"), status="draft", number=None, payment_reference=""
    )


def jpy_invoice() -> InvoiceDocument:
    """Yen have no minor unit."""
    lines = [
        line(1, "Translation (per page)", "12", "3500", rate="10.00", places=0),
        line(2, "Express surcharge", "1", "2480", rate="10.00", places=0),
    ]
    return build(lines, currency="JPY", places=0, number="INV-2026-00099")


def long_invoice(count: int = 200) -> InvoiceDocument:
    """Many lines: several pages with the table header repeated."""
    lines = [
        line(i, f"Item {i}: spare part with a moderately long description", "1", "10.00")
        for i in range(1, count + 1)
    ]
    return build(lines, number="INV-2026-00100")

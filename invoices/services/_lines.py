"""Line defaults, precision and the rules every draft line obeys, on every path.

The API serializer, the admin forms and the services all call `lines_errors`, so a
line the API refuses is refused in the back office and in the shell too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from common.exceptions import ValidationException
from documents.einvoice.codes import VATEX_CODES
from invoices.calculation import InvoiceTotals, line_gross_amount, minor_unit
from invoices.models import ALLOWANCE_CHARGE_DEFAULTS, ITEM_DEFAULTS, Invoice, InvoiceItem
from invoices.totals import TOTAL_FIELDS, line_input
from products.models import Product
from settings_app.models import TAX_CATEGORIES, CompanySettings

ZERO = Decimal("0")
TAX_CATEGORY_CODES = frozenset(code for code, _ in TAX_CATEGORIES)
ZERO_RATED_CATEGORIES = frozenset({"Z", "E", "AE", "K", "G", "O"})

# What the item columns store: a value with more decimals would be computed with one
# precision and stored with another, and the stored lines would no longer add up.
STORED_DECIMALS = {"quantity": 4, "unit_price": 4, "price_base_quantity": 4}

# Amounts are stored as DecimalField(max_digits=19, decimal_places=4): below 10^15.
# Each input fits, but quantity x price can exceed it; PostgreSQL refuses such a row,
# SQLite stores it and every later read of the invoice fails.
_MONEY_FIELD = Invoice._meta.get_field("gross_total")
MAX_STORABLE_AMOUNT = Decimal(10) ** (_MONEY_FIELD.max_digits - _MONEY_FIELD.decimal_places)

# Dates a legal document can carry: a typo like 0001-01-01 or 9999-12-31 is refused
# (and 9999 would overflow when the due date is computed).
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)


def default_tax_rate(category: str, company: CompanySettings) -> Decimal:
    return company.default_tax_rate if category == "S" else ZERO


def item_with_defaults(row: Mapping[str, Any], company: CompanySettings) -> dict[str, Any]:
    row = {**ITEM_DEFAULTS, **{k: v for k, v in row.items() if v is not None}}
    if row.get("tax_rate") is None:
        row["tax_rate"] = default_tax_rate(row["tax_category"], company)
    return row


# What a line copies from the product it names, for each field it leaves out.
PRODUCT_LINE_FIELDS = ("description", "unit_code", "unit_price", "tax_category", "tax_rate")


_NOT_AN_ID = object()


def _product_id(value: Any) -> Any:
    """A line's `product`: an id (API, shell) or a Product (admin form); None for none."""
    value = getattr(value, "pk", value)
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return value
    return _NOT_AN_ID


def _given(row: Mapping[str, Any], name: str) -> bool:
    value = row.get(name)
    return value is not None and not (name == "description" and not str(value).strip())


def items_with_products(
    items: Sequence[Mapping[str, Any]], *, draft: Invoice | None = None
) -> list[dict[str, Any]]:
    """Lines that name a `product` take its values for the fields they leave out.

    The values are copied into the line (a later edit of the product never changes it);
    the description is the product's description, else its name; the rate is the
    product's only when the line takes the product's category too. An archived product
    cannot be named on a new line: only lines of `draft` that named it already may keep
    it. All products named are read in one query, whatever the number of lines.
    """
    named = [_product_id(row.get("product")) for row in items]
    ids = {pk for pk in named if isinstance(pk, int)}
    products = Product.objects.in_bulk(ids) if ids else {}
    archived = {pk for pk, product in products.items() if product.archived}
    kept: set[int] = set()
    if archived and draft is not None and draft.pk is not None:
        kept = set(
            InvoiceItem.objects.filter(invoice_id=draft.pk, product_id__in=archived).values_list(
                "product_id", flat=True
            )
        )
    rows: list[dict[str, Any]] = []
    errors: dict[str, Any] = {}
    for index, (row, product_id) in enumerate(zip(items, named, strict=True)):
        row = {**row, "product": product_id}
        product = products.get(product_id) if isinstance(product_id, int) else None
        if product_id is _NOT_AN_ID:
            errors[str(index)] = {"product": ["A product id is required."]}
        elif product_id is not None and product is None:
            errors[str(index)] = {"product": [f"No product with id {product_id}."]}
        elif product is not None and product.archived and product_id not in kept:
            errors[str(index)] = {
                "product": ["The product is archived and cannot be named on a new line."]
            }
        elif product is not None:
            copied = {
                "description": product.description.strip() or product.name,
                "unit_code": product.unit_code,
                "unit_price": product.unit_price,
                "tax_category": product.tax_category,
            }
            for name, value in copied.items():
                if not _given(row, name):
                    row[name] = value
            if not _given(row, "tax_rate") and row["tax_category"] == product.tax_category:
                row["tax_rate"] = product.tax_rate
        elif missing := [name for name in ("description", "unit_price") if not _given(row, name)]:
            errors[str(index)] = {name: ["This field is required."] for name in missing}
        rows.append(row)
    if errors:
        raise ValidationException(details={"items": errors})
    return rows


def allowance_charge_with_defaults(
    row: Mapping[str, Any], company: CompanySettings
) -> dict[str, Any]:
    row = {**ALLOWANCE_CHARGE_DEFAULTS, **{k: v for k, v in row.items() if v is not None}}
    if row.get("tax_rate") is None:
        row["tax_rate"] = default_tax_rate(row["tax_category"], company)
    return row


def _places_errors(value: Decimal, places: int, what: str = "") -> list[str]:
    if value != value.quantize(Decimal(1).scaleb(-places)):
        suffix = f" {what}" if what else ""
        return [f"Ensure that there are no more than {places} decimal places{suffix}."]
    return []


def _tax_errors(category: str, rate: Decimal) -> list[str]:
    if category not in TAX_CATEGORY_CODES:
        return [f"{category!r} is not a tax category (UNCL5305: S, Z, E, AE, K, G, O)."]
    if not ZERO <= rate <= 100:
        return ["Ensure the rate is between 0 and 100."]
    if errors := _places_errors(rate, 2):
        return errors
    if category in ZERO_RATED_CATEGORIES and rate != 0:
        return [f"Tax category {category} takes a rate of 0."]
    if category == "S" and rate <= 0:
        return ["Standard rated (S) lines need a rate above 0 (BR-S-05)."]
    return []


def tax_errors(category: str, rate: Decimal) -> list[str]:
    """The rate rule of a tax category, for other writers of line values (products)."""
    return _tax_errors(category, rate)


def _as_decimal(row: dict[str, Any], name: str, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        value = Decimal(str(row[name]))
    except (InvalidOperation, KeyError, TypeError):
        errors[name] = ["A valid number is required."]
        return None
    if not value.is_finite():
        errors[name] = ["A valid number is required."]
        return None
    return value


def item_errors(row: dict[str, Any], currency: str) -> dict[str, list[str]]:
    """The problems of one line (with defaults applied), by field name."""
    errors: dict[str, list[str]] = {}
    exponent = minor_unit(currency)
    if not str(row.get("description") or "").strip():
        errors["description"] = ["A line needs a description."]
    values = {name: _as_decimal(row, name, errors) for name in (*STORED_DECIMALS, "tax_rate")}
    for name in ("discount_amount", "charge_amount"):
        values[name] = _as_decimal(row, name, errors)
    for name, places in STORED_DECIMALS.items():
        value = values[name]
        if value is None:
            continue
        if name == "unit_price" and value < 0:
            errors[name] = ["Ensure this value is greater than or equal to 0."]
        elif name != "unit_price" and value <= 0:
            errors[name] = ["Ensure this value is greater than 0."]
        elif messages := _places_errors(value, places):
            errors[name] = messages
    for name in ("discount_amount", "charge_amount"):
        value = values[name]
        if value is None:
            continue
        if value < 0:
            errors[name] = ["Ensure this value is greater than or equal to 0."]
        elif messages := _places_errors(value, exponent, "for this currency"):
            errors[name] = messages
    if values["tax_rate"] is not None and (
        messages := _tax_errors(row.get("tax_category"), values["tax_rate"])
    ):
        errors["tax_rate" if row.get("tax_category") in TAX_CATEGORY_CODES else "tax_category"] = (
            messages
        )
    if not errors:
        gross = line_gross_amount(line_input(row))
        if values["discount_amount"] > gross:
            errors["discount_amount"] = ["The discount is larger than the line's amount."]
    return errors


def allowance_charge_errors(row: dict[str, Any], currency: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    amount = _as_decimal(row, "amount", errors)
    rate = _as_decimal(row, "tax_rate", errors)
    if amount is not None:
        if amount < 0:
            errors["amount"] = ["Ensure this value is greater than or equal to 0."]
        elif messages := _places_errors(amount, minor_unit(currency), "for this currency"):
            errors["amount"] = messages
    if rate is not None and (messages := _tax_errors(row.get("tax_category"), rate)):
        errors["tax_rate" if row.get("tax_category") in TAX_CATEGORY_CODES else "tax_category"] = (
            messages
        )
    return errors


def lines_errors(
    items: Sequence[dict[str, Any]], allowances_charges: Sequence[dict[str, Any]], currency: str
) -> dict[str, Any]:
    """Row problems keyed by index, as DRF reports nested list errors."""
    errors: dict[str, Any] = {}
    by_item = {
        str(index): problems
        for index, row in enumerate(items)
        if (problems := item_errors(row, currency))
    }
    by_allowance = {
        str(index): problems
        for index, row in enumerate(allowances_charges)
        if (problems := allowance_charge_errors(row, currency))
    }
    if by_item:
        errors["items"] = by_item
    if by_allowance:
        errors["allowances_charges"] = by_allowance
    return errors


def check_lines(
    items: Sequence[dict[str, Any]], allowances_charges: Sequence[dict[str, Any]], currency: str
) -> None:
    if errors := lines_errors(items, allowances_charges, currency):
        raise ValidationException(details=errors)


def check_storable(totals: InvoiceTotals) -> None:
    amounts = [*totals.line_nets, *(getattr(totals, name) for name in TOTAL_FIELDS)]
    if any(abs(amount) >= MAX_STORABLE_AMOUNT for amount in amounts):
        message = f"Amounts are too large: every total must stay below {MAX_STORABLE_AMOUNT:,}."
        raise ValidationException(message, details={"items": [message]})


def date_errors(value: dt.date | None) -> list[str]:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        return [f"Ensure the date is between {EARLIEST_DATE} and {LATEST_DATE}."]
    return []


def check_dates(**dates: dt.date | None) -> None:
    errors = {name: messages for name, value in dates.items() if (messages := date_errors(value))}
    if errors:
        raise ValidationException(details=errors)


# --- e-invoice business terms (BT-13, BT-20, BT-72, BG-14, BT-120/121) ------------------

EXEMPT_CATEGORIES = ("E", "AE", "K", "G", "O")
VATEX_PATTERN = re.compile(r"VATEX-[A-Z]{2}-[A-Z0-9-]+")
MAX_EXEMPTION_REASON = 1000


def vat_exemptions_normalised(
    rows: Sequence[Mapping[str, Any]] | None,
) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """The exemptions as stored ({tax_category, code, reason}, codes upper case) and the
    problems by index: a category that takes an exemption (E, AE, K, G, O; BR-S-10 and
    BR-Z-10 forbid one on S and Z), a known VATEX code (BR-CL-22), a code or a reason,
    one entry per category."""
    stored: list[dict[str, str]] = []
    problems: dict[str, Any] = {}
    seen: set[str] = set()
    for index, row in enumerate(rows or ()):
        errors: dict[str, list[str]] = {}
        if not isinstance(row, Mapping):
            problems[str(index)] = {"non_field_errors": ["Expected an object."]}
            continue
        category = str(row.get("tax_category") or "").strip().upper()
        code = str(row.get("code") or "").strip().upper()
        reason = str(row.get("reason") or "").strip()
        if category not in EXEMPT_CATEGORIES:
            errors["tax_category"] = [
                f"An exemption is given for {', '.join(EXEMPT_CATEGORIES)} (BR-S-10, BR-Z-10)."
            ]
        elif category in seen:
            errors["tax_category"] = [f"Category {category} is listed twice."]
        seen.add(category)
        if code and (not VATEX_PATTERN.fullmatch(code) or code not in VATEX_CODES):
            errors["code"] = [f"{code!r} is not a VATEX code (CEF VATEX list, BR-CL-22)."]
        if not code and not reason:
            errors["reason"] = ["Give a VATEX code, a reason text or both."]
        if len(reason) > MAX_EXEMPTION_REASON:
            errors["reason"] = [f"At most {MAX_EXEMPTION_REASON} characters."]
        if errors:
            problems[str(index)] = errors
        stored.append({"tax_category": category, "code": code, "reason": reason})
    return stored, problems


def business_terms_errors(
    *,
    delivery_date: dt.date | None,
    period_start: dt.date | None,
    period_end: dt.date | None,
) -> dict[str, list[str]]:
    errors = {
        name: messages
        for name, value in (
            ("delivery_date", delivery_date),
            ("period_start", period_start),
            ("period_end", period_end),
        )
        if (messages := date_errors(value))
    }
    if not errors and period_start and period_end and period_end < period_start:
        errors["period_end"] = ["The period cannot end before it starts (BR-29)."]
    return errors


def missing_exemptions(
    categories: set[str], vat_exemptions: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Categories used that need an exemption the invoice does not give: only E has no
    sensible default (its reason is an article of the VAT law; BR-E-10)."""
    given = {
        row.get("tax_category")
        for row in vat_exemptions or ()
        if isinstance(row, Mapping) and (row.get("code") or row.get("reason"))
    }
    return sorted(category for category in categories & {"E"} if category not in given)

"""Writes on the catalogue, with the rules every path (API, admin, shell) obeys.

A product holds the values an invoice line copies when it names it; the same tax rules
as a line apply (S takes a rate above 0, the other categories 0), so a product never
fills a line with values the line would refuse.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from common.exceptions import ValidationException
from invoices.models import InvoiceItem
from invoices.services._lines import default_tax_rate, tax_errors
from products.errors import ProductInUse
from products.models import Product
from settings_app.models import CompanySettings

UNIT_CODE = re.compile(r"[A-Z0-9]{1,3}")  # UN/ECE rec 20, as a line takes it


def _errors(product: Product) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        # Lengths, choices and bounds of the columns; the partial unique sku is checked
        # below so that its error names the field.
        product.full_clean(validate_constraints=False)
    except DjangoValidationError as exc:
        errors.update(exc.message_dict)
    if not product.name.strip():
        errors["name"] = ["A product needs a name."]
    if not UNIT_CODE.fullmatch(product.unit_code or ""):
        errors["unit_code"] = ["Use a UN/ECE rec 20 code: 1-3 capital letters or digits."]
    price = product.unit_price
    if "unit_price" not in errors and isinstance(price, Decimal) and price != round(price, 4):
        errors["unit_price"] = ["Ensure that there are no more than 4 decimal places."]
    checkable = "tax_category" not in errors and "tax_rate" not in errors
    if checkable and (messages := tax_errors(product.tax_category, Decimal(product.tax_rate))):
        errors["tax_rate"] = messages
    if product.sku and (Product.objects.filter(sku=product.sku).exclude(pk=product.pk).exists()):
        errors["sku"] = ["Another product has this SKU."]
    return errors


def _save_checked(product: Product) -> Product:
    product.name = product.name.strip()
    product.sku = product.sku.strip()
    if errors := _errors(product):
        raise ValidationException(details=errors)
    product.save()
    return product


@transaction.atomic
def product_create(
    *,
    name: str,
    unit_price: Decimal,
    description: str = "",
    sku: str = "",
    unit_code: str = "C62",
    tax_category: str = "S",
    tax_rate: Decimal | None = None,
    archived: bool = False,
) -> Product:
    """A catalogue entry; a left-out rate is the category's default (the company's
    default rate for S, 0 otherwise), as on an invoice line."""
    if tax_rate is None:
        tax_rate = default_tax_rate(tax_category, CompanySettings.current())
    product = Product(
        name=name,
        description=description,
        sku=sku,
        unit_code=unit_code,
        unit_price=unit_price,
        tax_category=tax_category,
        tax_rate=tax_rate,
        archived=archived,
    )
    return _save_checked(product)


@transaction.atomic
def product_update(*, product: Product, **fields: Any) -> Product:
    """Change a product. Lines that copied it keep their values (they are copies).

    A new category without a rate takes that category's default rate.
    """
    product = Product.objects.select_for_update().get(pk=product.pk)
    category_changed = "tax_category" in fields and fields["tax_category"] != product.tax_category
    for name, value in fields.items():
        if not hasattr(product, name) or name in ("id", "pk", "created_at", "updated_at"):
            raise TypeError(f"product_update() got an unexpected field {name!r}")
        setattr(product, name, value)
    if fields.get("tax_rate") is None and (category_changed or "tax_rate" in fields):
        product.tax_rate = default_tax_rate(product.tax_category, CompanySettings.current())
    return _save_checked(product)


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Delete an unused product; one named on any invoice line is refused (409
    `product_in_use`): archive it instead, so the lines keep their reference."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    used = InvoiceItem.objects.filter(product_id=product.pk).count()
    if used:
        raise ProductInUse(details={"invoice_lines": used})
    product.delete()

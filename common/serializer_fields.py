"""Serializer fields for money: exact decimal strings in the currency's own precision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from invoices.calculation import round_money


# An exact decimal string, as DRF renders decimals with COERCE_DECIMAL_TO_STRING.
@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"})
class MoneyField(serializers.Field):
    """Read-only amount shown with its row's currency exponent ("119.00", "500", "1.250")."""

    def __init__(self, *, currency_attr: str = "currency", **kwargs: Any) -> None:
        kwargs["read_only"] = True
        self.currency_attr = currency_attr
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> tuple[Decimal | None, str]:
        value = super().get_attribute(instance)
        return value, getattr(instance, self.currency_attr, None) or "EUR"

    def to_representation(self, value: tuple[Decimal | None, str]) -> str | None:
        amount, currency = value
        if amount is None:
            return None
        return str(round_money(Decimal(amount), currency))


def money_string(amount: Decimal | None, currency: str) -> str | None:
    return None if amount is None else str(round_money(Decimal(amount), currency))


class CodeField(serializers.CharField):
    """A code (country, currency, VAT id, IBAN): upper-cased before validators run.

    DRF runs a field's validators before `validate_<field>`, so normalising there is too
    late: "fr" would be refused as not an ISO code. `strip_spaces` also removes the
    spaces people type into VAT ids and IBANs.
    """

    def __init__(self, *, strip_spaces: bool = False, **kwargs: Any) -> None:
        self.strip_spaces = strip_spaces
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if self.strip_spaces:
            value = "".join(value.split())
        return value.upper()

"""Products made through the service, as the product does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from products import services
from products.models import Product


def make_product(**fields: Any) -> Product:
    values: dict[str, Any] = {
        "name": "Consulting hour",
        "unit_price": Decimal("120.00"),
        "unit_code": "HUR",
        "tax_category": "S",
        "tax_rate": Decimal("19.00"),
        **fields,
    }
    return services.product_create(**values)

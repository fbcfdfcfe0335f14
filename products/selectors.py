"""Reads of the catalogue: shared by the company, so every user reads every product."""

from __future__ import annotations

from django.db.models import QuerySet

from products.models import Product


def product_list() -> QuerySet[Product]:
    return Product.objects.all()

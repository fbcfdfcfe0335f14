"""Seller and buyer as printed on an issued invoice (invariant 5: copied, never linked)."""

from __future__ import annotations

from typing import Any

from customers.models import Customer
from settings_app.models import CompanySettings


def seller_snapshot(company: CompanySettings) -> dict[str, Any]:
    return {
        "name": company.legal_name,
        "trading_name": company.trading_name,
        "street": company.street,
        "city": company.city,
        "postal_code": company.postal_code,
        "country": company.country,
        "tax_id": company.vat_id,
        "company_id": company.company_id,
        "email": company.email,
        "phone": company.phone,
        "website": company.website,
        "iban": company.iban,
        "bic": company.bic,
        "footer": company.invoice_footer,
        "logo": company.logo.name if company.logo else "",
    }


def buyer_snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "name": customer.name,
        "street": customer.street,
        "city": customer.city,
        "postal_code": customer.postal_code,
        "country": customer.country,
        "tax_id": customer.tax_id,
        "company_id": customer.company_id,
        "email": customer.email,
        "phone": customer.phone,
    }

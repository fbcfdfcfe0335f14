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
        # BT-41..43: the contact's phone and e-mail default to the company's.
        "contact_name": company.contact_name,
        "contact_phone": company.contact_phone or company.phone,
        "contact_email": company.contact_email or company.email,
        "endpoint_id": company.endpoint_id,
        "endpoint_scheme": company.endpoint_scheme,
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
        "endpoint_id": customer.endpoint_id,
        "endpoint_scheme": customer.endpoint_scheme,
        # The e-invoice profile is fixed at issue with the rest of the buyer.
        "einvoice_profile": customer.einvoice_profile,
    }

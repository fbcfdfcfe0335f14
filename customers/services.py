"""Writes on customers, and the statistics kept from their invoices."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from accounts.models import User
from common.counts import tables_changed
from common.exceptions import ValidationException
from customers.models import Customer
from documents.einvoice import codes
from invoices.models import ISSUED_STATUSES, Invoice, InvoiceKind
from settings_app.models import CompanySettings

ZERO = Decimal("0")
STATISTICS_FIELDS = [
    "invoice_count",
    "total_invoiced",
    "total_paid",
    "balance_due",
    "last_invoice_date",
]


def customer_create(
    *,
    owner: User,
    name: str,
    email: str = "",
    phone: str = "",
    tax_id: str = "",
    company_id: str = "",
    street: str = "",
    city: str = "",
    postal_code: str = "",
    country: str = "",
    currency: str = "",
    payment_terms_days: int | None = None,
    preferred_language: str = "en",
    notes: str = "",
    einvoice_profile: str = "en16931",
    endpoint_id: str = "",
    endpoint_scheme: str = "",
    buyer_reference: str = "",
    reminders_enabled: bool = True,
    is_consumer: bool = False,
) -> Customer:
    """A customer; currency and payment terms default to the company's."""
    company = None
    if not currency or payment_terms_days is None:
        company = CompanySettings.load()
    customer = Customer(
        owner=owner,
        name=name,
        email=email,
        phone=phone,
        tax_id=tax_id,
        company_id=company_id,
        street=street,
        city=city,
        postal_code=postal_code,
        country=country,
        currency=currency or company.default_currency,
        payment_terms_days=(
            company.default_payment_terms_days if payment_terms_days is None else payment_terms_days
        ),
        preferred_language=preferred_language,
        notes=notes,
        einvoice_profile=einvoice_profile,
        endpoint_id=endpoint_id.strip(),
        endpoint_scheme=endpoint_scheme.strip(),
        buyer_reference=buyer_reference.strip(),
        reminders_enabled=reminders_enabled,
        is_consumer=is_consumer,
    )
    _check_einvoice_fields(customer)
    customer.full_clean()
    customer.save()
    return customer


# Left out of an update: keep what the customer has.
UNCHANGED: Any = object()


def _check_einvoice_fields(customer: Customer) -> None:
    """Endpoint (an EAS code; a Leitweg-ID with its check digits) and default BT-10."""
    errors = codes.endpoint_errors(customer.endpoint_scheme, customer.endpoint_id)
    if messages := codes.buyer_reference_errors(
        customer.einvoice_profile, customer.buyer_reference
    ):
        errors["buyer_reference"] = messages
    if errors:
        raise ValidationException(details=errors)


def customer_update(
    *,
    customer: Customer,
    owner: User = UNCHANGED,
    name: str = UNCHANGED,
    email: str = UNCHANGED,
    phone: str = UNCHANGED,
    tax_id: str = UNCHANGED,
    company_id: str = UNCHANGED,
    street: str = UNCHANGED,
    city: str = UNCHANGED,
    postal_code: str = UNCHANGED,
    country: str = UNCHANGED,
    currency: str = UNCHANGED,
    payment_terms_days: int = UNCHANGED,
    preferred_language: str = UNCHANGED,
    notes: str = UNCHANGED,
    einvoice_profile: str = UNCHANGED,
    endpoint_id: str = UNCHANGED,
    endpoint_scheme: str = UNCHANGED,
    buyer_reference: str = UNCHANGED,
    reminders_enabled: bool = UNCHANGED,
    is_consumer: bool = UNCHANGED,
) -> Customer:
    changes = {
        name_: value
        for name_, value in {
            "owner": owner,
            "name": name,
            "email": email,
            "phone": phone,
            "tax_id": tax_id,
            "company_id": company_id,
            "street": street,
            "city": city,
            "postal_code": postal_code,
            "country": country,
            "currency": currency,
            "payment_terms_days": payment_terms_days,
            "preferred_language": preferred_language,
            "notes": notes,
            "einvoice_profile": einvoice_profile,
            "endpoint_id": endpoint_id,
            "endpoint_scheme": endpoint_scheme,
            "buyer_reference": buyer_reference,
            "reminders_enabled": reminders_enabled,
            "is_consumer": is_consumer,
        }.items()
        if value is not UNCHANGED
    }
    for field, value in changes.items():
        setattr(customer, field, value)
    _check_einvoice_fields(customer)
    customer.full_clean()
    # Only what was changed: the statistics columns move under concurrent invoice writes
    # (customer_statistics_add), and a copy read earlier must not write them back.
    customer.save(update_fields=[*changes, "updated_at"])
    return customer


def customer_delete(*, customer: Customer) -> None:
    """Soft: the row and its invoices stay; lists and lookups stop showing it."""
    customer.delete()


def customer_restore(*, customer: Customer) -> Customer:
    customer.restore()
    return customer


def customer_statistics_recompute(*, customer_ids: Iterable[int]) -> int:
    """Recompute the statistics of the given customers with ONE grouped query.

    Counted: every issued document (drafts have no legal weight; a void invoice and
    its cancellation credit note both count and cancel out). Credit notes count
    negatively and refunds are payments on them, so balance_due == total_invoiced -
    total_paid == Σ amount_due of the invoices - Σ refund_due of the credit notes
    (invoices.settlement).
    """
    ids = sorted(set(customer_ids))
    if not ids:
        return 0
    # Lock the customers first: a concurrent issue or payment of the same customer then
    # commits before the sums are read (under READ COMMITTED the sums would otherwise
    # miss it and overwrite its figures). SQLite runs one writer at a time anyway.
    connection = transaction.get_connection()
    lock = connection.in_atomic_block and connection.features.has_select_for_update
    customers_query = Customer.all_objects.filter(id__in=ids).order_by("id")
    if lock:
        customers_query = customers_query.select_for_update()
    customers = None
    if len(ids) > 1:  # read (and lock) the rows the bulk update below writes
        customers = list(customers_query.only("id", *STATISTICS_FIELDS))
    elif lock:
        list(customers_query.values_list("id"))
    is_invoice = Q(kind=InvoiceKind.INVOICE)
    is_credit = Q(kind=InvoiceKind.CREDIT_NOTE)
    rows = (
        Invoice.objects.filter(customer_id__in=ids, status__in=ISSUED_STATUSES)
        .values("customer_id")
        .annotate(
            count=Count("id", filter=is_invoice),
            invoiced=Sum("gross_total", filter=is_invoice),
            credited=Sum("gross_total", filter=is_credit),
            paid=Sum("paid_total", filter=is_invoice),
            refunded=Sum("paid_total", filter=is_credit),
            last_date=Max("issue_date"),
        )
    )
    by_customer = {row["customer_id"]: row for row in rows}
    values = {customer_id: _statistics(by_customer.get(customer_id, {})) for customer_id in ids}
    tables_changed()  # balances move by UPDATE: the cached `has_balance` counts recount
    if customers is None:  # the common case (one invoice changed): one UPDATE
        return Customer.all_objects.filter(pk=ids[0]).update(**values[ids[0]])
    for customer in customers:
        for name, value in values[customer.id].items():
            setattr(customer, name, value)
    Customer.all_objects.bulk_update(customers, STATISTICS_FIELDS, batch_size=500)
    return len(customers)


def _statistics(row: dict) -> dict:
    total_invoiced = (row.get("invoiced") or ZERO) - (row.get("credited") or ZERO)
    total_paid = (row.get("paid") or ZERO) - (row.get("refunded") or ZERO)
    return {
        "invoice_count": row.get("count") or 0,
        "total_invoiced": total_invoiced,
        "total_paid": total_paid,
        "balance_due": total_invoiced - total_paid,
        "last_invoice_date": row.get("last_date"),
    }


def customer_statistics_add(
    *, invoice: Invoice, issued: bool = False, paid_change: Decimal = ZERO
) -> None:
    """Add one document's change to its customer's figures: one UPDATE, no sums.

    For the hot writes: `issued` when the document has just been issued (its total and
    date join the figures), `paid_change` for money recorded against a counted document
    (negative when a payment is removed). The UPDATE reads the row it changes, so
    concurrent writes for one customer all count. Same rules as
    `customer_statistics_recompute`: credit notes count negatively.
    """
    sign = 1 if invoice.kind == InvoiceKind.INVOICE else -1
    gross = sign * invoice.gross_total if issued else ZERO
    paid = sign * (invoice.paid_total if issued else paid_change)
    if connection.vendor == "postgresql":
        _statistics_add_sql(invoice, gross, paid, sign if issued else None)
        return
    changes = {
        "total_invoiced": F("total_invoiced") + gross,
        "total_paid": F("total_paid") + paid,
        "balance_due": F("balance_due") + (gross - paid),
    }
    if issued:
        date = Value(invoice.issue_date)
        changes["invoice_count"] = F("invoice_count") + (1 if sign > 0 else 0)
        changes["last_invoice_date"] = Greatest(Coalesce(F("last_invoice_date"), date), date)
    Customer.all_objects.filter(pk=invoice.customer_id).update(**changes)


# customer_statistics_add's UPDATE as the ORM builds it (F() + value, GREATEST of the
# dates), written once: the ORM spent more building it than PostgreSQL running it.
_ADD_SQL = (
    f"UPDATE {Customer._meta.db_table} SET total_invoiced = total_invoiced + %s, "  # noqa: S608
    "total_paid = total_paid + %s, balance_due = balance_due + %s{issued} WHERE id = %s"
)
_ADD_ISSUED = (
    ", invoice_count = invoice_count + %s, "
    "last_invoice_date = GREATEST(COALESCE(last_invoice_date, %s::date), %s::date)"
)


def _statistics_add_sql(invoice: Invoice, gross: Decimal, paid: Decimal, sign: int | None) -> None:
    params: list[Any] = [gross, paid, gross - paid]
    if sign is not None:
        params += [1 if sign > 0 else 0, invoice.issue_date, invoice.issue_date]
    with connection.cursor() as cursor:
        cursor.execute(
            _ADD_SQL.format(issued=_ADD_ISSUED if sign is not None else ""),
            [*params, invoice.customer_id],
        )

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations, models

# A frozen copy of the shapes in invoices.representation (migrations import no app code).
_EXPONENTS = {"JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3}


def _money(value, currency):
    exponent = _EXPONENTS.get(currency, 2)
    return str(Decimal(value).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP))


def _stamp(value):
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def fill_read_copies(apps, schema_editor):
    # Existing invoices get the read copies the services keep from now on.
    Invoice = apps.get_model("invoices", "Invoice")
    for invoice in Invoice.objects.all().iterator():
        allowances = [
            {
                "id": row.id,
                "is_charge": row.is_charge,
                "amount": _money(row.amount, invoice.currency),
                "reason": row.reason,
                "tax_category": row.tax_category,
                "tax_rate": str(row.tax_rate),
            }
            for row in invoice.allowances_charges.order_by("position", "id")
        ]
        payments = [
            {
                "id": p.id,
                "invoice": invoice.id,
                "amount": _money(p.amount, invoice.currency),
                "date": p.date.isoformat(),
                "method": p.method,
                "reference": p.reference,
                "created_at": _stamp(p.created_at),
            }
            for p in invoice.payments.order_by("date", "id")
        ]
        if allowances or payments:
            Invoice.objects.filter(pk=invoice.pk).update(
                allowances_charges_json=allowances, payments_json=payments
            )


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="allowances_charges_json",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.AddField(
            model_name="invoice",
            name="payments_json",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.RunPython(fill_read_copies, migrations.RunPython.noop),
    ]

"""Report rollups (issue 18), built from the invoices already there; indexes for the
filtered and searched invoice lists (pg_trgm on PostgreSQL only)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def build_rollups(apps, schema_editor):
    # The historical models, grouped as invoices.rollups.rollup_rows does (that module
    # imports the current models, which a migration must not).
    invoice = apps.get_model("invoices", "Invoice")
    rollup = apps.get_model("invoices", "ReportRollup")
    keys = ("owner_id", "issue_date", "due_date", "currency", "kind", "status")
    sums = ("gross_total", "net_total", "tax_total", "paid_total", "amount_due", "refund_due")
    groups = (
        invoice.objects.exclude(status="draft")
        .values(*keys)
        .annotate(n=models.Count("*"), **{f"s_{name}": models.Sum(name) for name in sums})
        .order_by()
    )
    rollup.objects.bulk_create(
        (
            rollup(
                **{name: group[name] for name in keys},
                count=group["n"],
                **{name: group[f"s_{name}"] for name in sums},
            )
            for group in groups.iterator()
        ),
        batch_size=1000,
    )


def trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # icontains compiles to UPPER(col::text) LIKE UPPER(%s): index that expression.
    for statement in (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS invoice_number_trgm ON invoices_invoice "
        "USING gin (UPPER(number::text) gin_trgm_ops)",
        "CREATE INDEX IF NOT EXISTS customer_name_trgm ON customers_customer "
        "USING gin (UPPER(name::text) gin_trgm_ops)",
    ):
        schema_editor.execute(statement)


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS invoice_number_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS customer_name_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0010_item_product_and_reminder_level"),
        ("customers", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("issue_date", models.DateField()),
                ("due_date", models.DateField()),
                ("currency", models.CharField(max_length=3)),
                (
                    "kind",
                    models.CharField(
                        choices=[("invoice", "Invoice"), ("credit_note", "Credit note")],
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("issued", "Issued"),
                            ("partially_paid", "Partially paid"),
                            ("paid", "Paid"),
                            ("credited", "Credited"),
                            ("void", "Void"),
                        ],
                        max_length=16,
                    ),
                ),
                ("count", models.IntegerField(default=0)),
                ("gross_total", models.DecimalField(decimal_places=4, default=0, max_digits=19)),
                ("net_total", models.DecimalField(decimal_places=4, default=0, max_digits=19)),
                ("tax_total", models.DecimalField(decimal_places=4, default=0, max_digits=19)),
                ("paid_total", models.DecimalField(decimal_places=4, default=0, max_digits=19)),
                ("amount_due", models.DecimalField(decimal_places=4, default=0, max_digits=19)),
                ("refund_due", models.DecimalField(decimal_places=4, default=0, max_digits=19)),
                (
                    "owner",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["issue_date"], name="report_rollup_issue_date")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("owner", "issue_date", "due_date", "currency", "kind", "status"),
                        name="report_rollup_key",
                    )
                ],
            },
        ),
        migrations.RunPython(build_rollups, migrations.RunPython.noop),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]

"""Adopt the PDFs issued invoices already have (`Invoice.pdf_file`) as their stored PDF.

Those files were rendered once and may already be in customers' hands: they stay the
served bytes, now with their SHA-256 on record. A missing file is skipped (the PDF is
then built from the issue snapshot on first request).
"""

import hashlib

from django.db import migrations


def adopt(apps, schema_editor):
    Invoice = apps.get_model("invoices", "Invoice")
    StoredDocument = apps.get_model("documents", "StoredDocument")
    invoices = (
        Invoice.objects.exclude(status="draft")
        .exclude(pdf_file="")
        .exclude(stored_documents__format="pdf")
        .only("id", "pdf_file")
        .iterator()
    )
    for invoice in invoices:
        try:
            with invoice.pdf_file.storage.open(invoice.pdf_file.name, "rb") as stored:
                content = stored.read()
        except OSError:
            continue
        StoredDocument.objects.create(
            invoice_id=invoice.id,
            format="pdf",
            file=invoice.pdf_file.name,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_stored_document"),
    ]

    operations = [migrations.RunPython(adopt, migrations.RunPython.noop)]

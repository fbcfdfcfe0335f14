"""Check every stored document against its recorded SHA-256 (for a cron job or a restore)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from documents.errors import StoredDocumentCorrupt
from documents.models import StoredDocument
from documents.services import stored_document_content


class Command(BaseCommand):
    help = "Verify that every stored invoice document still matches its SHA-256."

    def handle(self, *args, **options) -> None:
        checked, failed = 0, []
        for row in StoredDocument.objects.select_related("invoice").iterator():
            checked += 1
            try:
                stored_document_content(row)
            except StoredDocumentCorrupt as exc:
                failed.append(f"{row.invoice} {row.format}: {exc.details['problem']}")
        for line in failed:
            self.stderr.write(line)
        if failed:
            raise CommandError(f"{len(failed)} of {checked} stored documents failed the check.")
        self.stdout.write(f"{checked} stored documents verified.")

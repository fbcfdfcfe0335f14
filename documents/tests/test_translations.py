"""The texts of documents and e-mails come from complete gettext catalogues.

documents/locale/<lang>/LC_MESSAGES/django.po holds every text of the code, each one
translated (not empty, not fuzzy, the same {placeholders}); the compiled .mo is current;
Django's translation and the settings-free fallback read the same texts; and the
rendered PDF, page and e-mail in German and French carry the translations, with no
English text left over.
"""

# The catalogues hold typographic characters, so the tests spell them out.
# ruff: noqa: RUF001

from __future__ import annotations

import io
import json
import os
import re
import string
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from django.utils import translation
from pypdf import PdfReader

from documents import labels
from documents.data import CreditNoteRef, LiveState
from documents.formatting import LOCALE_DIR, SUPPORTED_LANGUAGES, catalogue_languages
from documents.html import render_invoice_html
from documents.labels import (
    CATEGORY_NAMES,
    LABELS,
    UNIT_NAMES,
    CatalogueError,
    Text,
    catalogue_files,
    category_name,
    check_compiled,
    labels_for,
    translated,
    unit_name,
)
from documents.pdf import render_invoice_pdf
from documents.tests import pdf_samples as samples

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = ("de", "fr")
# The files the Makefile's `messages-update` extracts texts from (besides none in tests).
SOURCES = tuple(
    PROJECT_ROOT / "documents" / name for name in ("labels.py", "mail.py", "email_texts.py")
)
_FIELDS = string.Formatter()


def mail_texts() -> list[Text]:
    from documents import email_texts, mail

    defaults = [text for pair in email_texts.DEFAULTS.values() for text in pair]
    return [*mail.MAIL_LABELS.values(), *defaults]


def code_texts() -> set[tuple[str, str]]:
    texts = [*LABELS.values(), *CATEGORY_NAMES.values(), *UNIT_NAMES.values(), *mail_texts()]
    return {(text.context, text.message) for text in texts}


def load(lang: str) -> Catalog:
    po, _ = catalogue_files(lang)
    with po.open("rb") as file:
        return read_po(file, locale=lang)


def entries(catalog: Catalog) -> set[tuple[str, str]]:
    return {(message.context, message.id) for message in catalog if message.id}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in _FIELDS.parse(text) if name is not None}


def problems(catalog: Catalog) -> list[str]:
    """Every entry that would print English (or break ``str.format``) in this language."""
    found = ["the catalogue is marked fuzzy"] if catalog.fuzzy else []
    for message in catalog:
        if not message.id:
            continue  # the header
        where = f"{message.context}|{message.id!r}"
        if not message.string:
            found.append(f"{where}: no translation")
        elif message.fuzzy:
            found.append(f"{where}: fuzzy")
        elif placeholders(message.string) != placeholders(message.id):
            found.append(f"{where}: placeholders {sorted(placeholders(message.string))}")
    return found


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " ")).strip()


def pdf_text(content: bytes) -> str:
    return normalize(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def page_text(page: str) -> str:
    return normalize(re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.DOTALL))


def english_leftovers(text: str, lang: str) -> list[str]:
    """English texts of the catalogue found in ``text`` although ``lang`` translates them.

    Texts are split at their placeholders. Short ones (``#``, ``kg``) and those that are
    part of a translation of the same language ("Total" in "Total TTC", "Page" in "Page
    {page} sur {pages}") cannot tell and are left out.
    """
    catalog = load(lang)
    translations = [message.string for message in catalog if message.id]
    leftovers = set()
    for message in catalog:
        if not message.id or message.string == message.id:
            continue
        for part in re.split(r"\{\w+\}", message.id):
            part = part.strip(" .,:\n")
            if len(part) < 4 or any(part in translation for translation in translations):
                continue
            if re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text):
                leftovers.add(part)
    return sorted(leftovers)


# -- the catalogues ------------------------------------------------------------------


def test_german_and_french_have_catalogues() -> None:
    assert set(TRANSLATED) <= set(catalogue_languages())
    assert SUPPORTED_LANGUAGES[0] == "en"  # the source language needs no catalogue
    assert set(TRANSLATED) <= set(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("lang", catalogue_languages())
def test_every_text_is_translated(lang: str) -> None:
    catalog = load(lang)
    assert len(entries(catalog)) > 100
    assert problems(catalog) == []


def test_an_incomplete_catalogue_is_caught() -> None:
    po = (
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgctxt "invoice title"\nmsgid "Invoice"\nmsgstr "Rechnung"\n\n'
        'msgctxt "invoice title"\nmsgid "Credit note"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgctxt "invoice total"\nmsgid "Amount due"\nmsgstr "Betrag"\n\n'
        'msgctxt "invoice page footer"\nmsgid "Page {page} of {pages}"\n'
        'msgstr "Seite {page} von {total}"\n'
    )
    catalog = read_po(io.BytesIO(po.encode()), locale="de")

    assert problems(catalog) == [
        "invoice title|'Credit note': no translation",
        "invoice total|'Amount due': fuzzy",
        "invoice page footer|'Page {page} of {pages}': placeholders ['page', 'total']",
    ]
    catalog.fuzzy = True
    assert problems(catalog)[0] == "the catalogue is marked fuzzy"


@pytest.mark.parametrize("lang", catalogue_languages())
def test_catalogue_holds_exactly_the_texts_of_the_code(lang: str) -> None:
    assert entries(load(lang)) == code_texts()


def test_the_extraction_finds_every_text_of_the_code() -> None:
    """What `make messages-update` extracts (and the committed template) is the code's."""
    extracted = set()
    for path in SOURCES:
        for _, message, _, context in extract_from_file(
            "python", path, keywords={"pgettext_noop": ((1, "c"), 2)}
        ):
            extracted.add((context, message))
    assert extracted == code_texts()
    with (LOCALE_DIR / "django.pot").open("rb") as file:
        assert entries(read_po(file)) == code_texts()


@pytest.mark.parametrize("lang", catalogue_languages())
def test_compiled_catalogue_is_current(lang: str) -> None:
    check_compiled(*catalogue_files(lang))  # else: run `make messages`


def test_a_missing_or_stale_compiled_catalogue_is_refused(tmp_path: Path) -> None:
    po, mo = catalogue_files("it", tmp_path)
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match="missing: run `make messages`"):
        check_compiled(po, mo)
    mo.write_bytes(b"")
    past = time.time() - 60
    os.utime(mo, (past, past))
    with pytest.raises(CatalogueError, match=r"older than django\.po"):
        check_compiled(po, mo)
    mo.touch()
    check_compiled(po, mo)


def test_system_check_reports_an_uncompiled_catalogue(tmp_path: Path, monkeypatch) -> None:
    from documents import checks

    assert checks.catalogues_compiled_check() == []
    monkeypatch.setattr(checks, "catalogue_files", lambda lang: catalogue_files(lang, tmp_path))
    po, _ = catalogue_files("de", tmp_path)
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    [error] = [error for error in checks.catalogues_compiled_check() if "/de/" in error.msg]
    assert error.id == "documents.E001"
    assert "missing: run `make messages`" in error.msg


def test_adding_a_catalogue_adds_the_language(tmp_path: Path) -> None:
    assert catalogue_languages(tmp_path) == ()
    for lang in ("it", "nl"):
        po, _ = catalogue_files(lang, tmp_path)
        po.parent.mkdir(parents=True)
        po.write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    assert catalogue_languages(tmp_path) == ("it", "nl")


# -- translation at run time ---------------------------------------------------------


@pytest.mark.parametrize("lang", TRANSLATED)
def test_django_and_the_settings_free_fallback_give_the_same_texts(lang: str) -> None:
    expected = {key: labels._standalone(lang).pgettext(*text) for key, text in LABELS.items()}
    assert labels._django_ready()
    assert labels_for(lang) == expected
    with translation.override(lang):  # Django's own machinery, as a view would use it
        assert translation.pgettext("invoice title", "Invoice") == expected["invoice"]


def test_texts_without_django_settings() -> None:
    script = (
        "import json\n"
        "from documents import labels\n"
        "assert not labels._django_ready()\n"
        "print(json.dumps({lang: labels.labels_for(lang) for lang in ('en', 'de', 'fr')}))\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {lang: labels_for(lang) for lang in ("en", "de", "fr")}


def test_contexts_keep_other_apps_translations_out() -> None:
    with translation.override("de"):
        assert translation.gettext("Email") == "E-Mail-Adresse"  # contrib.auth's catalogue
    assert labels_for("de")["email"] == "E-Mail"


def test_the_customer_language_does_not_change_the_active_one() -> None:
    with translation.override("fr"):
        with translated("de-AT") as translate:
            assert translation.get_language() == "de"
            assert translate(LABELS["invoice"]) == "Rechnung"
        assert translation.get_language() == "fr"


def test_expected_texts() -> None:
    assert [labels_for(lang)["invoice"] for lang in ("en", "de", "fr")] == [
        "Invoice",
        "Rechnung",
        "Facture",
    ]
    # "Gutschrift" is a self-billed invoice in German tax law (§ 14 Abs. 2 UStG).
    assert [labels_for(lang)["credit_note"] for lang in ("en", "de", "fr")] == [
        "Credit note",
        "Rechnungskorrektur",
        "Avoir",
    ]
    assert labels_for("en")["page"].format(page=2, pages=3) == "Page 2 of 3"
    assert labels_for("de")["credit_note_for"].format(number="X-1") == (
        "Rechnungskorrektur zur Rechnung X-1"
    )
    # One English word, two German ones: the context tells them apart.
    assert (labels_for("de")["vat"], labels_for("de")["tax_total"]) == ("USt.", "Umsatzsteuer")
    assert (labels_for("de")["paid"], labels_for("de")["status_paid"]) == (
        "Bereits bezahlt",
        "Bezahlt",
    )
    assert labels_for("de-CH")["invoice"] == "Rechnung"
    assert labels_for("xx") == labels_for("en") == labels_for(None)
    labels_for("en")["invoice"] = "changed"  # a new dict each time
    assert labels_for("en")["invoice"] == "Invoice"


def test_no_german_text_calls_a_credit_note_gutschrift() -> None:
    german = load("de")
    assert [message.id for message in german if "Gutschrift" in message.string] == []


def test_category_and_unit_names() -> None:
    assert category_name("E", "fr") == "Exonéré de TVA"
    assert category_name("AE", "de") == "Steuerschuldnerschaft des Leistungsempfängers"
    assert category_name("s", "en") == "Standard rate"
    assert category_name("X", "de") == "X"
    assert unit_name("HUR", "de") == "Std."
    assert unit_name("C62", "fr") == "pce"
    assert unit_name("ZZZ", "fr") == "ZZZ"


# -- what the customer receives ------------------------------------------------------

PDF_WORDS = {
    "en": ("Invoice", "Credit note", "Amount due", "Amount credited", "Page 1 of"),
    "de": (
        "Rechnung",
        "Rechnungskorrektur",
        "Zu zahlender Betrag",
        "Korrekturbetrag",
        "Seite 1 von",
    ),
    "fr": ("Facture", "Avoir", "Net à payer", "Montant de l’avoir", "Page 1 sur"),
}


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_pdf_carries_the_catalogue_texts(lang: str) -> None:
    invoice_word, credit_word, due, credited, page = PDF_WORDS[lang]
    invoice = {
        "en": samples.ten_line_invoice,
        "de": samples.multi_rate_de,
        "fr": samples.french_invoice,
    }[lang]()
    invoice_text = pdf_text(render_invoice_pdf(invoice))
    credit_text = pdf_text(render_invoice_pdf(samples.credit_note(lang)))

    assert f"{invoice_word} " in invoice_text
    assert due in invoice_text
    assert page in invoice_text
    assert f"{credit_word} " in credit_text
    assert credited in credit_text
    if lang != "en":
        assert english_leftovers(invoice_text, lang) == []
        assert english_leftovers(credit_text, lang) == []
        assert "Invoice" not in invoice_text
        assert "Credit note" not in credit_text


@pytest.mark.parametrize("lang", TRANSLATED)
def test_page_carries_the_catalogue_texts(lang: str) -> None:
    cancellation = CreditNoteRef(number="CN-2026-00003", gross_total=Decimal("10.00"))
    void = LiveState(
        status="void",
        paid_total=Decimal(0),
        credited_total=Decimal("10.00"),
        amount_due=Decimal(0),
        refund_due=Decimal(0),
        credit_notes=(cancellation,),
    )
    links = {"pdf": "/i/t/pdf/", "facturx": "/i/t/facturx/", "ubl": "/i/t/ubl/", "cii": "/i/t/cii/"}
    invoice_page = page_text(
        render_invoice_html(samples.ten_line_invoice(lang), download_links=links, live=void)
    )
    credit_page = page_text(render_invoice_html(samples.credit_note(lang), download_links=links))

    expected = {
        "de": ("Storniert durch Rechnungskorrektur CN-2026-00003", "Rechnungskorrektur "),
        "fr": ("Annulée par l’avoir CN-2026-00003", "Avoir "),
    }[lang]
    assert expected[0] in invoice_page
    assert expected[1] in credit_page
    assert english_leftovers(invoice_page, lang) == []
    assert english_leftovers(credit_page, lang) == []


def test_the_leftover_check_finds_english_text() -> None:
    assert english_leftovers("Seite 1 Amount due 5 €", "de") == ["Amount", "Amount due"]
    assert english_leftovers("Total TTC 5 €", "fr") == []  # "Total" is French too


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "invoice_subject", "credit_subject", "credit_body"),
    [
        (
            "en",
            "Invoice {} from Seller GmbH",
            "Credit note {} from Seller GmbH",
            "Please find attached our credit note",
        ),
        (
            "de",
            "Rechnung {} von Seller GmbH",
            "Rechnungskorrektur {} von Seller GmbH",
            "anbei erhalten Sie unsere Rechnungskorrektur",
        ),
        ("fr", "Facture {} de Seller GmbH", "Avoir {} de Seller GmbH", "ci-joint notre avoir"),
    ],
)
def test_email_carries_the_catalogue_texts(
    company, staff_user, lang, invoice_subject, credit_subject, credit_body
) -> None:
    from common.tests.factories import CustomerFactory
    from documents.mail import build_invoice_email, default_subject
    from documents.models import InvoiceSending
    from invoices import services as invoice_services
    from invoices.tests.factories import make_issued

    customer = CustomerFactory(owner=staff_user, preferred_language=lang)
    invoice = make_issued(owner=staff_user, customer=customer)
    credit_note = invoice_services.invoice_issue(
        invoice=invoice_services.invoice_credit_note_create(invoice=invoice)
    )

    def parts(document) -> tuple[str, str]:
        sending = InvoiceSending.objects.create(invoice=document, to=["a@b.example"], subject="")
        message = build_invoice_email(sending)
        return message.body, page_text(message.alternatives[0].content)

    assert default_subject(invoice) == invoice_subject.format(invoice.number)
    assert default_subject(credit_note) == credit_subject.format(credit_note.number)
    invoice_parts = parts(invoice)
    credit_note_parts = parts(credit_note)
    assert all(credit_body in part for part in credit_note_parts)
    if lang != "en":
        for text in (default_subject(invoice), default_subject(credit_note)):
            assert english_leftovers(text, lang) == []
        for text in (*invoice_parts, *credit_note_parts):
            assert english_leftovers(text, lang) == []
        assert "Gutschrift" not in "".join(credit_note_parts) + default_subject(credit_note)

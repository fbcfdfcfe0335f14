"""Back office for invoices: every write goes through invoices.services (invariant 6).

Drafts are edited with inline lines; their form validates as usual and then, still
inside the admin's transaction and as the last step of validation, hands the main
form and its line rows to `invoice_create_draft` / `invoice_update_draft`. A refusal
lands on the fields it names and the page is shown again with nothing saved; the
admin never saves an Invoice, InvoiceItem, InvoiceAllowanceCharge or Payment row
itself. Issued invoices open view-only, with the bookkeeper's actions (payment,
credit note, void, sending, documents, public link) as small POST forms whose views
call the services and report their answer as a message.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from common.admin import (
    OwnedModelAdmin,
    ServiceLinesMixin,
    ServiceWrittenForm,
    money_column,
    service_error_text,
)
from common.exceptions import BusinessException
from common.money_format import format_money
from common.validators import validate_currency_code
from customers.models import Customer
from documents.sending import invoice_send
from documents.services import invoice_document_render
from invoices import services
from invoices.calculation import minor_unit
from invoices.models import (
    ALLOWANCE_CHARGE_FIELDS,
    ITEM_FIELDS,
    OPEN_STATUSES,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceItem,
    InvoiceKind,
    InvoiceStatus,
    NumberSequence,
    Payment,
    PaymentMethod,
)
from invoices.selectors import overdue_q
from invoices.services._lines import PRODUCT_LINE_FIELDS
from products.models import Product
from settings_app.calendar import company_today
from settings_app.models import CompanySettings

# Invoices a credit note may correct (invoices.services.credit_notes).
CREDITABLE_STATUSES = (
    InvoiceStatus.ISSUED,
    InvoiceStatus.PARTIALLY_PAID,
    InvoiceStatus.PAID,
    InvoiceStatus.CREDITED,
)
# The line formsets of a draft, by prefix (the related names), and their fields.
LINE_FIELDS = {"items": ("product", *ITEM_FIELDS), "allowances_charges": ALLOWANCE_CHARGE_FIELDS}
# What the API accepts (invoices.serializers.InvoiceWriteSerializer).
SERIES = re.compile(r"[A-Za-z0-9_-]{1,20}")
NOTES_MAX_LENGTH = 5000
DOCUMENT_FORMATS = {"pdf": "PDF", "ubl": "UBL", "cii": "CII", "facturx": "Factur-X"}


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(overdue_q())
        if self.value() == "no":
            return queryset.exclude(overdue_q())
        return queryset


# --- line inlines ---------------------------------------------------------------------

# Narrow inputs: the item table fits a 1400 px screen (with the admin's side bar).
_WIDTHS = {
    "product": "6em",
    "description": "9em",
    "quantity": "5em",
    "unit_code": "2.5em",
    "unit_price": "6em",
    "price_base_quantity": "3.5em",
    "discount_amount": "4.5em",
    "charge_amount": "4.5em",
    "tax_category": "6.5em",
    "tax_rate": "3.5em",
    "amount": "6.5em",
    "reason": "16em",
}


class DecimalInput(forms.TextInput):
    """A plain text box for amounts: no spinner taking room, no 4 trailing zeros.

    The columns hold 4 decimals; `100.0000` shows as `100.00` and `4.9715` as itself.
    """

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal) and value.is_finite():
            two = value.quantize(Decimal("0.01"))
            value = two if two == value else value.normalize()
        return super().format_value(value)


class _DraftLineInline(admin.TabularInline):
    """Rows of a draft; shown read-only once issued. Saved only by the draft services."""

    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or obj.status == InvoiceStatus.DRAFT

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(obj)

    def has_view_permission(self, request, obj=None) -> bool:
        return True

    def get_formset(self, request, obj=None, **kwargs):
        # The currency of the net column; the inline instance lives for one request.
        self.currency = obj.currency if obj is not None else ""
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "tax_rate":
            # Blank: the default for the category (the company's rate for S, 0 otherwise),
            # as in the API; new lines start with the company's default rate.
            kwargs["required"] = False
            kwargs["initial"] = CompanySettings.current().default_tax_rate
        if isinstance(db_field, models.DecimalField):
            kwargs["widget"] = DecimalInput
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in _WIDTHS:
            field.widget.attrs["style"] = f"width: {_WIDTHS[db_field.name]}"
        if isinstance(getattr(field, "widget", None), RelatedFieldWidgetWrapper):
            # No add/change/view icons beside a line's product: the row must stay narrow.
            widget = field.widget
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return field


class InvoiceItemInline(_DraftLineInline):
    model = InvoiceItem
    extra = 1
    fields = ["product", *ITEM_FIELDS, "net"]
    readonly_fields = ["net"]

    def get_formset(self, request, obj=None, **kwargs):
        self.invoice = obj  # the products its lines name stay choosable when archived
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        # Issued invoices show each line's product read-only: no query per line.
        return super().get_queryset(request).select_related("product")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("description", "unit_price"):
            kwargs["required"] = False  # blank: the product's (required without one)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name != "product":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        products = Product.objects.filter(archived=False)
        invoice = getattr(self, "invoice", None)
        if invoice is not None:
            used = InvoiceItem.objects.filter(invoice_id=invoice.pk).values("product_id")
            products = Product.objects.filter(Q(archived=False) | Q(pk__in=used))
        kwargs["queryset"] = products
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        # Read once per page: each line's select would otherwise query the catalogue.
        field.choices = list(field.choices)
        field.help_text = "Fills the fields left as they were with the product's values."
        return field

    @admin.display(description="Net")
    def net(self, obj: InvoiceItem) -> str:
        if obj.pk is None:
            return "-"
        return format_money(obj.net_amount, self.currency)


class AllowanceChargeInline(_DraftLineInline):
    model = InvoiceAllowanceCharge
    fields = list(ALLOWANCE_CHARGE_FIELDS)
    verbose_name = "document allowance or charge"
    verbose_name_plural = "document allowances and charges"


# --- the draft form -------------------------------------------------------------------


class InvoiceDraftForm(ServiceWrittenForm):
    """The main form of a draft; its validation ends with the service's own (the draft
    and its lines written at once, or the refusal shown on the fields it names)."""

    def clean_series(self) -> str:
        series = self.cleaned_data.get("series") or ""
        if series and not SERIES.fullmatch(series):
            raise forms.ValidationError("Use up to 20 letters, digits, '-' and '_'.")
        return series

    def clean_currency(self) -> str:
        currency = (self.cleaned_data.get("currency") or "").upper()
        if currency:
            validate_currency_code(currency)
            if minor_unit(currency) > 3:
                raise forms.ValidationError(
                    "Currencies with more than 3 decimals are not supported."
                )
        return currency

    def clean_notes(self) -> str:
        notes = self.cleaned_data.get("notes") or ""
        if len(notes) > NOTES_MAX_LENGTH:
            raise forms.ValidationError(
                f"Ensure this field has no more than {NOTES_MAX_LENGTH} characters."
            )
        return notes


# --- action forms on the page of an issued invoice ------------------------------------


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=19, decimal_places=4)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(
        choices=PaymentMethod.choices, initial=PaymentMethod.BANK_TRANSFER, required=False
    )
    reference = forms.CharField(max_length=200, required=False)


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=1000)


class SendForm(forms.Form):
    to = forms.CharField(
        required=False,
        max_length=2000,
        help_text="Comma-separated; blank: the customer's e-mail address.",
    )
    attach_ubl = forms.BooleanField(required=False, label="Attach UBL")
    pdf_format = forms.ChoiceField(
        choices=[("pdf", "PDF"), ("facturx", "Factur-X")], initial="pdf", label="As"
    )

    def clean_to(self) -> list[str]:
        addresses = [a.strip() for a in self.cleaned_data["to"].split(",") if a.strip()]
        if len(addresses) > 20:
            raise forms.ValidationError("At most 20 recipients.")
        for address in addresses:
            forms.EmailField().clean(address)
        return addresses


def _form_errors_text(form: forms.Form) -> str:
    """``Amount: Enter a number.`` for each field the action's form refused."""
    texts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = (field.label or name.replace("_", " ").capitalize()) if field else ""
        texts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(texts)


# --- the invoice admin ----------------------------------------------------------------


@admin.register(Invoice)
class InvoiceAdmin(ServiceLinesMixin, OwnedModelAdmin):
    form = InvoiceDraftForm
    line_fields = LINE_FIELDS
    change_form_template = "admin/invoices/invoice/change_form.html"
    list_display = [
        "__str__",
        "kind",
        "customer",
        "status",
        "issue_date",
        "due_date",
        "gross",
        "paid",
        "credited",
        "due",
        "refund",
        "overdue",
    ]
    list_filter = ["status", OverdueFilter, "kind", "currency", "issue_date"]
    search_fields = ["number", "customer__name"]
    list_select_related = ["customer"]
    date_hierarchy = "issue_date"
    inlines = [InvoiceItemInline, AllowanceChargeInline]
    actions = ["issue_selected", "pause_reminders_selected", "resume_reminders_selected"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "owner",
                    "customer",
                    "kind",
                    "credited_invoice",
                    "credited_invoice_link",
                    "series",
                    "number",
                    "status",
                ]
            },
        ),
        ("Dates and terms", {"fields": ["issue_date", "due_date", "currency", "buyer_reference"]}),
        ("Notes", {"fields": ["notes"]}),
        ("Figures", {"fields": ["totals", "vat_breakdown", "credit_notes", "reminders"]}),
        ("Voided", {"fields": ["void_reason"]}),
    ]
    # Shown, never edited here: derived by the services.
    computed_fields = [
        "number",
        "status",
        "credited_invoice_link",
        "totals",
        "vat_breakdown",
        "credit_notes",
        "reminders",
        "void_reason",
    ]

    gross = money_column("gross_total", "Gross")
    paid = money_column("paid_total", "Paid")
    credited = money_column("credited_total", "Credited")
    due = money_column("amount_due", "Amount due")
    refund = money_column("refund_due", "Refund due")

    @admin.display(boolean=True, description="Overdue")
    def overdue(self, obj: Invoice) -> bool:
        return obj.is_overdue

    # --- the form: fields, choices, read-only parts ----------------------------------

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = set()
        if obj is None:  # nothing derived to show yet
            hidden = {"Figures", "Voided"}
        elif obj.status != InvoiceStatus.VOID:
            hidden = {"Voided"}
        # Chosen on the add page; afterwards fixed, shown as a link on credit notes.
        if obj is None:
            dropped = {"credited_invoice_link"}
        elif obj.kind == InvoiceKind.CREDIT_NOTE:
            dropped = {"credited_invoice"}
        else:
            dropped = {"credited_invoice", "credited_invoice_link"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in dropped]})
            for name, options in fieldsets
            if name not in hidden
        ]

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if (
            obj is not None
            and obj.status != InvoiceStatus.DRAFT
            and not obj.allowances_charges_json
        ):
            inlines = [i for i in inlines if not isinstance(i, AllowanceChargeInline)]
        return inlines

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), *self.computed_fields]
        if obj is not None:
            # Fixed once the draft exists: the services take no new owner, kind or
            # credited invoice (a credit note belongs to its invoice).
            readonly += ["owner", "kind", "credited_invoice"]
        if obj is not None and obj.status != InvoiceStatus.DRAFT:
            readonly += flatten_fieldsets(self.fieldsets)  # invariant 3: nothing changes
        return list(dict.fromkeys(readonly))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("series", "currency"):
            kwargs["required"] = False  # blank: the service's default
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "series" and field is not None:
            company = CompanySettings.current()
            field.help_text = (
                f"Blank: {company.invoice_series} for invoices, "
                f"{company.credit_note_series} for credit notes."
            )
        if db_field.name == "currency" and field is not None:
            field.help_text = "Blank: the customer's currency."
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "customer":
            kwargs["queryset"] = self.customer_choices(request)
        if db_field.name == "credited_invoice":
            kwargs["queryset"] = self.credited_invoice_choices(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def customer_choices(self, request) -> QuerySet[Customer]:
        """Live customers the user may bill: staff their own, admins everyone's."""
        customers = Customer.objects.all()
        if not request.user.is_superuser:
            customers = customers.filter(owner_id=request.user.id)
        return customers

    def credited_invoice_choices(self, request) -> QuerySet[Invoice]:
        """Issued invoices (not credit notes) the user may correct: staff their own."""
        invoices = Invoice.objects.filter(kind=InvoiceKind.INVOICE, status__in=CREDITABLE_STATUSES)
        if not request.user.is_superuser:
            invoices = invoices.filter(owner_id=request.user.id)
        return invoices

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if request.user.is_superuser:
            initial.setdefault("owner", request.user.pk)
        return initial

    # --- writes: through the services only --------------------------------------------

    def line_row(self, form, fields) -> dict[str, Any]:
        row = super().line_row(form, fields)
        if row.get("product") is not None and "product" in form.changed_data:
            # A product just chosen fills what the user left untouched (the service
            # copies its values into the missing fields).
            for name in PRODUCT_LINE_FIELDS:
                if name not in form.changed_data:
                    row.pop(name, None)
        return row

    def service_write(self, request, form, lines) -> Invoice:
        """Create or update the draft through its service (a refusal raises)."""
        data = form.cleaned_data
        fields = {
            name: data.get(name) or ("" if name in ("series", "currency") else None)
            for name in ("series", "issue_date", "due_date", "currency")
        }
        fields["buyer_reference"] = data.get("buyer_reference", "")
        fields["notes"] = data.get("notes", "")
        if form.instance.pk is None:
            return services.invoice_create_draft(
                owner=data.get("owner") or request.user,
                customer=data["customer"],
                kind=data.get("kind") or InvoiceKind.INVOICE,
                credited_invoice=data.get("credited_invoice"),
                **fields,
                **lines,
            )
        return services.invoice_update_draft(
            invoice=form.instance, customer=data["customer"], **fields, **lines
        )

    def delete_model(self, request, obj) -> None:
        services.invoice_delete_draft(invoice=obj)

    def delete_queryset(self, request, queryset) -> None:
        for invoice in queryset:
            services.invoice_delete_draft(invoice=invoice)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != InvoiceStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        # Issued invoices open as a view-only page (no Save buttons); their actions are
        # the forms above it, each calling its service.
        if obj is not None and obj.status != InvoiceStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    # --- read-only parts of the page --------------------------------------------------

    @admin.display(description="Corrects")
    def credited_invoice_link(self, obj: Invoice) -> str:
        if not obj.credited_invoice_id:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:invoices_invoice_change", args=[obj.credited_invoice_id]),
            obj.credited_invoice,
        )

    @admin.display(description="Totals")
    def totals(self, obj: Invoice) -> str:
        if obj.pk is None:
            return "-"
        rows = [
            ("Line total", obj.line_total),
            ("Allowances", obj.allowance_total),
            ("Charges", obj.charge_total),
            ("Net total", obj.net_total),
            ("Tax total", obj.tax_total),
            ("Gross total", obj.gross_total),
        ]
        if obj.status != InvoiceStatus.DRAFT:
            rows.append(("Refunded" if obj.is_credit_note else "Paid", obj.paid_total))
            if obj.is_credit_note:
                rows.append(("Refund due", obj.refund_due))
            else:
                rows += [("Credited", obj.credited_total), ("Amount due", obj.amount_due)]
        return format_html(
            '<table class="invoice-totals">{}</table>',
            format_html_join(
                "",
                '<tr class="{}"><th>{}</th><td>{}</td></tr>',
                (
                    (label.lower().replace(" ", "-"), label, format_money(value, obj.currency))
                    for label, value in rows
                ),
            ),
        )

    @admin.display(description="VAT breakdown")
    def vat_breakdown(self, obj: Invoice) -> str:
        if not obj.tax_breakdown:
            return "-"
        rows = [
            (
                group["tax_category"],
                group["tax_rate"],
                format_money(group["taxable_amount"], obj.currency),
                format_money(group["tax_amount"], obj.currency),
            )
            for group in obj.tax_breakdown
        ]
        return format_html(
            "<table><tr><th>Category</th><th>Rate %</th><th>Taxable</th><th>VAT</th></tr>"
            "{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="Credit notes")
    def credit_notes(self, obj: Invoice) -> str:
        if not obj.credit_notes_json:
            return "-"
        return format_html(
            '<table class="credit-notes">{}</table>',
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
                (
                    (
                        reverse("admin:invoices_invoice_change", args=[note["id"]]),
                        note["number"],
                        note["issue_date"] or "",
                        format_money(note["gross_total"], obj.currency),
                    )
                    for note in obj.credit_notes_json
                ),
            ),
        )

    @admin.display(description="Payment reminders")
    def reminders(self, obj: Invoice) -> str:
        # The highest level sent is on the row (reminders app): no query for the page.
        if not obj.reminder_level:
            return "-"
        url = reverse("admin:reminders_paymentreminder_changelist") + f"?invoice={obj.pk}"
        return format_html('Level {} sent: <a href="{}">reminders</a>', obj.reminder_level, url)

    # --- the bookkeeper's actions -----------------------------------------------------

    def get_urls(self):
        def route(suffix: str, view, name: str, *, post: bool = True):
            view = require_POST(view) if post else view  # every change is a POST
            return path(
                f"<path:object_id>/{suffix}",
                self.admin_site.admin_view(view),
                name=f"invoices_invoice_{name}",
            )

        return [
            route("issue/", self.issue_view, "issue"),
            route("record-payment/", self.record_payment_view, "record_payment"),
            route("payments/<int:payment_id>/delete/", self.delete_payment_view, "delete_payment"),
            route("credit-note/", self.credit_note_view, "credit_note"),
            route("duplicate/", self.duplicate_view, "duplicate"),
            route("void/", self.void_view, "void"),
            route("send/", self.send_view, "send"),
            route("revoke-link/", self.revoke_link_view, "revoke_link"),
            route("document/<str:fmt>/", self.document_view, "document", post=False),
            *super().get_urls(),
        ]

    def _invoice(self, request, object_id: str) -> Invoice:
        """The invoice if the user may see it (staff: their own), else 404."""
        invoice = self.get_object(request, unquote(object_id))
        if invoice is None or not self.has_view_permission(request, invoice):
            raise Http404
        return invoice

    def _back(self, invoice: Invoice) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:invoices_invoice_change", args=[invoice.pk]))

    def _refused(self, request, exc: BusinessException) -> None:
        self.message_user(request, service_error_text(exc), messages.ERROR)

    def _invalid(self, request, form: forms.Form) -> None:
        self.message_user(request, _form_errors_text(form), messages.ERROR)

    @staticmethod
    def _money(amount: Decimal, invoice: Invoice) -> str:
        return format_money(amount, invoice.currency)

    def issue_view(self, request, object_id: str) -> HttpResponse:
        invoice = self._invoice(request, object_id)
        try:
            invoice = services.invoice_issue(invoice=invoice, by=request.user)
        except BusinessException as exc:
            self._refused(request, exc)
        else:
            self.message_user(request, f"Issued as {invoice.number}.", messages.SUCCESS)
        return self._back(invoice)

    def record_payment_view(self, request, object_id: str) -> HttpResponse:
        invoice = self._invoice(request, object_id)
        form = PaymentForm(request.POST)
        if not form.is_valid():
            self._invalid(request, form)
            return self._back(invoice)
        try:
            payment = services.payment_record(
                invoice=invoice,
                by=request.user,
                amount=form.cleaned_data["amount"],
                date=form.cleaned_data["date"],
                method=form.cleaned_data["method"] or PaymentMethod.BANK_TRANSFER,
                reference=form.cleaned_data["reference"],
            )
        except BusinessException as exc:
            self._refused(request, exc)
            return self._back(invoice)
        invoice.refresh_from_db()
        open_amount = invoice.refund_due if invoice.is_credit_note else invoice.amount_due
        self.message_user(
            request,
            f"Recorded {self._money(payment.amount, invoice)} on {payment.date.isoformat()}; "
            f"{'refund' if invoice.is_credit_note else 'amount'} due now "
            f"{self._money(open_amount, invoice)}.",
            messages.SUCCESS,
        )
        return self._back(invoice)

    def delete_payment_view(self, request, object_id: str, payment_id: int) -> HttpResponse:
        invoice = self._invoice(request, object_id)
        if not request.user.is_superuser:  # as in the API: admins remove payments
            raise PermissionDenied
        payment = Payment.objects.filter(pk=payment_id, invoice_id=invoice.pk).first()
        if payment is None:
            raise Http404
        try:
            invoice = services.payment_delete(payment=payment, by=request.user)
        except BusinessException as exc:
            self._refused(request, exc)
        else:
            self.message_user(
                request,
                f"Removed the payment of {self._money(payment.amount, invoice)} "
                f"of {payment.date.isoformat()}.",
                messages.SUCCESS,
            )
        return self._back(invoice)

    def credit_note_view(self, request, object_id: str) -> HttpResponse:
        invoice = self._invoice(request, object_id)
        try:
            note = services.invoice_credit_note_create(invoice=invoice)
        except BusinessException as exc:
            self._refused(request, exc)
            return self._back(invoice)
        self.message_user(
            request,
            f"Draft credit note for {invoice.number} created with its lines; "
            "change what is to be credited and issue it.",
            messages.SUCCESS,
        )
        return self._back(note)

    def duplicate_view(self, request, object_id: str) -> HttpResponse:
        invoice = self._invoice(request, object_id)
        try:
            copy = services.invoice_duplicate(invoice=invoice, by=request.user)
        except BusinessException as exc:
            self._refused(request, exc)
            return self._back(invoice)
        self.message_user(
            request,
            f"New draft from {invoice}, dated today; check it and issue it.",
            messages.SUCCESS,
        )
        return self._back(copy)

    def void_view(self, request, object_id: str) -> HttpResponse:
        invoice = self._invoice(request, object_id)
        form = VoidForm(request.POST)
        if not form.is_valid():
            self._invalid(request, form)
            return self._back(invoice)
        try:
            invoice = services.invoice_void(
                invoice=invoice, by=request.user, reason=form.cleaned_data["reason"]
            )
        except BusinessException as exc:
            self._refused(request, exc)
            return self._back(invoice)
        numbers = ", ".join(note["number"] for note in invoice.credit_notes_json)
        self.message_user(
            request,
            f"Voided {invoice.number}; cancelled by credit note {numbers}.",
            messages.SUCCESS,
        )
        return self._back(invoice)

    def send_view(self, request, object_id: str) -> HttpResponse:

        invoice = self._invoice(request, object_id)
        form = SendForm(request.POST)
        if not form.is_valid():
            self._invalid(request, form)
            return self._back(invoice)
        try:
            sending = invoice_send(invoice=invoice, by=request.user, **form.cleaned_data)
        except BusinessException as exc:
            self._refused(request, exc)
            return self._back(invoice)
        self.message_user(
            request,
            f"E-mail to {', '.join(sending.to)} queued; it leaves in a moment.",
            messages.SUCCESS,
        )
        return self._back(invoice)

    def revoke_link_view(self, request, object_id: str) -> HttpResponse:
        invoice = self._invoice(request, object_id)
        try:
            invoice = services.invoice_public_token_revoke(invoice=invoice)
        except BusinessException as exc:
            self._refused(request, exc)
        else:
            self.message_user(
                request,
                "The customer's old link no longer works; the new one is below.",
                messages.SUCCESS,
            )
        return self._back(invoice)

    def document_view(self, request, object_id: str, fmt: str) -> HttpResponse:

        invoice = self._invoice(request, object_id)
        if fmt not in DOCUMENT_FORMATS:
            raise Http404
        try:
            rendered = invoice_document_render(invoice=invoice, fmt=fmt)
        except BusinessException as exc:
            self._refused(request, exc)
            return self._back(invoice)
        response = HttpResponse(rendered.content, content_type=rendered.mimetype)
        response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, unquote(object_id))
        if invoice is not None and self.has_view_permission(request, invoice):
            extra_context = {**(extra_context or {}), **self._actions_context(request, invoice)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _actions_context(self, request, invoice: Invoice) -> dict[str, Any]:
        """What the page of one invoice offers (the services still decide)."""

        def url(name: str, *args: Any) -> str:
            return reverse(f"admin:invoices_invoice_{name}", args=[invoice.pk, *args])

        issued = invoice.status != InvoiceStatus.DRAFT
        is_invoice = invoice.kind == InvoiceKind.INVOICE
        open_amount = invoice.refund_due if invoice.is_credit_note else invoice.amount_due
        public_url = None
        if issued and invoice.public_token:
            public_url = request.build_absolute_uri(
                reverse("public-invoice", args=[invoice.public_token])
            )
        payments = []
        if issued:
            payments = [
                {
                    "date": payment.date,
                    "amount": self._money(payment.amount, invoice),
                    "method": payment.get_method_display(),
                    "reference": payment.reference,
                    "delete_url": url("delete_payment", payment.pk),
                    "form_id": f"delete-payment-{payment.pk}",
                }
                for payment in invoice.payments.order_by("date", "id")
            ]
        buyer_email = (invoice.buyer or {}).get("email", "") if issued else ""
        return {
            "invoice_actions": {
                "issued": issued,
                "can_issue": not issued and self.has_change_permission(request, invoice),
                "issue_url": url("issue"),
                "documents": [
                    (label, url("document", fmt))
                    for fmt, label in DOCUMENT_FORMATS.items()
                    if issued or fmt == "pdf"
                ],
                "public_url": public_url,
                "revoke_url": url("revoke_link"),
                "can_pay": issued and invoice.status in OPEN_STATUSES and open_amount > 0,
                "payment_label": "Record refund" if invoice.is_credit_note else "Record payment",
                "payment_form": PaymentForm(
                    initial={
                        "amount": open_amount.quantize(
                            Decimal(1).scaleb(-minor_unit(invoice.currency))
                        ),
                        "date": company_today(),
                    },
                    auto_id="id_payment_%s",
                ),
                "payment_url": url("record_payment"),
                "payments": payments,
                "can_delete_payments": request.user.is_superuser,
                "open_amount": self._money(open_amount, invoice),
                "send_form": SendForm(initial={"to": buyer_email}, auto_id="id_send_%s"),
                "send_url": url("send"),
                "can_credit": is_invoice
                and invoice.status in CREDITABLE_STATUSES
                and invoice.credited_total < invoice.gross_total,
                "credit_note_url": url("credit_note"),
                # Credit notes are not duplicated (the service refuses them too).
                "can_duplicate": is_invoice and self.has_add_permission(request),
                "duplicate_url": url("duplicate"),
                "can_void": is_invoice
                and invoice.status in OPEN_STATUSES
                and invoice.paid_total == 0,
                "void_form": VoidForm(auto_id="id_void_%s"),
                "void_url": url("void"),
            }
        }

    # --- list actions -------------------------------------------------------------------

    @admin.action(description="Issue selected drafts")
    def issue_selected(self, request, queryset):
        done = 0
        for invoice in queryset.order_by("id"):
            try:
                services.invoice_issue(invoice=invoice, by=request.user)
                done += 1
            except BusinessException as exc:
                self.message_user(request, f"{invoice}: {service_error_text(exc)}", messages.ERROR)
        if done:
            self.message_user(request, f"Issued {done} invoice(s).", messages.SUCCESS)

    @admin.action(description="Pause payment reminders")
    def pause_reminders_selected(self, request, queryset):
        self._set_reminders_paused(request, queryset, paused=True)

    @admin.action(description="Resume payment reminders")
    def resume_reminders_selected(self, request, queryset):
        self._set_reminders_paused(request, queryset, paused=False)

    def _set_reminders_paused(self, request, queryset, *, paused: bool) -> None:
        # State, not content: allowed on issued invoices, through the same service as the API.
        invoices = list(queryset.order_by("id"))
        for invoice in invoices:
            services.invoice_reminders_pause(invoice=invoice, paused=paused)
        verb = "Paused" if paused else "Resumed"
        self.message_user(
            request, f"{verb} reminders of {len(invoices)} invoice(s).", messages.SUCCESS
        )


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["series", "year", "last_value"]
    readonly_fields = ["series", "year", "last_value"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

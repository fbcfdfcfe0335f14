"""What the API's documentation says about each operation, keyed by operationId.

Written for the people who call the API (a frontend developer, an integrator): what an
operation does and answers, never how it is built. `common.openapi.AutoSchema` reads
these; a view's own `@extend_schema(summary=..., description=...)` wins over them.
A new endpoint gets an entry here (or that decorator): `test_openapi_contract.py` fails
for any operation without a summary and a description.

Request examples are real requests: `test_openapi_examples.py` sends each one and
expects a 2xx. An id in an example (`customer: 1`) stands for one the caller owns.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

OPERATIONS: dict[str, tuple[str, str]] = {
    # --- index --------------------------------------------------------------------------
    "api_index": (
        "API index",
        "The API's sections with their URLs, and where its documentation lives. No login needed.",
    ),
    # --- auth ---------------------------------------------------------------------------
    "auth_login_create": (
        "Log in",
        "Exchanges a username (case-insensitive) and password for a short-lived `access` "
        "token, a `refresh` token and the user. Send the access token as "
        "`Authorization: Bearer <access>`; when it expires (401 `token_not_valid`), get a "
        "new pair from `auth/refresh/`. Wrong credentials answer 401; repeated failures "
        "for one address or username answer 429.",
    ),
    "auth_refresh_create": (
        "Refresh the tokens",
        "Exchanges a refresh token for a new access token and a new refresh token. Refresh "
        "tokens rotate: the one sent is now spent, so keep the new one. A spent, expired or "
        "revoked refresh token answers 401.",
    ),
    "auth_logout_create": (
        "Log out",
        "Ends the session of the refresh token sent and revokes every token of the user, "
        "on all devices. Answers 204 with no body.",
    ),
    "auth_me_retrieve": ("Who am I", "The logged-in user: username, names, e-mail and role."),
    "auth_me_partial_update": (
        "Update my profile",
        "Changes the logged-in user's names or e-mail. The role and username are not changed here.",
    ),
    "auth_change_password_create": (
        "Change my password",
        "Sets a new password after checking the current one. Every token issued before is "
        "revoked: log in again with the new password. Answers 204.",
    ),
    "users_list": (
        "List users",
        "Every user of the company, filterable and searchable by name or e-mail. Admins only.",
    ),
    "users_create": ("Create a user", "Adds a staff member or admin with a password. Admins only."),
    "users_retrieve": ("Get a user", "One user. Admins only."),
    "users_update": ("Replace a user", "Changes every field of a user. Admins only."),
    "users_partial_update": (
        "Update a user",
        "Changes the fields sent (names, e-mail, role, active). The last active admin "
        "cannot be demoted or deactivated (409 `last_admin`). Admins only.",
    ),
    "users_destroy": (
        "Deactivate a user",
        "The user can no longer log in; their customers and invoices stay. Admins only.",
    ),
    # --- customers ----------------------------------------------------------------------
    "customers_list": (
        "List customers",
        "Customers the caller may see (staff their own, admins all), with their live "
        "statistics: invoiced, paid, balance due. Search by name, e-mail or tax id; filter "
        "by country, currency or open balance.",
    ),
    "customers_create": (
        "Create a customer",
        "A buyer with billing address, tax id, currency, payment terms and language of "
        "their documents. The address is needed before an invoice to them can be issued.",
    ),
    "customers_retrieve": ("Get a customer", "One customer with their statistics."),
    "customers_update": (
        "Replace a customer",
        "Changes every field. Issued invoices keep the address they were issued with.",
    ),
    "customers_partial_update": (
        "Update a customer",
        "Changes the fields sent. Issued invoices keep the address they were issued with.",
    ),
    "customers_destroy": (
        "Delete a customer",
        "Hides the customer from lists and new invoices; their invoices stay and an admin "
        "can restore them.",
    ),
    "customers_restore_create": (
        "Restore a deleted customer",
        "Brings a deleted customer back into lists and lookups. Admins only.",
    ),
    # --- invoices -----------------------------------------------------------------------
    "invoices_list": (
        "List invoices",
        "Invoices and credit notes the caller may see, newest first, with their totals and "
        "live status. Filter by status, kind, customer, currency, overdue and date ranges; "
        "search by number or customer name.",
    ),
    "invoices_create": (
        "Create a draft",
        "A draft invoice or credit note with its lines and document-level allowances and "
        "charges. Money and rates travel as decimal strings; omitted fields take the "
        "customer's and the company's defaults (currency, due date, series, unit, rate). "
        "The answer carries the computed totals (EN 16931).",
    ),
    "invoices_retrieve": (
        "Get an invoice",
        "One invoice with its lines, totals, tax breakdown, payments, credit notes and, "
        "once issued, its number and the seller and buyer as they were at issue.",
    ),
    "invoices_update": (
        "Replace a draft",
        "Replaces a draft's fields and lines. Issued invoices cannot change (409 "
        "`invoice_not_editable`): correct them with a credit note.",
    ),
    "invoices_partial_update": (
        "Update a draft",
        "Changes the fields sent; `items` and `allowances_charges`, when sent, replace the "
        "whole list. Issued invoices answer 409 `invoice_not_editable`.",
    ),
    "invoices_destroy": (
        "Delete a draft",
        "Deletes a draft for good. Issued invoices are legal documents and answer 409; "
        "cancel them with `void/` instead.",
    ),
    "invoices_issue_create": (
        "Issue a draft",
        "Gives the draft the next gap-free number of its series and year and freezes it: "
        "seller and buyer are copied onto it. The issue date (default today) may not be in "
        "the future nor before the series' latest. A refusal (409 `invoice_not_issuable`, "
        "e.g. the customer has no address) uses up no number.",
    ),
    "invoices_void_create": (
        "Cancel an issued invoice",
        "Issues a cancellation credit note for what is left uncredited and marks the "
        "invoice `void`. Refused (409) when payments were recorded.",
    ),
    "invoices_credit_note_create": (
        "Start a credit note",
        "A draft credit note that refers to this issued invoice, with its lines copied; "
        "edit it, then issue it.",
    ),
    "invoices_payments_list": ("List payments", "The payments recorded on the invoice."),
    "invoices_payments_create": (
        "Record a payment",
        "Adds a payment (default date today). The invoice's `paid_total`, `amount_due` and "
        "`status` follow; more than the amount due answers 409 "
        "`payment_exceeds_amount_due`.",
    ),
    "invoices_payments_destroy": (
        "Delete a payment",
        "Removes a payment recorded by mistake and answers the invoice with its amounts "
        "updated. Admins only.",
    ),
    "invoices_pdf_retrieve": (
        "Download the PDF",
        "The invoice as PDF/A-3b. Issued invoices answer the copy stored at issue, which "
        "never changes; a draft answers a preview marked as such. 409 `document_pending` "
        "while a large document is still being built.",
    ),
    "invoices_ubl_retrieve": (
        "Download the UBL e-invoice",
        "UBL 2.1 Invoice or CreditNote in the customer's e-invoice profile (Peppol BIS "
        "Billing 3.0, XRechnung 3.0 or plain EN 16931). Issued invoices only.",
    ),
    "invoices_cii_retrieve": (
        "Download the CII e-invoice",
        "The UN/CEFACT CII XML (XRechnung CII or Factur-X EN 16931). Issued invoices only.",
    ),
    "invoices_facturx_retrieve": (
        "Download the Factur-X PDF",
        "A PDF/A-3 with the CII XML embedded (Factur-X, profile EN 16931), readable by "
        "people and by accounting software. Issued invoices only.",
    ),
    "invoices_documents_retrieve": (
        "Document status",
        "Whether each document of the invoice is stored, still being built or failed, and why.",
    ),
    "invoices_send_create": (
        "E-mail the invoice",
        "Queues an e-mail with the invoice's documents to the customer's address (or the "
        "addresses given). Answers 202 with the sending; its status moves to `sent` or "
        "`failed`. Other addresses than the customer's count against a daily limit (429 "
        "`send_limit_reached`).",
    ),
    "invoices_sendings_list": ("List e-mail sendings", "Every e-mail sent for the invoice."),
    "invoices_revoke_link_create": (
        "Revoke the customer's link",
        "The customer's page for this invoice stops working and a new link is made; "
        "answers the invoice.",
    ),
    # --- recurring invoices -------------------------------------------------------------
    "recurring_invoices_list": (
        "List recurring schedules",
        "Schedules that bill a customer once per period, with their next period and state.",
    ),
    "recurring_invoices_create": (
        "Create a recurring schedule",
        "A customer, a frequency and interval from a start date, optional end date or "
        "number of invoices, and the lines to bill each period. Descriptions may contain "
        "`{period_start}`, `{period_end}`, `{month}` and `{year}`.",
    ),
    "recurring_invoices_retrieve": ("Get a recurring schedule", "One schedule with its lines."),
    "recurring_invoices_update": (
        "Replace a recurring schedule",
        "Changes apply to future periods. Frequency, interval and start date are fixed "
        "once a period was billed (409 `recurring_calendar_fixed`).",
    ),
    "recurring_invoices_partial_update": (
        "Update a recurring schedule",
        "Changes the fields sent; they apply to future periods only.",
    ),
    "recurring_invoices_destroy": (
        "Delete a recurring schedule",
        "Only a schedule that generated no invoice; otherwise 409 "
        "`recurring_has_invoices` (cancel it instead).",
    ),
    "recurring_invoices_pause_create": (
        "Pause a recurring schedule",
        "No period is billed until it is resumed.",
    ),
    "recurring_invoices_resume_create": (
        "Resume a recurring schedule",
        "Billing continues. With `catch_up` the periods missed while paused are billed; "
        "without, they are skipped.",
    ),
    "recurring_invoices_cancel_create": (
        "Cancel a recurring schedule",
        "Ends the schedule for good; invoices already generated stay.",
    ),
    "recurring_invoices_preview_list": (
        "Preview the next periods",
        "The next three periods with their dates, lines and totals; nothing is created.",
    ),
    # --- reports ------------------------------------------------------------------------
    "reports_aging_retrieve": (
        "Aging report",
        "Open receivables per currency by days past due (current, 1-30, 31-60, 61-90, "
        "over 90), with what is owed back on credit notes. Staff see their own invoices, "
        "admins everyone's.",
    ),
    "reports_summary_retrieve": (
        "Summary report",
        "Invoiced, credited, paid, outstanding and overdue per currency for invoices issued "
        "in a period (`date_from`, `date_to`, both optional).",
    ),
    # --- settings -----------------------------------------------------------------------
    "settings_company_retrieve": (
        "Get the company settings",
        "The seller's legal data, bank details, invoice numbering and defaults. Admins only.",
    ),
    "settings_company_update": (
        "Replace the company settings",
        "Changes every field; issued invoices keep the seller data they were issued with. "
        "Admins only. A logo is uploaded as multipart form data.",
    ),
    "settings_company_partial_update": (
        "Update the company settings",
        "Changes the fields sent; `logo: null` removes the logo. Admins only.",
    ),
    "settings_company_public_retrieve": (
        "Public company details",
        "The company's name, address, contact and logo, for a login page or a customer "
        "portal. No login needed.",
    ),
}

# Operations that answer 401 without taking a token: wrong credentials, a spent refresh.
ANSWERS_401 = {"auth_login_create", "auth_refresh_create", "auth_logout_create"}

# Errors a view raises itself, beyond what its permissions, throttles and path imply.
EXTRA_ERRORS: dict[str, set[int]] = {
    "customers_restore_create": {403},  # staff may look the customer up, not restore it
}

# The 200 of each document download.
DOCUMENT_MEDIA_TYPES: dict[str, str] = {
    "invoices_pdf_retrieve": "application/pdf",
    "invoices_facturx_retrieve": "application/pdf",
    "invoices_ubl_retrieve": "application/xml",
    "invoices_cii_retrieve": "application/xml",
}

_ITEMS = [
    {
        "description": "Consulting day",
        "quantity": "3",
        "unit_price": "800.00",
        "tax_category": "S",
        "tax_rate": "19.00",
    },
    {"description": "Travel costs", "quantity": "1", "unit_price": "120.50", "tax_rate": "19.00"},
]

EXAMPLES: dict[str, list[OpenApiExample]] = {
    "auth_login_create": [
        OpenApiExample(
            "Demo staff user",
            value={"username": "staff", "password": "demo-pass-123"},
            request_only=True,
        )
    ],
    "customers_create": [
        OpenApiExample(
            "A French company",
            value={
                "name": "ACME SARL",
                "email": "ap@acme.example",
                "street": "1 rue de la Paix",
                "city": "Paris",
                "postal_code": "75002",
                "country": "FR",
                "tax_id": "FR40303265045",
                "currency": "EUR",
                "payment_terms_days": 30,
            },
            request_only=True,
        )
    ],
    "customers_partial_update": [
        OpenApiExample(
            "New billing e-mail", value={"email": "billing@acme.example"}, request_only=True
        )
    ],
    "invoices_create": [
        OpenApiExample(
            "Two lines at 19 %",
            value={"customer": 1, "items": _ITEMS, "notes": "Thank you for your order."},
            request_only=True,
        ),
        OpenApiExample(
            "With a document discount",
            value={
                "customer": 1,
                "kind": "invoice",
                "currency": "EUR",
                "buyer_reference": "PO-4711",
                "items": _ITEMS[:1],
                "allowances_charges": [
                    {
                        "is_charge": False,
                        "amount": "100.00",
                        "reason": "Loyalty discount",
                        "tax_category": "S",
                        "tax_rate": "19.00",
                    }
                ],
            },
            request_only=True,
        ),
    ],
    "invoices_partial_update": [
        OpenApiExample(
            "Change the notes", value={"notes": "Payable by bank transfer."}, request_only=True
        )
    ],
    "invoices_issue_create": [
        OpenApiExample("Issue today", value={}, request_only=True),
    ],
    "invoices_payments_create": [
        OpenApiExample(
            "A partial bank transfer",
            value={"amount": "500.00", "method": "bank_transfer", "reference": "SEPA 2026-117"},
            request_only=True,
        )
    ],
    "invoices_void_create": [
        OpenApiExample(
            "Issued by mistake",
            value={"reason": "Issued to the wrong customer."},
            request_only=True,
        )
    ],
}


def summary(operation_id: str) -> str | None:
    entry = OPERATIONS.get(operation_id)
    return entry[0] if entry else None


def description(operation_id: str) -> str | None:
    entry = OPERATIONS.get(operation_id)
    return entry[1] if entry else None


def examples(operation_id: str) -> list[OpenApiExample]:
    return EXAMPLES.get(operation_id, [])

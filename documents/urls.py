from django.urls import path, re_path

from documents import views

# Mounted under /api/ (core.urls).
api_urlpatterns = [
    path("invoices/<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="invoice-pdf"),
    path("invoices/<int:pk>/ubl/", views.InvoiceUblView.as_view(), name="invoice-ubl"),
    path("invoices/<int:pk>/cii/", views.InvoiceCiiView.as_view(), name="invoice-cii"),
    path("invoices/<int:pk>/facturx/", views.InvoiceFacturxView.as_view(), name="invoice-facturx"),
    path(
        "invoices/<int:pk>/documents/",
        views.InvoiceDocumentsView.as_view(),
        name="invoice-documents",
    ),
    path("invoices/<int:pk>/send/", views.InvoiceSendView.as_view(), name="invoice-send"),
    path(
        "invoices/<int:pk>/sendings/", views.InvoiceSendingsView.as_view(), name="invoice-sendings"
    ),
    path(
        "invoices/<int:pk>/revoke-link/",
        views.InvoiceRevokeLinkView.as_view(),
        name="invoice-revoke-link",
    ),
]

# Mounted at the root: the customer's page of one invoice, no login.
urlpatterns = [
    path("i/<str:token>/", views.public_invoice_page, name="public-invoice"),
    # Any token text reaches the view, which checks it: a bad link gets the HTML 404 page.
    re_path(
        r"^i/(?P<token>[^/]+)/(?P<fmt>pdf|ubl|cii|facturx)/$",
        views.public_invoice_document,
        name="public-invoice-document",
    ),
    re_path(r"^i/", views.public_not_found, name="public-invoice-not-found"),
]

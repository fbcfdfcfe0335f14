from common.routes import viewset_path
from recurring.views import RecurringInvoiceViewSet


def _schedule(route: str, actions: dict[str, str], name: str, *, detail: bool = True):
    return viewset_path(
        route,
        RecurringInvoiceViewSet,
        actions,
        name=f"recurring-invoice-{name}",
        basename="recurring-invoice",
        detail=detail,
    )


urlpatterns = [
    _schedule("recurring-invoices/", {"get": "list", "post": "create"}, "list", detail=False),
    _schedule(
        "recurring-invoices/<pk>/",
        {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"},
        "detail",
    ),
    _schedule("recurring-invoices/<pk>/pause/", {"post": "pause"}, "pause"),
    _schedule("recurring-invoices/<pk>/resume/", {"post": "resume"}, "resume"),
    _schedule("recurring-invoices/<pk>/cancel/", {"post": "cancel"}, "cancel"),
    _schedule("recurring-invoices/<pk>/preview/", {"get": "preview"}, "preview"),
]

from common.routes import viewset_path
from customers.views import CustomerViewSet


def _customer(route: str, actions: dict[str, str], name: str, *, detail: bool = True):
    return viewset_path(
        route, CustomerViewSet, actions, name=f"customer-{name}", basename="customer", detail=detail
    )


urlpatterns = [
    _customer("customers/", {"get": "list", "post": "create"}, "list", detail=False),
    _customer(
        "customers/<pk>/",
        {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"},
        "detail",
    ),
    _customer("customers/<pk>/restore/", {"post": "restore"}, "restore"),
]

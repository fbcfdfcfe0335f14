from common.routes import viewset_path
from products.views import ProductViewSet


def _product(route: str, actions: dict[str, str], name: str, *, detail: bool = True):
    return viewset_path(
        route, ProductViewSet, actions, name=f"product-{name}", basename="product", detail=detail
    )


urlpatterns = [
    _product("products/", {"get": "list", "post": "create"}, "list", detail=False),
    _product(
        "products/<pk>/",
        {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"},
        "detail",
    ),
]

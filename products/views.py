"""The catalogue API: shared by the company (every signed-in user reads and writes it;
the roles are staff and admin, and both keep the price list)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from common.conditional import ConditionalMixin
from products import services
from products.filters import ProductFilter
from products.models import Product
from products.selectors import product_list
from products.serializers import ProductSerializer

_SHARED = (
    " Products are shared by the whole company: every signed-in user sees the same "
    "catalogue, staff and admins alike."
)


@extend_schema_view(
    list=extend_schema(
        summary="List products",
        description="The catalogue, by name. `search` looks in the name and SKU; "
        "`archived=false` leaves out products that can no longer be named on new lines." + _SHARED,
    ),
    create=extend_schema(
        summary="Create a product",
        description="A catalogue entry whose values (description, unit code, unit price, "
        "tax category and rate) an invoice line takes when it names the product. A left-out "
        "rate is the category's default: the company's default rate for S, 0 otherwise; "
        "S needs a rate above 0, the other categories 0. A SKU, when given, is unique.",
    ),
    retrieve=extend_schema(summary="Get a product", description="One catalogue entry." + _SHARED),
    update=extend_schema(
        summary="Replace a product",
        description="Changes the catalogue entry only: invoice lines keep the values they "
        "copied when they named it.",
    ),
    partial_update=extend_schema(
        summary="Change a product",
        description="Changes the given fields only; invoice lines keep the values they "
        "copied. `archived: true` hides the product from new lines; a new tax category "
        "without a rate takes that category's default rate.",
    ),
    destroy=extend_schema(
        summary="Delete a product",
        description="Deletes a product no invoice line names. A product named on any line "
        "(draft or issued) answers 409 `product_in_use`: archive it instead.",
    ),
)
class ProductViewSet(
    ConditionalMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProductSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = ProductFilter
    search_fields = ["name", "sku"]
    ordering_fields = ["name", "sku", "unit_price", "created_at", "updated_at", "id"]
    ordering = ["name", "id"]
    # The whole row (common.conditional): what a product answers is its row.
    etag_fields = tuple(field.attname for field in Product._meta.concrete_fields)

    def get_queryset(self):
        return product_list()

    def list(self, request, *args, **kwargs):
        return self.conditional_list(self.filter_queryset(self.get_queryset()))

    def retrieve(self, request, *args, **kwargs):
        return self.conditional_retrieve(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.product_create(**serializer.validated_data)
        response = Response(self.get_serializer(product).data, status=status.HTTP_201_CREATED)
        return self.respond_with_etag(response, product, reread=True)

    def update(self, request, *args, **kwargs):
        product = self.get_object()
        serializer = self.get_serializer(
            product, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        product = services.product_update(product=product, **serializer.validated_data)
        response = Response(self.get_serializer(product).data)
        return self.respond_with_etag(response, product, reread=True)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance):
        services.product_delete(product=instance)

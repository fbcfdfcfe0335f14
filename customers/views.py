from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from common.conditional import ConditionalMixin
from common.permissions import IsAdmin, IsOwnerOrAdmin, is_admin
from customers import services
from customers.filters import CustomerFilter
from customers.models import Customer
from customers.selectors import customer_list
from customers.serializers import CustomerSerializer


class CustomerViewSet(ConditionalMixin, viewsets.ModelViewSet):
    """Customers. Staff see their own (another's id is a 404); admins see all.

    DELETE is soft: the customer disappears from lists but keeps its invoices;
    `POST {id}/restore/` (admins) brings it back.
    """

    serializer_class = CustomerSerializer
    permission_classes = [IsOwnerOrAdmin]
    filterset_class = CustomerFilter
    search_fields = ["name", "email", "tax_id"]
    ordering_fields = ["name", "created_at", "balance_due"]
    ordering = ["name", "id"]
    # The whole row (common.conditional): the statistics move by UPDATE, not by save().
    etag_fields = tuple(field.attname for field in Customer._meta.concrete_fields)

    def get_queryset(self):
        include_deleted = self.action == "restore"
        return customer_list(user=self.request.user, include_deleted=include_deleted)

    def list(self, request, *args, **kwargs):
        return self.conditional_list(self.filter_queryset(self.get_queryset()))

    def retrieve(self, request, *args, **kwargs):
        return self.conditional_retrieve(self.get_object())

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        return self.respond_with_etag(response, self.written, reread=True)

    def perform_create(self, serializer):
        serializer.instance = services.customer_create(
            owner=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.customer_update(
            customer=serializer.instance, **serializer.validated_data
        )
        self.written = serializer.instance

    def perform_destroy(self, instance):
        services.customer_delete(customer=instance)

    @extend_schema(request=None, responses={200: CustomerSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        # Look up first, in the caller's scope: another's id is a 404 like everywhere
        # else (ids don't leak); only then does a staff user hear "admins only" (403).
        customer = self.get_object()
        if not is_admin(request.user):
            raise PermissionDenied(IsAdmin.message)
        customer = services.customer_restore(customer=customer)
        return Response(self.get_serializer(customer).data, status=status.HTTP_200_OK)

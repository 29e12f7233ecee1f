"""The API's directory: customers (found as callers say them), categories, the escalation
matrix, and who the caller is. Thin views over the services and selectors."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from escalations import services
from escalations.api import serializers as s
from escalations.lookup import customer_lookup_q
from escalations.models import Category, Customer, EscalationRule
from integrations.idempotency import idempotent
from kit.api.pagination import Pagination
from kit.api.permissions import HasPermission


class CustomerPagination(Pagination):
    ordering = ("furigana", "name", "id")


@extend_schema_view(
    list=extend_schema(
        summary="Find customers (by phone, CRM id or name)",
        parameters=[s.CustomerFilterSerializer],
        tags=["customers"],
    ),
    retrieve=extend_schema(summary="One customer", tags=["customers"]),
    create=extend_schema(
        summary="Register a customer",
        request=s.CustomerCreateSerializer,
        responses={201: s.CustomerSerializer},
        tags=["customers"],
    ),
)
class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.CustomerSerializer
    pagination_class = CustomerPagination
    permission_classes = [permissions.IsAuthenticated, HasPermission]
    required_perms = {
        "list": ("escalations.view_customer",),
        "retrieve": ("escalations.view_customer",),
    }
    queryset = Customer.objects.all()

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        form = s.CustomerFilterSerializer(data=self.request.query_params)
        form.is_valid(raise_exception=True)
        f = form.validated_data
        if "phone" in f:
            queryset = queryset.filter(customer_lookup_q(f["phone"]))
        if "external_id" in f:
            queryset = queryset.filter(external_id=f["external_id"])
        if "name" in f:
            queryset = queryset.filter(
                Q(name__icontains=f["name"])
                | Q(furigana__icontains=f["name"])
                | customer_lookup_q(f["name"])
            )
        return queryset

    @idempotent
    def create(self, request, *args, **kwargs):
        form = s.CustomerCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        customer = services.customer_create(actor=request.user, **form.validated_data)
        return Response(s.CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Categories (request types)", tags=["configuration"]),
    retrieve=extend_schema(summary="One category", tags=["configuration"]),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CategorySerializer
    permission_classes = [permissions.IsAuthenticated, HasPermission]
    required_perms = {
        "list": ("escalations.view_category",),
        "retrieve": ("escalations.view_category",),
    }
    queryset = Category.objects.all()


@extend_schema_view(
    list=extend_schema(summary="The escalation matrix (rules)", tags=["configuration"]),
    retrieve=extend_schema(summary="One escalation rule", tags=["configuration"]),
)
class RuleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.RuleSerializer
    permission_classes = [permissions.IsAuthenticated, HasPermission]
    required_perms = {
        "list": ("escalations.view_escalationrule",),
        "retrieve": ("escalations.view_escalationrule",),
    }
    queryset = EscalationRule.objects.select_related("category", "target_team", "target_user")


class MeView(APIView):
    """Who the request is authenticated as: a cheap check of a token."""

    @extend_schema(summary="The authenticated account", responses={200: s.PersonSerializer})
    def get(self, request):
        return Response(s.PersonSerializer(request.user).data)

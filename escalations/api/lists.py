"""The cases API's lists: the order of each list's cursor pages (``kit.api.pagination``) and the
case list's filters, its query parameters (``filter_cases``). Moved out of
``escalations.api.views`` (past ~600 lines), a pure move."""

from __future__ import annotations

from escalations.api import serializers as s
from kit.api.pagination import Pagination


class CasePagination(Pagination):
    ordering = ("-created_at", "-id")


class NotePagination(Pagination):
    ordering = ("created_at", "id")


class EscalationPagination(Pagination):
    ordering = ("-requested_at", "-id")


class CallbackPagination(Pagination):
    ordering = ("-created_at", "-id")


class HistoryPagination(Pagination):
    ordering = ("-history_date", "-history_id")


def filter_cases(queryset, params, user):
    """Apply the list's query parameters (validated: bad values are a 400)."""
    form = s.CaseFilterSerializer(data=params)
    form.is_valid(raise_exception=True)
    f = form.validated_data
    if f.get("status"):
        queryset = queryset.filter(status__in=sorted(f["status"]))
    for name in ("tier", "priority"):
        if name in f:
            queryset = queryset.filter(**{name: f[name]})
    for name in ("category", "assigned_team"):
        if name in f:
            queryset = queryset.filter(**{f"{name}_id": f[name]})
    if f.get("mine") == "owner":
        queryset = queryset.filter(owner=user)
    elif f.get("mine") == "handler":
        queryset = queryset.filter(handler=user)
    if "customer_external_id" in f:
        queryset = queryset.filter(customer__external_id=f["customer_external_id"])
    if "created_after" in f:
        queryset = queryset.filter(created_at__gte=f["created_after"])
    if "created_before" in f:
        queryset = queryset.filter(created_at__lt=f["created_before"])
    if "updated_after" in f:
        queryset = queryset.filter(updated_at__gte=f["updated_after"])
    return queryset

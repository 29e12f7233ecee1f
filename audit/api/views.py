"""``GET /api/v1/history/``: who changed what, when and why, for any historised object (rules,
teams, policies, articles, cases, ...), with the audit log page's filters, keyset pages and
readable old -> new values. For those who may read the audit log (managers, administrators)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.api import serializers as s
from audit.forms import DEFAULT_PAGE_SIZE, AuditFilterForm
from audit.selectors import audit_page


class MayReadAuditLog(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("audit.view_auditlog")


class HistoryView(APIView):
    permission_classes = [permissions.IsAuthenticated, MayReadAuditLog]

    @extend_schema(
        summary="Audit history of any object (who, when, why, old → new)",
        tags=["audit"],
        parameters=[s.HistoryQuerySerializer],
        responses={200: s.HistoryPageSerializer},
    )
    def get(self, request):
        form = AuditFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        page = audit_page(
            form.query(),
            after=form.cleaned_data.get("after"),
            size=form.cleaned_data.get("n") or DEFAULT_PAGE_SIZE,
            links=False,
        )
        return Response(
            s.HistoryPageSerializer(
                {
                    "results": page.entries,
                    "next": page.next_cursor.encode() if page.next_cursor else None,
                }
            ).data
        )

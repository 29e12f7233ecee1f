"""The audit log page for managers (permission ``audit.view_auditlog``) and its CSV export.
Read-only: no add, change or delete anywhere."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.export import csv_lines
from audit.forms import DEFAULT_PAGE_SIZE, AuditFilterForm
from audit.models import AuditLog
from audit.selectors import audit_page, iter_entries
from kit.admin import ReadOnlyAdminMixin


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("audit.view_auditlog")

    def get_urls(self):
        return [
            path("", self.admin_site.admin_view(self.log_view), name="audit_auditlog_changelist"),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="audit_auditlog_export",
            ),
        ]

    def _form(self, request: HttpRequest) -> AuditFilterForm:
        if not self.has_view_permission(request):
            raise PermissionDenied
        data = request.GET.copy()
        data.setdefault("n", str(DEFAULT_PAGE_SIZE))
        return AuditFilterForm(data)

    def log_view(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request)
        page = None
        if form.is_valid():
            page = audit_page(
                form.query(), after=form.cleaned_data.get("after"), size=form.cleaned_data["n"]
            )
        next_url = None
        if page is not None and page.next_cursor is not None:
            params = request.GET.copy()
            params["after"] = page.next_cursor.encode()
            next_url = "?" + params.urlencode()
        export_params = request.GET.copy()
        export_params.pop("after", None)
        export_params.pop("n", None)
        first_params = request.GET.copy()
        first_params.pop("after", None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Audit log"),
            "form": form,
            "entries": page.entries if page is not None else [],
            "next_url": next_url,
            "first_url": "?" + first_params.urlencode(),
            "is_later_page": bool(request.GET.get("after")),
            "export_query": export_params.urlencode(),
        }
        return TemplateResponse(request, "admin/audit/auditlog.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request)
        if not form.is_valid():
            return self.log_view(request)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(
            csv_lines(iter_entries(form.query())), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        return response

"""The project's admin site: Django's, plus the pages that are not a model's (the escalation
flow page), registered here so they inherit the admin's login, header and language switch."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _


class BackOfficeAdminSite(admin.AdminSite):
    def get_urls(self):
        # This module is loaded with INSTALLED_APPS, before any app's models: the views (which
        # import models) only once the URLs are built. Not a circle: config imports every app.
        from escalations.flow import views as flow_views
        from reports import views as report_views

        return [
            path(
                "escalations/flow/",
                self.admin_view(flow_views.flow_view),
                name="escalations_flow",
            ),
            path(
                "escalations/flow/pdf/",
                self.admin_view(flow_views.flow_pdf_view),
                name="escalations_flow_pdf",
            ),
            path(
                "reports/dashboard/",
                self.admin_view(report_views.dashboard_view),
                name="reports_dashboard",
            ),
            path(
                "reports/dashboard/csv/<slug:key>/",
                self.admin_view(report_views.dashboard_csv_view),
                name="reports_dashboard_csv",
            ),
            path(
                "reports/dashboard/xlsx/<slug:key>/",
                self.admin_view(report_views.dashboard_csv_view),
                {"fmt": "xlsx"},
                name="reports_dashboard_xlsx",
            ),
            path(
                "reports/dashboard/review/",
                self.admin_view(report_views.review_view),
                name="reports_review",
            ),
            path(
                "reports/review/<str:kind>/<int:pk>/",
                self.admin_view(report_views.review_page_view),
                name="reports_review_page",
            ),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is None and request.user.is_active and request.user.is_staff:
            url = reverse("admin:escalations_flow", current_app=self.name)
            apps.insert(
                0,
                {
                    "name": _("Escalation flow"),
                    "app_label": "escalations_flow",
                    "app_url": url,
                    "has_module_perms": True,
                    "models": [
                        {
                            "name": _("Escalation flow"),
                            "object_name": "EscalationFlow",
                            "admin_url": url,
                            "add_url": None,
                            "view_only": True,
                            "perms": {"view": True},
                        }
                    ],
                },
            )
        if app_label is None and request.user.has_perm("reports.view_dashboard"):
            url = reverse("admin:reports_dashboard", current_app=self.name)
            apps.insert(
                0,
                {
                    "name": _("Manager dashboard"),
                    "app_label": "reports_dashboard",
                    "app_url": url,
                    "has_module_perms": True,
                    "models": [
                        {
                            "name": _("Manager dashboard"),
                            "object_name": "ManagerDashboard",
                            "admin_url": url,
                            "add_url": None,
                            "view_only": True,
                            "perms": {"view": True},
                        }
                    ],
                },
            )
        return apps


class BackOfficeAdminConfig(AdminConfig):
    default_site = "config.admin.BackOfficeAdminSite"

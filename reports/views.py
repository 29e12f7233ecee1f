"""The manager dashboard, its CSV exports and the recording of reviews: thin, the figures come
from ``selectors`` (through ``tables``) and reviews are written by ``services``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Team
from escalations.models import EscalationRule
from reports import export, review_page, selectors, services, tables
from reports.forms import DashboardFilterForm, filters_from

VIEW = "reports.view_dashboard"
PERSON = "reports.view_person_figures"


def _check(request: HttpRequest) -> bool:
    if not request.user.has_perm(VIEW):
        raise PermissionDenied(_("The dashboard is for managers and supervisors."))
    return request.user.has_perm(PERSON)


def _filters(request: HttpRequest):
    form = DashboardFilterForm(request.GET)
    filters, errors = filters_from(form)
    return form, filters, errors


def _query(filters) -> str:
    query = {
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "period": filters.period,
    }
    if filters.team is not None:
        query["team"] = filters.team.pk
    return urlencode(query)


def dashboard_view(request: HttpRequest) -> HttpResponse:
    person_figures = _check(request)
    form, filters, errors = _filters(request)
    for error in errors:
        messages.warning(request, error)
    context = {
        **admin.site.each_context(request),
        "title": _("Manager dashboard"),
        "form": form,
        "filters": filters,
        "teams": list(Team.objects.all()),
        "query": _query(filters),
        "reports": tables.build(filters, person_figures=person_figures),
        "person_figures": person_figures,
        "overdue": selectors.overdue_reviews(),
        "nobody_present": selectors.rules_nobody_present(),
        "can_review": request.user.has_perm("reports.add_review"),
        "case_list": reverse("admin:escalations_case_changelist"),
    }
    return TemplateResponse(request, "admin/reports/dashboard.html", context)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dashboard_csv_view(request: HttpRequest, key: str, fmt: str = "csv") -> HttpResponse:
    person_figures = _check(request)
    if key not in tables.keys(person_figures=person_figures):
        raise Http404(_("No such report."))
    _form, filters, errors = _filters(request)
    if errors:
        for error in errors:
            messages.warning(request, error)
        return HttpResponseRedirect(reverse("admin:reports_dashboard"))
    [report] = tables.build(filters, person_figures=person_figures, only=key)
    if fmt == "xlsx":
        response = HttpResponse(export.xlsx_bytes(report), content_type=XLSX)
    else:
        response = HttpResponse(
            "".join(export.csv_lines(report)), content_type="text/csv; charset=utf-8"
        )
    name = f"{key}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def review_view(request: HttpRequest) -> HttpResponse:
    _check(request)
    kind, raw_id = request.POST.get("kind", ""), request.POST.get("id", "")
    model = {"rule": EscalationRule, "team": Team}.get(kind)
    subject = None
    if model is not None and raw_id.isdigit():
        subject = model.objects.filter(pk=int(raw_id)).first()
    if subject is None:
        messages.error(request, _("Choose a rule or a team to review."))
    else:
        try:
            services.review_record(
                actor=request.user, **{kind: subject}, comment=request.POST.get("comment", "")
            )
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request,
                _("Review of %(subject)s recorded; next review on %(date)s.")
                % {"subject": subject, "date": subject.next_review_on.isoformat()},
            )
    if request.POST.get("back") == "page" and subject is not None:
        return HttpResponseRedirect(reverse("admin:reports_review_page", args=[kind, subject.pk]))
    return HttpResponseRedirect(reverse("admin:reports_dashboard"))


REVIEWED = {"rule": EscalationRule, "team": Team}


def review_page_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The review page of a rule or a team: what changed since its last review, and whether
    each contact on its chain can be reached."""
    _check(request)
    model = REVIEWED.get(kind)
    if model is None:
        raise Http404(_("Choose a rule or a team to review."))
    related = ["category", "target_team", "target_user", "review_owner"] if kind == "rule" else []
    subject = model.objects.select_related(*related).filter(pk=pk).first()
    if subject is None:
        raise Http404(_("Choose a rule or a team to review."))
    page = review_page.review_page(**{kind: subject})
    context = {
        **admin.site.each_context(request),
        "title": _("Review: %(subject)s") % {"subject": subject},
        "page": page,
        "can_review": request.user.has_perm("reports.add_review"),
    }
    return TemplateResponse(request, "admin/reports/review.html", context)

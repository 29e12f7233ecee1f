"""The knowledge base in the admin. Thin: every write goes through ``knowledge.services``."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from escalations import policy as case_policy
from escalations.models import Case
from escalations.selectors import cases_visible_to
from kit.admin import ReadOnlyAdminMixin, TransitionAdminMixin, VisibleHistoryAdmin
from kit.statemachine import TransitionConflict
from knowledge import deflection as case_suggestions
from knowledge import forms, services, synonyms
from knowledge.models import Article, ArticleStatus, CaseArticle, Deflection
from knowledge.policy import allows
from knowledge.rendering import render_markdown
from knowledge.search import may_see_cases, search
from knowledge.selectors import articles_visible_to, source_case_visible_to
from knowledge.synonym_admin import describe  # also registers the synonym dictionary


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", _("Review overdue")), ("due_30", _("Due within 30 days"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        live = queryset.filter(published_at__isnull=False).exclude(status=ArticleStatus.ARCHIVED)
        if self.value() == "overdue":
            return live.filter(review_due__lt=today)
        if self.value() == "due_30":
            return live.filter(review_due__gte=today, review_due__lte=today + dt.timedelta(days=30))
        return queryset


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@admin.register(Article)
class ArticleAdmin(TransitionAdminMixin, VisibleHistoryAdmin):
    """Articles the user may see (``knowledge.selectors``: a draft from a case only for those
    who may see the case; the case's reference and the history only for them)."""

    form = forms.ArticleForm
    machine = services.ARTICLES
    transitions = services.TRANSITIONS
    transition_template = "admin/knowledge/article/transition.html"
    transition_object_name = "article"
    change_form_template = "admin/knowledge/article/change_form.html"
    change_list_template = "admin/knowledge/article/change_list.html"
    list_display = [
        "title",
        "status",
        "version",
        "category",
        "audience",
        "owner",
        "review_due",
        "review_state",
        "used_count",
        "solved_count",
        "not_helpful_count",
    ]
    list_filter = [ReviewOverdueFilter, "status", "audience", "category"]
    list_select_related = ["category", "owner"]
    search_fields = ["title", "published_title", "tags"]
    autocomplete_fields = ["owner"]
    show_full_result_count = False
    readonly_fields = [
        "status",
        "version",
        "published_at",
        "reviewed_at",
        "source_case",
        "source_escalation",
        "used_count",
        "solved_count",
        "not_helpful_count",
        "published_preview",
        "working_preview",
    ]

    def get_fieldsets(self, request, obj=None):
        main = ["title", "body", "category", "tags", "audience", "owner", "review_due"]
        if obj is None:
            return [(None, {"fields": main})]
        source = []
        if source_case_visible_to(obj, request.user):
            source = (
                ["source_case", "source_escalation"]
                if obj.source_escalation_id
                else ["source_case"]
            )
        return [
            (None, {"fields": ["status", *main]}),
            (_("Preview (as readers will see it)"), {"fields": ["working_preview"]}),
            (
                _("Published version"),
                {"fields": ["version", "published_at", "reviewed_at", "published_preview"]},
            ),
            (
                _("Use"),
                {"fields": [*source, "used_count", "solved_count", "not_helpful_count"]},
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.status != ArticleStatus.DRAFT or not request.user.has_perm(
            "knowledge.change_article"
        ):
            return [*self.readonly_fields, *services.EDITABLE_FIELDS]
        return self.readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request) & articles_visible_to(request.user)

    def _404_unless_visible(self, request: HttpRequest, object_id: str) -> None:
        article = self.get_object(request, unquote(object_id))
        if article is None or not source_case_visible_to(article, request.user):
            raise Http404

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("owner", request.user.pk)
        initial.setdefault("review_due", timezone.localdate() + services.REVIEW_PERIOD)
        return initial

    def has_delete_permission(self, request, obj=None):
        return False  # articles are archived, never deleted

    @admin.display(description=gettext_lazy("review"))
    def review_state(self, article: Article) -> str:
        if article.review_overdue(timezone.localdate()):
            return format_html(
                '<span class="review-overdue" style="color:#ba2121">{}</span>', _("Overdue")
            )
        return ""

    @admin.display(description=gettext_lazy("published version"))
    def published_preview(self, article: Article):
        if article.published_at is None:
            return _("Not published yet.")
        return format_html(
            '<div class="article-body"><h2>{}</h2>{}</div>',
            article.published_title,
            render_markdown(article.published_body),
        )

    @admin.display(description=gettext_lazy("preview"))
    def working_preview(self, article: Article):
        return format_html(
            '<div class="article-body"><h2>{}</h2>{}</div>',
            article.title,
            render_markdown(article.body),
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fresh = Article.objects.get(pk=obj.pk)
            services.article_update(
                article=fresh,
                actor=request.user,
                **{f: data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS},
            )
        else:
            article = services.article_create(
                actor=request.user, **{f: data[f] for f in services.EDITABLE_FIELDS}
            )
            obj.pk = article.pk

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if article is not None:
            extra_context["article_actions"] = self.transition_actions(request, article)
            extra_context["read_url"] = reverse("admin:knowledge_article_read", args=[article.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    # --- pages of their own ----------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        own = [
            path("search/", view(self.search_view), name="knowledge_article_search"),
            *self.transition_urls(),
            path("<int:pk>/read/", view(self.read_view), name="knowledge_article_read"),
            path(
                "<int:pk>/solve/<int:case_pk>/",
                view(self.solve_view),
                name="knowledge_article_solve",
            ),
            path(
                "<int:pk>/link/<int:case_pk>/", view(self.link_view), name="knowledge_article_link"
            ),
            path(
                "case/<int:case_pk>/search/",
                view(self.case_search_view),
                name="knowledge_article_case_search",
            ),
            path(
                "from-case/<int:case_pk>/",
                view(self.from_case_view),
                name="knowledge_article_from_case",
            ),
        ]
        return own + super().get_urls()

    def _context(self, request, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, **extra}

    def _article(self, request, pk: int) -> Article:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(articles_visible_to(request.user), pk=pk)

    def _case(self, request, pk: int) -> Case:
        return get_object_or_404(cases_visible_to(request.user), pk=pk)

    def search_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = forms.SearchForm(request.GET or None)
        hits = []
        if form.is_valid() and form.cleaned_data["q"].strip():
            hits = search(form.cleaned_data["q"], user=request.user, limit=20)
        context = self._context(
            request,
            title=_("Search the knowledge base"),
            form=form,
            articles=[h for h in hits if h.kind == "article"],
            cases=[h for h in hits if h.kind == "case"],
            searched=form.is_bound,
            expansions=describe(synonyms.expansions(form.cleaned_data["q"]))
            if form.is_valid()
            else [],
        )
        return TemplateResponse(request, "admin/knowledge/article/search.html", context)

    # --- the transition page's hooks (kit.admin.TransitionAdminMixin) ----------------------

    def transition_object(self, request: HttpRequest, pk: int) -> Article:
        return self._article(request, pk)

    def transition_allowed(self, request: HttpRequest, article: Article, name: str) -> bool:
        return allows(name, article, request.user)

    def transition_form_class(self, name: str):
        return forms.CommentForm

    def case_search_view(self, request: HttpRequest, case_pk: int) -> HttpResponse:
        """The case page's knowledge panel (fetched in place, no page load): the articles and
        resolved cases found for what was typed (the case's subject and description when
        nothing was), with the same visibility and permission rules as the search page, and
        recorded as shown like the escalate page's suggestions (a POST: it writes that row).
        Each article opens with the case, and "this answered it" resolves the case with it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_view_permission(request) or may_see_cases(request.user)):
            raise PermissionDenied
        case = self._case(request, case_pk)
        form = forms.SearchForm(request.POST)
        if not form.is_valid():
            return TemplateResponse(
                request, "admin/knowledge/case_search_results.html", {"form": form}, status=400
            )
        found = case_suggestions.suggestions_for(case, request.user, query=form.cleaned_data["q"])
        may_solve = case_policy.allows("resolve", case, request.user) and can_proceed(case.resolve)
        solve = [
            (
                item,
                reverse("admin:knowledge_article_solve", args=[item["hit"].pk, case.pk])
                if may_solve
                else "",
            )
            for item in found.articles
        ]
        context = {
            "form": form,
            "case": case,
            "suggestions": found,
            "articles": solve,
            "deflection_id": found.deflection.pk if found.deflection else "",
        }
        return TemplateResponse(request, "admin/knowledge/case_search_results.html", context)

    def read_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The article as readers see it; opened from a case's suggestions, with the buttons
        to use it on that case ("solved with" resolves the case at L1)."""
        article = self._article(request, pk)
        case = None
        case_pk = _int_or_none(request.GET.get("case"))
        if case_pk is not None:
            case = cases_visible_to(request.user).filter(pk=case_pk).first()
        may_solve = (
            case is not None
            and article.is_live
            and case_policy.allows("resolve", case, request.user)
            and can_proceed(case.resolve)
        )
        may_link = (
            case is not None
            and article.is_live
            and request.user.has_perm("knowledge.add_casearticle")
        )
        if article.is_live:
            title, body = article.published_title, article.published_body
        else:
            title, body = article.title, article.body
        context = self._context(
            request,
            title=title,
            article=article,
            body=render_markdown(body),
            case=case,
            solve_form=forms.SolvedWithForm(
                initial={
                    "expected_status": case.status if case else "",
                    "deflection": _int_or_none(request.GET.get("deflection")),
                }
            )
            if may_solve
            else None,
            link_form=forms.LinkForm() if may_link else None,
            stale=article.review_overdue(timezone.localdate()),
        )
        return TemplateResponse(request, "admin/knowledge/article/read.html", context)

    def solve_view(self, request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article(request, pk)
        case = self._case(request, case_pk)
        form = forms.SolvedWithForm(request.POST)
        read = reverse("admin:knowledge_article_read", args=[pk]) + f"?case={case.pk}"
        if not form.is_valid():
            self.message_user(request, _("The form was incomplete."), messages.ERROR)
            return HttpResponseRedirect(read)
        deflection = None
        if form.cleaned_data["deflection"]:
            deflection = Deflection.objects.filter(
                pk=form.cleaned_data["deflection"], case=case
            ).first()
        try:
            services.case_solved_with(
                case=case,
                article=article,
                actor=request.user,
                deflection=deflection,
                comment=form.cleaned_data["comment"],
                expected_status=form.cleaned_data["expected_status"],
            )
        except TransitionConflict as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(read)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(read)
        self.message_user(
            request,
            _("%(case)s resolved with the article “%(article)s”.")
            % {"case": case.reference, "article": article},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:escalations_case_change", args=[case.pk]))

    def link_view(self, request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article(request, pk)
        case = self._case(request, case_pk)
        form = forms.LinkForm(request.POST)
        read = reverse("admin:knowledge_article_read", args=[pk]) + f"?case={case.pk}"
        if not form.is_valid():
            self.message_user(request, _("Choose how the article was used."), messages.ERROR)
            return HttpResponseRedirect(read)
        try:
            link = services.case_article_link(
                case=case, article=article, kind=form.cleaned_data["kind"], actor=request.user
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(read)
        self.message_user(
            request,
            _("Recorded on %(case)s: %(kind)s.")
            % {"case": case.reference, "kind": link.get_kind_display()},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(read)

    def from_case_view(self, request: HttpRequest, case_pk: int) -> HttpResponse:
        """From a resolved escalation: a draft pre-filled with the question and the answer."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        case = self._case(request, case_pk)
        if request.method == "POST":
            try:
                article = services.article_from_case(case=case, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return HttpResponseRedirect(
                    reverse("admin:escalations_case_change", args=[case.pk])
                )
            self.message_user(
                request, _("Draft article created from %(case)s.") % {"case": case.reference}
            )
            return HttpResponseRedirect(
                reverse("admin:knowledge_article_change", args=[article.pk])
            )
        context = self._context(
            request,
            title=_("Create a draft article from %(case)s") % {"case": case.reference},
            case=case,
        )
        return TemplateResponse(request, "admin/knowledge/article/from_case.html", context)


class ReadOnlyAdmin(ReadOnlyAdminMixin, VisibleHistoryAdmin):
    """Rows about a case: only those of visible cases, their history pages too."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))


@admin.register(CaseArticle)
class CaseArticleAdmin(ReadOnlyAdmin):
    """Written by the services when an article is used on a case."""

    list_display = ["case", "article", "kind", "version", "created_by", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["case", "article", "created_by"]
    search_fields = ["case__reference", "article__title"]


@admin.register(Deflection)
class DeflectionAdmin(ReadOnlyAdmin):
    """Suggestions shown on escalate forms, and whether one solved the case instead."""

    list_display = ["case", "shown_to", "shown_at", "shown_count", "used_article", "used_at"]
    list_select_related = ["case", "shown_to", "used_article"]
    list_filter = [("used_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "shown_at"
    search_fields = ["case__reference"]

    @admin.display(description=gettext_lazy("shown"))
    def shown_count(self, deflection: Deflection) -> int:
        return len(deflection.article_ids) + len(deflection.case_ids)

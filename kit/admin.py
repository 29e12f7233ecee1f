"""The admin kit: read-only admins, history pages only for visible objects, service errors on
forms, and the transition page shared by the admins of state-machine models (cases, articles)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from kit.statemachine import StateMachine, TransitionConflict


class ReadOnlyAdminMixin:
    """Nobody adds, changes or deletes here: the rows are written by services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NotFoundUnlessVisibleMixin:
    """The change and delete pages of an object one may not see (outside the admin's
    ``get_queryset``) are 404 (a link in an email forwarded to someone else, a guessed id), not
    Django's redirect to the index with "does not exist", which tells that the id exists: the
    one place that overrides Django's private hook for it, pinned by
    tests/kit/test_invisible_objects_are_404_in_the_admin.py."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(_("No %(name)s with this id that you may see.") % {"name": opts.verbose_name})


class ReadOnlyAdmin(NotFoundUnlessVisibleMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only, and an object outside ``get_queryset`` is a 404."""


class VisibleHistoryAdmin(NotFoundUnlessVisibleMixin, SimpleHistoryAdmin):
    """simple-history's history pages read the history table when ``get_queryset`` hides the
    object (meant for deleted objects): that would show a hidden row (a case, a hop, a
    callback) to anyone. Here they are 404 unless the object itself is visible, that is, in
    the admin's ``get_queryset``; so are its change and delete pages."""

    def _404_unless_visible(self, request: HttpRequest, object_id: str) -> None:
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._404_unless_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._404_unless_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


def add_form_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ``ValidationError`` on ``form``: field errors on their fields (when the
    form has them), the rest above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class TransitionAdminMixin:
    """One page per transition, ``<pk>/do/<name>/``: GET shows the transition's form, POST
    turns it into the service's keyword arguments and runs the service from the model's
    transitions table. A stale page or a lost race ends as the "changed by someone else"
    message; a service's validation errors land on the form.

    The admin sets ``machine`` (the model's :class:`StateMachine`), ``transitions`` (name →
    service), ``transition_template`` and ``transition_object_name`` (the service's keyword
    for the object, also its name in the template), and may override the hooks below."""

    machine: StateMachine
    transitions: dict[str, Callable[..., Any]]
    transition_template: str
    transition_object_name: str

    # --- hooks ---------------------------------------------------------------------------

    def transition_object(self, request: HttpRequest, pk: int) -> Any:
        """The object, if the user may see it (else 404)."""
        raise NotImplementedError

    def transition_allowed(self, request: HttpRequest, obj: Any, name: str) -> bool:
        """Whether the user may run ``name`` on ``obj`` at all (the status aside)."""
        raise NotImplementedError

    def transition_form_class(self, name: str) -> type[forms.Form]:
        raise NotImplementedError

    def transition_kwargs(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        """The service's keyword arguments from the form's cleaned data."""
        return {"expected_status": None, **data}

    def transition_context(
        self, request: HttpRequest, obj: Any, name: str, form: forms.Form
    ) -> dict[str, Any]:
        return {}

    def transition_initial(self, request: HttpRequest, obj: Any, name: str) -> dict[str, Any]:
        """The form's initial data: at least the status the page is shown for."""
        return {"expected_status": getattr(obj, self.machine.field)}

    def transition_title(self, obj: Any) -> str:
        """How the object is named in the page's title and messages."""
        return str(obj)

    def transition_refused(
        self, request: HttpRequest, obj: Any, name: str, form: forms.Form
    ) -> HttpResponse | None:
        """A posted form was refused (invalid, or the service's errors on it): the response
        that shows it again, or ``None`` for the transition's own page (the default)."""
        return None

    # --- the page ------------------------------------------------------------------------

    def transition_urls(self) -> list:
        return [
            path(
                "<int:pk>/do/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_transition",
            )
        ]

    def transition_url(self, obj: Any, name: str) -> str:
        opts = self.opts
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_transition", args=[obj.pk, name])

    def transition_actions(self, request: HttpRequest, obj: Any) -> list[dict[str, str]]:
        """The transitions the user may run on ``obj`` now, as buttons."""
        method = getattr(obj, f"get_available_user_{self.machine.field}_transitions")
        return [
            {
                "name": t.name,
                "label": str(t.custom.get("label", t.name)),
                "url": self.transition_url(obj, t.name),
            }
            for t in method(request.user)
        ]

    def _change_page(self, obj: Any) -> HttpResponseRedirect:
        opts = self.opts
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )

    def transition_view(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        if name not in self.transitions:
            raise PermissionDenied
        obj = self.transition_object(request, pk)
        if not self.transition_allowed(request, obj, name):
            raise PermissionDenied
        label = self.machine.label(name)
        if request.method == "GET" and not self.machine.applies(obj, name):
            self.message_user(
                request,
                self.machine.not_possible % {"status": self.machine.status_label(obj)},
                messages.WARNING,
            )
            return self._change_page(obj)
        form_class = self.transition_form_class(name)
        if request.method == "POST":
            form = form_class(request.POST)
            if form.is_valid():
                try:
                    self.transitions[name](
                        **{self.transition_object_name: obj},
                        actor=request.user,
                        **self.transition_kwargs(name, form.cleaned_data),
                    )
                except TransitionConflict as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    return self._change_page(obj)
                except ValidationError as exc:
                    add_form_errors(form, exc)
                else:
                    self.message_user(
                        request,
                        _("%(object)s: %(action)s done.")
                        % {"object": self.transition_title(obj), "action": label},
                        messages.SUCCESS,
                    )
                    return self._change_page(obj)
            refused = self.transition_refused(request, obj, name, form)
            if refused is not None:
                return refused
        else:
            form = form_class(initial=self.transition_initial(request, obj, name))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            self.transition_object_name: obj,
            "form": form,
            "title": f"{self.transition_title(obj)}: {label}",
            "action_label": label,
            **self.transition_context(request, obj, name, form),
        }
        return TemplateResponse(request, self.transition_template, context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A plain edit that lost a race (the object moved meanwhile) is refused with the
        same message as a transition."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except TransitionConflict as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.path)

"""A history row's change reason in words: the services store short codes (``note: handoff``,
``hold_end: answered``, ``shown``, ``task: escalations.sla_sweep``); the audit log, its export and
the history pages show what they mean, in the reader's language. A reason typed by a person (or
one this module does not know) is shown as written."""

from __future__ import annotations

import functools

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.context import ADMIN_REASON, ADMIN_REASONS

PLAIN = {
    ADMIN_REASON: _("Edited in the admin"),
    ADMIN_REASONS["+"]: _("Added in the admin"),
    ADMIN_REASONS["-"]: _("Deleted in the admin"),
    "create": _("Created"),
    "shown": _("Shown as a suggestion"),
    "solved with": _("Marked as solved with this article"),
    "promise": _("Callback promised"),
    "keep": _("Callback made"),
    "miss": pgettext_lazy("callback", "Missed"),
    "language": _("Email language changed"),
    "revoke": _("Revoked"),
    "system user": _("System user created"),
    "absence": _("Absence changed"),
    "absence ended": _("Absence ended (its until-time passed)"),
    "absence started": _("Absence started (an absence period began)"),
    "absence period": _("Absence period saved"),
    "absence period deleted": _("Absence period deleted"),
    "review recorded": _("Review recorded"),
    "review reminder sent": _("Review reminder sent"),
    "load_demo_data": _("Demo data"),
}
TASKS = {
    "escalations.sla_sweep": _("SLA sweep"),
    "escalations.deliver_notifications": _("Notification delivery"),
    "escalations.deliver_due_notifications": _("Notification delivery"),
    "reports.notify_reviews_due": _("Review reminders"),
    "reports.rollup_finished_days": _("Daily figures"),
    "knowledge.notify_review_overdue": _("Review reminders"),
    "integrations.purge_idempotency_records": _("Idempotency keys forgotten"),
    "accounts.absence_expire": _("Absences ended"),
    "escalations.coverage_check": _("Coverage check"),
}
# (the reason's code, the model it is stored on or None for any) -> the field whose choices
# name what follows the colon
CHOICE_AFTER = {
    "note": ("escalations.casenote", "kind"),
    "hold_end": ("escalations.escalation", "hold_outcome"),
}
PREFIXED = {
    "note": _("Note: %(what)s"),
    "hold_end": _("Hold ended: %(what)s"),
    "edit": _("Edited: %(what)s"),
    "task": _("Automatic: %(what)s"),
}


@functools.cache
def _transitions(label: str) -> dict[str, object]:
    """Transition name -> its (lazy) label, read once from the model's state machine."""
    machine = apps.get_model(label)
    found: dict[str, object] = {}
    for transition in machine._meta.get_field("status").get_all_transitions(machine):
        found.setdefault(transition.name, transition.custom.get("label", transition.name))
    return found


def _transition_labels(model: type[models.Model] | None) -> dict[str, object]:
    """An article's reasons name article transitions; every other (a case's, a hop's) case ones."""
    is_article = model is not None and model._meta.label_lower == "knowledge.article"
    return _transitions("knowledge.article" if is_article else "escalations.case")


def _choice(label: str, field_name: str, value: str) -> str:
    choices = dict(apps.get_model(label)._meta.get_field(field_name).flatchoices)
    return str(choices.get(value, value))


def _field_names(model: type[models.Model] | None, text: str) -> str:
    names = []
    for name in text.split(", "):
        try:
            field = model._meta.get_field(name) if model is not None else None
        except FieldDoesNotExist:
            field = None
        names.append(str(capfirst(field.verbose_name)) if field is not None else name)
    return ", ".join(names)


def reason_label(reason: str, model: type[models.Model] | None = None) -> str:
    """``reason`` (a history row's change reason) in words; ``model``: the tracked model."""
    if not reason:
        return ""
    if reason in PLAIN:
        return str(PLAIN[reason])
    if model is not None and model._meta.label_lower == "knowledge.casearticle":
        kinds = dict(model._meta.get_field("kind").flatchoices)
        if reason in kinds:
            return str(kinds[reason])
    if reason.startswith("create from "):
        return str(_("Created from %(case)s")) % {"case": reason.removeprefix("create from ")}
    code, sep, rest = reason.partition(": ")
    if code in CHOICE_AFTER and sep:
        label, field_name = CHOICE_AFTER[code]
        return str(PREFIXED[code]) % {"what": _choice(label, field_name, rest)}
    if code == "edit" and sep:
        return str(PREFIXED[code]) % {"what": _field_names(model, rest)}
    if code == "task" and sep:
        return str(PREFIXED[code]) % {"what": TASKS.get(rest, rest)}
    transitions = _transition_labels(model)
    if code in transitions:
        return str(transitions[code]) + (sep + rest if sep else "")
    return reason

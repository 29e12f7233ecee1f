"""The case workspace (issue 17): what the case page shows first, and the actions it runs
without leaving the page.

- the header: the case at a glance (customer, category, priority, status and tier, owner and
  handler), the nearest SLA deadline and the hold clock (ticking in the browser), the latest
  handoff and the latest answer;
- the actions the user may run now: those that need no input as one-click POST buttons, those
  that need input as inline panels with their forms (pre-filled: escalating further with the
  previous handoff, resolving with the returned answer), all posting to the transition pages
  of :class:`kit.admin.TransitionAdminMixin`, which run the same services and come back here;
- escalating in one screen: each reason with where it goes now (team, person or the delegate
  standing in, their extension) and the rule's guidance.

Built only from what the case page has already loaded (hops, timers), so the page's query
count does not grow with the case's notes and hops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from escalations import forms as case_forms
from escalations import policy
from escalations.hold import forms as hold_forms
from escalations.models import Case, Escalation, Reason
from escalations.oncall import OnCall
from escalations.selectors import active_rules, escalation_target, next_tier_without_default
from escalations.sla.selectors import SLAState
from kit.durations import duration_text

# The hidden field a panel's form carries (its name): when the server refuses the form, the
# case page opens again with that panel open, its errors and what was typed.
PANEL_FIELD = "_panel"

# Where a refused panel's input and errors wait in the session for the case page the browser is
# sent to (post/redirect/get: a reload of that page does not post the form again), shown once.
REFUSED_KEY = "escalations.refused_panel"
# The panels that are not transitions, and their forms (the transitions' come from the admin).
OWN_PANELS = {
    "note": case_forms.NoteForm,
    "hold_end": hold_forms.HoldEndForm,
    "callback": hold_forms.CallbackPromiseForm,
}

# Transitions whose form asks for nothing required (an optional comment): one click.
ONE_CLICK = frozenset({"start_work", "wait_for_customer", "resume", "close", "acknowledge"})
ESCALATE = frozenset({"escalate", "escalate_further"})
# The order of the buttons: what moves the case forward first.
ORDER = [
    "start_work",
    "acknowledge",
    "return_to_owner",
    "escalate",
    "escalate_further",
    "resolve",
    "close",
    "wait_for_customer",
    "resume",
    "reopen",
]


@dataclass(frozen=True)
class Deadline:
    """The nearest running SLA deadline, for the header's countdown."""

    kind: str  # the timer's kind label
    started_at: Any
    due: Any
    state: str  # "on_track" | "at_risk" | "breached"
    left_text: str


def nearest_deadline(timers: list[tuple[Any, SLAState | None]]) -> Deadline | None:
    running = [(timer, state) for timer, state in timers if state is not None]
    if not running:
        return None
    timer, state = min(running, key=lambda pair: pair[1].due)
    return Deadline(
        kind=timer.get_kind_display(),
        started_at=timer.running_since or timer.started_at,
        due=state.due,
        state=state.state,
        left_text=duration_text(abs(state.due - timezone.now()), seconds=True),
    )


def latest_answer(hops: list[Escalation]) -> Escalation | None:
    answered = [hop for hop in hops if hop.answered_at is not None]
    return answered[-1] if answered else None


def transition_initial(case: Case, name: str, hops: list[Escalation]) -> dict[str, Any]:
    """A transition form's initial data: the status the page shows (a stale page is refused),
    the previous handoff when escalating again, the returned answer when resolving."""
    initial: dict[str, Any] = {"expected_status": case.status}
    if name in ESCALATE and hops:
        last = hops[-1]
        initial.update(
            customer_wants=last.customer_wants, tried=last.tried, mood=last.customer_mood
        )
    if name == "resolve":
        answer = latest_answer(hops)
        if answer is not None:
            initial["resolution"] = answer.answer
    return initial


def routes(case: Case) -> list[dict[str, Any]]:
    """Where each reason would send this case now (the rule's person or the team's on-call
    person, after absences and delegates), with the rule's guidance."""
    rules = active_rules()
    on_call = OnCall()  # the rotations' people are read once for all the reasons
    found = []
    no_default_tier = None  # looked up once, only if a reason leads nowhere
    for reason in Reason:
        target = escalation_target(case, reason.value, rules=rules, on_call=on_call)
        if target is None and no_default_tier is None:
            no_default_tier = next_tier_without_default(case.tier) or 0
        found.append(
            {"reason": reason, "target": target, "no_default_tier": no_default_tier or None}
        )
    return found


def actions(
    request: HttpRequest,
    case: Case,
    available: list[dict[str, str]],
    *,
    form_class,
    hops: list[Escalation],
    refused: tuple[str, forms.Form] | None = None,
) -> list[dict[str, Any]]:
    """The header's buttons and panels, from the transitions the user may run now
    (``TransitionAdminMixin.transition_actions``), each with its form pre-filled (or, for
    the ``refused`` one, the posted form with its errors, its panel open)."""
    rank = {name: i for i, name in enumerate(ORDER)}
    found = []
    for action in sorted(available, key=lambda a: rank.get(a["name"], len(ORDER))):
        name = action["name"]
        is_refused = refused is not None and refused[0] == name
        if is_refused:
            form: forms.Form = refused[1]
            form.auto_id = f"id_{name}_%s"
        else:
            form = form_class(name)(
                initial=transition_initial(case, name, hops), auto_id=f"id_{name}_%s"
            )
        if name == "resolve" and not policy.allows("close", case, request.user):
            form.fields.pop("close", None)
        entry = {**action, "one_click": name in ONE_CLICK, "form": form, "open": is_refused}
        if name in ESCALATE:
            entry["reasons"] = list(zip(form["reason"], routes(case), strict=True))
        found.append(entry)
    return found


def absences(found_actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The people an escalation from here would go to who are absent, with who stands in (or
    ``None``: the team's queue), each once."""
    seen: dict[int, dict[str, Any]] = {}
    for action in found_actions:
        for _radio, route in action.get("reasons", []):
            target = route["target"]
            if target is not None and target.routed_from is not None:
                seen.setdefault(
                    target.routed_from.pk,
                    {"person": target.routed_from, "delegate": target.person, "team": target.team},
                )
    return list(seen.values())


def header_context(
    request: HttpRequest,
    case: Case,
    *,
    available: list[dict[str, str]],
    form_class,
    hops: list[Escalation],
    timers: list[tuple[Any, SLAState | None]],
    refused: tuple[str, forms.Form] | None = None,
) -> dict[str, Any]:
    """The header's context; ``refused``: the panel (its name) and the posted form the server
    refused, shown open with its errors and input."""
    found = actions(request, case, available, form_class=form_class, hops=hops, refused=refused)
    panels = {
        "note": case_forms.NoteForm(auto_id="id_note_%s"),
        "hold_end": hold_forms.HoldEndForm(auto_id="id_hold_end_%s"),
        "callback": hold_forms.CallbackPromiseForm(
            initial={"number": case.customer.phone}, auto_id="id_callback_%s"
        ),
    }
    if refused is not None and refused[0] in panels:
        panels[refused[0]] = refused[1]
        refused[1].auto_id = f"id_{refused[0]}_%s"
    return {
        "header_absent": absences(found),
        "header_deadline": nearest_deadline(timers),
        "header_handoff": hops[-1] if hops else None,
        "header_answer": latest_answer(hops),
        "header_actions": found,
        "header_note_form": panels["note"],
        "header_hold_end_form": panels["hold_end"],
        "header_callback_form": panels["callback"],
        "header_open": refused[0] if refused is not None else "",
    }


# --- a refused panel across the redirect ---------------------------------------------------


def keep_refused(request: HttpRequest, case: Case, panel: str, form: forms.Form) -> None:
    """Keep what was typed in a refused panel and its errors (as the server wrote them, the
    service's own included) for the case page the browser is sent to next."""
    request.session[REFUSED_KEY] = {
        "case": case.pk,
        "panel": panel,
        "data": {
            key: values
            for key, values in request.POST.lists()
            if key not in ("csrfmiddlewaretoken", PANEL_FIELD)
        },
        "errors": form.errors.get_json_data(),
    }


def take_refused(request: HttpRequest, case: Case, form_class) -> tuple[str, forms.Form] | None:
    """The panel refused on this case's page just before, once (taken out of the session): its
    form bound to what was typed, with its errors (its own found again, the service's as kept).
    ``form_class``: the transitions' forms by name."""
    kept = request.session.get(REFUSED_KEY)
    if not kept or kept.get("case") != case.pk:
        return None
    del request.session[REFUSED_KEY]
    panel = kept["panel"]
    data = QueryDict(mutable=True)
    for key, values in kept["data"].items():
        data.setlist(key, values)
    try:
        form_type = OWN_PANELS.get(panel) or form_class(panel)
    except KeyError:
        return None
    form = form_type(data)
    form.is_valid()  # the form's own errors again; then those only the service found
    for field, errors in kept["errors"].items():
        target = field if field in form.fields else None
        shown = form.errors.get(target or "__all__", [])
        for error in errors:
            if error["message"] not in shown:
                form.add_error(
                    target, ValidationError(error["message"], code=error["code"] or None)
                )
    return panel, form

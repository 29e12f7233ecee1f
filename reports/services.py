"""Reviews of the escalation flow: recording one (moves the next review date) and the daily
reminder to the owners of rules and team contact lists whose review is overdue. Articles have
their own review workflow and reminder (knowledge/services.py)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts.models import Team, User
from accounts.services import system_user
from escalations.models import EscalationRule
from notifications import outbox
from notifications.models import InboxKind
from reports.models import Review, ReviewReminder

REVIEW_PERIOD = dt.timedelta(days=90)
# the change reason of the subject's history row a review writes (the review page skips it)
REVIEW_REASON = "review recorded"
# where each kind of reviewed subject is edited (the reminder's link)
ADMIN_PAGES = {"rule": "escalations_escalationrule", "team": "accounts_team"}


def review_record(
    *,
    actor: User,
    rule: EscalationRule | None = None,
    team: Team | None = None,
    comment: str = "",
    period: dt.timedelta = REVIEW_PERIOD,
) -> Review:
    """Record that ``actor`` reviewed a rule or a team's contact list today: the review row,
    and the subject's last review date and next review date (today + ``period``)."""
    if (rule is None) == (team is None):
        raise ValidationError(_("Review either one escalation rule or one team."))
    if not actor.has_perm("reports.add_review"):
        raise PermissionDenied(_("You may not record reviews."))
    if period <= dt.timedelta(0):
        raise ValidationError(_("The review period must be positive."))
    subject = rule if rule is not None else team
    today = timezone.localdate()
    with transaction.atomic():
        review = Review(
            rule=rule,
            team=team,
            reviewed_by=actor,
            comment=comment.strip(),
            next_review_on=today + period,
        )
        review._history_user = actor
        review._change_reason = REVIEW_REASON
        review.save()
        subject.last_reviewed_on = today
        subject.next_review_on = review.next_review_on
        subject._history_user = actor
        subject._change_reason = REVIEW_REASON
        subject.save(update_fields=["last_reviewed_on", "next_review_on"])
    return review


def notify_reviews_due(*, today: dt.date | None = None) -> int:
    """Remind the review owner of each active rule and each team whose next review date has
    passed, once per review period (the ``ReviewReminder`` row of that due date; recording the
    review moves the date, which starts a new period). Safe to run twice or in two workers at
    once: the reminder row is unique per subject and due date."""
    today = today or timezone.localdate()
    system = system_user()
    rules = list(
        EscalationRule.objects.filter(
            is_active=True, next_review_on__lt=today, review_owner__isnull=False
        )
        .exclude(
            Exists(
                ReviewReminder.objects.filter(
                    rule=OuterRef("pk"), due_on=OuterRef("next_review_on")
                )
            )
        )
        .select_related("review_owner", "review_owner__delegate", "category", "target_team")
    )
    teams = list(
        Team.objects.filter(next_review_on__lt=today, review_owner__isnull=False)
        .exclude(
            Exists(
                ReviewReminder.objects.filter(
                    team=OuterRef("pk"), due_on=OuterRef("next_review_on")
                )
            )
        )
        .select_related("review_owner", "review_owner__delegate")
    )
    if not rules and not teams:
        return 0
    sent = 0
    try:
        with transaction.atomic(), outbox.batched():
            reminders = [
                *(ReviewReminder(rule=r, due_on=r.next_review_on) for r in rules),
                *(ReviewReminder(team=t, due_on=t.next_review_on) for t in teams),
            ]
            bulk_create_with_history(
                reminders,
                ReviewReminder,
                default_user=system,
                default_change_reason="review reminder sent",
            )
            for rule in rules:
                _remind(rule.review_owner, _("Escalation rule review overdue: %(s)s"), rule, "rule")
                _remind_in_app(rule.review_owner, rule, _("escalation rule"), "rule")
            for team in teams:
                _remind(
                    team.review_owner, _("Team contact list review overdue: %(s)s"), team, "team"
                )
                _remind_in_app(team.review_owner, team, _("team contact list"), "team")
            sent = len(reminders)
    except IntegrityError:
        return 0  # another worker sent these reminders first
    return sent


def _remind(owner: User, subject_text: str, subject, kind: str) -> None:
    text = _(
        "The review date of %(subject)s was %(due)s. Check that it is still right and record "
        "the review on the manager dashboard."
    ) % {"subject": subject, "due": subject.next_review_on.isoformat()}
    outbox.notify_users(
        [owner],
        event_type=f"{kind}.review_overdue",
        subject=subject_text % {"s": subject},
        payload={
            "text": text,
            kind: subject.pk,
            "next_review_on": subject.next_review_on,
            "name": str(subject),
            "link": reverse(f"admin:{ADMIN_PAGES[kind]}_change", args=[subject.pk]),
        },
        kind=InboxKind.REVIEW_OVERDUE,
    )


def _remind_in_app(owner: User, subject, what: str, kind: str) -> None:
    """The owner's bell: ``what`` is overdue for review, opening its admin page."""
    link = reverse(f"admin:{ADMIN_PAGES[kind]}_change", args=[subject.pk])
    outbox.notify_in_app(
        [owner],
        kind=InboxKind.REVIEW_OVERDUE,
        title=str(subject),
        payload={"what": what, "link": link},
    )

"""Clock incidents: opened when a problem is first seen, closed when it clears, and one email
to the administrators per incident. Run from the web side (``/readyz``, which the load
balancer polls), since the worker may be what is down; the email is sent directly, not
through the outbox the worker delivers."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ops.models import ClockIncident
from ops.status import ClockStatus

log = logging.getLogger(__name__)


def clock_incidents_sync(*, status: ClockStatus) -> list[ClockIncident]:
    """Open an incident per new problem, close the ones that cleared; email the
    administrators about the newly opened ones (one email). Returns the newly opened."""
    open_incidents = {i.kind: i for i in ClockIncident.objects.filter(closed_at__isnull=True)}
    cleared = [i.pk for kind, i in open_incidents.items() if kind not in status.problems]
    if cleared:
        ClockIncident.objects.filter(pk__in=cleared).update(closed_at=status.now)
    opened = []
    for kind in status.problems:
        if kind in open_incidents:
            continue
        try:
            with transaction.atomic():
                opened.append(ClockIncident.objects.create(kind=kind, opened_at=status.now))
        except IntegrityError:  # another web process opened it first: it sends the email
            continue
    if opened:
        _email_administrators(opened)
    return opened


def _email_administrators(incidents: list[ClockIncident]) -> None:
    recipients = list(
        get_user_model()
        .objects.filter(groups__name="administrator", is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        log.warning("clock incident without an administrator to email: %s", incidents)
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Escalation back office: the SLA clock needs attention")
        lines = [str(incident.get_kind_display()) for incident in incidents]
        body = "\n".join(
            [
                _("The following problems were detected:"),
                *[f"- {line}" for line in lines],
                "",
                _("Check the Celery worker and beat, and the notification outbox:"),
                settings.SITE_URL.rstrip("/") + "/admin/",
            ]
        )
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # noqa: BLE001 - the mail server is down too: say so in the log
        log.exception("could not email the administrators about %s", incidents)

"""The bell's endpoints (session auth, staff): the poll (``desktop`` per item: whether it raises a
desktop notification, from the reader's settings), open one notification, mark all read, and
the desktop-alerts switch.

The poll answers ``304 Not Modified`` to an unchanged ``If-None-Match`` without a database
query: the user's id is read from the session (cached, ``SESSION_CACHE_ALIAS``) without
loading the user, and the ETag is the user's version in the ``live`` cache
(:mod:`notifications.live`). Only a changed version loads the user and the notifications."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.db.models import Case, IntegerField, Value, When
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from notifications import live, preferences
from notifications.models import (
    InboxKind,
    InboxSettings,
    Notification,
    NotificationChannel,
)

# what the dropdown shows: the newest unread first, then the newest read
SHOWN = 10


def _session_user_id(request: HttpRequest) -> int | None:
    try:
        return int(request.session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


def _staff(request: HttpRequest) -> bool:
    return request.user.is_authenticated and request.user.is_active and request.user.is_staff


def inbox_of(user) -> object:
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)


def title_of(row: Notification) -> str:
    """The notification's line, in the reader's language (the subject stored as a fallback)."""
    try:
        label = InboxKind(row.event_type).label
    except ValueError:
        return row.subject
    payload = row.payload or {}
    what = f" ({payload['what']})" if payload.get("what") else ""
    if not payload.get("reference"):
        return f"{label}{what}: {row.subject}"
    return f"{label}{what}: {payload['reference']} {payload.get('subject', '')}".strip()


def target_url(row: Notification) -> str:
    """Where opening the notification goes: its case, else the page it names (a path on this
    site, e.g. the article whose review is due), else one's notifications."""
    link = (row.payload or {}).get("link")
    local = isinstance(link, str) and link.startswith("/")
    if row.case_id is None and local and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return link
    return case_url(row.case_id)


def case_url(case_id: int | None) -> str:
    if case_id is None:
        return reverse("admin:notifications_inboxitem_changelist")
    try:
        return reverse("admin:escalations_case_change", args=[case_id])
    except NoReverseMatch:  # pragma: no cover - the escalations admin is always installed
        return reverse("admin:notifications_inboxitem_changelist")


@require_GET
def poll(request: HttpRequest) -> HttpResponse:
    user_id = _session_user_id(request)
    if user_id is None:
        return JsonResponse({"code": "not_authenticated"}, status=403)
    tag = live.etag(user_id)  # read before the rows: a change meanwhile shows at the next poll
    if request.headers.get("If-None-Match") == tag:
        response = HttpResponseNotModified()
        response["ETag"] = tag
        return response
    if not _staff(request) or request.user.pk != user_id:
        return JsonResponse({"code": "not_authenticated"}, status=403)
    inbox = inbox_of(request.user)
    unread = inbox.filter(read_at__isnull=True).count()
    rows = inbox.annotate(
        is_read=Case(
            When(read_at__isnull=True, then=Value(0)), default=1, output_field=IntegerField()
        )
    ).order_by("is_read", "-created_at")[:SHOWN]
    desktop_alerts, desktop_kinds = (
        InboxSettings.objects.filter(user=request.user)
        .values_list("desktop_alerts", "desktop_kinds")
        .first()
    ) or (None, None)
    response = JsonResponse(
        {
            "unread": unread,
            "desktop": desktop_alerts is not False,
            "items": [
                {
                    "id": row.pk,
                    "kind": row.event_type,
                    "loudness": row.loudness,
                    "desktop": preferences.desktop_for(
                        desktop_alerts, desktop_kinds, row.event_type
                    ),
                    "title": title_of(row),
                    "at": timezone.localtime(row.created_at).strftime("%m/%d %H:%M"),
                    "read": row.read_at is not None,
                    "url": reverse("notifications:open", args=[row.pk]),
                }
                for row in rows
            ],
        }
    )
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one's own notification read and go to its case."""
    if not _staff(request):
        return HttpResponseForbidden()
    row = get_object_or_404(inbox_of(request.user), pk=pk)
    if row.read_at is None:
        inbox_of(request.user).filter(pk=pk).update(read_at=timezone.now())
        live.bump([request.user.pk])
    return HttpResponseRedirect(target_url(row))


def _back(request: HttpRequest) -> HttpResponse:
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": True})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:notifications_inboxitem_changelist")
    return HttpResponseRedirect(target)


@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    if not _staff(request):
        return HttpResponseForbidden()
    if inbox_of(request.user).filter(read_at__isnull=True).update(read_at=timezone.now()):
        live.bump([request.user.pk])
    return _back(request)


@require_POST
def desktop_setting(request: HttpRequest) -> HttpResponse:
    """Turn one's own desktop notifications (and their sound) on or off."""
    if not _staff(request):
        return HttpResponseForbidden()
    value = request.POST.get("desktop_alerts")
    if value not in ("on", "off"):
        return HttpResponseBadRequest(_("desktop_alerts must be on or off."))
    preferences.inbox_settings_update(
        user=request.user, actor=request.user, desktop_alerts=value == "on"
    )
    return _back(request)

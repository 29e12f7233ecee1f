"""The bell's unchanged poll answered before Django: a WSGI wrapper (``config/wsgi.py``).

Every open admin page polls every 3 s; nearly every answer is ``304 Not Modified``. Django's
view already answers it without a database query, but the request still passes the whole
middleware stack (sessions, locale, CSRF, auth, messages, history, audit, metrics) and two cache
round trips: about 2–3 ms of CPU each. Here a ``GET`` of the poll with an ``If-None-Match`` and a
session cookie is checked with one cache round trip
(:func:`notifications.live.unchanged_for_session`) and answered ``304`` at once; anything
else (no cookie, a changed version, a session no longer cached, another path) goes to Django
unchanged, which answers in full and refuses what it must.
Such 304 answers are not counted by the Prometheus middleware.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http.cookie import parse_cookie
from django.urls import reverse

from notifications import live

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class UnchangedPollShortcut:
    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.path: str | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if self.path is None:
            self.path = reverse("notifications:poll")
        tag = environ.get("HTTP_IF_NONE_MATCH")
        if (
            tag
            and environ.get("REQUEST_METHOD") == "GET"
            and environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "") == self.path
        ):
            cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
            session_key = cookies.get(settings.SESSION_COOKIE_NAME, "")
            if session_key and live.unchanged_for_session(tag, session_key):
                start_response(
                    "304 Not Modified",
                    [("ETag", tag), ("Cache-Control", "private, no-cache"), ("Vary", "Cookie")],
                )
                return []
        return self.app(environ, start_response)

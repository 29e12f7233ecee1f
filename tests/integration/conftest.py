"""The browser fixtures: ``page`` (one chromium page, 1280×900, Japanese) and ``browser`` (a
chromium for several people, each with ``tests.integration.browser.person``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections

from tests.integration.browser import CHROMIUM, TIMEOUT_MS, new_page


@pytest.fixture
def async_unsafe_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """playwright's sync API keeps an event loop running in this thread; let the ORM work."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser(async_unsafe_allowed) -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            timeout=TIMEOUT_MS * 2,
            args=[
                "--no-sandbox",
                "--headless",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        sync_api.expect.set_options(timeout=TIMEOUT_MS)
        try:
            yield chromium
        finally:
            chromium.close()
            # While playwright runs, this thread is in another contextvars context, so Django
            # (whose connections are per context) opened new connections for the test's
            # queries: close them here, or PostgreSQL refuses to drop the test database.
            connections.close_all()


@pytest.fixture
def page(browser):
    return new_page(browser, 1280, 900)

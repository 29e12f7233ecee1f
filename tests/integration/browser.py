"""What the browser tests share besides their fixtures (``conftest.py``): where chromium is,
the timeouts, and the steps every flow takes (log in, open a transition's page, confirm).

The tests run Debian's chromium (``/usr/bin/chromium``) through playwright and are skipped
without it; ``SCREENSHOTS=1`` saves their screenshots under /tmp."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "pass-for-tests-123"  # UserFactory's
TIMEOUT_MS = 15_000
SCREENSHOTS = os.environ.get("SCREENSHOTS") == "1"

# every browser test module: ``pytestmark = BROWSER``
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)"),
]

# a page's window.Notification that records its calls (permission granted)
STUB_NOTIFICATION = """
window.__notified = [];
window.Notification = function (title, options) {
  window.__notified.push({title: title, body: (options || {}).body, at: Date.now()});
};
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
"""


def new_page(browser, width: int, height: int):
    """A page in a browser context of its own, ``width`` x ``height``, in Japanese, with the
    tests' timeouts."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ja-JP")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context.new_page()


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/")
    page.fill("#login-form input[name=username]", username)
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_selector("#logout-form")  # the admin index, logged in


def log_out(page) -> None:
    page.click("#logout-form [type=submit]")
    page.wait_for_selector("#logout-form", state="detached")


def person(browser, base: str, username: str):
    """A browser context of its own (its own session) with a recording Notification, logged
    in as ``username``."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(STUB_NOTIFICATION)
    page = context.new_page()
    log_in(page, base, username)
    return page


def do(page, transition: str) -> None:
    """Open a transition's own page from the case page (offered in the case header; the
    header's one-click buttons and panels: ``test_browser_case_workspace``)."""
    assert page.locator(f'#case-actions [data-transition="{transition}"]').count() == 1
    page.goto(page.url.split("/change/")[0] + f"/do/{transition}/")


def confirm_and_back(page, case_url: str) -> None:
    page.click("#transition-form input[name=_confirm]")
    page.wait_for_url(f"**{case_url}")


def screenshot(page, path: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=path, full_page=True)

"""Webhook signing secrets: generated where none is given."""

from __future__ import annotations

import secrets


def new_webhook_secret() -> str:
    """A fresh random signing secret (the default of every team and subscription)."""
    return secrets.token_urlsafe(32)

"""Who may do what with articles: declared once, here (like ``escalations/policy.py``).

Each article transition needs a Django permission, given to roles in ``accounts/roles.py``:

- write (create a draft, edit it, submit it for review, revise a published article):
  ``knowledge.change_article`` -- operators, supervisors, specialists;
- review (approve and publish, or send back to draft; confirm a published article is still right):
  ``knowledge.publish_article`` -- supervisors and specialists; the owner of an article may also
  confirm its review;
- archive: ``knowledge.archive_article`` -- managers (and administrators).

django-fsm-2 does not enforce ``permission=`` itself: the services call :func:`allows`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.models import User

WRITE = "knowledge.change_article"
REVIEW = "knowledge.publish_article"
ARCHIVE = "knowledge.archive_article"

RULES: dict[str, str] = {
    "edit": WRITE,
    "submit": WRITE,
    "revise": WRITE,
    "approve": REVIEW,
    "reject": REVIEW,
    "confirm_review": REVIEW,
    "archive": ARCHIVE,
}
OWNER_MAY = {"confirm_review"}


def allows(name: str, article: Any, user: User) -> bool:
    """May ``user`` run ``name`` on ``article`` (ignoring its current status)?"""
    if not user.is_active:
        return False
    if user.has_perm(RULES[name]):
        return True
    return name in OWNER_MAY and article.owner_id == user.pk and user.has_perm(WRITE)


def may(name: str) -> Callable[[Any, User], bool]:
    """The ``permission=`` callable for an article ``@transition``."""
    if name not in RULES:
        raise KeyError(name)

    def check(article: Any, user: User) -> bool:
        return allows(name, article, user)

    check.__name__ = f"may_{name}"
    return check

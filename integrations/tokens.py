"""API tokens: the one way to issue, check and revoke them."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import user_may_hold_token_of
from integrations.models import ApiToken
from kit import compiled

PREFIX_LENGTH = 8
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # write ``last_used_at`` at most once a minute


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(
    *, actor: User, user: User, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``: the actor themselves, or a service account whose
    permissions the actor all holds (``accounts.services.user_may_hold_token_of``). Returns
    the row and the token itself, which is shown once and never stored."""
    if not actor.has_perm("integrations.add_apitoken"):
        raise PermissionDenied(_("You may not issue API tokens."))
    if not user_may_hold_token_of(actor=actor, user=user):
        raise PermissionDenied(
            _(
                "A token acts as its account: issue one only for yourself or for a service "
                "account whose permissions you all hold."
            )
        )
    if not name.strip():
        raise ValidationError({"name": _("Name the token after what uses it.")})
    now = timezone.now()
    expires_at = expires_at or now + dt.timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)
    if expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user=user,
        name=name.strip(),
        prefix=token[:PREFIX_LENGTH],
        digest=digest(token),
        created_at=now,
        expires_at=expires_at,
    )
    row._history_user = actor
    row._change_reason = "create"
    row.save()
    return row, token


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if not actor.has_perm("integrations.change_apitoken"):
        raise PermissionDenied(_("You may not revoke API tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token._history_user = actor
        token._change_reason = "revoke"
        token.save(update_fields=["revoked_at"])
    return token


def _tokens_with_their_user() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("user")


def token_authenticate(token: str) -> ApiToken | None:
    """The usable token row (with its user) for ``token``, or ``None``. Every API request reads
    it: its SQL is compiled once per process (``kit.compiled.read_one``; compiling it on each
    request was about a fifth of a trivial request's time: bench/README.md, issue 18's tenth
    pass). The digest is unique: one row at most."""
    try:
        row = compiled.read_one("token_authenticate", _tokens_with_their_user, digest=digest(token))
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if not row.is_usable(now) or not row.user.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        # no history row for this bookkeeping field: QuerySet.update on purpose
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row

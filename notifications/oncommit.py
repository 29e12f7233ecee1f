"""What a write tells the shared cache when it commits, in ONE round trip: the live versions it
bumps (the bells of the users it notified, the case lists of the scopes it changed:
:mod:`notifications.live`) and the delivery flag of its outbox rows
(:func:`notifications.tasks.enqueue_delivery`'s ``add``), sent together by
:func:`kit.redis_cache.add_and_set_many` (a pipeline) instead of one call each.

Each write registers what it needs with :func:`after_commit`; the calls made in one transaction
share one ``on_commit`` callback: the first one's, registered at the outermost savepoint depth
it was made at (Django forgets a callback with its savepoint when that is rolled back: a later
call then registers anew). What a call made inside an inner savepoint asks for stays in the
outer callback even if that savepoint is rolled back: a version bumped for nothing costs its
page one full answer, a delivery task for nothing finds no row due; nothing wrong is sent.

Nothing is lost when Redis or the broker fails after the commit: the rows are committed pending,
the periodic ``deliver_due`` task (Celery beat, every ``NOTIFICATION_RETRY_INTERVAL_SECONDS``)
delivers them; the failure is logged and the request that committed answers as it would have
(the work is done). A lost version bump leaves a bell or a list at its previous version until its
next change or the version's expiry (``live.TIMEOUT``); it never loses a notification row.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from kit.redis_cache import add_and_set_many
from notifications import live, tasks

logger = logging.getLogger(__name__)


@dataclasses.dataclass(eq=False)
class _Pending:
    users: set[int] = dataclasses.field(default_factory=set)
    scopes: set[str] = dataclasses.field(default_factory=set)
    deliver: bool = False
    done: bool = False

    def __call__(self) -> None:
        self.done = True
        flush(users=self.users, scopes=self.scopes, deliver=self.deliver)


def after_commit(
    *, users: Iterable[int] = (), scopes: Iterable[str] = (), deliver: bool = False
) -> None:
    """Once the current transaction commits (at once outside one; never if it rolls back): bump
    the live versions of ``users`` and ``scopes`` and, with ``deliver``, enqueue a delivery task
    unless one waits already; with what the transaction's other writes asked for, in one round
    trip."""
    pending = _pending_here()
    if pending is None:
        # filled before it is registered: outside a transaction it runs at once
        transaction.on_commit(_Pending(set(users), set(scopes), deliver))
        return
    pending.users.update(users)
    pending.scopes.update(scopes)
    pending.deliver = pending.deliver or deliver


def _pending_here() -> _Pending | None:
    """The callback this transaction registered at the current savepoint depth or an outer one,
    still pending (Django drops the callbacks of a savepoint rolled back, and all of them on
    rollback)."""
    db = connections[DEFAULT_DB_ALIAS]  # ``connection``, looked up once (kit.bulk.mark_saved)
    if not db.in_atomic_block:
        return None
    here = set(db.savepoint_ids)
    for savepoints, callback, *_robust in reversed(db.run_on_commit):
        if isinstance(callback, _Pending) and not callback.done and savepoints <= here:
            return callback
    return None


def flush(*, users: Iterable[int] = (), scopes: Iterable[str] = (), deliver: bool = False) -> None:
    """Bump and (with ``deliver``) enqueue now, in one round trip to the shared cache; a failure
    is logged, not raised (see the module's docstring: nothing is lost)."""
    versions = live.new_versions(users, scopes)
    if not versions and not deliver:
        return
    add = (tasks.QUEUED, 1, tasks.QUEUED_FOR) if deliver else None
    try:
        flagged = add_and_set_many(
            live.shared_cache(), add=add, values=versions, timeout=live.TIMEOUT
        )
    except Exception:
        logger.exception(
            "The shared cache failed after a commit: live versions not bumped%s",
            "; the periodic delivery sends the new notifications" if deliver else "",
        )
        return
    if flagged:
        try:
            tasks.enqueue_flagged()
        except Exception:
            logger.exception(
                "The broker refused a delivery task; the periodic delivery sends the rows"
            )

"""Where other apps extend the escalations app's pages without it importing them."""

from kit.hooks import Hook

escalate_page = Hook(
    """The escalate page's extra context: receivers take ``(request, case, name)`` (``name``:
    "escalate" or "escalate_further") and return a dict (e.g. the knowledge base's
    suggestions)."""
)

sweep_finished = Hook(
    """Each SLA sweep has finished: receivers take ``now=`` (the sweep's time), e.g. the
    operations app's heartbeat that tells whether the SLA clock is ticking."""
)

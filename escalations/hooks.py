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

answer_returned = Hook(
    """An escalation was answered and returned to the owner, inside the return's transaction:
    receivers take ``hop=`` (the answered hop, with ``reusable`` set) and ``actor=`` (the
    answerer), e.g. the knowledge base drafting an article from a reusable answer. A receiver
    that raises ``ValidationError`` refuses the return."""
)

closing = Hook(
    """A resolved case is about to be closed, inside the close's transaction with the case
    locked: receivers take ``case=`` and raise ``ValidationError`` to refuse (e.g. the
    knowledge base, while a reusable answer on the case has no article)."""
)

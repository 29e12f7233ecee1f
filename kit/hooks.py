"""Extension points: a lower app calls a hook, higher apps connect to it at start-up
(``AppConfig.ready``), so the lower app imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Hook:
    """Calls every connected receiver with the same arguments, in the order they connected,
    and returns their results."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc
        self._receivers: list[Callable[..., Any]] = []

    def connect(self, receiver: Callable[..., Any]) -> Callable[..., Any]:
        """Connect ``receiver`` (once, however often this is called)."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def __call__(self, *args: Any, **kwargs: Any) -> list[Any]:
        return [receiver(*args, **kwargs) for receiver in self._receivers]

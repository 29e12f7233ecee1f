"""At most FLOW_PDF_CONCURRENCY flow PDFs are rendered at once on one machine, across every
web process: a render takes one of that many lock files in VAR_DIR (``flock``, released by the
kernel even when the process dies). When all are taken the caller answers "busy, retry"
instead of tying up one more web worker."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings


def _slot_paths() -> list[Path]:
    return [
        Path(settings.VAR_DIR) / f"flow-pdf-{number}.lock"
        for number in range(settings.FLOW_PDF_CONCURRENCY)
    ]


@contextlib.contextmanager
def render_slot() -> Iterator[bool]:
    """Yields ``True`` holding a free slot, or ``False`` at once when every slot is taken."""
    for path in _slot_paths():
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    yield False

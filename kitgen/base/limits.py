"""A wall-clock limit for work that may run away: a template loop, a pathological layout."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def time_limit(seconds: float, expired: Callable[[], Exception]) -> Iterator[None]:
    """Raise ``expired()`` inside the block once ``seconds`` have passed.

    SIGALRM interrupts pure-Python work wherever it is, but works only in a process's main
    thread; elsewhere (and for ``seconds <= 0``) there is no limit. Every kitgen render runs in
    the main thread of its process, pool workers included.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise expired()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

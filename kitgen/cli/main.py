"""The ``kitgen`` command: the app with every command registered."""

from __future__ import annotations

import contextlib
import os
import sys

from kitgen.cli import (  # noqa: F401  (each registers its commands on the app)
    build,
    check,
    diff,
    export,
    feedback,
    preview,
    release,
    setup,
    sheet,
    signoff,
    status,
    verify,
)
from kitgen.cli.app import app

PIPE_CLOSED = 141  # 128 + SIGPIPE: what a shell reports for `cat big | head`'s cat


def main() -> None:
    """The ``kitgen`` command. When the reader of its output goes away early (`kitgen check |
    head`), it stops quietly with exit code 141, as Unix tools killed by SIGPIPE do: not 0,
    which could hide a gate that was about to fail, and not 1, which says a gate failed."""
    try:
        app()
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        sys.exit(PIPE_CLOSED)
    except SystemExit:
        # Typer (its click) catches a broken pipe itself, wraps stdout to silence it, and
        # exits 1.
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            sys.exit(PIPE_CLOSED)
        raise



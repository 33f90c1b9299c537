"""How kitgen talks: rich on a terminal, plain lines for pipes, CI logs and ``NO_COLOR``.

Rich is imported only on a terminal: plain output needs none of it, and importing it costs
more than the rest of a ``kitgen check`` in CI. Its markup is still what messages are written
in: ``esc`` escapes text for it, and plain output drops the tags as rich would.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

# Rich's console markup: a tag is `[` followed by a lowercase letter, `#`, `/` or `@` up to the
# next `]`, unless escaped by an odd number of backslashes (rich/markup.py).
_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def fancy() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if fancy():
        return Console(file=stream, highlight=False)
    return Console(file=stream, no_color=True, highlight=False, width=200, soft_wrap=True,
                   force_terminal=False, emoji=False)


def say(text: str = "") -> None:
    if fancy():
        _console().print(text)
    else:
        print(_strip_markup(text))


def warn(text: str) -> None:
    if fancy():
        _console(stderr=True).print(f"[yellow]warning:[/] {text}", markup=True)
    else:
        print(f"warning: {_strip_markup(text)}", file=sys.stderr)


def error(message: str, details: Sequence[str] = ()) -> None:
    if fancy():
        console = _console(stderr=True)
        console.print(f"[bold red]error:[/] {esc(message)}")
        for line in details:
            console.print(f"  {esc(line)}")
    else:
        print(f"error: {message}", file=sys.stderr)
        for line in details:
            print(f"  {line}", file=sys.stderr)


def problems(message: str, rows: Sequence[Any]) -> None:
    """Problems in input files: one table on a terminal, one line each otherwise."""
    if not fancy():
        error(message, [str(r) for r in rows])
        return
    console = _console(stderr=True)
    console.print(f"[bold red]error:[/] {esc(message)}")
    from rich.table import Table

    grid = Table(show_lines=False, header_style="bold")
    for column in ("where", "field", "problem", "how to fix"):
        grid.add_column(column, overflow="fold")
    for r in rows:
        grid.add_row(esc(r.where), esc(r.path), esc(r.message), esc(r.fix))
    console.print(grid)


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A rich table on a terminal; tab-free aligned text otherwise."""
    if fancy():
        from rich.table import Table

        grid = Table(title=title, title_justify="left")
        for column in columns:
            grid.add_column(column)
        for row in rows:
            grid.add_row(*[esc(str(cell)) for cell in row])
        _console().print(grid)
        return
    print(title)
    widths = [max([len(c)] + [len(str(r[i])) for r in rows]) for i, c in enumerate(columns)]
    print("  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in rows:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def emit_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False))


@contextmanager
def progress(total: int, label: str) -> Iterator[Any]:
    """Yield ``advance(kit, what)``: a progress bar on a terminal, a line per step otherwise."""
    if not fancy():
        def advance(kit: str, what: str) -> None:
            print(f"rendered {kit}/{what}", flush=True)

        yield advance
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=_console(), transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)

        def advance(kit: str, what: str) -> None:
            bar.update(task, advance=1, description=f"{label} {kit}/{what}")

        yield advance


def esc(text: str) -> str:
    """``text`` escaped so that rich shows it as written (rich.markup.escape's rule)."""
    escaped = _TAG.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", text)
    if escaped.endswith("\\") and not escaped.endswith("\\\\"):
        return escaped + "\\"
    return escaped


def _strip_markup(text: str) -> str:
    """What rich would print of ``text`` without styles: tags dropped, escapes undone."""
    parts: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        backslashes, tag = match.groups()
        parts.append(text[position:match.start()])
        pairs, escaped = divmod(len(backslashes), 2)
        parts.append("\\" * pairs)
        if escaped:
            parts.append(tag)  # an escaped tag is text
        position = match.end()
    parts.append(text[position:])
    return "".join(parts)

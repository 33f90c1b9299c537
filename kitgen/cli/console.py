"""How kitgen talks: rich on a terminal, plain lines for pipes, CI logs and ``NO_COLOR``.

Rich is imported only on a terminal: plain output needs none of it, and importing it costs
more than the rest of a ``kitgen check`` in CI. Its markup is still what messages are written
in: ``esc`` escapes text for it, and plain output drops the tags as rich would.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

# Rich's console markup: a tag is `[` followed by a lowercase letter, `#`, `/` or `@` up to the
# next `]`, unless escaped by an odd number of backslashes (rich/markup.py).
_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


class _Output:
    """What this command has printed so far (reset when a command starts)."""

    json_mode = False  # --json: stdout holds one JSON document and nothing else
    json_printed = False


output = _Output()


def start_command(json_mode: bool) -> None:
    output.json_mode = json_mode
    output.json_printed = False


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


def say_wrapped(text: str = "") -> None:
    """A line of prose (``say``) that, as plain text, wraps between words to the width COLUMNS
    gives, continuing under its own indent (under the text of a ``- `` item). A terminal wraps
    it by itself; without COLUMNS it stays one line, so logs and greps keep it whole."""
    if fancy():
        say(text)
        return
    plain = _strip_markup(text)
    try:
        limit = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        print(plain)
        return
    body = plain.lstrip(" ")
    indent = " " * (len(plain) - len(body))
    hanging = indent + ("  " if body.startswith("- ") else "  ")
    print("\n".join(textwrap.wrap(body, max(limit, 20), initial_indent=indent,
                                   subsequent_indent=hanging, break_on_hyphens=False,
                                   break_long_words=True)) or indent)


def warn(text: str) -> None:
    if fancy():
        _console(stderr=True).print(f"[yellow]warning:[/] {text}", markup=True)
    else:
        print(f"warning: {_strip_markup(text)}", file=sys.stderr)


def note(text: str) -> None:
    """Something to know that is not the command's output: on stderr, never in the way of
    JSON or a pipe."""
    print(f"note: {text}", file=sys.stderr)


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
    cells = [[str(c) for c in row] for row in rows]
    table_cells = [list(columns), *cells]
    widths = _fit([max(len(r[i]) for r in table_cells) for i in range(len(columns))],
                  [max(len(word) for r in table_cells for word in r[i].split() or [""])
                   for i in range(len(columns))])
    for row in [list(columns), *cells]:
        wrapped = [textwrap.wrap(cell, width, break_on_hyphens=False) or [""]
                   for cell, width in zip(row, widths, strict=True)]
        for line in itertools.zip_longest(*wrapped, fillvalue=""):
            print("  " + "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


def _fit(widths: list[int], longest_words: list[int]) -> list[int]:
    """Column widths that fit the width COLUMNS gives (two spaces of indent and between
    columns): the widest column that can wrap between words narrows first, and a word is cut
    only when nothing else fits. As they are when COLUMNS is not set, so logs and greps keep
    one line per row."""
    try:
        limit = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return widths
    fitted = list(widths)
    room = limit - 2 * len(fitted)
    for floor in ([max(w, MIN_COLUMN) for w in longest_words], [MIN_COLUMN] * len(fitted)):
        while sum(fitted) > room:
            narrowable = [i for i, width in enumerate(fitted) if width > floor[i]]
            if not narrowable:
                break
            fitted[max(narrowable, key=lambda i: fitted[i])] -= 1
    return fitted


MIN_COLUMN = 6


def emit_text(text: str) -> None:
    """A document (a schema, a reference) exactly as made, nothing added."""
    sys.stdout.write(text)


def emit_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False))
    output.json_printed = True


def emit_failure(message: str, exit_code: int, problems: list[dict[str, Any]]) -> None:
    """With --json, a failure is a JSON document too, unless the command printed its own."""
    if output.json_mode and not output.json_printed:
        emit_json({"ok": False, "exit_code": exit_code, "error": message, "problems": problems})


# --- GitHub Actions workflow commands ---------------------------------------------------------

def annotate(level: str, message: str, file: str | None = None, line: int | None = None,
             column: int | None = None) -> None:
    """``::error file=…,line=…,col=…::message`` when running under GitHub Actions, so problems
    show on the pull request's lines. On stdout, where GitHub documents them; on stderr when
    stdout holds JSON (the runner reads workflow commands on both)."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    places = [f"{name}={_escape_property(str(value))}"
              for name, value in (("file", file), ("line", line), ("col", column))
              if value not in (None, "")]
    command = f"::{level}{' ' + ','.join(places) if places else ''}::{_escape_data(message)}"
    print(command, file=sys.stderr if output.json_mode else sys.stdout, flush=True)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def field_warning(warning: Any) -> None:
    """A warning about a place in a requirement file (``FieldWarning``): on stderr, and as
    a ``::warning`` annotation at that place."""
    warn(esc(str(warning)))
    annotate_warning(warning)


def annotate_warning(warning: Any) -> None:
    annotate("warning", f"{warning.item}: {warning.message}", warning.file, warning.line,
             warning.column)


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


def page(lines: Sequence[str]) -> None:
    """Lines with markup, through a pager when they do not fit the terminal (``$PAGER``, else
    ``less``, told to leave them on the screen afterwards: what was read stays above the
    question that follows); printed as they are otherwise. On a terminal a wrapped line keeps
    its indent, so the outline of a long review stays readable."""
    import shutil

    if not fancy():
        for line in lines:
            say(line)
        return
    import io

    from rich.console import Console

    size = shutil.get_terminal_size()
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, highlight=False, width=size.columns)
    for line in lines:
        _print_indented(console, line)
    # Counted as shown, wrapped lines included; two rows stay for the question that follows.
    if not sys.stdin.isatty() or buffer.getvalue().count("\n") < size.lines - 2:
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
        return
    import click

    keep = "LESS" not in os.environ and "PAGER" not in os.environ
    if keep:  # never clear the screen on leaving; say how to move on
        os.environ["LESS"] = "-RFX -Pskitgen review (space for more, b to go back, q when read)$"
    try:
        click.echo_via_pager(buffer.getvalue(), color=True)
    finally:
        if keep:
            del os.environ["LESS"]


def _print_indented(console: Console, line: str) -> None:
    from rich.padding import Padding
    from rich.text import Text

    body = line.lstrip(" ")
    console.print(Padding(Text.from_markup(body), (0, 0, 0, len(line) - len(body)),
                          expand=False))

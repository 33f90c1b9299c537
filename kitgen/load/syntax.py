"""YAML syntax errors in the writer's words, at the place where the writer must act.

PyYAML notices a mistake where its grammar breaks, which is often lines after the cause (an
unclosed quote swallows the file up to the next quote) and always in its own terms ("mapping
values are not allowed here"). Each rule below recognises one mistake people make, from the
text and PyYAML's marks, and names it as they would: "`summary` is indented more than
`competitor` above it". What no rule recognises keeps PyYAML's words, at the editor's line.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from kitgen.base.errors import Problem
from kitgen.load.positions import clip

# PyYAML also ends a line at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR; editors do not.
ODD_BREAKS = {"\x85": "next line", "\u2028": "line separator", "\u2029": "paragraph separator"}
_ODD = re.compile("[\x85\u2028\u2029]")
# `key:` at the start of a line (after any `- `), followed by a space or the end of the line.
_KEY = re.compile(r"(?P<key>[^\s#'\"\[\]{},&*!|>%@`-][^#]*?|-[^\s#][^#]*?)\s*:(?=\s|$)")
_DASH_LEAD = re.compile(r"\s*(?:-\s+)*")
_BLOCK_SCALAR = re.compile(r"[|>][-+0-9]*\s*(#.*)?$")


class EditorLines:
    """Positions as an editor shows them: lines end only at \\n, \\r\\n or \\r."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.odd = _ODD.search(text) is not None
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)] if self.odd else []

    def place(self, mark: yaml.Mark) -> tuple[int, int]:
        """1-based (line, column) of a PyYAML mark."""
        if not self.odd:
            return mark.line + 1, mark.column + 1
        return self.at(mark.index)

    def at(self, index: int) -> tuple[int, int]:
        if not self.starts:
            self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", self.text)]
        line = bisect.bisect_right(self.starts, index) - 1
        return line + 1, index - self.starts[line] + 1


@dataclass(frozen=True)
class _Found:
    line: int
    column: int
    message: str
    fix: str


_Rule = Callable[[str, yaml.MarkedYAMLError, EditorLines], "_Found | None"]


def explain_syntax_error(text: str, error: yaml.MarkedYAMLError, name: str) -> Problem:
    """The first rule that recognises the mistake, else PyYAML's own words at the right line."""
    lines = EditorLines(text)
    for rule in _RULES:
        found = rule(text, error, lines)
        if found is not None:
            return Problem(name, found.line, found.column, "", found.message, found.fix)
    mark = error.problem_mark or error.context_mark
    message = error.problem or "not valid YAML"
    if "end of stream" in message and error.context_mark is not None:
        mark = error.context_mark
        message = f"{error.context}: {message}"
    line, column = lines.place(mark) if mark else (None, None)
    for pattern, words, fix in _PLAIN_WORDS:
        match = re.search(pattern, message)
        if match:
            return Problem(name, line, column, "", words.format(*match.groups()), fix)
    return Problem(name, line, column, "", f"{message} (YAML)",
                   "check the indentation and the quotes on this line and the one above")


# PyYAML's words → the writer's, for mistakes no rule above places better.
_PLAIN_WORDS: tuple[tuple[str, str, str], ...] = (
    (r"but found another document", "a second document starts here (`---`): a requirement "
     "file holds one kit", "remove this line and what follows, or move it into a file of its "
     "own"),
    (r"found character '(.)' that cannot start any token", "a text cannot start with `{}` "
     "unless it is in quotes", "put the text in quotes"),
    (r"found '<stream end>'", "the file ends where a value was expected",
     "finish the value, or remove the key it belongs to"),
    (r"found undefined alias '?([^']*)", "`*{}` refers to no `&` anchor", "write the value out"),
)


def _problem_index(error: yaml.MarkedYAMLError) -> int:
    mark = error.problem_mark or error.context_mark
    return mark.index if mark else 0


def _tab(text: str, error: yaml.MarkedYAMLError, lines: EditorLines) -> _Found | None:
    problem = error.problem or ""
    if ("\t" not in problem and "'\\t'" not in problem) or error.problem_mark is None:
        return None
    line, column = lines.place(error.problem_mark)
    return _Found(line, column, "a tab is used to indent this line",
                  "indent with spaces, never tabs")


def _odd_line_break(text: str, error: yaml.MarkedYAMLError, lines: EditorLines) -> _Found | None:
    """NEL or U+2028 pasted into a value: a line break for YAML, invisible in an editor."""
    end = _problem_index(error)
    found = [m for m in _ODD.finditer(text, 0, end)]
    if not found:
        return None
    line, column = lines.at(found[-1].start())
    if line < lines.at(end)[0] - 2:
        return None
    char = found[-1].group()
    return _Found(line, column,
                  f"the invisible character U+{ord(char):04X} ({ODD_BREAKS[char]}) here is a line "
                  "break for YAML, so it cuts this line in two",
                  "delete it (it comes with text pasted from Word, a PDF or a web page)")


def _quoted_scalars(text: str) -> list[yaml.ScalarToken]:
    """The quoted texts PyYAML read before it stopped."""
    tokens: list[yaml.ScalarToken] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'"):
                tokens.append(token)
    except yaml.YAMLError:
        pass
    return tokens


def _looks_like_key_line(line: str) -> bool:
    lead = _DASH_LEAD.match(line)
    return _KEY.match(line, lead.end() if lead else 0) is not None


def _unclosed_quote(text: str, error: yaml.MarkedYAMLError, lines: EditorLines) -> _Found | None:
    """A quote never closed swallows the lines after it, up to the next quote in the file."""
    opened: yaml.Mark | None = None
    if error.context == "while scanning a quoted scalar" and error.context_mark is not None:
        opened = error.context_mark
    else:
        end = _problem_index(error)
        for token in reversed(_quoted_scalars(text)):
            if token.start_mark.index >= end:
                continue
            inside = text[token.start_mark.index:token.end_mark.index].splitlines()[1:]
            if any(_looks_like_key_line(line) for line in inside):
                opened = token.start_mark
            break
    if opened is None:
        return _quote_closed_early(text, error, lines)
    line, column = lines.place(opened)
    quote = text[opened.index]
    return _Found(line, column, f"the quote opened at {line}:{column} is never closed",
                  f"end the text with a closing {quote} on line {line}")


def _quote_closed_early(text: str, error: yaml.MarkedYAMLError,
                        lines: EditorLines) -> _Found | None:
    """`'it's fine'`: a quote inside quoted text ends it early, and the rest is left over."""
    if error.problem_mark is None or "found '<scalar>'" not in (error.problem or ""):
        return None
    end = error.problem_mark.index
    before = [t for t in _quoted_scalars(text) if t.end_mark.index <= end]
    if not before or text[before[-1].end_mark.index:end].strip():
        return None
    token = before[-1]
    line, column = lines.place(token.start_mark)
    if line != lines.place(error.problem_mark)[0]:
        return None
    closed_line, closed_column = lines.place(token.end_mark)
    fix = ("double each ' inside the text (it''s), or put the text in double quotes"
           if token.style == "'" else 'put a backslash before each " inside the text (\\")')
    return _Found(line, column,
                  f"the text in quotes ends at {closed_line}:{closed_column - 1}, before the "
                  "end of the line: a quote inside it closes it", fix)


def _unclosed_bracket(text: str, error: yaml.MarkedYAMLError,
                      lines: EditorLines) -> _Found | None:
    context = error.context or ""
    if "flow sequence" not in context and "flow mapping" not in context:
        return None
    if error.context_mark is None:
        return None
    line, column = lines.place(error.context_mark)
    bracket, closing, what = (("[", "]", "list") if "sequence" in context
                              else ("{", "}", "mapping"))
    return _Found(line, column,
                  f"the {what} opened with `{bracket}` at {line}:{column} is never closed",
                  f"close it with `{closing}`, or put the text in quotes if the `{bracket}` "
                  "belongs to it")


def _colon_in_text(text: str, error: yaml.MarkedYAMLError, lines: EditorLines) -> _Found | None:
    """`title: Note: send the deck` — the second `: ` reads as another key."""
    if error.problem != "mapping values are not allowed here" or error.problem_mark is None:
        return None
    line_number, column = lines.place(error.problem_mark)
    source = _editor_line(text, lines, line_number)
    lead = _DASH_LEAD.match(source)
    start = lead.end() if lead else 0
    key = _KEY.match(source, start)
    value_start = key.end() + 1 if key else start
    while value_start < len(source) and source[value_start] == " ":
        value_start += 1
    if not key or column - 1 <= value_start:
        return None
    value = re.sub(r"\s+#.*$", "", source[value_start:]).rstrip()
    written = source[:value_start] + _quoted(value)
    return _Found(line_number, value_start + 1,
                  "this text contains `: `, which YAML reads as the start of another key; "
                  "put it in quotes",
                  f"write it as {written.strip()}")


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _editor_line(text: str, lines: EditorLines, number: int) -> str:
    return re.split(r"\r\n|\r|\n", text)[number - 1] if number else ""


@dataclass
class _Level:
    column: int  # 0-based column of the keys (mapping) or dashes (list) of this block
    kind: str  # "map" or "list"
    name: str  # the last key written at this level, or "" for a list


def _indentation(text: str, error: yaml.MarkedYAMLError, lines: EditorLines) -> _Found | None:
    """A key (or text) whose indentation fits no block open above it."""
    if error.problem_mark is None:
        return None
    last = lines.place(error.problem_mark)[0]
    levels: list[_Level] = []
    opener: int | None = None  # column of a `key:` or `- ` that opened a block on the line above
    previous = ("", 0)  # the line above: its key (or text) and the column it starts at
    skip_deeper_than: int | None = None  # inside a block scalar (`|`, `>`)
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text)[:last], start=1):
        stripped = raw.strip()
        column = len(raw) - len(raw.lstrip(" "))
        if not stripped or stripped.startswith("#") or stripped.startswith(("---", "...", "%")):
            continue
        if skip_deeper_than is not None:
            if column > skip_deeper_than:
                continue
            skip_deeper_than = None
        dashes = _DASH_LEAD.match(raw)
        body_column = dashes.end() if dashes else column
        key = _KEY.match(raw, body_column)
        label = f"`{clip(key.group('key'))}`" if key else f"`{clip(stripped)}`"
        if not levels:
            pass  # the first line opens the file's mapping
        elif opener is not None and (column > opener
                                   or (column == opener and stripped.startswith("-"))):
            levels.append(_Level(column, "list" if stripped.startswith("-") else "map", ""))
        else:
            levels, found = _close_blocks(levels, number, column, stripped, label, key, previous)
            if found is not None:
                return found
            if not levels or levels[-1].column != column:
                continue  # the continued text of a value above
        _note_line(levels, column, raw, key)
        opener, skip_deeper_than = _opens(raw, column, key)
        previous = (label, body_column)
    return None


def _close_blocks(levels: list[_Level], number: int, column: int, stripped: str, label: str,
                  key: re.Match[str] | None,
                  previous: tuple[str, int]) -> tuple[list[_Level], _Found | None]:
    """The blocks still open at a line indented ``column`` that opens none, or why it cannot
    be there."""
    is_item = stripped == "-" or stripped.startswith("- ")
    popped = [level for level in levels if level.column > column]
    levels = [level for level in levels if level.column <= column]
    if (not is_item and len(levels) > 1 and levels[-1].kind == "list"
            and levels[-2].column == column):
        popped.append(levels.pop())  # a key after a list written at its key's column
    top = levels[-1] if levels else None
    if top is None or top.column != column:
        return levels, _misplaced(number, column, label, key is not None, popped, top, previous)
    if top.kind == "list" and not is_item:
        owner = next((f"`{x.name}`" for x in reversed(levels) if x.name), "the list")
        return levels, _Found(
            number, column + 1, f"{label} is indented like the items of the list under "
            f"{owner}, but is not an item (it does not start with `- `)",
            f"indent it less, like {owner}, if it is not part of the list; start it with `- ` "
            "if it is a new item")
    return levels, None


def _misplaced(number: int, column: int, label: str, is_key: bool, popped: list[_Level],
               top: _Level | None, previous: tuple[str, int]) -> _Found | None:
    if not popped:
        if not is_key:
            return None  # more indented text continues the value above: valid YAML
        above, above_column = previous
        return _Found(number, column + 1, f"{label} is indented more than {above} above it",
                      f"indent it like {above} (column {above_column + 1}); if it continues "
                      "the text above, put that whole text in quotes on one line")
    # A key never sits at a list's column: name the nearest mapping it could belong to.
    inner = min([x for x in popped if x.kind == "map"] or popped, key=lambda x: x.column)
    inner_name = f"`{inner.name}`" if inner.name else "the list item"
    options = [f"like {inner_name} (column {inner.column + 1})"]
    message = f"{label} is indented less than {inner_name} above it"
    if top is not None:
        outer_name = f"`{top.name}`" if top.name else "the list"
        message += f" and more than {outer_name}"
        options.insert(0, f"like {outer_name} (column {top.column + 1})")
    return _Found(number, column + 1, message, "indent it " + " or ".join(options))


def _note_line(levels: list[_Level], column: int, raw: str, key: re.Match[str] | None) -> None:
    """Record the blocks a line opens: a list at each dash, a mapping at its key."""
    position = column
    for dash in re.finditer(r"-\s+", raw[column:]):
        if dash.start() + column != position:
            break
        if not levels or levels[-1].column != position or levels[-1].kind != "list":
            levels.append(_Level(position, "list", ""))
        position = column + dash.end()
    if key is not None:
        if levels and levels[-1].column == position and levels[-1].kind == "map":
            levels[-1].name = key.group("key")
        else:
            levels.append(_Level(position, "map", key.group("key")))


def _opens(raw: str, column: int, key: re.Match[str] | None) -> tuple[int | None, int | None]:
    """(column a block opened on this line starts after, column a block scalar is deeper than)."""
    if key is None:
        return (column if raw.strip() == "-" else None), None
    rest = raw[key.end() + 1:].strip()
    if not rest or rest.startswith("#"):
        return key.start("key"), None
    if _BLOCK_SCALAR.match(rest):
        return None, key.start("key")
    return None, None


_RULES: tuple[_Rule, ...] = (
    _tab, _odd_line_break, _unclosed_quote, _unclosed_bracket, _colon_in_text, _indentation,
)

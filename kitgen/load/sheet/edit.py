"""Write merged requirements into the requirement file in place: only the changed values' own
text is replaced, so every other byte — comments, key order, quoting, indentation, blank lines —
stays exactly as it was.

A whole-document round trip (ruamel.yaml) re-indents and re-wraps a file it did not write;
here the YAML nodes' own positions say which characters to replace, and PyYAML's emitter
writes the new values, quoted wherever kitgen's YAML 1.1 loader would otherwise read them as
something other than text (``no``, ``1.10``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from kitgen.base.errors import InputError
from kitgen.load.sheet.layout import RequirementRow

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_ORDER = ("id", "from", "need", "status", "positions", "resolution", "delivered_by")
_WIDTH = 100  # where a new long text is folded, as the shipped examples are


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def edit_requirements(text: str, rows: Sequence[RequirementRow],
                      current: Sequence[RequirementRow]) -> str:
    """``text`` with its requirements changed from ``current`` to ``rows`` (same order, new
    ones at the end); nothing outside the changed values moves."""
    newline = "\r\n" if "\r\n" in text else "\n"
    body = text.removeprefix("\ufeff")
    editor = _Editor(body, newline)
    before = {r.id: r for r in current}
    added = [r for r in rows if r.id not in before]
    for row in rows:
        if row.id in before and row != before[row.id]:
            editor.change(row, before[row.id])
    if added:
        editor.append(added)
    return text[: len(text) - len(body)] + editor.apply()


class _Editor:
    def __init__(self, text: str, newline: str) -> None:
        self.text = text
        self.newline = newline
        self.edits: list[_Edit] = []
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        found = _entry(root, "requirements")
        if found is None or not isinstance(found[1], yaml.SequenceNode):
            raise InputError("the requirement file has no `requirements:` list to edit")
        self.sequence: yaml.SequenceNode = found[1]
        self.items = {_scalar(_entry(item, "id")): item for item in self.sequence.value}

    def apply(self) -> str:
        text = self.text
        # From the end backwards, so earlier positions stay valid; of two insertions at one
        # place, the one planned first ends up first.
        order = sorted(enumerate(self.edits), key=lambda ie: (ie[1].start, ie[0]), reverse=True)
        for _, edit in order:
            text = text[: edit.start] + edit.text + text[edit.end:]
        return text

    # --- one requirement ------------------------------------------------------------------

    def change(self, row: RequirementRow, was: RequirementRow) -> None:
        item = self.items[row.id]
        # In the file format's key order, so that two keys added after one place keep it.
        for key, new, old in (("from", row.from_, was.from_), ("need", row.need, was.need),
                              ("status", row.status, was.status)):
            if new != old:
                self._set_scalar(item, key, new)
        if (row.sales, row.marketing) != (was.sales, was.marketing):
            self._set_positions(item, row)
        if row.resolution != was.resolution:
            self._set_scalar(item, "resolution", row.resolution)
        if row.delivered_by != was.delivered_by:
            self._set_entry(item, "delivered_by", _list_entry(row.delivered_by, self._dash()))

    def _set_scalar(self, item: yaml.MappingNode, key: str, value: str | None) -> None:
        found = _entry(item, key)
        if value is None or found is None or not isinstance(found[1], yaml.ScalarNode):
            self._set_entry(item, key, None if value is None else _scalar_entry(key, value))
            return
        node = found[1]
        column = item.value[0][0].start_mark.column
        style = '"' if item.flow_style else (node.style or "plain")
        if "\n" in value and style not in ("|", ">"):
            style = "|"
        emitted = _scalar_entry("k", value, style, _WIDTH - column if style == ">" else 10**6)
        lines = emitted.rstrip("\n").split("\n")
        indent = " " * column
        replacement = self.newline.join([lines[0][3:]] + [indent + line for line in lines[1:]])
        self.edits.append(_Edit(node.start_mark.index, self._content_end(node), replacement))

    def _set_positions(self, item: yaml.MappingNode, row: RequirementRow) -> None:
        found = _entry(item, "positions")
        if row.sales is None or row.marketing is None or found is None or \
                not isinstance(found[1], yaml.MappingNode):
            entry = None if row.sales is None or row.marketing is None else (
                "positions:\n" + _indented(_scalar_entry("sales", row.sales), 2)
                + _indented(_scalar_entry("marketing", row.marketing), 2))
            self._set_entry(item, "positions", entry)
            return
        positions = found[1]
        for side, value in (("sales", row.sales), ("marketing", row.marketing)):
            old = _entry(positions, side)
            if old is None or _scalar(old) != value:
                self._set_scalar(positions, side, value)

    def _set_entry(self, item: yaml.MappingNode, key: str, entry: str | None) -> None:
        """Replace, remove (``entry`` None) or add the whole ``key:`` entry of a mapping;
        ``entry`` is written at column 0 and indented here."""
        if item.flow_style:
            raise InputError(
                f"requirement `{_scalar(_entry(item, 'id'))}` is written in flow style "
                "({…}); kitgen adds and removes keys only in block style",
                details=["Write it as indented `key: value` lines and import again."])
        column = item.value[0][0].start_mark.column
        text = None if entry is None else self._lines(_indented(entry, column))
        found = _entry(item, key)
        if found is not None:
            start = self.text.rfind("\n", 0, found[0].start_mark.index) + 1
            if self.text[start: found[0].start_mark.index].strip():
                raise InputError(f"`{key}:` shares its line with another key; kitgen edits "
                                 "it only on a line of its own",
                                 details=["Move it to a line of its own and import again."])
            self.edits.append(_Edit(start, self._line_end(found[1]), text or ""))
            return
        assert text is not None
        earlier = [v for k, v in item.value if _rank(k) < _ORDER.index(key)] or [item.value[0][1]]
        after = max(earlier, key=lambda node: node.end_mark.index)
        at = self._line_end(after)
        self.edits.append(_Edit(at, at, self._prefix_break(at) + text))

    # --- new requirements -----------------------------------------------------------------

    def append(self, rows: Sequence[RequirementRow]) -> None:
        if self.sequence.flow_style or not self.sequence.value:
            raise InputError("the `requirements:` list is not written in block style "
                             "(`- id: …` lines); kitgen appends only to such a list",
                             details=["Write each requirement as a `- id:` block and import "
                                      "again."])
        items = self.sequence.value
        first = items[0]
        key_column = first.start_mark.column
        line_start = self.text.rfind("\n", 0, first.start_mark.index) + 1
        dash = self.text.index("-", line_start)
        dash_column = dash - line_start
        gap = len(items) > 1 and self._blank_between(items[-2], items[-1])
        last = items[-1]
        at = self._line_end(last)
        blocks = []
        for row in rows:
            entry = _requirement_entry(row, self._dash())
            lines = _indented(entry, key_column).split("\n")
            lines[0] = " " * dash_column + "-" + lines[0][dash_column + 1:]
            blocks.append(("\n" if gap else "") + "\n".join(lines))
        self.edits.append(_Edit(at, at, self._prefix_break(at) + self._lines("".join(blocks))))

    # --- positions in the text ------------------------------------------------------------

    def _content_end(self, node: yaml.Node) -> int:
        end: int = node.end_mark.index
        while end > node.start_mark.index and self.text[end - 1] in " \t\r\n":
            end -= 1
        return end

    def _line_end(self, node: yaml.Node) -> int:
        """Just after the line break ending the last line of ``node`` (its comment included)."""
        brk = self.text.find("\n", self._content_end(node))
        return len(self.text) if brk < 0 else brk + 1

    def _prefix_break(self, at: int) -> str:
        return self.newline if at == len(self.text) and not self.text.endswith("\n") else ""

    def _blank_between(self, a: yaml.Node, b: yaml.Node) -> bool:
        between = self.text[self._line_end(a): b.start_mark.index]
        return any(not line.strip() for line in between.split("\n")[:-1])

    def _dash(self) -> int:
        """How far a block list's ``-`` sits right of its key, as in this file (2 when none)."""
        for requirement in self.sequence.value:
            found = _entry(requirement, "delivered_by")
            if found and isinstance(found[1], yaml.SequenceNode) and not found[1].flow_style:
                return max(0, int(found[1].start_mark.column) - int(found[0].start_mark.column))
        return 2

    def _lines(self, text: str) -> str:
        return text.replace("\n", self.newline)


def _entry(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next(((k, v) for k, v in node.value if k.value == key), None)


def _scalar(found: tuple[yaml.Node, yaml.Node] | None) -> str | None:
    return str(found[1].value) if found and isinstance(found[1], yaml.ScalarNode) else None


def _rank(key: yaml.Node) -> int:
    return _ORDER.index(str(key.value)) if str(key.value) in _ORDER else -1


def _scalar_entry(key: str, value: str, style: str | None = None, width: int = 0) -> str:
    """``key: value`` at column 0, in ``style`` (``plain``, a quote, ``|`` or ``>``) where YAML
    allows it, else quoted; without a style, one that suits the text."""
    if style is None and "\n" in value:
        style = "|"
    elif style is None and len(key) + len(value) + 2 > _WIDTH:
        style = ">"
    style = None if style == "plain" else style
    node = yaml.MappingNode(_MAP, [(yaml.ScalarNode(_STR, key),
                                    yaml.ScalarNode(_STR, value, style=style))])
    return str(yaml.serialize(node, Dumper=yaml.SafeDumper, allow_unicode=True,
                              width=width or 88))


def _list_entry(refs: Sequence[str], dash: int) -> str | None:
    if not refs:
        return None
    items = "".join(_indented("- " + _scalar_entry("k", ref)[3:], dash) for ref in refs)
    return "delivered_by:\n" + items


def _requirement_entry(row: RequirementRow, dash: int) -> str:
    text = "".join(_scalar_entry(k, v) for k, v in
                   (("id", row.id), ("from", row.from_), ("need", row.need),
                    ("status", row.status)))
    if row.sales is not None and row.marketing is not None:
        text += "positions:\n" + _indented(_scalar_entry("sales", row.sales), 2) + \
            _indented(_scalar_entry("marketing", row.marketing), 2)
    if row.resolution is not None:
        text += _scalar_entry("resolution", row.resolution)
    return text + (_list_entry(row.delivered_by, dash) or "")


def _indented(text: str, by: int) -> str:
    pad = " " * by
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))

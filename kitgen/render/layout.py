"""What only the laid-out pages can tell: a word too long for its column, text the fonts cannot
draw, content that runs off the page.

``inspect_pages`` reads the pages WeasyPrint laid out (``render/pdf.py`` hands them over right
after layout, before the PDF is written) and returns findings as plain values, so they travel
back from a worker process, into the document cache and the manifest. ``layout_warnings`` turns
them into the warnings ``check`` and ``build`` print, located at the field in the requirement
file that holds the text. This module never imports WeasyPrint: it reads its boxes by their
attributes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kitgen.load.fieldready import FieldWarning, field_name, locate_text, text_fields
from kitgen.load.positions import LoadedKit, clip
from kitgen.render.documents import Document, plan_documents

FONT_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2")
# A break right after one of these is an ordinary line break, not a word broken in two.
BREAKS_AFTER = "-‐‑–—/_.,;:?!)]}·•…"
TOLERANCE = 1.0  # CSS px a box may pass the page's content edge by (rounding)


@dataclass(frozen=True)
class LayoutFinding:
    """One thing wrong with a laid-out document. ``kind`` is ``unbreakable`` (a word longer
    than its column, broken mid-word), ``off-page`` (text beyond the page's edge) or
    ``undrawable`` (characters no available font has; ``characters`` lists them)."""

    kind: str
    text: str
    page: int
    characters: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "text": self.text, "page": self.page}
        if self.characters:
            data["characters"] = self.characters
        return data

    @classmethod
    def from_json(cls, data: Any) -> LayoutFinding | None:
        """A finding as stored in a cache entry or manifest; None for anything malformed."""
        if not isinstance(data, dict):
            return None
        kind, text, page = data.get("kind"), data.get("text"), data.get("page")
        characters = data.get("characters", "")
        if not (isinstance(kind, str) and isinstance(text, str) and isinstance(page, int)
                and isinstance(characters, str)):
            return None
        return cls(kind, text, page, characters)


def font_files(roots: Sequence[Path]) -> tuple[Path, ...]:
    """Every font a render may load: those under the roots it may read."""
    return tuple(sorted(path for root in roots if root.is_dir() for path in root.rglob("*")
                        if path.suffix.lower() in FONT_SUFFIXES and path.is_file()))


def inspect_pages(pages: Sequence[Any], fonts: Sequence[Path]) -> tuple[LayoutFinding, ...]:
    """Findings on WeasyPrint's laid-out ``pages``, each reported once."""
    drawable = _coverage(tuple((p, p.stat().st_mtime_ns) for p in fonts))
    found: dict[tuple[str, str], LayoutFinding] = {}
    for number, page in enumerate(pages, start=1):
        box = page._page_box  # noqa: SLF001 - WeasyPrint's laid-out page; read, never changed
        for finding in _page_findings(box, number, drawable):
            found.setdefault((finding.kind, finding.text), finding)
    return tuple(found.values())


def _page_findings(page_box: Any, number: int, drawable: frozenset[int]
                   ) -> Iterator[LayoutFinding]:
    right = page_box.content_box_x() + page_box.width + TOLERANCE
    for box, in_margin in _boxes(page_box, False):
        if _is_text(box):
            missing = _undrawable(box.text, drawable)
            if missing:
                yield LayoutFinding("undrawable", clip(box.text.strip()), number, missing)
            if not in_margin and box.position_x + box.width > right:
                yield LayoutFinding("off-page", clip(box.text.strip()), number)
        children = getattr(box, "children", None)
        if not in_margin and children and all(_is_line(child) for child in children):
            yield from _broken_words(box, children, number)


def _boxes(box: Any, in_margin: bool) -> Iterator[tuple[Any, bool]]:
    """Every box of a page, and whether it sits in a page margin (the header and footer the
    templates draw). Fixed boxes (the DRAFT watermark) are left out."""
    if box.style["position"] == "fixed":
        return
    in_margin = in_margin or type(box).__name__ == "MarginBox"
    yield box, in_margin
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child, in_margin)


def _is_text(box: Any) -> bool:
    return type(box).__name__ == "TextBox"


def _is_line(box: Any) -> bool:
    return type(box).__name__ == "LineBox"


def _broken_words(block: Any, lines: Sequence[Any], number: int) -> Iterator[LayoutFinding]:
    """Words a block's lines broke mid-word. Each line's text is found in turn in the block's
    text: where one line ends and the next begins with no space between them, and not after a
    hyphen or a slash, a word was broken in two, which happens only when the word alone is
    wider than its column (``overflow-wrap: break-word``). A line that cannot be found (text a
    stylesheet added or transformed) ends the search: never a guess."""
    if block.element is None:
        return
    whole = _normal(_element_text(block.element))
    cursor, previous_end = 0, -1
    for line in lines:
        text = _normal("".join(box.text for box in _line_boxes(line)))
        if not text:
            continue
        at = whole.find(text, cursor)
        if at < 0:
            return
        if at == previous_end and at > 0 and whole[at - 1] not in BREAKS_AFTER:
            start = whole.rfind(" ", 0, at) + 1
            end = whole.find(" ", at)
            yield LayoutFinding("unbreakable", clip(whole[start:end if end >= 0 else None]),
                                number)
        cursor = previous_end = at + len(text)


def _line_boxes(line: Any) -> Iterator[Any]:
    """The text boxes of a line that show the element's own text (not a list marker or a
    stylesheet's ::before)."""
    if "::" in (getattr(line, "element_tag", "") or ""):
        return
    if _is_text(line):
        yield line
    for child in getattr(line, "children", None) or ():
        yield from _line_boxes(child)


def _element_text(element: Any) -> str:
    """An element's text as lines show it: a <br> is a break between words."""
    parts = [element.text or ""]
    for child in element:
        parts.append(" " if child.tag == "br" else _element_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _normal(text: str) -> str:
    return " ".join(text.split())


def _undrawable(text: str, drawable: frozenset[int]) -> str:
    """The characters of ``text`` no font can draw, in order, each once. Spaces and invisible
    format characters (a zero-width joiner, a soft hyphen) draw nothing and are never missing."""
    missing = dict.fromkeys(
        char for char in text
        if ord(char) not in drawable and unicodedata.category(char)[0] not in "ZC"
    )
    return "".join(missing)


@cache
def _coverage(fonts: tuple[tuple[Path, int], ...]) -> frozenset[int]:
    """The code points the fonts have glyphs for (cached per set of files and their times)."""
    from fontTools.ttLib import TTFont, TTLibError

    points: set[int] = set()
    for path, _ in fonts:
        try:
            with TTFont(path, lazy=True) as font:
                points.update(font.getBestCmap() or {})
        except (TTLibError, OSError, KeyError, AssertionError):
            continue  # not a font WeasyPrint could use either
    return frozenset(points)


def layout_warnings(loaded: LoadedKit,
                    found: Sequence[tuple[Document, Sequence[LayoutFinding]]]
                    ) -> list[FieldWarning]:
    """Findings per document as warnings at the field of ``loaded`` that holds the text; the
    same text found in several documents (a competitor's name is on its card and the index)
    is one warning naming every place."""
    grouped: dict[tuple[str, str, tuple[str | int, ...]], list[tuple[Document, LayoutFinding]]]
    grouped = {}
    for document, findings in found:
        for finding in findings:
            needle = finding.characters or finding.text.rstrip("…")
            loc, _, _ = locate_text(loaded, needle, _item_loc(loaded, document))
            grouped.setdefault((finding.kind, needle, loc), []).append((document, finding))
    warnings = []
    for (_, _, loc), places in grouped.items():
        document, finding = places[0]
        where = ", ".join(dict.fromkeys(f"page {f.page} of {d.filename}" for d, f in places))
        if loc:
            line, column = loaded.where(loc)
            item = field_name(loaded.kit, loc)
        else:  # the template's own text, not the requirement file's
            line, column, item = None, None, f"template of {document.filename}"
        warnings.append(FieldWarning(loaded.name, line, column, item, _message(finding, where)))
    return warnings


def built_layout(loaded: LoadedKit, documents: Sequence[Any]
                 ) -> list[tuple[Document, list[LayoutFinding]]]:
    """The findings a version's manifest recorded (its ``documents`` entries), per document."""
    planned = {d.filename: d for d in plan_documents(loaded.kit)}
    found = []
    for entry in documents:
        if not isinstance(entry, dict) or entry.get("file") not in planned:
            continue
        raw = entry.get("layout")
        findings = [LayoutFinding.from_json(item) for item in raw] if isinstance(raw, list) else []
        found.append((planned[entry["file"]], [f for f in findings if f is not None]))
    return found


def text_warnings(loaded: LoadedKit, fonts: Sequence[Path]) -> list[FieldWarning]:
    """Characters the fonts cannot draw, found in the requirement file's text without laying
    anything out: what ``check`` can tell before a build."""
    drawable = _coverage(tuple((p, p.stat().st_mtime_ns) for p in fonts))
    warnings = []
    for loc, value in text_fields(loaded):
        missing = _undrawable(value, drawable)
        if missing:
            line, column = loaded.where(loc)
            finding = LayoutFinding("undrawable", clip(value), 0, missing)
            warnings.append(FieldWarning(loaded.name, line, column, field_name(loaded.kit, loc),
                                         _message(finding, "every page that shows it")))
    return warnings


def _item_loc(loaded: LoadedKit, document: Document) -> tuple[str | int, ...]:
    """Where the item a document shows sits in the file (the whole file for the index)."""
    section, _, item_id = document.ref.rpartition(".")
    items: dict[str, list[Any]] = {
        "battlecards": list(loaded.kit.battlecards), "value_props": list(loaded.kit.value_props)}
    if section in items:
        index = next((i for i, item in enumerate(items[section]) if item.id == item_id), None)
        return (section, index) if index is not None else ()
    return ("playbook",) if document.kind == "playbook" else ()


def _message(finding: LayoutFinding, where: str) -> str:
    if finding.kind == "undrawable":
        shown = " ".join(f"{char} (U+{ord(char):04X})" for char in finding.characters[:8])
        return (f"the fonts cannot draw {shown} in “{finding.text}”: they print as empty "
                f"boxes on {where}. Fix: write it another way, or add a font that has these "
                "characters (README, “Adding a font”)")
    if finding.kind == "unbreakable":
        return (f"“{finding.text}” is one word too long for its column on {where}: it is "
                "broken mid-word. Fix: shorten it or add spaces")
    return (f"“{finding.text}” runs off the page on {where}, hiding what is beside it. Fix: "
            "shorten it or add spaces")

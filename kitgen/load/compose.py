"""YAML nodes → plain data (dicts, lists, text, numbers), with the position of every value.

We compose YAML nodes ourselves rather than call ``yaml.safe_load`` so that every value keeps
its line and column, duplicate keys and foreign tags are caught, and aliases cannot expand
without bound.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from kitgen.base.errors import Problem
from kitgen.load.positions import Loc, clip, dotted
from kitgen.load.syntax import EditorLines

MAX_VALUES = 100_000
MAX_DEPTH = 40
# YAML 1.1 also reads 010 as 8, 0x1F, 0b11 and 1:30 (sexagesimal, 90) as integers: such a value
# stays text, so a number field refuses it with its place instead of taking a surprising number.
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]{0,17})")
_COMMENT_AFTER = re.compile(r"[ \t]+#[^\r\n]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Unicode's Cc, less \t \n \r

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


def unsafe_character(text: str) -> tuple[str, str] | None:
    """A character no requirement text may hold, as (message, fix); None when all are fine.

    Control codes would reach the terminal of whoever runs `kitgen check` (an escape sequence
    can rewrite what they see). Zero-width and right-to-left characters are real text in some
    languages: they are allowed in text, and ids and emails refuse them by their pattern.
    """
    found = _CONTROL.search(text)
    if found is None:
        return None
    return (f"the control character U+{ord(found.group()):04X} is not allowed in a requirement "
            "file", "remove it (an escape like \\x1b or \\0 in quotes makes one)")


def _libyaml_loader() -> type[Any] | None:
    """A loader that scans and parses with libyaml and composes in Python, when PyYAML has
    libyaml. The events, and so the nodes and their marks (line, column, index), are the ones
    the pure-Python loader makes, at a tenth of the cost; composing stays in Python because
    libyaml's composer recurses in C, and a file nested 100,000 deep would crash the process
    instead of raising ``RecursionError``."""
    try:
        from yaml.cyaml import CParser
    except ImportError:
        return None

    class LibyamlLoader(CParser, yaml.composer.Composer, yaml.resolver.Resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.resolver.Resolver.__init__(self)

        check_node = yaml.composer.Composer.check_node
        get_node = yaml.composer.Composer.get_node
        get_single_node = yaml.composer.Composer.get_single_node

    return LibyamlLoader


LIBYAML = _libyaml_loader()


def compose_yaml(text: str) -> yaml.Node | None:
    """The YAML node tree of ``text`` (None for a file without a document), composed with
    libyaml when there is one. A file libyaml refuses is read again by the pure-Python loader,
    whose errors (and marks) are the ones reported, so what a user sees never depends on
    whether libyaml is installed."""
    if LIBYAML is not None:
        try:
            return _compose(text, LIBYAML)
        except (yaml.YAMLError, RecursionError):
            pass
    return _compose(text, yaml.SafeLoader)


def _compose(text: str, loader_class: Any) -> yaml.Node | None:
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


class ComposeAbort(Exception):
    """A problem that stops construction of the whole file (bomb, depth, bad tag at root)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class Composer:
    """Turns a YAML node tree into dicts/lists/scalars, recording where each value sits."""

    def __init__(self, name: str, lines: EditorLines | None = None) -> None:
        self.name = name
        self.lines = lines or EditorLines("")
        self.values = 0
        self.problems: list[Problem] = []
        self.positions: dict[Loc, tuple[int, int]] = {}
        self.key_positions: dict[Loc, tuple[int, int]] = {}
        self.sources: dict[Loc, str] = {}  # as written, for values YAML turned into non-text
        self.dropped: set[Loc] = set()  # values replaced by None after a problem was reported
        self.scanned: dict[int, tuple[str, str] | None] = {}  # id(node) → control character
        # Plain text followed by ` #…` on its line: YAML dropped that part as a comment.
        self.comments_after: dict[Loc, tuple[int, str, str]] = {}  # loc → (index, text, comment)
        self._scalars = yaml.constructor.SafeConstructor()

    def problem(self, node: yaml.Node, loc: Loc, message: str, fix: str = "") -> Problem:
        line, column = self.lines.place(node.start_mark)
        return Problem(self.name, line, column, dotted(loc), message, fix)

    def build(self, node: yaml.Node, loc: Loc = ()) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise ComposeAbort(
                self.problem(
                    node,
                    loc,
                    f"the file expands to more than {MAX_VALUES:,} values "
                    "(aliases used as a bomb?)",
                    "write the content out without `*alias` references",
                )
            )
        if len(loc) > MAX_DEPTH:
            raise ComposeAbort(
                self.problem(node, loc, f"nested deeper than {MAX_DEPTH} levels", "flatten it")
            )
        self.positions[loc] = self.lines.place(node.start_mark)
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP_TAG:
            return self._build_mapping(node, loc)
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ_TAG:
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALAR_TAGS:
            self.sources[loc] = node.value
            if id(node) not in self.scanned:  # an alias repeats a node: scan its text once
                self.scanned[id(node)] = unsafe_character(node.value)
            bad = self.scanned[id(node)]
            if bad is not None:
                self.dropped.add(loc)
                self.problems.append(self.problem(node, loc, *bad))
                return None
            # A plain scalar's style is None from PyYAML's parser and "" from libyaml's.
            if not node.style and node.tag == "tag:yaml.org,2002:str":
                self._note_comment_after(node, loc)
            return self._build_scalar(node)
        self.dropped.add(loc)
        self.problems.append(
            self.problem(
                node,
                loc,
                f"the YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed",
                "remove the tag; requirement files hold plain text, numbers, lists and mappings",
            )
        )
        return None

    def _build_mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            # YAML resolves a plain `<<` to the merge tag, so it is caught before the text check.
            if key_node.tag == "tag:yaml.org,2002:merge" or key_node.value == "<<":
                self.problems.append(
                    self.problem(
                        key_node, loc, "merge keys (`<<`) are not allowed", "write the keys out"
                    )
                )
                continue
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag in _SCALAR_TAGS):
                self.problems.append(
                    self.problem(key_node, loc, "a key must be plain text", "write `name: value`")
                )
                continue
            key = str(key_node.value)
            bad = unsafe_character(key)
            if bad is not None:
                self.problems.append(self.problem(key_node, loc, *bad))
                continue
            if key in result:
                first = self.key_positions[(*loc, key)]
                self.problems.append(
                    self.problem(
                        key_node,
                        (*loc, key),
                        f"duplicate key `{clip(key)}` (first at line {first[0]})",
                        "keep one of them",
                    )
                )
                continue
            self.key_positions[(*loc, key)] = self.lines.place(key_node.start_mark)
            result[key] = self.build(value_node, (*loc, key))
        return result

    def _note_comment_after(self, node: yaml.ScalarNode, loc: Loc) -> None:
        comment = _COMMENT_AFTER.match(self.lines.text, node.end_mark.index)
        if comment is not None:
            text = comment.group().strip()
            self.comments_after[loc] = (comment.start() + comment.group().index("#"),
                                        node.value, text)

    def _build_scalar(self, node: yaml.ScalarNode) -> Any:
        # Timestamps stay text: pydantic parses dates and reports impossible ones with a place,
        # where PyYAML would raise on 2026-02-30 with no field to point at.
        if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
            return node.value
        if node.tag == "tag:yaml.org,2002:int" and not _DECIMAL.fullmatch(node.value):
            return node.value
        method = {
            "tag:yaml.org,2002:int": self._scalars.construct_yaml_int,
            "tag:yaml.org,2002:float": self._scalars.construct_yaml_float,
            "tag:yaml.org,2002:bool": self._scalars.construct_yaml_bool,
            "tag:yaml.org,2002:null": self._scalars.construct_yaml_null,
        }[node.tag]
        return method(node)

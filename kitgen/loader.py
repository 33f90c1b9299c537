"""Load a requirement file: bytes → YAML nodes → plain data with positions → ``KitFile``.

We compose YAML nodes ourselves rather than call ``yaml.safe_load`` so that every value keeps
its line and column, duplicate keys and foreign tags are caught, and aliases cannot expand
without bound. Every problem in a file is collected and reported at once.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from kitgen.errors import InvalidKitFile, Problem, relative_name
from kitgen.model import SLUG_PATTERN, KitFile

MAX_FILE_BYTES = 1024 * 1024
MAX_VALUES = 100_000
MAX_DEPTH = 40
MAX_PROBLEMS = 200  # per file: enough to fix a round, few enough to read and to print fast
MAX_SHOWN = 60  # characters of a key or value quoted in a message
# YAML 1.1 also reads 010 as 8, 0x1F, 0b11 and 1:30 (sexagesimal, 90) as integers: such a value
# stays text, so a number field refuses it with its place instead of taking a surprising number.
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]{0,17})")
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

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadedKit:
    path: Path
    name: str
    raw: bytes
    kit: KitFile
    positions: dict[Loc, tuple[int, int]] = field(repr=False)

    def where(self, loc: Loc) -> tuple[int | None, int | None]:
        return _nearest(self.positions, loc)


class _Abort(Exception):
    """A problem that stops construction of the whole file (bomb, depth, bad tag at root)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class _Builder:
    """Turns a YAML node tree into dicts/lists/scalars, recording where each value sits."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values = 0
        self.problems: list[Problem] = []
        self.positions: dict[Loc, tuple[int, int]] = {}
        self.key_positions: dict[Loc, tuple[int, int]] = {}
        self.sources: dict[Loc, str] = {}  # as written, for values YAML turned into non-text
        self.dropped: set[Loc] = set()  # values replaced by None after a problem was reported
        self.scanned: dict[int, tuple[str, str] | None] = {}  # id(node) → control character
        self._scalars = yaml.constructor.SafeConstructor()

    def problem(self, node: yaml.Node, loc: Loc, message: str, fix: str = "") -> Problem:
        mark = node.start_mark
        return Problem(self.name, mark.line + 1, mark.column + 1, _dotted(loc), message, fix)

    def build(self, node: yaml.Node, loc: Loc = ()) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise _Abort(
                self.problem(
                    node,
                    loc,
                    f"the file expands to more than {MAX_VALUES:,} values "
                    "(aliases used as a bomb?)",
                    "write the content out without `*alias` references",
                )
            )
        if len(loc) > MAX_DEPTH:
            raise _Abort(
                self.problem(node, loc, f"nested deeper than {MAX_DEPTH} levels", "flatten it")
            )
        self.positions[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP_TAG:
            return self._build_mapping(node, loc)
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ_TAG:
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALAR_TAGS:
            self.sources[loc] = node.value
            if id(node) not in self.scanned:  # an alias repeats a node: scan its text once
                self.scanned[id(node)] = _unsafe_character(node.value)
            bad = self.scanned[id(node)]
            if bad is not None:
                self.dropped.add(loc)
                self.problems.append(self.problem(node, loc, *bad))
                return None
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
            bad = _unsafe_character(key)
            if bad is not None:
                self.problems.append(self.problem(key_node, loc, *bad))
                continue
            if key in result:
                first = self.key_positions[(*loc, key)]
                self.problems.append(
                    self.problem(
                        key_node,
                        (*loc, key),
                        f"duplicate key `{_clip(key)}` (first at line {first[0]})",
                        "keep one of them",
                    )
                )
                continue
            mark = key_node.start_mark
            self.key_positions[(*loc, key)] = (mark.line + 1, mark.column + 1)
            result[key] = self.build(value_node, (*loc, key))
        return result

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


def load_kit(path: Path, root: Path | None = None) -> LoadedKit:
    """Load and validate one requirement file; raise ``InvalidKitFile`` with every problem."""
    name = relative_name(path, root)
    raw = _read_bytes(path, name, root)
    text = _decode(raw, name)
    data, builder = _parse(text, name)
    # Problems found while reading (duplicate keys, tags) are reported together with the
    # schema's, not one round after the other; a value dropped for a bad tag is not reported twice.
    problems = list(builder.problems)
    try:
        kit = KitFile.model_validate(data)
    except ValidationError as error:
        problems += [
            _describe(e, name, builder)
            for e in error.errors(include_url=False)
            if e["type"] == "extra_forbidden"
            or not any(tuple(e["loc"])[: len(d)] == d for d in builder.dropped)
        ]
        refused = {tuple(e["loc"]) for e in error.errors(include_url=False)}
        problems += _raw_reference_problems(data, name, builder, refused)
        raise _invalid(problems) from None
    loaded = LoadedKit(path, name, raw, kit, builder.positions)
    problems += check_references(loaded)
    if problems:
        raise _invalid(problems)
    return loaded


def _invalid(problems: list[Problem]) -> InvalidKitFile:
    """Every problem in file order, the list cut after ``MAX_PROBLEMS`` with a line saying how
    many more there are: a file of junk must not print megabytes nor take minutes."""
    ordered = sorted(problems, key=lambda p: (p.line or 0, p.column or 0))
    if len(ordered) <= MAX_PROBLEMS:
        return InvalidKitFile(ordered)
    rest = len(ordered) - MAX_PROBLEMS
    last = ordered[MAX_PROBLEMS - 1]
    error = InvalidKitFile(ordered[:MAX_PROBLEMS] + [
        Problem(last.file, None, None, "", f"{rest:,} more problem(s) after line {last.line} "
                "are not shown", "fix the ones above and check again")
    ])
    error.message = f"{len(ordered):,} problems in {last.file}"
    return error


def _unsafe_character(text: str) -> tuple[str, str] | None:
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


def _clip(text: str) -> str:
    shown = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return shown if len(shown) <= MAX_SHOWN else shown[: MAX_SHOWN - 1] + "…"


def load_kits(paths: list[Path], root: Path | None = None) -> list[LoadedKit]:
    """Load every file, collecting the problems of all of them before failing."""
    loaded: list[LoadedKit] = []
    problems: list[Problem] = []
    failed: list[InvalidKitFile] = []
    for path in paths:
        try:
            loaded.append(load_kit(path, root))
        except InvalidKitFile as error:
            problems.extend(error.problems)
            failed.append(error)
    if len(failed) == 1 and len(failed[0].problems) == len(problems):
        raise failed[0]  # its message counts the problems it did not list
    seen: dict[str, LoadedKit] = {}
    for item in loaded:
        other = seen.setdefault(item.kit.kit, item)
        if other is not item:
            line, column = item.where(("kit",))
            problems.append(
                Problem(
                    item.name,
                    line,
                    column,
                    "kit",
                    f"kit `{item.kit.kit}` is also defined by {other.name}",
                    "give each requirement file its own kit id",
                )
            )
    if problems:
        raise InvalidKitFile(problems)
    return loaded


def _read_bytes(path: Path, name: str, root: Path | None = None) -> bytes:
    def fail(message: str, fix: str) -> InvalidKitFile:
        return InvalidKitFile([Problem(name, None, None, "", message, fix)])

    if not path.exists():
        raise fail("no such file", "check the path, or run `kitgen init` to make a workspace")
    if path.is_symlink() and root is not None and not path.resolve().is_relative_to(root.resolve()):
        # A link in a pull request must not make CI read, and quote, a file of the machine.
        raise fail("a symbolic link to a file outside the workspace",
                   "replace the link with the requirement file itself")
    if not path.is_file():
        raise fail("not a regular file", "give the path of a .yaml requirement file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise fail(
            f"the file is {size:,} bytes; requirement files are limited to {MAX_FILE_BYTES:,}",
            "split the content or shorten it",
        )
    raw = path.read_bytes()[: MAX_FILE_BYTES + 1]
    if not raw.strip():
        raise fail("the file is empty", "start from `kitgen init` or the worked example")
    return raw


def _decode(raw: bytes, name: str) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise InvalidKitFile(
            [
                Problem(
                    name,
                    line,
                    column,
                    "",
                    f"byte 0x{raw[error.start]:02x} is not UTF-8 text",
                    "save the file as UTF-8",
                )
            ]
        ) from None
    if "\ufeff" in text:
        # A leading byte-order mark is accepted (Windows editors write one); anywhere else it is
        # an invisible character in the middle of a key or a value, usually from pasting.
        line, column = _line_column(text, text.index("\ufeff"))
        raise InvalidKitFile([Problem(
            name, line, column, "", "a byte-order mark (U+FEFF) inside the file is not allowed; "
            "only the very first character may be one", "remove it: it is invisible in most "
            "editors")])
    return text


def _parse(text: str, name: str) -> tuple[Any, _Builder]:
    builder = _Builder(name)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = (error.problem or "not valid YAML").replace("\t", "\\t")
        if "end of stream" in message and error.context_mark is not None:
            # An unclosed quote or bracket is noticed only at the end of the file: point at
            # where it was opened, which is where the fix goes.
            mark = error.context_mark
            message = f"{error.context}: {message}"
        fix = "indent with spaces, never tabs" if "\\t" in message else "fix the YAML syntax here"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise InvalidKitFile([Problem(name, line, column, "", message, fix)]) from None
    except yaml.reader.ReaderError as error:
        line, column = _line_column(text, error.position)
        raise InvalidKitFile(
            [
                Problem(
                    name,
                    line,
                    column,
                    "",
                    f"character U+{error.character:04X} is not allowed in YAML",
                    "remove it",
                )
            ]
        ) from None
    except yaml.YAMLError as error:
        raise InvalidKitFile(
            [Problem(name, None, None, "", f"not valid YAML: {error}", "")]
        ) from None
    except RecursionError:
        raise InvalidKitFile(
            [Problem(name, None, None, "", "nested too deeply to read", "flatten it")]
        ) from None
    if node is None:
        raise InvalidKitFile(
            [Problem(name, None, None, "", "the file holds no YAML document", "add the kit's keys")]
        )
    if not isinstance(node, yaml.MappingNode):
        mark = node.start_mark
        raise InvalidKitFile(
            [
                Problem(
                    name,
                    mark.line + 1,
                    mark.column + 1,
                    "",
                    "the top level must be a mapping of keys (kit:, title:, …), not a list or text",
                    "start the file with `kit: my-launch`",
                )
            ]
        )
    try:
        data = builder.build(node)
    except _Abort as abort:
        raise InvalidKitFile([abort.problem]) from None
    return data, builder


def _line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{_clip(part)}" if out else _clip(part))
    return out


def _nearest(positions: dict[Loc, tuple[int, int]], loc: Loc) -> tuple[int | None, int | None]:
    while True:
        if loc in positions:
            return positions[loc]
        if not loc:
            return None, None
        loc = loc[:-1]


def _describe(error: Any, name: str, builder: _Builder) -> Problem:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    got = error.get("input")
    field_name = str(loc[-1]) if loc else "file"
    if kind == "extra_forbidden":
        line, column = builder.key_positions.get(loc, _nearest(builder.positions, loc))
        valid = _valid_keys(loc[:-1])
        near = difflib.get_close_matches(field_name, valid, n=1, cutoff=0.6)
        fix = f"did you mean `{near[0]}`?" if near else f"valid keys here: {', '.join(valid)}"
        return Problem(name, line, column, _dotted(loc), f"unknown key `{_clip(field_name)}`", fix)
    ctx = error.get("ctx") or {}
    if "fix" in ctx:  # a rule of the model itself (see model.py), with its own place and fix
        loc = (*loc, *ctx.get("at", ()))
        line, column = _nearest(builder.positions, loc)
        return Problem(name, line, column, _dotted(loc), error["msg"], ctx["fix"])
    line, column = _nearest(builder.positions, loc)
    message, fix = _explain(kind, field_name, got, error, builder.sources.get(loc, ""))
    return Problem(name, line, column, _dotted(loc), message, fix)


def _explain(kind: str, field_name: str, got: Any, error: Any, written: str) -> tuple[str, str]:
    ctx = error.get("ctx") or {}
    shown = _show(got)
    if kind == "missing":
        return f"`{field_name}` is required", f"add `{field_name}:`"
    if kind == "string_type":
        if isinstance(got, bool):
            return (
                f"expected text, got {shown}: YAML reads unquoted yes/no/on/off as true/false",
                f'put the text in quotes: "{written or got}"',
            )
        if isinstance(got, int | float):
            return (
                f"expected text, got the number {shown}",
                f'put it in quotes: "{written or got}" (YAML reads it as a number)',
            )
        return f"expected text, got {_type_name(got)}", "write it as a single line of text"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == r"\S":
            return "must not be blank", "write some text"
        if field_name == "version":
            return f"{shown} is not a semantic version", 'write it like "1.2.0", in quotes'
        if "@" in str(ctx.get("pattern", "")):
            return f"{shown} is not an email address", "write it like name@example.com"
        if (
            field_name in ("delivered_by", "assets", "feature")
            or isinstance(field_name, str) and field_name.isdigit()
        ):
            return f"{shown} is not a reference", "write it like battlecards.<id> or roadmap.<id>"
        return (
            f"{shown} is not a valid id",
            "use lowercase letters, digits and hyphens, starting with a letter or digit "
            "(at most 64 characters), e.g. fabrikam",
        )
    if kind in (
        "date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact"
    ):
        return f"{shown} is not a valid date", "write it as YYYY-MM-DD, e.g. 2026-03-01"
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",") if c.strip(" '")]
        near = difflib.get_close_matches(str(got), choices, n=1, cutoff=0.5)
        fix = f"did you mean `{near[0]}`?" if near else f"use one of: {', '.join(choices)}"
        return f"{shown} is not allowed here; expected one of {', '.join(choices)}", fix
    if kind == "list_type":
        return (
            f"expected a list, got {_type_name(got)}",
            "write each item on its own line starting with `- `",
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return (
            f"expected a mapping of keys, got {_type_name(got)}",
            "write `key: value` lines, indented",
        )
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s)", "add at least one item"
    if kind == "string_too_short":
        return "must not be empty", "write some text"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)", "shorten it"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {shown}", "write a number like 7"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{shown} is out of range ({error['msg'].lower()})", "use a value in range"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {shown}", "write true or false"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])), ""
    return error["msg"], ""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (an empty value)"
    return f"{type(value).__name__} {_show(value)}"


def _valid_keys(loc: Loc) -> list[str]:
    """The keys allowed at ``loc``, by walking the model's annotations."""
    annotation: Any = KitFile
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            args = typing.get_args(annotation)
            annotation = args[0] if args else Any
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = {f.alias or n: f for n, f in annotation.model_fields.items()}
            annotation = fields[part].annotation if part in fields else Any
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or n for n, f in annotation.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = options[0]
        else:
            return annotation


def iter_references(kit: KitFile) -> Iterator[tuple[Loc, str, tuple[str, ...]]]:
    """Every reference in a kit: where it sits, its text, and which prefixes it may use."""
    content = ("battlecards", "value_props", "playbook")
    for i, requirement in enumerate(kit.requirements):
        for j, ref in enumerate(requirement.delivered_by):
            yield ("requirements", i, "delivered_by", j), ref, content
    for i, staller in enumerate(kit.playbook.stallers):
        for j, ref in enumerate(staller.assets):
            yield ("playbook", "stallers", i, "assets", j), ref, ("battlecards", "value_props")
    for i, vp in enumerate(kit.value_props):
        for j, claim in enumerate(vp.claims):
            if claim.feature:
                yield ("value_props", i, "claims", j, "feature"), claim.feature, ("roadmap",)
    for i, card in enumerate(kit.battlecards):
        for j, objection in enumerate(card.objections):
            if objection.feature:
                yield (
                    ("battlecards", i, "objections", j, "feature"),
                    objection.feature,
                    ("roadmap",),
                )


def known_references(kit: KitFile) -> dict[str, str]:
    """Every item a reference may name, mapped to a human label."""
    labels: dict[str, str] = {}
    for card in kit.battlecards:
        labels[f"battlecards.{card.id}"] = f"Battlecard: {card.competitor}"
    for vp in kit.value_props:
        labels[f"value_props.{vp.id}"] = f"Value proposition: {vp.persona}"
    for staller in kit.playbook.stallers:
        labels[f"playbook.stallers.{staller.id}"] = f"Staller: “{staller.stall}”"
    labels["playbook.nay_sayer"] = "Playbook: the nay-sayer"
    labels["playbook.decision_maker"] = "Playbook: the decision maker"
    for item in kit.roadmap:
        labels[f"roadmap.{item.id}"] = f"Roadmap: {item.feature} ({item.stage})"
    return labels


def check_references(loaded: LoadedKit) -> list[Problem]:
    """Duplicate ids and references that name nothing, each located in the file."""
    kit = loaded.kit
    lists: list[tuple[Loc, list[Any]]] = [
        (("requirements",), list(kit.requirements)),
        (("value_props",), list(kit.value_props)),
        (("battlecards",), list(kit.battlecards)),
        (("playbook", "stallers"), list(kit.playbook.stallers)),
        (("roadmap",), list(kit.roadmap)),
    ]
    ids = [(loc, list(enumerate(item.id for item in items))) for loc, items in lists]
    return _reference_problems(
        loaded.name, loaded.where, ids, list(known_references(kit)), iter_references(kit)
    )


_CONTENT_LISTS: dict[str, Loc] = {
    "battlecards": ("battlecards",),
    "value_props": ("value_props",),
    "playbook.stallers": ("playbook", "stallers"),
    "roadmap": ("roadmap",),
}


def _raw_reference_problems(
    data: Any, name: str, builder: _Builder, refused: set[Loc]
) -> list[Problem]:
    """The same checks on data the schema refused, so that broken references are reported in
    the same round as type errors. Only what can be judged is judged: a reference the schema
    refused, or one into a list that is itself malformed, is left out."""

    def raw(loc: Loc) -> Any:
        node = data
        for part in loc:
            if isinstance(part, int):
                node = node[part] if isinstance(node, list) and part < len(node) else None
            else:
                node = node.get(part) if isinstance(node, dict) else None
        return node

    def raw_list(loc: Loc) -> list[Any]:
        node = raw(loc)
        return node if isinstance(node, list) else []

    def ids(loc: Loc) -> list[tuple[int, str]]:
        # Only ids the schema accepts: a fix never suggests `battlecards.../../x`.
        return [
            (i, x["id"]) for i, x in enumerate(raw_list(loc))
            if isinstance(x, dict) and isinstance(x.get("id"), str)
            and re.fullmatch(SLUG_PATTERN, x["id"]) and len(x["id"]) <= 64
        ]

    malformed = {p for p, loc in _CONTENT_LISTS.items() if not isinstance(raw(loc), list)}
    labels = [f"{p}.{i}" for p, loc in _CONTENT_LISTS.items() for _, i in ids(loc)]
    labels += ["playbook.nay_sayer", "playbook.decision_maker"]

    refs: list[tuple[Loc, Any, tuple[str, ...]]] = []
    content = ("battlecards", "value_props", "playbook")
    for i, _ in enumerate(raw_list(("requirements",))):
        for j, ref in enumerate(raw_list(("requirements", i, "delivered_by"))):
            refs.append((("requirements", i, "delivered_by", j), ref, content))
    for i, _ in enumerate(raw_list(("playbook", "stallers"))):
        for j, ref in enumerate(raw_list(("playbook", "stallers", i, "assets"))):
            asset: Loc = ("playbook", "stallers", i, "assets", j)
            refs.append((asset, ref, ("battlecards", "value_props")))
    for top, key in (("value_props", "claims"), ("battlecards", "objections")):
        for i, _ in enumerate(raw_list((top,))):
            for j, _ in enumerate(raw_list((top, i, key))):
                feature: Loc = (top, i, key, j, "feature")
                if raw(feature) is not None:
                    refs.append((feature, raw(feature), ("roadmap",)))
    judged = [
        (loc, ref, prefixes) for loc, ref, prefixes in refs
        if isinstance(ref, str) and loc not in refused and ref.rsplit(".", 1)[0] not in malformed
    ]
    lists = [(loc, ids(loc)) for loc in (("requirements",), *_CONTENT_LISTS.values())]
    return _reference_problems(
        name, lambda loc: _nearest(builder.positions, loc), lists, labels, judged
    )


def _reference_problems(
    name: str,
    where: typing.Callable[[Loc], tuple[int | None, int | None]],
    lists: typing.Iterable[tuple[Loc, list[tuple[int, str]]]],
    labels: list[str],
    refs: typing.Iterable[tuple[Loc, str, tuple[str, ...]]],
) -> list[Problem]:
    problems: list[Problem] = []

    def add(loc: Loc, message: str, fix: str) -> None:
        line, column = where(loc)
        problems.append(Problem(name, line, column, _dotted(loc), message, fix))

    for loc, item_ids in lists:
        seen: dict[str, int] = {}
        for i, item_id in item_ids:
            if item_id in seen:
                add(
                    (*loc, i, "id"),
                    f"duplicate id `{item_id}` (also item {seen[item_id] + 1})",
                    "give each item its own id",
                )
            seen.setdefault(item_id, i)

    for loc, ref, prefixes in refs:
        if ref in labels and ref.split(".")[0] in prefixes:
            continue
        candidates = [r for r in labels if r.split(".")[0] in prefixes]
        near = difflib.get_close_matches(ref, candidates, n=1, cutoff=0.6)
        if near:
            fix = f"did you mean `{near[0]}`?"
        elif candidates:
            fix = f"refer to one of: {', '.join(candidates)}"
        else:
            fix = "add the item it refers to"
        add(loc, f"`{ref}` does not refer to anything in this kit", fix)
    return problems

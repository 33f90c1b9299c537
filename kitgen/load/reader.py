"""Load a requirement file: bytes → YAML nodes → plain data with positions → ``KitFile``.

Every problem in a file is collected and reported at once: reading (size, encoding), YAML
syntax, composing (duplicate keys, tags, bombs), the schema, and references.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kitgen.base.errors import InvalidKitFile, Problem, UnreadableFile
from kitgen.base.files import display_path, read_plain_file
from kitgen.load.compose import ComposeAbort, Composer, compose_yaml
from kitgen.load.explain import describe, is_text_field, quoted
from kitgen.load.model import KitFile
from kitgen.load.positions import LoadedKit, clip, dotted, line_column, nearest
from kitgen.load.references import check_references, raw_reference_problems
from kitgen.load.scaffold import PLACEHOLDER_EMAILS, find_placeholders
from kitgen.load.syntax import EditorLines, explain_syntax_error

MAX_FILE_BYTES = 1024 * 1024
MAX_PROBLEMS = 200  # per file: enough to fix a round, few enough to read and to print fast


def load_kit(path: Path, root: Path | None = None) -> LoadedKit:
    """Load and validate one requirement file; raise ``InvalidKitFile`` with every problem."""
    name = display_path(path, root)
    return load_kit_bytes(_read_bytes(path, name, root), path, name)


def load_kit_bytes(raw: bytes, path: Path, name: str) -> LoadedKit:
    """Validate the bytes of a requirement file (``path``, shown as ``name``) as ``load_kit``
    does: for a file about to be written, checked before it is."""
    text = _decode(raw, name)
    data, builder = _parse(text, name)
    # Problems found while reading (duplicate keys, tags) are reported together with the
    # schema's, not one round after the other; a value dropped for a bad tag is not reported twice.
    problems = list(builder.problems)
    try:
        kit = KitFile.model_validate(data)
    except ValidationError as error:
        problems += [
            describe(e, name, builder)
            for e in error.errors(include_url=False)
            if e["type"] == "extra_forbidden"
            or not any(tuple(e["loc"])[: len(d)] == d for d in builder.dropped)
        ]
        refused = {tuple(e["loc"]) for e in error.errors(include_url=False)}
        problems += raw_reference_problems(data, name, builder, refused)
        raise _invalid(problems) from None
    loaded = LoadedKit(path, name, raw, kit, builder.positions,
                       tuple(_comment_warnings(builder, name) + _placeholder_warnings(kit, name,
                                                                                     builder)))
    problems += check_references(loaded)
    if problems:
        raise _invalid(problems)
    return loaded


def _comment_warnings(builder: Composer, name: str) -> list[Problem]:
    """Text fields YAML cut at ` #`: `Rated #1 on G2` is read as `Rated` and a comment."""
    warnings = []
    for loc, (index, value, comment) in builder.comments_after.items():
        if not is_text_field(loc):
            continue  # `status: agreed  # after the call` is what comments are for
        line, column = builder.lines.at(index)
        warnings.append(Problem(
            name, line, column, dotted(loc),
            f"YAML reads `{clip(comment)}` as a comment, so this text is only `{clip(value)}`; "
            f"put the whole text in quotes ({clip(quoted(value + ' ' + comment))}) if the rest "
            "belongs to it, or move the comment to a line of its own"))
    return warnings


def _placeholder_warnings(kit: KitFile, name: str, builder: Composer) -> list[Problem]:
    warnings = []
    for loc, text in find_placeholders(kit):
        line, column = nearest(builder.positions, loc)
        what = ("placeholder address `kitgen new` wrote: write the real address"
                if text in PLACEHOLDER_EMAILS
                else "placeholder `kitgen new` wrote: replace it with the real text")
        warnings.append(Problem(name, line, column, dotted(loc), f"still the {what}"))
    return warnings


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

    if not path.exists() and not path.is_symlink():
        raise fail("no such file", "check the path, or run `kitgen init` to make a workspace")
    try:
        # Never through a link out of the workspace (a pull request must not make CI read, and
        # quote, a file of the machine), never a FIFO or a device, never waiting.
        raw = read_plain_file(path, root, limit=MAX_FILE_BYTES, shown=name)
    except UnreadableFile as error:
        raise fail(error.reason, error.fix) from None
    if len(raw) > MAX_FILE_BYTES:
        raise fail(
            f"the file is {path.stat().st_size:,} bytes; requirement files are limited to "
            f"{MAX_FILE_BYTES:,}",
            "split the content or shorten it",
        )
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
        line, column = line_column(text, text.index("\ufeff"))
        raise InvalidKitFile([Problem(
            name, line, column, "", "a byte-order mark (U+FEFF) inside the file is not allowed; "
            "only the very first character may be one", "remove it: it is invisible in most "
            "editors")])
    return text


def _parse(text: str, name: str) -> tuple[Any, Composer]:
    lines = EditorLines(text)
    builder = Composer(name, lines)
    try:
        node = compose_yaml(text)
    except yaml.MarkedYAMLError as error:
        raise InvalidKitFile([explain_syntax_error(text, error, name)]) from None
    except yaml.reader.ReaderError as error:
        line, column = line_column(text, error.position)
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
        line, column = lines.place(node.start_mark)
        raise InvalidKitFile(
            [
                Problem(
                    name,
                    line,
                    column,
                    "",
                    "the top level must be a mapping of keys (kit:, title:, …), not a list or text",
                    "start the file with `kit: my-launch`",
                )
            ]
        )
    try:
        data = builder.build(node)
    except ComposeAbort as abort:
        raise InvalidKitFile([abort.problem]) from None
    return data, builder

"""pydantic's validation errors → problems a marketer can act on: the place, what is wrong in
their words, and a fix that works."""

from __future__ import annotations

import calendar
import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel

from kitgen.base.errors import Problem
from kitgen.load.compose import Composer
from kitgen.load.formatdoc import all_sections, section_of
from kitgen.load.model import TEXT_RULES, KitFile, slug_form
from kitgen.load.positions import Loc, clip, dotted, nearest


def describe(error: Any, name: str, builder: Composer) -> Problem:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    got = error.get("input")
    field_name = str(loc[-1]) if loc else "file"
    if kind == "extra_forbidden":
        line, column = builder.key_positions.get(loc, nearest(builder.positions, loc))
        valid = _valid_keys(loc[:-1])
        near = difflib.get_close_matches(field_name, valid, n=1, cutoff=0.6)
        fix = (f"did you mean `{near[0]}`?" if near
               else f"valid keys here: {', '.join(valid)}{_see(loc[:-1])}")
        return Problem(name, line, column, dotted(loc), f"unknown key `{clip(field_name)}`", fix)
    ctx = error.get("ctx") or {}
    if "fix" in ctx:  # a rule of the model itself (see model.py), with its own place and fix
        loc = (*loc, *ctx.get("at", ()))
        line, column = nearest(builder.positions, loc)
        return Problem(name, line, column, dotted(loc), error["msg"], ctx["fix"])
    line, column = nearest(builder.positions, loc)
    if kind == "string_pattern_mismatch" and loc == ("kit",):
        message = f"{_show(got)} is not a valid id"
        fix = f"a kit id names its folder under kits/: write `kit: {slug_form(str(got))}`"
        return Problem(name, line, column, dotted(loc), message, fix)
    message, fix = _explain(kind, loc, got, error, builder.sources.get(loc, ""))
    return Problem(name, line, column, dotted(loc), message, fix)


def explain_value(error: Any, written: str = "") -> tuple[str, str]:
    """One pydantic error as (what is wrong, how to fix it), without a place: for values that
    come from somewhere other than the YAML (a workbook's cell)."""
    loc: Loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    if "fix" in ctx:
        return error["msg"], str(ctx["fix"])
    return _explain(error["type"], loc, error.get("input"), error, written)


def _explain(kind: str, loc: Loc, got: Any, error: Any, written: str) -> tuple[str, str]:
    field_name = str(loc[-1]) if loc else "file"
    ctx = error.get("ctx") or {}
    shown = _show(got)
    if kind == "missing":
        return f"`{field_name}` is required", f"add `{field_name}:`{_see(loc[:-1])}"
    if kind == "string_type":
        if field_name == "version" and isinstance(got, int | float) and not isinstance(got, bool):
            return (f"{written or got} is not a semantic version (YAML reads it as a number)",
                    _version_fix(written or str(got)))
        if isinstance(got, dict) and len(got) == 1:
            [(key, value)] = got.items()
            if not isinstance(value, dict | list):
                text = f"{key}: {'' if value is None else value}".rstrip()
                return ("this text contains `: `, so YAML reads it as a key and a value, "
                        "not as text", f"put it in quotes: {quoted(text)}")
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
            return f"{shown} is not a semantic version", _version_fix(str(got))
        if "@" in str(ctx.get("pattern", "")):
            return f"{shown} is not an email address", "write it like name@example.com"
        if (
            field_name in ("delivered_by", "assets", "feature")
            or isinstance(field_name, str) and field_name.isdigit()
        ):
            return f"{shown} is not a reference", "write it like battlecards.<id> or roadmap.<id>"
        return (
            f"{shown} is not a valid id",
            "use letters, digits, `-`, `_` and `.`, starting with a letter or digit "
            "(at most 64 characters), e.g. REQ-1 or fabrikam",
        )
    if kind in (
        "date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact"
    ):
        missing = _missing_day(written or str(got))
        if missing is not None:
            why, example = missing
            return (f"{shown} is not a valid date: the day does not exist ({why})",
                    f"write a day that exists, e.g. {example}")
        return f"{shown} is not a valid date", "write it as YYYY-MM-DD, e.g. 2026-03-01"
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",") if c.strip(" '")]
        near = _meant(str(got), choices)
        fix = f"did you mean `{near}`?" if near else f"use one of: {', '.join(choices)}"
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


# What people write for a requirement's status, in the words kitgen uses.
_STATUS_WORDS = {
    "approved": "agreed", "accepted": "agreed", "done": "agreed", "ok": "agreed",
    "yes": "agreed", "settled": "agreed", "rejected": "dropped", "declined": "dropped",
    "refused": "dropped", "cancelled": "dropped", "canceled": "dropped", "no": "dropped",
    "open": "proposed", "new": "proposed", "todo": "proposed", "requested": "proposed",
    "contested": "disputed", "blocked": "disputed", "in-dispute": "disputed",
}


def _meant(written: str, choices: list[str]) -> str | None:
    """The choice someone writing ``written`` meant: same word in another case, a synonym,
    else the closest spelling."""
    word = written.strip().casefold()
    for choice in choices:
        if choice.casefold() == word:
            return choice
    if _STATUS_WORDS.get(word) in choices:
        return _STATUS_WORDS[word]
    near = difflib.get_close_matches(written, choices, n=1, cutoff=0.5)
    return near[0] if near else None


def _missing_day(written: str) -> tuple[str, str] | None:
    """Why a date written YYYY-MM-DD does not exist, and the nearest day that does."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", written.strip())
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        near = min(max(month, 1), 12)
        return f"there is no month {month}", f"{year:04d}-{near:02d}-{max(day, 1):02d}"
    days = calendar.monthrange(year, month)[1]
    if 1 <= day <= days:
        return None
    if day < 1:
        return "there is no day 0", f"{year:04d}-{month:02d}-01"
    if month == 2 and day == 29:
        why = f"{year} is not a leap year"
    else:
        why = f"{calendar.month_name[month]} has {days} days"
    return why, f"{year:04d}-{month:02d}-{days:02d}"


def _version_fix(written: str) -> str:
    """``2`` → ``write version: "2.0.0"``: the semantic version someone writing it meant."""
    parts = written.strip().strip("\"'").lstrip("vV").split(".")
    if 1 <= len(parts) <= 3 and all(p.isdigit() for p in parts):
        numbers = [str(int(p)) for p in parts] + ["0"] * (3 - len(parts))
        return f'write version: "{".".join(numbers)}"'
    return 'write it like "1.2.0", in quotes'


def quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar, for a fix to show."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def is_text_field(loc: Loc) -> bool:
    """Whether the value at ``loc`` is free text (not an id, email, date, status…)."""
    annotation: Any = KitFile
    for part in loc:
        annotation = _unwrap_optional(annotation)
        if isinstance(part, int):
            args = typing.get_args(annotation)
            annotation = args[0] if args else None
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = {f.alias or n: f for n, f in annotation.model_fields.items()}
            if part not in fields:
                return False
            info = fields[part]
            if TEXT_RULES in info.metadata:
                return True
            annotation = info.annotation
        else:
            return False
    annotation = _unwrap_optional(annotation)
    return typing.get_origin(annotation) is typing.Annotated and TEXT_RULES in typing.get_args(
        annotation)[1:]


def _unwrap_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return options[0] if len(options) == 1 else annotation
    return annotation


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


def _see(loc: Loc) -> str:
    """Where the keys of the part at ``loc`` are explained, for the end of a fix."""
    model = _model_at(loc)
    return f" (file format: {section_of(model)})" if model in all_sections() else ""


def _valid_keys(loc: Loc) -> list[str]:
    """The keys allowed at ``loc``, by walking the model's annotations."""
    model = _model_at(loc)
    return [f.alias or n for n, f in model.model_fields.items()] if model else []


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model of the mapping at ``loc``, by walking the models' annotations."""
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
            return None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


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

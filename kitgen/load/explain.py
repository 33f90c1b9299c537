"""pydantic's validation errors → problems a marketer can act on: the place, what is wrong in
their words, and a fix that works."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel

from kitgen.base.errors import Problem
from kitgen.load.compose import Composer
from kitgen.load.model import KitFile, slug_form
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
        fix = f"did you mean `{near[0]}`?" if near else f"valid keys here: {', '.join(valid)}"
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
    message, fix = _explain(kind, field_name, got, error, builder.sources.get(loc, ""))
    return Problem(name, line, column, dotted(loc), message, fix)


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
            "use letters, digits, `-`, `_` and `.`, starting with a letter or digit "
            "(at most 64 characters), e.g. REQ-1 or fabrikam",
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

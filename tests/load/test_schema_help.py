"""Editor help: every field of the requirement file's JSON Schema carries a description and an
example (shown on hover), and every example is itself valid for its field."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import run_kitgen
from jsonschema import Draft202012Validator

from kitgen.load.schema import kit_schema

SCHEMA = kit_schema()


def fields(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(model.field, its schema) for every field of every model in the schema."""
    models = {"KitFile": schema, **schema["$defs"]}
    for model, definition in models.items():
        for name, field in definition.get("properties", {}).items():
            yield f"{model}.{name}", field


FIELDS = dict(fields(SCHEMA))


def test_every_model_is_covered() -> None:
    assert len(FIELDS) > 60
    for name, definition in SCHEMA["$defs"].items():
        assert definition.get("description"), f"{name} has no description"


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_every_field_has_a_description_and_a_valid_example(name: str) -> None:
    field = FIELDS[name]
    assert len(field.get("description", "")) > 10, f"{name} has no description"
    assert field.get("examples"), f"{name} has no example"
    validator = Draft202012Validator({"$defs": SCHEMA["$defs"], **field})
    for example in field["examples"]:
        assert list(validator.iter_errors(example)) == [], f"{name}: example {example!r}"


def test_the_schema_command_prints_the_descriptions(tmp_path: Any) -> None:
    printed = json.loads(run_kitgen("schema", cwd=tmp_path).stdout)
    assert printed["properties"]["launch"]["description"] == "The launch date (YYYY-MM-DD)."

"""`kitgen schema`: the JSON Schema of the requirement file, for editors and validators."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXAMPLES, REPO, battlecard, minimal_kit, requirement, run_kitgen
from jsonschema import Draft202012Validator

COMMITTED = REPO / "kitgen" / "kit.schema.json"


@pytest.fixture(scope="module")
def schema_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    result = run_kitgen("schema", cwd=tmp_path_factory.mktemp("schema"))
    assert result.code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def validator(schema_text: str) -> Draft202012Validator:
    schema = json.loads(schema_text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def as_json(data: Any) -> Any:
    """What an editor's YAML support hands the schema: dates are strings in JSON."""
    return json.loads(json.dumps(data, default=str))


def test_schema_is_draft_2020_12_json(schema_text: str) -> None:
    schema = json.loads(schema_text)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert {"kit", "title", "product", "launch", "requirements"} <= set(schema["required"])
    assert schema["additionalProperties"] is False


def test_committed_schema_is_current(schema_text: str) -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text, (
        "kitgen/kit.schema.json is stale: run `kitgen schema > kitgen/kit.schema.json`"
    )


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_schema_accepts_the_examples(validator: Draft202012Validator, path: Path) -> None:
    data = as_json(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert list(validator.iter_errors(data)) == []


def test_schema_accepts_a_minimal_kit(validator: Draft202012Validator) -> None:
    assert list(validator.iter_errors(as_json(minimal_kit()))) == []


@pytest.mark.parametrize(
    "overrides, where",
    [
        ({"summry": "x"}, []),
        ({"battlecards": [battlecard(summry="x")]}, ["battlecards", 0]),
        ({"title": False}, ["title"]),
        ({"version": 1.1}, ["version"]),
        ({"kit": "../etc"}, ["kit"]),
        ({"launch": "2026-02-30"}, ["launch"]),
        ({"requirements": [requirement(status="approved")]}, ["requirements", 0, "status"]),
        ({"requirements": [requirement(**{"from": "legal"})]}, ["requirements", 0, "from"]),
    ],
)
def test_schema_refuses_what_kitgen_refuses(
    validator: Draft202012Validator, overrides: dict[str, Any], where: list[Any]
) -> None:
    errors = list(validator.iter_errors(as_json(minimal_kit(**overrides))))
    assert [list(e.absolute_path) for e in errors] == [where]


def test_schema_command_prints_to_stdout_only(tmp_path: Path) -> None:
    result = run_kitgen("schema", cwd=tmp_path)
    assert result.code == 0
    assert result.stderr == ""
    json.loads(result.stdout)
    assert list(tmp_path.iterdir()) == []

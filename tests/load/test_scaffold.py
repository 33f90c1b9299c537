"""`kitgen new KIT`: a requirement file to start from, valid as written, explained for marketers,
and tied to the JSON Schema so an editor checks it the way kitgen does."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from helpers import pdf_text, run_kitgen
from jsonschema import Draft202012Validator

TODAY = "2026-11-20"


@pytest.fixture
def scaffolded(workspace: Path) -> Path:
    result = run_kitgen("new", "acme-launch", cwd=workspace, env={"KITGEN_TODAY": TODAY})
    assert result.code == 0, result.output
    assert "created requirements/acme-launch.yaml" in result.stdout
    return workspace / "requirements" / "acme-launch.yaml"


def test_new_kit_passes_check_and_the_schema(workspace: Path, scaffolded: Path) -> None:
    check = run_kitgen("check", "--json", cwd=workspace, env={"KITGEN_TODAY": TODAY})
    assert check.code == 0, check.output
    [report] = json.loads(check.stdout)
    assert report["kit"] == "acme-launch"
    # Nothing but the placeholders themselves (tests/load/test_placeholders.py): no stale card.
    assert report["warnings"]
    assert all("placeholder" in w["message"] for w in report["warnings"])
    # Placeholders can never be signed off: the example open items keep the kit unsettled.
    assert report["settled"] is False
    assert report["counts"] == {"proposed": 1, "disputed": 1, "agreed": 1, "dropped": 0}

    schema = json.loads(run_kitgen("schema", cwd=workspace).stdout)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    data = yaml.safe_load(scaffolded.read_text(encoding="utf-8"))
    data = json.loads(json.dumps(data, default=str))
    assert list(validator.iter_errors(data)) == []


def test_new_kit_explains_each_section_and_marks_placeholders(scaffolded: Path) -> None:
    text = scaffolded.read_text(encoding="utf-8")
    comments = " ".join(
        line.strip("# ") for line in text.splitlines() if line.lstrip().startswith("#")
    )
    for words in ("requirement", "proposed", "disputed", "agreed", "dropped", "positions",
                  "delivered_by", "verified_on", "stall", "nay-sayer", "decision maker",
                  "concept", "development", "launch-ready", "shipped", "sign", "kitgen check"):
        assert words in comments, words
    data = yaml.safe_load(text)
    assert data["title"].startswith("REPLACE")
    assert data["owners"]["sales"]["name"].startswith("REPLACE")
    assert data["battlecards"][0]["competitor"].startswith("REPLACE")
    # Fresh intelligence and a launch in the future, from the day the kit was started.
    assert str(data["battlecards"][0]["verified_on"]) == TODAY
    assert data["launch"] > dt.date.fromisoformat(TODAY)


@pytest.mark.slow
def test_new_kit_builds(workspace: Path, scaffolded: Path) -> None:
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 0, result.output
    version = workspace / "kits" / "acme-launch" / "1"
    assert sorted(p.name for p in version.glob("*.pdf")) == [
        "battlecard-first-competitor.pdf", "index.pdf", "playbook.pdf",
        "value-prop-first-persona.pdf",
    ]
    card = pdf_text(version / "battlecard-first-competitor.pdf")
    assert "REPLACE with the competitor's name" in card


def test_new_refuses_an_existing_kit(workspace: Path, scaffolded: Path) -> None:
    scaffolded.write_text("kit: acme-launch\n", encoding="utf-8")
    result = run_kitgen("new", "acme-launch", cwd=workspace)
    assert result.code == 2
    assert "requirements/acme-launch.yaml already exists" in result.stderr
    assert scaffolded.read_text(encoding="utf-8") == "kit: acme-launch\n"


@pytest.mark.parametrize("kit", ["Acme", "-acme", "acme_launch", "../acme", "a" * 65, ""])
def test_new_refuses_a_kit_id_that_is_not_a_slug(workspace: Path, kit: str) -> None:
    result = run_kitgen("new", "--", kit, cwd=workspace)
    assert result.code == 2
    assert "is not a kit id" in result.stderr
    assert list((workspace / "requirements").iterdir()) == []


def test_new_accepts_the_longest_kit_id(workspace: Path) -> None:
    result = run_kitgen("new", "a" * 64, cwd=workspace)
    assert result.code == 0, result.output

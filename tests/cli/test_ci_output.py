"""Errors CI can read: with `--json` a failure prints a JSON document on stdout too (problems
with file, line, column, field, message, fix), and under GitHub Actions problems and warnings
also print as `::error` / `::warning` workflow commands, escaped by GitHub's rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    battlecard,
    dump,
    locate,
    minimal_kit,
    playbook,
    run_kitgen,
    staller,
    value_prop,
    write_kit,
)

PROBLEM_KEYS = ["file", "line", "column", "field", "message", "fix"]


def bad_kit(workspace: Path) -> str:
    text = dump(minimal_kit()).replace("  summary:", "  summry:")
    write_kit(workspace / "requirements", text, "acme-launch.yaml")
    return text


def failure(result: Any, code: int) -> dict[str, Any]:
    assert result.code == code, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    assert document["ok"] is False
    assert document["exit_code"] == code
    for problem in document["problems"]:
        assert list(problem) == PROBLEM_KEYS
    return document


def test_check_json_on_an_invalid_file_prints_the_problems(
    workspace: Path
) -> None:
    text = bad_kit(workspace)
    document = failure(run_kitgen("check", "--json", cwd=workspace), 2)
    assert document["error"] == "2 problems in requirements/acme-launch.yaml"
    line, column = locate(text, "summry")
    assert document["problems"][1] == {
        "file": "requirements/acme-launch.yaml", "line": line, "column": column,
        "field": "battlecards[0].summry", "message": "unknown key `summry`",
        "fix": "did you mean `summary`?",
    }
    assert document["problems"][0]["message"] == "`summary` is required"


@pytest.mark.parametrize(
    "args, message",
    [(["status", "nope", "--json"], "no kit 'nope' in"),
     (["verify", "nope", "--json"], "'nope' is neither a kit in"),
     (["diff", "nope", "--json"], "no kit 'nope' in kits/"),
     (["check", "requirements/missing.yaml", "--json"], "1 problem in")],
)
def test_every_json_command_prints_its_failure_as_json(
    workspace: Path, args: list[str], message: str
) -> None:
    document = failure(run_kitgen(*args, cwd=workspace), 2)
    assert message in document["error"]
    assert document["problems"][0]["message"]


# A stall with a sheet a rep may send the buyer: the stale battlecard is the only warning.
SENDABLE = {"value_props": [value_prop()],
            "playbook": playbook(stallers=[staller(assets=["value_props.cfo"])])}


def test_a_failing_gate_with_json_prints_one_document(workspace: Path) -> None:
    stale = battlecard(verified_on="2020-01-01")
    write_kit(workspace / "requirements", minimal_kit(battlecards=[stale], **SENDABLE))
    result = run_kitgen("check", "--json", "--strict", cwd=workspace)
    assert result.code == 1
    [report] = json.loads(result.stdout)  # the report, not a second document after it
    assert report["warnings"][0]["item"] == "battlecards.globex"
    assert "--strict: not ready for sign-off: acme-launch has 1 warning" in result.stderr


def test_github_annotations_for_problems(workspace: Path) -> None:
    text = bad_kit(workspace)
    result = run_kitgen("check", cwd=workspace, env={"GITHUB_ACTIONS": "true"})
    assert result.code == 2
    line, column = locate(text, "summry")
    assert (f"::error file=requirements/acme-launch.yaml,line={line},col={column}::"
            "battlecards[0].summry: unknown key `summry`. Fix: did you mean `summary`?"
            ) in result.stdout.splitlines()


def test_github_annotations_for_warnings(workspace: Path) -> None:
    text = dump(minimal_kit(battlecards=[battlecard(verified_on="2020-01-01")], **SENDABLE))
    write_kit(workspace / "requirements", text, "acme-launch.yaml")
    result = run_kitgen("check", cwd=workspace, env={"GITHUB_ACTIONS": "true",
                                                 "KITGEN_TODAY": "2026-12-01"})
    assert result.code == 0
    line, column = locate(text, "'2020-01-01'")
    [annotation] = [a for a in result.stdout.splitlines() if a.startswith("::")]
    assert annotation.startswith(
        f"::warning file=requirements/acme-launch.yaml,line={line},col={column}::"
        "battlecards.globex: intelligence on Globex Analytics was last verified 2020-01-01")


def test_github_annotations_are_escaped(workspace: Path) -> None:
    # GitHub's rules: in the message % \r \n are encoded; in properties also : and ,.
    text = dump(minimal_kit()) + "'100%': x\n"
    write_kit(workspace / "requirements", text, "odd,name:1.yaml")
    result = run_kitgen("check", cwd=workspace, env={"GITHUB_ACTIONS": "true"})
    assert result.code == 2
    line, _ = locate(text, "'100%'")
    assert (f"::error file=requirements/odd%2Cname%3A1.yaml,line={line},col=1::100%25: unknown "
            "key `100%25`.") in result.stdout


def test_github_annotations_with_json_keep_stdout_json(workspace: Path) -> None:
    bad_kit(workspace)
    result = run_kitgen("check", "--json", cwd=workspace, env={"GITHUB_ACTIONS": "true"})
    assert json.loads(result.stdout)["exit_code"] == 2
    assert "::error file=requirements/acme-launch.yaml" in result.stderr


def test_no_annotations_outside_github_actions(workspace: Path) -> None:
    bad_kit(workspace)
    result = run_kitgen("check", cwd=workspace, env={"GITHUB_ACTIONS": "false"})
    assert "::error" not in result.output

"""Fixes that fix: for the mistakes marketers make most, the fix kitgen prints is the one that
works (a status meant as `agreed`, a day that does not exist, a version written as a number,
text YAML reads as a key) — and text YAML silently cut at a `#` is a warning."""

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
    requirement,
    run_kitgen,
    sendable,
    write_kit,
)

from kitgen.base.errors import InvalidKitFile, Problem
from kitgen.load.reader import load_kit


def kit_with(placeholder: str, written: str, **overrides: Any) -> str:
    """The YAML of a minimal kit with ``placeholder`` replaced by ``written`` as typed."""
    return dump(minimal_kit(**overrides)).replace(placeholder, written)


def only_problem(tmp_path: Path, text: str) -> Problem:
    with pytest.raises(InvalidKitFile) as caught:
        load_kit(write_kit(tmp_path, text, "kit.yaml"), tmp_path)
    [problem] = caught.value.problems
    return problem


@pytest.mark.parametrize(
    "written, meant",
    [("approved", "agreed"), ("accepted", "agreed"), ("done", "agreed"), ("Agreed", "agreed"),
     ("agred", "agreed"), ("rejected", "dropped"), ("declined", "dropped"),
     ("open", "proposed"), ("new", "proposed"), ("contested", "disputed")],
)
def test_a_status_in_other_words_suggests_the_one_meant(
    tmp_path: Path, written: str, meant: str
) -> None:
    problem = only_problem(tmp_path, dump(minimal_kit(requirements=[requirement(status=written)])))
    assert problem.path == "requirements[0].status"
    assert problem.message == (f"{written!r} is not allowed here; expected one of proposed, "
                               "disputed, agreed, dropped")
    assert problem.fix == f"did you mean `{meant}`?"


@pytest.mark.parametrize(
    "date, why, example",
    [("2027-02-29", "2027 is not a leap year", "2027-02-28"),
     ("2026-04-31", "April has 30 days", "2026-04-30"),
     ("2026-13-01", "there is no month 13", "2026-12-01"),
     ("2026-00-10", "there is no month 0", "2026-01-10")],
)
def test_a_day_that_does_not_exist_says_why(
    tmp_path: Path, date: str, why: str, example: str
) -> None:
    text = kit_with("DATE", date, battlecards=[battlecard(verified_on="DATE")])
    problem = only_problem(tmp_path, text)
    assert (problem.line, problem.column) == locate(text, date)
    assert problem.message == f"{date!r} is not a valid date: the day does not exist ({why})"
    assert problem.fix == f"write a day that exists, e.g. {example}"


def test_a_date_in_another_format_shows_the_format(tmp_path: Path) -> None:
    text = kit_with("DATE", "01/03/2027", launch="DATE")
    problem = only_problem(tmp_path, text)
    assert problem.message == "'01/03/2027' is not a valid date"
    assert problem.fix == "write it as YYYY-MM-DD, e.g. 2026-03-01"


@pytest.mark.parametrize(
    "written, suggested",
    [("2", "2.0.0"), ("1.1", "1.1.0"), ("1.10", "1.10.0"), ('"2"', "2.0.0"),
     ('"2.1"', "2.1.0"), ("v2.0.0", "2.0.0")],
)
def test_a_version_not_written_as_semver_gets_one_fix(
    tmp_path: Path, written: str, suggested: str
) -> None:
    text = kit_with("VERSION", written, version="VERSION")
    problem = only_problem(tmp_path, text)
    assert problem.path == "version"
    assert "semantic version" in problem.message
    assert problem.fix == f'write version: "{suggested}"'


def test_text_yaml_reads_as_a_key_suggests_quotes(tmp_path: Path) -> None:
    card = battlecard(why_we_win=["NOTE"])
    text = dump(minimal_kit(battlecards=[card])).replace(
        "- NOTE", "- Note: send the deck before the call")
    problem = only_problem(tmp_path, text)
    assert problem.path == "battlecards[0].why_we_win[0]"
    assert (problem.line, problem.column) == locate(text, "Note:")
    assert problem.message == ("this text contains `: `, so YAML reads it as a key and a value, "
                               "not as text")
    assert problem.fix == 'put it in quotes: "Note: send the deck before the call"'


def check_json(workspace: Path, text: str, *args: str) -> tuple[int, Any]:
    write_kit(workspace / "requirements", text, "acme-launch.yaml")
    result = run_kitgen("check", "--json", *args, cwd=workspace)
    return result.code, json.loads(result.stdout)


def test_text_cut_by_a_comment_is_a_warning(workspace: Path) -> None:
    card = battlecard(proof_points=["PROOF"])
    text = dump(sendable(minimal_kit(battlecards=[card]))).replace("- PROOF", "- Rated #1 on G2")
    code, [report] = check_json(workspace, text)
    assert code == 0
    line, column = locate(text, "#1")
    assert report["warnings"] == [{
        "item": "battlecards[0].proof_points[0]",
        "message": "YAML reads `#1 on G2` as a comment, so this text is only `Rated`; put "
                   'the whole text in quotes ("Rated #1 on G2") if the rest belongs to it, or '
                   "move the comment to a line of its own",
        "line": line,
    }]
    strict, _ = check_json(workspace, text, "--strict")
    assert strict == 1


def test_comments_after_ids_dates_and_numbers_are_fine(workspace: Path) -> None:
    text = (dump(sendable(minimal_kit()))
            .replace("status: agreed", "status: agreed  # after the call on Monday")
            .replace("- id: globex", "- id: globex # the big one")
            .replace("escalate_after_days: 7", "escalate_after_days: 7  # a week")
            .replace("Globex is cheaper.", "'Globex is cheaper.' # quoted: nothing is cut"))
    code, [report] = check_json(workspace, text)
    assert code == 0
    assert report["warnings"] == []

"""`kitgen check` as a user runs it: the negotiation shown, --strict, --json, and a reader
that goes away early."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from helpers import (
    EXAMPLES,
    OPEN_EXAMPLE,
    READY_EXAMPLE,
    ExampleBuilds,
    clean_env,
    kitgen_command,
    make_workspace,
    minimal_kit,
    requirement,
    run_kitgen,
    write_kit,
)

from kitgen.load.reader import load_kit

# Battlecard freshness is judged against today; pin it so these tests do not age.
TODAY = {"KITGEN_TODAY": "2026-11-20"}


@pytest.fixture
def example_workspace(tmp_path: Path) -> Path:
    assert run_kitgen("init", "ws", cwd=tmp_path).code == 0
    return tmp_path / "ws"


def test_check_validates_both_examples_and_shows_the_negotiation(example_workspace: Path) -> None:
    result = run_kitgen("check", cwd=example_workspace, env=TODAY)
    assert result.code == 0, result.output
    assert "0 proposed, 0 disputed, 10 agreed, 1 dropped" in result.output
    assert "1 proposed, 1 disputed, 4 agreed, 0 dropped" in result.output
    mobile = load_kit(EXAMPLES / f"{OPEN_EXAMPLE}.yaml", EXAMPLES.parent).kit
    disputed = next(r for r in mobile.requirements if r.status == "disputed")
    proposed = next(r for r in mobile.requirements if r.status == "proposed")
    assert disputed.positions is not None
    assert disputed.id in result.output and proposed.id in result.output
    assert disputed.positions.sales in result.output
    assert disputed.positions.marketing in result.output
    assert proposed.need in result.output
    assert list((example_workspace / "kits").iterdir()) == []


@pytest.mark.parametrize("name, code", [(READY_EXAMPLE, 0), (OPEN_EXAMPLE, 1)])
def test_check_strict_fails_only_while_the_negotiation_is_open(
    example_workspace: Path, name: str, code: int
) -> None:
    result = run_kitgen(
        "check", "--strict", f"requirements/{name}.yaml", cwd=example_workspace, env=TODAY
    )
    assert result.code == code, result.output
    plain = run_kitgen("check", f"requirements/{name}.yaml", cwd=example_workspace, env=TODAY)
    assert plain.code == 0


def test_check_json_is_data(example_workspace: Path) -> None:
    result = run_kitgen("check", "--json", cwd=example_workspace, env=TODAY)
    assert result.code == 0
    data = json.loads(result.stdout)
    by_kit = {item["kit"]: item for item in data}
    assert set(by_kit) == {READY_EXAMPLE, OPEN_EXAMPLE}
    assert by_kit[READY_EXAMPLE]["counts"] == {
        "proposed": 0,
        "disputed": 0,
        "agreed": 10,
        "dropped": 1,
    }
    assert by_kit[READY_EXAMPLE]["settled"] is True
    mobile = by_kit[OPEN_EXAMPLE]
    assert mobile["settled"] is False
    assert [r["id"] for r in mobile["disputed"]] == ["offline-claim"]
    assert set(mobile["disputed"][0]["positions"]) == {"sales", "marketing"}
    assert [r["id"] for r in mobile["proposed"]] == ["mdm-one-pager"]


def test_check_shows_agreed_requirements_nothing_delivers(workspace: Path) -> None:
    write_kit(
        workspace / "requirements",
        minimal_kit(
            requirements=[
                requirement(),
                requirement(id="mobile-card", need="A card for the mobile app.", delivered_by=[]),
            ]
        ),
    )
    result = run_kitgen("check", cwd=workspace, env=TODAY)
    assert result.code == 0
    assert "undelivered" in result.output and "mobile-card" in result.output
    strict = run_kitgen("check", "--strict", cwd=workspace, env=TODAY)
    assert strict.code == 1
    data = json.loads(run_kitgen("check", "--json", cwd=workspace, env=TODAY).stdout)
    assert [r["id"] for r in data[0]["undelivered"]] == ["mobile-card"]


def test_check_prints_user_text_as_written(workspace: Path) -> None:
    need = "Answer [bold]pricing[/bold] questions <b>first</b>"
    write_kit(
        workspace / "requirements",
        minimal_kit(
            requirements=[
                requirement(),
                requirement(id="pricing", status="proposed", need=need, delivered_by=[]),
            ]
        ),
    )
    result = run_kitgen("check", cwd=workspace, env=TODAY)
    assert need in result.output


@pytest.mark.slow
def test_check_in_a_real_process(example_builds: ExampleBuilds) -> None:
    result = run_kitgen("check", cwd=example_builds.first, env=TODAY, real_process=True)
    assert result.code == 0, result.stderr
    assert "\x1b[" not in result.stdout
    assert "disputed" in result.stdout


@pytest.mark.parametrize("args", [("check",), ("check", "--json"), ("status", "--json")])
@pytest.mark.slow
def test_a_reader_that_goes_away_early_gets_141(example_builds: ExampleBuilds,
                                                 args: tuple[str, ...]) -> None:
    """`kitgen check | head -1`: exit 141 (128 + SIGPIPE) like any Unix tool, silently — not 1,
    which would say a gate failed, and not 0, which could hide one about to fail."""
    reader, writer = os.pipe()
    os.close(reader)  # gone before kitgen writes a byte: no race with the pipe's buffer
    try:
        result = subprocess.run(kitgen_command(*args),
                                cwd=example_builds.first, env=clean_env(**TODAY), stdout=writer,
                                stderr=subprocess.PIPE, timeout=600)
    finally:
        os.close(writer)
    assert (result.returncode, result.stderr) == (141, b"")


def test_check_of_a_file_outside_the_workspace(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "ws")
    elsewhere = write_kit(tmp_path / "drafts", minimal_kit(kit="draft-kit", launch="2026-02-30"))
    result = run_kitgen("check", str(elsewhere), cwd=workspace, env=TODAY)
    assert result.code == 2
    assert f"{elsewhere}:4:" in result.output

"""The commands as a user runs them: init, check, build, and their help."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer.main
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
    tree,
    write_kit,
)

from kitgen.cli.main import app
from kitgen.load.reader import load_kit

# Battlecard freshness is judged against today; pin it so these tests do not age.
TODAY = {"KITGEN_TODAY": "2026-11-20"}


# --- init -------------------------------------------------------------------------------------


def test_init_makes_a_workspace_with_the_example(example_builds: ExampleBuilds) -> None:
    root = example_builds.first
    assert {p.name for p in (root / "requirements").iterdir()} == {
        f"{READY_EXAMPLE}.yaml",
        f"{OPEN_EXAMPLE}.yaml",
    }
    for path in (root / "requirements").iterdir():
        assert path.read_bytes() == (EXAMPLES / path.name).read_bytes()
    assert (root / "templates").is_dir() and (root / "kits").is_dir()
    assert "created" in example_builds.init.stdout
    assert "kitgen build" in example_builds.init.stdout


def test_initialised_workspace_builds_every_kit(example_builds: ExampleBuilds) -> None:
    code, stdout, stderr = example_builds.builds[0]
    assert code == 0
    assert "Traceback" not in stdout + stderr
    for kit in (READY_EXAMPLE, OPEN_EXAMPLE):
        assert (example_builds.first / "kits" / kit / "1" / "manifest.json").is_file()
        assert any(kit in line and "written" in line for line in stdout.splitlines())


def test_build_output_is_plain_text_off_a_terminal(example_builds: ExampleBuilds) -> None:
    _, stdout, stderr = example_builds.builds[0]
    assert "\x1b[" not in stdout + stderr
    assert "kits/northwind-analytics/1" in stdout


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    mine = tmp_path / "requirements" / f"{READY_EXAMPLE}.yaml"
    mine.parent.mkdir()
    mine.write_text("kit: my-own-work\n")
    result = run_kitgen("init", str(tmp_path), cwd=tmp_path)
    assert result.code == 2
    assert f"{READY_EXAMPLE}.yaml" in result.output
    assert mine.read_text() == "kit: my-own-work\n"
    assert sorted(p.name for p in mine.parent.iterdir()) == [mine.name]


def test_init_twice_refuses_the_second_time(tmp_path: Path) -> None:
    assert run_kitgen("init", "here", cwd=tmp_path).code == 0
    before = tree(tmp_path)
    result = run_kitgen("init", "here", cwd=tmp_path)
    assert result.code == 2
    assert "Traceback" not in result.output
    assert tree(tmp_path) == before


def test_init_into_a_file_is_bad_usage(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    result = run_kitgen("init", "notes.txt", cwd=tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine\n"
    assert result.code == 2, result.output


def test_init_defaults_to_the_current_folder(tmp_path: Path) -> None:
    result = run_kitgen("init", cwd=tmp_path)
    assert result.code == 0, result.output
    assert (tmp_path / "requirements" / f"{OPEN_EXAMPLE}.yaml").is_file()
    check = run_kitgen("check", cwd=tmp_path)
    assert check.code == 0, check.output


# --- check ------------------------------------------------------------------------------------


@pytest.fixture
def example_workspace(tmp_path: Path) -> Path:
    assert run_kitgen("init", "ws", cwd=tmp_path).code == 0
    return tmp_path / "ws"


def test_check_validates_both_examples_and_shows_the_negotiation(
    example_workspace: Path
) -> None:
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


def test_check_in_a_real_process(example_builds: ExampleBuilds) -> None:
    result = run_kitgen("check", cwd=example_builds.first, env=TODAY, real_process=True)
    assert result.code == 0, result.stderr
    assert "\x1b[" not in result.stdout
    assert "disputed" in result.stdout


@pytest.mark.parametrize("args", [("check",), ("check", "--json"), ("status", "--json")])
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


# --- build ------------------------------------------------------------------------------------


def test_rebuild_of_the_example_writes_nothing(
    example_builds: ExampleBuilds
) -> None:
    before = tree(example_builds.first / "kits")
    result = run_kitgen("build", cwd=example_builds.first)
    assert result.code == 0, result.output
    assert result.output.count("unchanged") >= 2
    assert tree(example_builds.first / "kits") == before


def test_template_error_is_bad_input_and_writes_nothing(workspace: Path) -> None:
    write_kit(workspace / "requirements", minimal_kit())
    (workspace / "templates").mkdir()
    (workspace / "templates" / "playbook.html.j2").write_text("<p>\n{% for x in %}\n")
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 2, result.output
    assert "playbook.html.j2:2" in result.output
    assert "Traceback" not in result.output
    assert tree(workspace / "kits") == {}


def test_undefined_name_in_a_template_is_bad_input(workspace: Path) -> None:
    write_kit(workspace / "requirements", minimal_kit())
    (workspace / "templates").mkdir()
    (workspace / "templates" / "battlecard.html.j2").write_text("{{ card.pricing_notes }}")
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 2, result.output
    assert "battlecard.html.j2" in result.output
    assert tree(workspace / "kits") == {}


def test_build_works_without_a_templates_folder(example_builds: ExampleBuilds) -> None:
    # `kitgen init` makes templates/ with only a README; the built-in templates did the work.
    assert [p.name for p in (example_builds.first / "templates").iterdir()] == ["README.md"]


# --- help -------------------------------------------------------------------------------------


def leaf_commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command a user can run, with the words that name it (`templates eject`)."""
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):  # a group of commands
            found += leaf_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


COMMANDS = leaf_commands(typer.main.get_command(app))


def test_the_issue_commands_exist() -> None:
    assert {("init",), ("check",), ("build",), ("schema",)} <= set(COMMANDS)


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(
    tmp_path: Path, words: tuple[str, ...]
) -> None:
    result = run_kitgen(*words, "--help", cwd=tmp_path)
    assert result.code == 0
    assert "Example:" in result.output
    assert f"kitgen {' '.join(words)}" in result.output.split("Example:", 1)[1]


def test_top_level_help_lists_the_commands(tmp_path: Path) -> None:
    result = run_kitgen("--help", cwd=tmp_path)
    assert result.code == 0
    for command in ("init", "check", "build", "schema"):
        assert command in result.output


def test_version_option(tmp_path: Path) -> None:
    from kitgen import __version__

    result = run_kitgen("--version", cwd=tmp_path)
    assert result.code == 0
    assert __version__ in result.output


def test_unknown_option_is_a_usage_error(workspace: Path) -> None:
    result = run_kitgen("build", "--frobnicate", cwd=workspace)
    assert result.code == 2
    assert tree(workspace / "kits") == {}


def test_check_of_a_file_outside_the_workspace(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "ws")
    elsewhere = write_kit(tmp_path / "drafts", minimal_kit(kit="draft-kit", launch="2026-02-30"))
    result = run_kitgen("check", str(elsewhere), cwd=workspace, env=TODAY)
    assert result.code == 2
    assert f"{elsewhere}:4:" in result.output

"""The CLI as a whole: every command has help with an example, --version, usage errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from helpers import (
    run_kitgen,
    tree,
)

from kitgen.cli.main import app


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
def test_every_command_has_help_with_an_example(tmp_path: Path, words: tuple[str, ...]) -> None:
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

"""`kitgen init` as a user runs it: a workspace with the worked example, which builds."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import (
    EXAMPLES,
    OPEN_EXAMPLE,
    READY_EXAMPLE,
    ExampleBuilds,
    run_kitgen,
    tree,
)


@pytest.mark.slow
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


@pytest.mark.slow
def test_initialised_workspace_builds_every_kit(example_builds: ExampleBuilds) -> None:
    code, stdout, stderr = example_builds.builds[0]
    assert code == 0
    assert "Traceback" not in stdout + stderr
    for kit in (READY_EXAMPLE, OPEN_EXAMPLE):
        assert (example_builds.first / "kits" / kit / "1" / "manifest.json").is_file()
        assert any(kit in line and "written" in line for line in stdout.splitlines())


@pytest.mark.slow
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

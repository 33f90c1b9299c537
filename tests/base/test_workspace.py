"""Commands work from any folder inside a workspace: kitgen finds the workspace's root as git
finds a repository's (up from the current folder, to the first folder holding `requirements/`
or `kits/`) and says which one it used, once, when it is not the current folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import READY_EXAMPLE, run_kitgen


@pytest.fixture
def initialised(tmp_path: Path) -> Path:
    root = tmp_path / "launch-kits"
    assert run_kitgen("init", str(root), cwd=tmp_path).code == 0
    return root


@pytest.mark.parametrize("below", ["requirements", "templates", "kits", "requirements/drafts/old"])
def test_check_from_a_folder_inside_the_workspace(initialised: Path, below: str) -> None:
    here = initialised / below
    here.mkdir(parents=True, exist_ok=True)
    result = run_kitgen("check", "--json", cwd=here)
    assert result.code == 0, result.stderr
    assert [r["file"] for r in json.loads(result.stdout)] == [
        f"requirements/{READY_EXAMPLE}.yaml", "requirements/northwind-mobile.yaml"]
    assert result.stderr.splitlines() == [f"note: using the workspace in {initialised}"]


def test_at_the_root_nothing_is_said(initialised: Path) -> None:
    result = run_kitgen("check", cwd=initialised)
    assert result.code == 0, result.stderr
    assert "using the workspace" not in result.stdout + result.stderr


def test_a_file_named_from_a_subfolder_is_shown_from_the_root(initialised: Path) -> None:
    here = initialised / "requirements"
    result = run_kitgen("check", f"{READY_EXAMPLE}.yaml", cwd=here)
    assert result.code == 0, result.stderr
    assert f"(requirements/{READY_EXAMPLE}.yaml): valid" in result.stdout


def test_new_from_requirements_writes_into_the_workspace(initialised: Path) -> None:
    result = run_kitgen("new", "acme-launch", cwd=initialised / "requirements")
    assert result.code == 0, result.stderr
    assert (initialised / "requirements" / "acme-launch.yaml").is_file()
    assert not (initialised / "requirements" / "requirements").exists()


def test_status_from_a_kit_folder(initialised: Path) -> None:
    folder = initialised / "kits" / "acme-launch" / "1"
    folder.mkdir(parents=True)
    result = run_kitgen("status", "--json", cwd=folder)
    assert result.code == 0, result.stderr
    assert [kit["kit"] for kit in json.loads(result.stdout)] == ["acme-launch"]
    assert f"note: using the workspace in {initialised}" in result.stderr


def test_a_kit_named_requirements_does_not_make_kits_a_workspace(initialised: Path) -> None:
    inner = initialised / "kits" / "requirements" / "1"
    inner.mkdir(parents=True)
    result = run_kitgen("check", "--json", cwd=inner)
    assert result.code == 0, result.stderr
    assert f"note: using the workspace in {initialised}" in result.stderr


def test_the_search_stops_at_the_top_of_a_git_repository(initialised: Path) -> None:
    other = initialised / "vendor" / "other-repo"
    (other / ".git").mkdir(parents=True)
    (other / "src").mkdir()
    result = run_kitgen("check", cwd=other / "src")
    assert result.code == 2
    assert "no requirements/ folder in" in result.stderr
    assert "using the workspace" not in result.stderr


def test_outside_any_workspace_the_error_says_how_to_make_one(tmp_path: Path) -> None:
    result = run_kitgen("check", cwd=tmp_path)
    assert result.code == 2
    assert f"no requirements/ folder in {tmp_path}" in result.stderr
    assert "kitgen init DIR" in result.stderr

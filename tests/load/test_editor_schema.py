"""The schema line `kitgen new` writes works for colleagues on other machines: it names a copy
of the schema kept beside the requirement files (committed with them, refreshed by `build`),
by a path relative to the file — never an absolute path of the machine that made it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import minimal_kit, run_kitgen, write_kit

PREFIX = "# yaml-language-server: $schema="


def schema_of(cwd: Path) -> str:
    result = run_kitgen("schema", cwd=cwd)
    assert result.code == 0
    return result.stdout


def test_new_names_a_schema_copy_beside_the_file(workspace: Path) -> None:
    assert run_kitgen("new", "acme-launch", cwd=workspace).code == 0
    kit = workspace / "requirements" / "acme-launch.yaml"
    first = kit.read_text(encoding="utf-8").splitlines()[0]
    assert first == PREFIX + "kit.schema.json"
    copy = kit.parent / "kit.schema.json"
    assert copy.read_text(encoding="utf-8") == schema_of(workspace)


def test_the_line_still_works_on_a_clone_elsewhere(
    workspace: Path, tmp_path: Path
) -> None:
    assert run_kitgen("new", "acme-launch", cwd=workspace).code == 0
    clone = shutil.copytree(workspace, tmp_path / "elsewhere" / "clone")
    kit = clone / "requirements" / "acme-launch.yaml"
    target = kit.parent / kit.read_text(encoding="utf-8").splitlines()[0].removeprefix(PREFIX)
    assert target.resolve().is_relative_to(clone.resolve())
    assert target.read_text(encoding="utf-8") == schema_of(clone)


@pytest.mark.slow
def test_build_refreshes_a_stale_copy_and_makes_none(workspace: Path) -> None:
    write_kit(workspace / "requirements", minimal_kit())
    first = run_kitgen("build", cwd=workspace)
    assert first.code == 0, first.output
    copy = workspace / "requirements" / "kit.schema.json"
    assert not copy.exists()  # a workspace that never asked for one gets none
    copy.write_text('{"title": "the schema of an older kitgen"}\n', encoding="utf-8")
    second = run_kitgen("build", cwd=workspace)
    assert second.code == 0, second.output
    assert "updated requirements/kit.schema.json" in second.stdout
    assert copy.read_text(encoding="utf-8") == schema_of(workspace)
    # The copy is not an input of the kit: refreshing it made no new version.
    assert sorted(p.name for p in (workspace / "kits" / "acme-launch").iterdir()) == ["1"]

"""`kitgen build` as a user runs it: nothing rewritten, template errors as bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ExampleBuilds, minimal_kit, run_kitgen, tree, write_kit


@pytest.mark.slow
def test_rebuild_of_the_example_writes_nothing(example_builds: ExampleBuilds) -> None:
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


@pytest.mark.slow
def test_build_works_without_a_templates_folder(example_builds: ExampleBuilds) -> None:
    # `kitgen init` makes templates/ with only a README; the built-in templates did the work.
    assert [p.name for p in (example_builds.first / "templates").iterdir()] == ["README.md"]

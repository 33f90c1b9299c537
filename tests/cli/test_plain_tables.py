"""Plain tables (not a terminal, NO_COLOR) fit the width COLUMNS gives: long cells wrap within
their column instead of running past the edge of a CI log or a narrow terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import READY_EXAMPLE, ExampleBuilds, run_kitgen


@pytest.mark.slow
@pytest.mark.parametrize("columns", [70, 90])
def test_status_fits_columns(example_builds: ExampleBuilds, columns: int) -> None:
    result = run_kitgen("status", cwd=example_builds.first, env={"COLUMNS": str(columns)},
                        real_process=True)
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns, "\n".join(lines)
    assert {"marketing:", "sales:", "disputed,", "offline-claim"} <= set(result.stdout.split())
    # A wrapped blocker continues under its text, never under the dash.
    item = next(i for i, line in enumerate(lines) if "offline-claim" in line)
    assert lines[item].startswith("    - ") and lines[item + 1].startswith("      ")
    assert any(line.startswith(f"{READY_EXAMPLE} — ") for line in lines)


@pytest.mark.slow
def test_without_columns_each_line_stays_whole(example_builds: ExampleBuilds) -> None:
    result = run_kitgen("status", cwd=example_builds.first, env={"COLUMNS": ""}, real_process=True)
    lines = result.stdout.splitlines()
    blocker = next(line for line in lines if "offline-claim" in line)
    assert blocker.rstrip().endswith("the first question every field sales leader asks.")


def test_a_word_longer_than_its_column_is_cut_to_fit(tmp_path: Path) -> None:
    # An identity as CI gives one: without it, doctor adds copy-paste fixes that are no table.
    result = run_kitgen("doctor", cwd=tmp_path, real_process=True, env={
        "COLUMNS": "50", "KITGEN_NAME": "CI Runner", "KITGEN_EMAIL": "ci@example.invalid"})
    title, *rest = result.stdout.splitlines()
    table = [title] + [line for line in rest[:len(rest)] if line.startswith("  ")]
    assert max(len(line) for line in table) <= 50, "\n".join(table)

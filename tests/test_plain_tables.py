"""Plain tables (not a terminal, NO_COLOR) fit the width COLUMNS gives: long cells wrap within
their column instead of running past the edge of a CI log or a narrow terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ExampleBuilds
from helpers import READY_EXAMPLE, run_kitgen


@pytest.mark.parametrize("columns", [70, 90])
def test_status_fits_columns(example_builds: ExampleBuilds, columns: int) -> None:
    result = run_kitgen("status", cwd=example_builds.first, COLUMNS=str(columns))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns, "\n".join(lines)
    assert {"marketing:", "pending;", "sales:", "disputed,"} <= set(result.stdout.split())
    # Words wrap between them; an id is never cut while anything else can give way.
    assert all(f"  {kit}  " in result.stdout for kit in (READY_EXAMPLE, "northwind-mobile"))


def test_without_columns_each_row_is_one_line(example_builds: ExampleBuilds) -> None:
    result = run_kitgen("status", cwd=example_builds.first, COLUMNS="")
    lines = result.stdout.splitlines()
    assert len(lines) == 4  # title, header, one row per kit
    assert lines[2].lstrip().startswith(READY_EXAMPLE)


def test_a_word_longer_than_its_column_is_cut_to_fit(tmp_path: Path) -> None:
    result = run_kitgen("doctor", cwd=tmp_path, COLUMNS="50")
    title, *rest = result.stdout.splitlines()
    table = [title] + [line for line in rest[:len(rest)] if line.startswith("  ")]
    assert max(len(line) for line in table) <= 50, "\n".join(table)

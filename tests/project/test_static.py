"""The code stays as the house style asks: ruff's lint rules and mypy in strict mode, both
configured in pyproject.toml, pass on the whole package (and ruff on the tests and benchmark).
Both come with the test extra (``pip install -e '.[test]'``), pinned, so a new release of
either cannot fail CI on code that did not change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=REPO, capture_output=True,
                          text=True, timeout=600)


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", "--no-cache", "kitgen", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict_finds_nothing() -> None:
    result = run("mypy", "--no-incremental", "kitgen")
    assert result.returncode == 0, result.stdout + result.stderr

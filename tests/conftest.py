"""Shared fixtures. Rendering costs 1–2 s per document, so the worked example is built once per
session (in real processes, two workspaces side by side) and every test that only reads shares it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helpers
import pytest
from typer.testing import CliRunner, Result

from kitgen.cli.main import app


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees the environment of a CI job: no build date, no colour, no terminal width
    (pytest-xdist's workers set COLUMNS=80, which plain tables would wrap to)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


Kitgen = Callable[..., Result]


@pytest.fixture
def kitgen(monkeypatch: pytest.MonkeyPatch) -> Kitgen:
    """Run a kitgen command in-process, in ``cwd`` (the CLI takes the workspace from the cwd)."""

    def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Result:
        monkeypatch.chdir(cwd)
        return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)

    return run


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty workspace: requirements/ and kits/, no example kits."""
    return helpers.make_workspace(tmp_path / "ws")


@dataclass(frozen=True)
class ExampleBuilds:
    """The worked example made with `kitgen init` and built with `kitgen build`, twice."""

    first: Path
    second: Path
    init: Any
    builds: tuple[tuple[int, str, str], ...]  # (exit code, stdout, stderr) per workspace

    def version_dir(self, kit: str, root: Path | None = None) -> Path:
        return (root or self.first) / "kits" / kit / "1"


@pytest.fixture(scope="session")
def example_builds(tmp_path_factory: pytest.TempPathFactory) -> ExampleBuilds:
    # Two workspaces at paths of different lengths, built by two processes at once: this is the
    # determinism check, and running them side by side costs one build's time on two cores.
    roots = [
        tmp_path_factory.mktemp("first") / "launch-kits",
        tmp_path_factory.mktemp("second-workspace") / "nested" / "kits-for-launch",
    ]
    init = None
    for root in roots:
        root.parent.mkdir(parents=True, exist_ok=True)
        result = helpers.run_kitgen("init", str(root), cwd=root.parent)
        assert result.returncode == 0, result.stderr
        init = init or result
    processes = [helpers.start_kitgen("build", cwd=root) for root in roots]
    builds = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=600)
        builds.append((process.returncode, stdout, stderr))
    for code, stdout, stderr in builds:
        assert code == 0, f"example build failed:\n{stdout}\n{stderr}"
    return ExampleBuilds(roots[0], roots[1], init, tuple(builds))


@pytest.fixture
def copy_of(tmp_path: Path) -> Iterator[Callable[[Path], Path]]:
    """Copy a built workspace so a test may change it without disturbing the others."""
    counter = iter(range(1000))

    def copy(source: Path) -> Path:
        target = tmp_path / f"copy-{next(counter)}"
        shutil.copytree(source, target, symlinks=True)
        return target

    yield copy

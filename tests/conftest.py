"""Shared fixtures. Rendering costs 1–2 s per document, so the worked example is built once per
run (in real processes, two workspaces side by side; once for all xdist workers) and every test
that only reads shares it.
What the tests share besides fixtures is in ``helpers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import (
    ExampleBuilds,
    built_once,
    copy_workspace,
    make_workspace,
    run_kitgen,
    start_kitgen,
)
from helpers.running import PINNED, SCRUBBED, Ran
from hypothesis import HealthCheck, settings

# Property tests are judged by what they find, never by how fast the machine is: no deadline
# and no "too slow" health check, which fail at random on a busy CI runner.
settings.register_profile("kitgen", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kitgen")


@pytest.fixture(scope="session", autouse=True)
def _plain_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The whole session, fixtures included, runs in the environment of a CI job: no identity,
    no git configuration, no build date, no colour — whatever the developer's shell holds — and
    a document cache of its own (per xdist worker), never the developer's, so what a test finds
    there depends on this run alone, not on earlier runs or other people's on the same machine.
    A test changes the environment with monkeypatch only, which puts it back."""
    with pytest.MonkeyPatch.context() as patch:
        for name in SCRUBBED:
            patch.delenv(name, raising=False)
        for name, value in PINNED.items():
            patch.setenv(name, value)
        patch.setenv("KITGEN_CACHE_DIR", str(tmp_path_factory.mktemp("document-cache")))
        yield


Kitgen = Callable[..., Ran]


@pytest.fixture
def kitgen() -> Kitgen:
    """``run_kitgen`` as a fixture, for the tests that take it as one: ``kitgen(*args, cwd=...)``
    runs in this process and gives a ``Ran`` (its ``exit_code`` is its ``code``)."""
    return run_kitgen


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty workspace: requirements/ and kits/, no example kits."""
    return make_workspace(tmp_path / "ws")


@pytest.fixture(scope="session")
def example_builds(tmp_path_factory: pytest.TempPathFactory) -> ExampleBuilds:
    return built_once(tmp_path_factory, "example-builds", build_the_example)


def build_the_example(folder: Path) -> ExampleBuilds:
    # Two workspaces at paths of different lengths, built by two processes at once: this is the
    # determinism check, and running them side by side costs one build's time on two cores.
    roots = [folder / "first" / "launch-kits",
             folder / "second-workspace" / "nested" / "kits-for-launch"]
    inits = []
    for root in roots:
        root.parent.mkdir(parents=True, exist_ok=True)
        result = run_kitgen("init", str(root), cwd=root.parent, real_process=True)
        assert result.code == 0, result.stderr
        inits.append(result)
    processes = [start_kitgen("build", cwd=root) for root in roots]
    builds = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=600)
        builds.append(Ran(process.returncode, stdout, stderr))
    for code, stdout, stderr in builds:
        assert code == 0, f"example build failed:\n{stdout}\n{stderr}"
    return ExampleBuilds(roots[0], roots[1], inits[0], tuple(builds))


@pytest.fixture
def copy_of(tmp_path: Path) -> Iterator[Callable[[Path], Path]]:
    """Copy a built workspace so a test may change it without disturbing the others."""
    counter = iter(range(1000))

    def copy(source: Path) -> Path:
        return copy_workspace(source, tmp_path / f"copy-{next(counter)}")

    yield copy

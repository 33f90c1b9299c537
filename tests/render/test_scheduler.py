"""``kitgen build --jobs N``: the same bytes whatever N, and a render in a worker process is
still stopped by the time and page limits, with the user's message rather than a traceback."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    battlecard,
    make_workspace,
    minimal_kit,
    requirement,
    run_kitgen,
    tree,
)

NO_CACHE = {"KITGEN_CACHE": "off"}


def kit(name: str, **overrides: Any) -> dict[str, Any]:
    """A kit of three documents (index, a battlecard, the playbook)."""
    return minimal_kit(kit=name, title=f"{name} launch kit", **overrides)


@pytest.fixture
def two_kits(tmp_path: Path) -> Path:
    second = kit("beta", battlecards=[battlecard(), battlecard(id="initech",
                                                             competitor="Initech BI")],
                 requirements=[requirement(),
                               requirement(id="card-initech",
                                           delivered_by=["battlecards.initech"])])
    return make_workspace(tmp_path / "ws", kit("alpha"), second)


@pytest.mark.slow
def test_any_number_of_jobs_writes_the_same_bytes(two_kits: Path) -> None:
    # One workspace, built three ways in turn: the index embeds the workspace's path (a known
    # template bug), so comparing two workspaces would compare their paths too.
    trees = []
    for jobs in ("1", "2", "3"):
        result = run_kitgen("build", "--jobs", jobs, cwd=two_kits, env=NO_CACHE)
        assert result.code == 0, result.output
        trees.append(tree(two_kits / "kits"))
        shutil.rmtree(two_kits / "kits")
        (two_kits / "kits").mkdir()
    assert len([name for name in trees[0] if name.endswith(".pdf")]) == 7
    assert trees[0] == trees[1] == trees[2]


@pytest.mark.slow
def test_the_parallel_build_reports_every_document_and_kit(two_kits: Path) -> None:
    result = run_kitgen("build", "--jobs", "2", cwd=two_kits, env=NO_CACHE)
    assert result.code == 0, result.output
    rendered = sorted(line for line in result.output.splitlines() if line.startswith("rendered"))
    assert len(rendered) == 7
    assert "rendered alpha/index.pdf" in rendered and "rendered beta/index.pdf" in rendered
    for name in ("alpha", "beta"):
        assert any(line.split()[:1] == [name] and "written" in line
                   for line in result.output.splitlines())


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="the limit is set in this process; only forked workers inherit it")
def test_the_time_limit_stops_a_render_in_a_worker(
    two_kits: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SIGALRM works only in a process's main thread: each worker renders in its own. (Set on
    # pdf.py alone: KITGEN_RENDER_TIMEOUT would stop the templates, in this process, first.)
    from kitgen.render import pdf

    monkeypatch.setattr(pdf, "layout_seconds", lambda: 0.000001)
    result = run_kitgen("build", "--jobs", "2", cwd=two_kits, env=NO_CACHE)
    assert result.code == 2, result.output
    assert "took longer than" in result.output
    assert "KITGEN_RENDER_TIMEOUT" in result.output
    assert "Traceback" not in result.output
    assert not list((two_kits / "kits").rglob("*.pdf"))


@pytest.mark.slow
def test_the_page_limit_in_a_worker_keeps_its_advice(two_kits: Path) -> None:
    result = run_kitgen("build", "--jobs", "2", cwd=two_kits,
                        env={"KITGEN_MAX_PAGES": "0", **NO_CACHE}, real_process=True)
    assert result.code == 2
    assert "the limit is 0" in result.stderr
    assert "raise KITGEN_MAX_PAGES" in result.stderr  # the advice crossed the process boundary
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(two_kits: Path, jobs: str) -> None:
    result = run_kitgen("build", "--jobs", jobs, cwd=two_kits)
    assert result.code == 2
    assert list((two_kits / "kits").iterdir()) == []

"""What a build leaves behind on a machine: no worker outliving a killed build, and no trace of
the folder kitgen is installed in inside a version."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import make_workspace, minimal_kit, run_kitgen, start_kitgen

import kitgen


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may never reap a dead orphan)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: /proc and prctl")
def test_workers_end_when_the_build_is_killed(tmp_path: Path) -> None:
    """``kill -9`` of a build (or the OOM killer) cannot shut its pool down: each forked worker,
    still holding the pipe it waits on, would wait forever. They must end with it."""
    root = make_workspace(tmp_path / "ws", minimal_kit(kit="first-kit"),
                          minimal_kit(kit="second-kit"))
    marker = tmp_path / "paused"
    env = {"KITGEN_TEST_PAUSE_AT": "temp:manifest.json", "KITGEN_TEST_PAUSE_MARKER": str(marker)}
    build = start_kitgen("build", "--jobs", "2", cwd=root, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (marker.exists() and marker.read_text().endswith("\n")):
            assert build.poll() is None, "the build ended before writing its first manifest"
            assert time.monotonic() < deadline, "the build never reached its first manifest"
            time.sleep(0.05)
        workers = children(build.pid)
        assert len(workers) == 2, workers  # the pool is up while the first kit is written
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=30)
        deadline = time.monotonic() + 20
        while any(running(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [w for w in workers if running(w)]
    finally:
        if build.poll() is None:
            build.kill()
    for worker in left:
        os.kill(worker, signal.SIGKILL)
    assert left == [], "pool workers outlived the build that started them"


@pytest.mark.slow
def test_a_version_names_no_folder_of_this_machine(tmp_path: Path) -> None:
    """A version is committed and shared: nothing in it may name where kitgen is installed.
    (``--keep-html`` is the exception, on purpose: it keeps the exact HTML WeasyPrint was
    given, which names kitgen's fonts by their path.)"""
    root = make_workspace(tmp_path / "ws", minimal_kit())
    result = run_kitgen("build", cwd=root, real_process=True)
    assert result.code == 0, result.stderr
    installed = str(Path(kitgen.__file__).resolve().parent).encode()
    files = [p for p in (root / "kits").rglob("*") if p.is_file()]
    assert any(p.name == "index.html" for p in files)
    for path in files:
        data = path.read_bytes()
        assert installed not in data, path
        assert str(tmp_path).encode() not in data, path
        if path.name == "index.html":
            assert b"file:" not in data, path

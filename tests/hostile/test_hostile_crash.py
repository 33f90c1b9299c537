"""Crashes and a full disk (issue 5, item 4).

``kill -9`` at each write point: kitgen's test-only hook (``KITGEN_TEST_PAUSE_AT``, see
``kitgen.base.files.pause_point``) makes a real kitgen process stop at its n-th write point — a
temporary file written but not yet in place, a file just placed, a folder about to be renamed
— and write a marker; the test then kills its whole process group with SIGKILL (a render pool
included), as a power cut would. n counts up until a run completes without stopping, so every
write point of build, approve (signed), reject, release and feedback is hit. After each kill:

- what a user sees under kits/ (hidden names excluded) is the old state or the new one;
- `kitgen verify` exits 0;
- anything left behind is hidden (``.building-*``, ``.releasing-*``, ``.*.tmp``), and running
  the command again completes and leaves nothing hidden at all.

A full disk is a real tmpfs of a few hundred kilobytes where the machine lets us mount one, and
a simulated ENOSPC in-process everywhere: exit 3, a message saying the disk is full, and kits/
exactly as it was, hidden files included.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import MARA, SAM, SUE, run_kitgen, start_kitgen, tree

from hostile.support import (
    CATALOG,
    KIT,
    Stages,
    hidden_entries,
    staged_kit_text,
    workspace_with,
)
from kitgen.signoff.records import parse_record

pytestmark = pytest.mark.hostile_crash

HIDDEN_KINDS = (".building-", ".releasing-")
# The catalog (support.CATALOG) is derived and rewritten by every build: a kill between a
# version's rename and the catalog's rewrite leaves it one build behind, so the old-or-new
# comparison leaves it out; running the command again must bring it up to date.
DERIVED = (CATALOG,)


def state(root: Path) -> dict[str, bytes]:
    return tree(root / "kits", hidden=False, leave_out=DERIVED)


@dataclass
class Command:
    name: str
    args: tuple[str, ...]
    stage: str  # which stage to start from
    prepare: Callable[[Path, Stages], None] | None = None
    deterministic: bool = True  # the new state has the same bytes in every run
    points: int = 0  # at least this many write points
    labels: tuple[str, ...] = ()  # write points that must be among them


def change_the_kit(root: Path, stages: Stages) -> None:
    workspace_with(root, staged_kit_text(stages.policy, **{
        "need: A one-page battlecard against Globex.":
            "need: A one-page battlecard against Globex, with pricing."}))


COMMANDS = [
    Command("build", ("build",), "built", change_the_kit, points=10,
            labels=("temp:battlecard-globex.pdf", "placed:index.pdf",
                    "temp:requirements.yaml", "temp:manifest.json", "placed:manifest.json")),
    Command("approve-signed", ("approve", KIT, "--side", "sales", "--name", SAM[0], "--email",
                               SAM[1], "--yes", "--sign-key", "{sam}"),
            "built", deterministic=False, points=4),
    Command("reject", ("reject", KIT, "--side", "sales", "--name", SUE[0], "--email", SUE[1],
                       "--yes", "--reason", "Pricing is stale"),
            "built", deterministic=False, points=2),
    Command("release", ("build", "--release"), "approved", points=10,
            labels=("temp:playbook.pdf", "placed:release.json", "rename:released",
                    "renamed:released")),
    Command("feedback", ("feedback", KIT, "playbook.stallers.send-info", "--useful", "no",
                         "--note", "They still stalled", "--name", "Dana Reyes", "--email",
                         "dana@acme.example"),
            "built", deterministic=False, points=2),
]


def expand(args: tuple[str, ...], stages: Stages) -> list[str]:
    return [a.replace("{sam}", str(stages.keys["sam"])) for a in args]


@dataclass
class Run:
    n: int
    root: Path
    marker: Path
    process: subprocess.Popen[bytes]
    label: str = ""
    killed: bool = False
    output: bytes = b""


def start(command: Command, stages: Stages, root: Path, n: int) -> Run:
    marker = root.parent / f"{root.name}.paused"
    env = {"KITGEN_TEST_PAUSE_AT": f"write:{n}", "KITGEN_TEST_PAUSE_MARKER": str(marker)}
    process = start_kitgen(
        *expand(command.args, stages), cwd=root, env=env, stderr=subprocess.STDOUT, text=False,
        start_new_session=True,  # its own process group: the kill takes its workers too
    )
    return Run(n, root, marker, process)


def stop_at_pause(run: Run, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run.marker.exists() and run.marker.read_text().endswith("\n"):
            run.label = run.marker.read_text().split(" ", 2)[2].strip()
            os.killpg(run.process.pid, signal.SIGKILL)
            run.process.wait(timeout=30)
            run.killed = True
            return
        if run.process.poll() is not None:
            run.output = run.process.stdout.read() if run.process.stdout else b""
            return
        time.sleep(0.02)
    os.killpg(run.process.pid, signal.SIGKILL)
    raise AssertionError(f"run {run.n} neither paused nor finished")


@dataclass
class Crashes:
    command: Command
    old: dict[str, bytes]
    runs: list[Run] = field(default_factory=list)

    @property
    def completed(self) -> Run:
        (done,) = [r for r in self.runs if not r.killed]
        return done


def crash_everywhere(command: Command, stages: Stages, base: Path, batch: int = 4) -> Crashes:
    """Run the command once per write point n = 1, 2, … (a few at a time, each in its own copy
    of the stage), killing each at its point, until one run completes."""
    source = getattr(stages, command.stage)
    template = base / "template"
    shutil.copytree(source, template, symlinks=True)
    if command.prepare:
        command.prepare(template, stages)
    crashes = Crashes(command, state(template))
    n = 0
    while not any(not r.killed for r in crashes.runs):
        runs = []
        for _ in range(batch):
            n += 1
            root = base / f"n{n}"
            shutil.copytree(template, root, symlinks=True)
            runs.append(start(command, stages, root, n))
        for run in runs:
            stop_at_pause(run)
        crashes.runs += runs
        assert n < 60, "more write points than any command should have"
    first_done = min(r.n for r in crashes.runs if not r.killed)
    for run in [r for r in crashes.runs if r.n > first_done]:
        crashes.runs.remove(run)  # ran past the last point as well: one completed run is enough
    assert crashes.completed.process.returncode == 0, crashes.completed.output.decode()
    return crashes


@pytest.fixture(scope="module", params=COMMANDS, ids=[c.name for c in COMMANDS])
def crashes(request: pytest.FixtureRequest, stages: Stages,
            tmp_path_factory: pytest.TempPathFactory) -> Crashes:
    command: Command = request.param
    return crash_everywhere(command, stages, tmp_path_factory.mktemp(f"crash-{command.name}"))


def test_every_write_point_was_hit(crashes: Crashes) -> None:
    killed = [r for r in crashes.runs if r.killed]
    assert len(killed) >= crashes.command.points, [r.label for r in killed]
    assert [r.n for r in killed] == list(range(1, len(killed) + 1))
    labels = {r.label for r in killed}
    assert set(crashes.command.labels) <= labels, labels
    print(f"{crashes.command.name}: killed at {len(killed)} write points: "
          + ", ".join(r.label for r in killed))


def new_files(crashes: Crashes, root: Path) -> dict[str, bytes]:
    now = state(root)
    return {k: v for k, v in now.items() if crashes.old.get(k) != v}


def assert_old_or_new(crashes: Crashes, root: Path) -> None:
    now = state(root)
    if now == crashes.old:
        return
    if crashes.command.deterministic:
        assert now == state(crashes.completed.root), "neither old nor new"
        return
    # A record is new: the old files are all there, unchanged, and what was added is whole.
    assert {k: v for k, v in now.items() if k in crashes.old} == crashes.old
    for name, data in new_files(crashes, root).items():
        if name.endswith("/"):
            continue
        if name.endswith(".txt"):
            record = data.decode()
            assert record.endswith("\n") and record.count("\n") >= 8, name
            if "/signoffs/" in name:
                assert parse_record(data).email in (SAM[1], SUE[1])
        else:
            assert name.endswith(".txt.sig") and data.startswith(b"-----BEGIN SSH SIGNATURE")


def test_after_each_kill_kits_holds_the_old_state_or_the_new(crashes: Crashes) -> None:
    def files(tree: dict[str, bytes]) -> dict[str, bytes]:
        return {k: v for k, v in tree.items() if not k.endswith("/")}  # git keeps no folders

    seen = set()
    for run in [r for r in crashes.runs if r.killed]:
        assert_old_or_new(crashes, run.root)
        seen.add("old" if files(state(run.root)) == files(crashes.old) else "new")
    assert seen == {"old", "new"} or crashes.command.name == "build" and seen == {"old"}


def test_after_each_kill_verify_passes(crashes: Crashes) -> None:
    for run in [r for r in crashes.runs if r.killed]:
        result = run_kitgen("verify", cwd=run.root)
        assert result.code == 0, f"killed at {run.label}:\n{result.text}"


def test_after_each_kill_only_hidden_leftovers(crashes: Crashes) -> None:
    for run in [r for r in crashes.runs if r.killed]:
        for entry in hidden_entries(run.root / "kits"):
            name = entry.rsplit("/", 1)[-1]
            inside_staging = any(part.startswith(HIDDEN_KINDS) for part in entry.split("/")[:-1])
            assert name.startswith(HIDDEN_KINDS) or name.endswith(".tmp") or inside_staging, entry


def test_running_again_completes_and_cleans_up(crashes: Crashes, stages: Stages) -> None:
    for run in [r for r in crashes.runs if r.killed]:
        again = run_kitgen(*expand(crashes.command.args, stages), cwd=run.root)
        assert again.code == 0, f"after a kill at {run.label}:\n{again.text}"
        assert run_kitgen("verify", cwd=run.root).code == 0
        assert hidden_entries(run.root / "kits") == [], f"after a kill at {run.label}"
        if crashes.command.deterministic:  # the catalog too, now
            assert tree(run.root / "kits", hidden=False) == tree(
                crashes.completed.root / "kits", hidden=False)


# --- a full disk ------------------------------------------------------------------------------


def everything(kits: Path) -> dict[str, bytes]:
    """Every file under kits/, hidden ones too: nothing may be left half-written (the derived
    catalog aside: a failed release may still refresh it)."""
    return tree(kits, leave_out={CATALOG})


DISK_COMMANDS: dict[str, tuple[str, Callable[[Stages], list[str]], Callable | None]] = {
    "build": ("built", lambda s: ["build"], change_the_kit),
    "approve-signed": ("built", lambda s: ["approve", KIT, "--side", "marketing", "--name",
                                           MARA[0], "--email", MARA[1], "--yes", "--sign-key",
                                           str(s.keys["mara"])], None),
    "reject": ("built", lambda s: ["reject", KIT, "--side", "sales", "--name", SUE[0],
                                   "--email", SUE[1], "--yes", "--reason", "No"], None),
    "release": ("approved", lambda s: ["build", "--release"], None),
    "feedback": ("built", lambda s: ["feedback", KIT, "battlecards.globex", "--useful", "yes",
                                     "--name", "Dana", "--email", "dana@acme.example"], None),
}


class FailingWrites:
    """``open`` for kitgen.base.files whose files take half the data, then report a full disk."""

    def __init__(self) -> None:
        self.failed = 0

    def __call__(self, path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = open(path, mode, *args, **kwargs)  # noqa: SIM115 - handed back to the caller
        outer = self

        class Full:
            def __enter__(self) -> Full:
                return self

            def __exit__(self, *exc: object) -> None:
                handle.close()

            def write(self, data: bytes) -> int:
                handle.write(data[: len(data) // 2])
                handle.flush()
                outer.failed += 1
                raise OSError(errno.ENOSPC, "No space left on device")

            def __getattr__(self, name: str) -> Any:
                return getattr(handle, name)

        return Full()


def refuse(error: int) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(error, os.strerror(error))

    return fail


@pytest.mark.parametrize("where", ["data", "link-or-rename", "folder"])
@pytest.mark.parametrize("name", list(DISK_COMMANDS))
def test_simulated_full_disk(stages: Stages, copy_of: Callable[[Path], Path],
                             monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
                             name: str, where: str) -> None:
    stage, args, prepare = DISK_COMMANDS[name]
    root = copy_of(getattr(stages, stage))
    if prepare:
        prepare(root, stages)
    before = everything(root / "kits")
    import kitgen.base.files

    if where == "data":
        monkeypatch.setattr(kitgen.base.files, "open", FailingWrites(), raising=False)
    elif where == "link-or-rename":
        monkeypatch.setattr(kitgen.base.files.os, "link", refuse(errno.ENOSPC))
        monkeypatch.setattr(kitgen.base.files.os, "replace", refuse(errno.ENOSPC))
    else:
        real_mkdir = Path.mkdir

        def mkdir(self: Path, *a: Any, **k: Any) -> None:
            if self.name in ("signoffs", "feedback") or self.name.startswith(HIDDEN_KINDS):
                raise OSError(errno.ENOSPC, "No space left on device")
            real_mkdir(self, *a, **k)

        monkeypatch.setattr(Path, "mkdir", mkdir)
    result = run_kitgen(*args(stages), cwd=root)
    monkeypatch.undo()
    assert result.code == 4, result.text
    assert "the disk is full" in result.text
    assert "Traceback" not in result.text and "internal error" not in result.text
    assert everything(root / "kits") == before  # nothing lost, nothing half-written
    assert run_kitgen("verify", cwd=root).code == 0
    again = run_kitgen(*args(stages), cwd=root)  # space again: it works
    assert again.code == 0, again.text
    assert run_kitgen("verify", cwd=root).code == 0


@pytest.fixture(scope="module")
def tiny_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    mount = tmp_path_factory.mktemp("tiny-disk")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip()}); the simulated "
                    "full disk above covers the same paths")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill the disk until only about ``leave`` bytes are free."""
    filler = disk / "filler"
    with open(filler, "wb") as handle:
        while True:
            free = shutil.disk_usage(disk).free
            if free <= leave:
                break
            try:
                handle.write(b"\0" * min(65536, max(free - leave, 4096)))
                handle.flush()
            except OSError:
                break
    return filler


@pytest.mark.parametrize("leave", [0, 48 * 1024])
@pytest.mark.parametrize("name", list(DISK_COMMANDS))
def test_real_full_disk(tiny_disk: Path, stages: Stages, name: str, leave: int) -> None:
    stage, args, prepare = DISK_COMMANDS[name]
    root = tiny_disk / f"{name}-{leave}"
    shutil.copytree(getattr(stages, stage), root, symlinks=True)
    if prepare:
        prepare(root, stages)
    filler = fill(tiny_disk, leave)
    before = everything(root / "kits")
    try:
        result = run_kitgen(*args(stages), cwd=root, real_process=True)
        output = result.output
        if result.code == 0:
            # Enough room after all (a small record fits in what was left): then it is whole.
            assert leave > 0, output
            assert run_kitgen("verify", cwd=root).code == 0
        else:
            assert result.code == 4, output
            assert "the disk is full" in output and "Traceback" not in output
            assert everything(root / "kits") == before
    finally:
        filler.unlink()
    assert run_kitgen("verify", cwd=root).code == 0
    shutil.rmtree(root)

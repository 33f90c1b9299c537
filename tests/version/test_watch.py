"""`kitgen watch`: a save of a requirement file or a template rebuilds the drafts; errors are shown
and the watch goes on; each rebuild says which file changed and what was written."""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import dump, make_workspace, minimal_kit, start_kitgen

from kitgen.base.workspace import Workspace
from kitgen.render.paths import BUILTIN_TEMPLATES
from kitgen.version.watch import watch_rebuilds, watch_targets

KIT = "acme-launch"
DEADLINE = 600.0  # seconds for any one awaited event: a hang guard (a healthy run needs a few)


def test_rebuilds_follow_the_saves(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    path = root / "requirements" / f"{KIT}.yaml"
    path.write_text("kit: [unclosed\n", encoding="utf-8")
    targets = watch_targets(Workspace(root), None)

    def batches() -> Iterator[set[tuple[Any, str]]]:
        yield set()  # the watcher runs: the first build happens now
        path.write_text(dump(minimal_kit()), encoding="utf-8")
        yield {(2, str(path))}
        path.write_text("# only a comment is new\n" + dump(minimal_kit()), encoding="utf-8")
        yield {(2, str(path))}
        (root / "requirements" / "README.md").write_text("notes\n", encoding="utf-8")
        yield {(1, str(root / "requirements" / "README.md")), (1, str(root / "kits" / "x"))}
        path.unlink()
        yield {(3, str(path))}

    started: list[tuple[str, ...]] = []
    rebuilds = list(watch_rebuilds(targets, batches(), started.append))

    assert [r.changed for r in rebuilds] == started
    assert started == [(), (f"requirements/{KIT}.yaml",), (f"requirements/{KIT}.yaml",),
                       (f"requirements/{KIT}.yaml",)]
    first, written, unchanged, removed = (r.outcomes for r in rebuilds)
    [error] = first
    assert error.error and error.file == f"requirements/{KIT}.yaml"
    assert any(":1:" in line for line in error.details)
    assert [(o.kit, o.version, o.written, o.documents) for o in written] == [(KIT, "1", True, 3)]
    assert written[0].folder == f"kits/{KIT}/1"
    assert [(o.kit, o.version, o.written) for o in unchanged] == [(KIT, "1", False)]
    assert [(o.file, o.removed) for o in removed] == [(f"requirements/{KIT}.yaml", True)]


class Watcher:
    """`kitgen watch` in a real process, its output read line by line as it comes."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.process = start_kitgen("watch", *args, cwd=cwd, stderr=subprocess.STDOUT)
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str) -> str:
        """The first new line containing ``text``; fail if none comes before the deadline."""
        deadline = time.monotonic() + DEADLINE
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {DEADLINE} s; output so far:\n"
                             + "\n".join(self.seen))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


@pytest.mark.slow
def test_watch_rebuilds_on_real_saves_and_survives_errors(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", minimal_kit())
    (root / "templates").mkdir()
    path = root / "requirements" / f"{KIT}.yaml"
    watcher = Watcher("--max-rebuilds", "3", cwd=root)
    try:
        watcher.wait_for("watching")
        watcher.wait_for(f"{KIT}: version 1 written")

        path.write_text(dump(minimal_kit(title=["not", "text"])), encoding="utf-8")
        watcher.wait_for(f"saved: requirements/{KIT}.yaml")
        watcher.wait_for("title")  # the error names the field
        watcher.wait_for("not built (see the error); still watching")

        path.write_text(dump(minimal_kit(title="Acme 1.1 launch kit")), encoding="utf-8")
        watcher.wait_for(f"saved: requirements/{KIT}.yaml")
        watcher.wait_for(f"{KIT}: version 2 written")

        css = (BUILTIN_TEMPLATES / "kitgen.css").read_text(encoding="utf-8")
        (root / "templates" / "kitgen.css").write_text(css + "\nh1 { letter-spacing: 0; }\n",
                                                       encoding="utf-8")
        watcher.wait_for("saved: templates/kitgen.css")
        watcher.wait_for(f"{KIT}: version 3 written")

        watcher.wait_for("stopped watching")
        assert watcher.process.wait(timeout=DEADLINE) == 0
    finally:
        watcher.stop()
    versions = sorted(p.name for p in (root / "kits" / KIT).iterdir() if p.is_dir())
    assert versions == ["1", "2", "3"]

"""`kitgen watch`: a save of a requirement file or a template previews the drafts in
preview/<kit>/, never a version; only the documents whose pages changed are rendered and
rewritten; errors are shown and the watch goes on."""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import battlecard, dump, make_workspace, minimal_kit, pdf_text, start_kitgen

from kitgen.base.workspace import Workspace
from kitgen.render.paths import BUILTIN_TEMPLATES
from kitgen.version.watch import watch_previews, watch_targets

KIT = "acme-launch"
DEADLINE = 600.0  # seconds for any one awaited event: a hang guard (a healthy run needs a few)


@pytest.mark.slow
def test_previews_follow_the_saves_and_render_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KITGEN_CACHE", "off")  # what the watch keeps in memory is enough
    root = make_workspace(tmp_path / "ws")
    path = root / "requirements" / f"{KIT}.yaml"
    path.write_text("kit: [unclosed\n", encoding="utf-8")
    targets = watch_targets(Workspace(root), None)
    changed_card = minimal_kit(battlecards=[battlecard(summary="Dashboards, billed per viewer.")])

    def batches() -> Iterator[set[tuple[Any, str]]]:
        yield set()  # the watcher runs: the first preview happens now
        path.write_text(dump(minimal_kit()), encoding="utf-8")
        yield {(2, str(path))}
        path.write_text("# only a comment is new\n" + dump(minimal_kit()), encoding="utf-8")
        yield {(2, str(path))}
        path.write_text(dump(changed_card), encoding="utf-8")
        yield {(2, str(path))}
        (root / "requirements" / "README.md").write_text("notes\n", encoding="utf-8")
        yield {(1, str(root / "requirements" / "README.md")), (1, str(root / "kits" / "x"))}
        path.unlink()
        yield {(3, str(path))}

    started: list[tuple[str, ...]] = []
    refreshes = list(watch_previews(targets, batches(), started.append))

    assert [r.changed for r in refreshes] == started
    assert started == [(), *[(f"requirements/{KIT}.yaml",)] * 4]
    first, previewed, comment, card, removed = (r.outcomes for r in refreshes)
    [error] = first
    assert error.error and error.file == f"requirements/{KIT}.yaml"
    assert any(":1:" in line for line in error.details)
    [outcome] = previewed
    assert (outcome.kit, outcome.version, outcome.folder) == (KIT, "1", f"preview/{KIT}")
    assert sorted(outcome.rendered) == ["battlecard-globex.pdf", "index.pdf", "playbook.pdf"]
    assert [(o.rendered, o.written) for o in comment] == [((), ())]
    # The index names the digest of what would be built: it changes whenever anything does.
    assert [(o.rendered, o.written) for o in card] == [
        (("battlecard-globex.pdf", "index.pdf"),
         ("battlecard-globex.pdf", "index.pdf", "index.html"))]
    assert [(o.file, o.removed) for o in removed] == [(f"requirements/{KIT}.yaml", True)]
    assert sorted(p.name for p in (root / "preview" / KIT).iterdir()) == [
        "battlecard-globex.pdf", "index.html", "index.pdf", "playbook.pdf"]
    assert list((root / "kits").iterdir()) == []  # a save never makes a version


class Watcher:
    """`kitgen watch` in a real process, its output read line by line as it comes."""

    def __init__(self, *args: str, cwd: Path, **env: str) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.process = start_kitgen("watch", *args, cwd=cwd, env=env, stderr=subprocess.STDOUT)
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
def test_watch_previews_on_real_saves_and_survives_errors(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", minimal_kit())
    (root / "templates").mkdir()
    path = root / "requirements" / f"{KIT}.yaml"
    watcher = Watcher("--max-refreshes", "3", cwd=root,
                      KITGEN_CACHE_DIR=str(tmp_path / "cache"))
    try:
        watcher.wait_for("watching")
        watcher.wait_for(f"{KIT}: preview of version 1 (not built) in preview/{KIT}/")

        path.write_text(dump(minimal_kit(title=["not", "text"])), encoding="utf-8")
        watcher.wait_for(f"saved: requirements/{KIT}.yaml")
        watcher.wait_for("title")  # the error names the field
        watcher.wait_for("not previewed (see the error); still watching")

        path.write_text(dump(minimal_kit(battlecards=[battlecard(summary="Per-viewer BI.")])),
                        encoding="utf-8")
        watcher.wait_for(f"saved: requirements/{KIT}.yaml")
        watcher.wait_for(f"{KIT}: battlecard-globex.pdf, index.pdf, index.html updated in "
                         f"preview/{KIT}/ (rendered 2 of 3")

        css = (BUILTIN_TEMPLATES / "kitgen.css").read_text(encoding="utf-8")
        (root / "templates" / "kitgen.css").write_text(
            css + '\nh1::after { content: " CSS-SAVED"; }\n', encoding="utf-8")
        watcher.wait_for("saved: templates/kitgen.css")
        watcher.wait_for("(rendered 3 of 3")
        assert "CSS-SAVED" in pdf_text(root / "preview" / KIT / "battlecard-globex.pdf")

        watcher.wait_for("stopped watching")
        assert watcher.process.wait(timeout=DEADLINE) == 0
    finally:
        watcher.stop()
    assert list((root / "kits").iterdir()) == []

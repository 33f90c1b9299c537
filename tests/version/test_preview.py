"""`kitgen preview`: the drafts the next build would make, in preview/<kit>/, ignored by git and
by `verify`; never a version. The pages are the build's own, so the build that follows renders
only its index."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import make_workspace, minimal_kit, pdf_text, rendered_part, run_kitgen

KIT = "acme-launch"


def cached_documents(cache: Path) -> int:
    return sum(1 for p in (cache / "documents").rglob("*") if p.is_file())


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout


@pytest.mark.slow
def test_a_preview_is_no_version_and_the_build_after_it_renders_only_the_index(
    tmp_path: Path
) -> None:
    root = make_workspace(tmp_path / "ws", minimal_kit())
    git(root, "init", "-q")
    cache = tmp_path / "cache"
    env = {"KITGEN_CACHE_DIR": str(cache)}

    result = run_kitgen("preview", "--jobs", "1", cwd=root, env=env)
    assert result.code == 0, result.output
    assert f"{KIT}  version 1 (not built)  3          3      3 of 3    preview/{KIT}/" \
        in result.output
    folder = root / "preview" / KIT
    assert sorted(p.name for p in folder.iterdir()) == [
        "battlecard-globex.pdf", "index.html", "index.pdf", "playbook.pdf"]
    assert list((root / "kits").iterdir()) == []
    assert "preview" not in git(root, "status", "--porcelain", "--untracked-files=all")
    assert "Preview of version 1" in pdf_text(folder / "index.pdf")
    card = pdf_text(folder / "battlecard-globex.pdf")
    assert "DRAFT" in card and "Revision 1" in card

    alone = run_kitgen("verify", str(folder / "playbook.pdf"), cwd=root, env=env)
    assert alone.code == 1
    assert "a draft of no version (a preview" in alone.output  # nothing to vouch for it

    again = run_kitgen("preview", "--jobs", "1", cwd=root, env=env)
    assert "0 of 3" in again.output, again.output  # nothing changed: nothing rendered

    assert cached_documents(cache) == 3
    built = run_kitgen("build", "--jobs", "1", cwd=root, env=env)
    assert built.code == 0, built.output
    assert cached_documents(cache) == 4  # the index, which names the version, and nothing else
    version = root / "kits" / KIT / "1"
    for name in ("battlecard-globex.pdf", "playbook.pdf"):
        assert rendered_part(version / name) == (folder / name).read_bytes(), name
    verified = run_kitgen("verify", cwd=root, env=env)
    assert verified.code == 0, verified.output

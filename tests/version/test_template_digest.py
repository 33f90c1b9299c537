"""A version's digest depends on the content of the templates used, not on where they live: a
fresh `kitgen templates eject` renders exactly as the built-in templates, so it makes no new
version; editing an ejected copy does. Versions built before keep verifying."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import REPO, make_workspace, minimal_kit, run_kitgen, tree

# Every test starts from the version the module builds once.
pytestmark = pytest.mark.slow

KIT = Path("kits/acme-launch")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_workspace(tmp_path_factory.mktemp("digest") / "ws", minimal_kit())
    result = run_kitgen("build", cwd=root)
    assert result.code == 0, result.stdout + result.stderr
    return root


def test_ejecting_every_template_unchanged_makes_no_new_version(
    built: Path, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(built)
    assert run_kitgen("templates", "eject", cwd=root).code == 0
    assert (root / "templates" / "kitgen.css").read_text().startswith(
        "{# kitgen-ejected-from: ")
    before = tree(root / KIT)
    result = run_kitgen("build", cwd=root)
    assert result.code == 0, result.stderr
    assert "unchanged, nothing written" in result.stdout
    assert tree(root / KIT) == before


def test_a_copy_without_the_header_is_the_same_content_too(
    built: Path, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(built)
    builtin = REPO / "kitgen/render/templates/battlecard.html.j2"
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "battlecard.html.j2").write_bytes(builtin.read_bytes())
    result = run_kitgen("build", cwd=root)
    assert "unchanged, nothing written" in result.stdout, result.stdout


def test_editing_an_ejected_copy_makes_a_new_version_and_the_old_one_still_verifies(
    built: Path, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(built)
    assert run_kitgen("templates", "eject", "battlecard.html.j2", cwd=root).code == 0
    copy = root / "templates" / "battlecard.html.j2"
    copy.write_text(copy.read_text().replace("{% block content %}",
                                             "{% block content %}<p>Field-tested</p>", 1))
    result = run_kitgen("build", cwd=root)
    assert result.code == 0, result.stderr
    manifest = json.loads((root / KIT / "2" / "manifest.json").read_text())
    assert "templates/battlecard.html.j2" in manifest["inputs"]
    # Version 2 lists the edited copy; put it back as ejected: the digest of version 2 still
    # follows from the inputs its manifest records, and version 1's from its own.
    assert run_kitgen("templates", "eject", "battlecard.html.j2", "--force",
                      cwd=root).code == 0
    verified = run_kitgen("verify", cwd=root)
    assert verified.code == 0, verified.stdout + verified.stderr
    again = run_kitgen("build", cwd=root)
    assert (root / KIT / "3").is_dir(), again.stdout  # back to the built-in content
    third = json.loads((root / KIT / "3" / "manifest.json").read_text())
    first = json.loads((root / KIT / "1" / "manifest.json").read_text())
    assert third["inputs"] == first["inputs"]

"""A new version renders only what changed: a draft page names its own revision, not the kit
version, so a document that did not change keeps its rendered bytes and comes from the cache;
the version reaches each PDF's metadata afterwards, with the manifest it carries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    battlecard,
    make_workspace,
    minimal_kit,
    pdf_metadata,
    pdf_text,
    requirement,
    run_kitgen,
    write_kit,
)

KIT = "acme-launch"


def two_card_kit(initech_summary: str = "Consultancy BI, priced per project.") -> dict[str, Any]:
    return minimal_kit(
        requirements=[requirement(delivered_by=["battlecards.globex", "battlecards.initech"])],
        battlecards=[battlecard(),
                     battlecard(id="initech", competitor="Initech Reports",
                                summary=initech_summary)],
    )


def cached_documents(cache: Path) -> int:
    return sum(1 for p in (cache / "documents").rglob("*") if p.is_file())


def manifest(root: Path, version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (root / "kits" / KIT / version / "manifest.json").read_text())
    return data


@pytest.mark.slow
def test_a_new_version_renders_only_the_changed_battlecard_and_the_index(
    tmp_path: Path
) -> None:
    root = make_workspace(tmp_path / "ws", two_card_kit())
    cache = tmp_path / "cache"
    env = {"KITGEN_CACHE_DIR": str(cache)}
    assert run_kitgen("build", "--jobs", "1", cwd=root, env=env).code == 0
    assert cached_documents(cache) == 4  # index, two battlecards, playbook

    write_kit(root / "requirements", two_card_kit("Consultancy BI, now also sold as SaaS."))
    result = run_kitgen("build", "--jobs", "1", cwd=root, env=env)
    assert result.code == 0, result.output
    assert cached_documents(cache) == 6  # rendered again: the changed battlecard and the index

    first, second = manifest(root, "1"), manifest(root, "2")
    sha = {v: {d["file"]: d["sha256"] for d in m["documents"]} for v, m in (("1", first),
                                                                          ("2", second))}
    assert [f for f in sha["2"] if sha["2"][f] == sha["1"][f]] == [
        "battlecard-globex.pdf", "playbook.pdf"]
    revisions = {d["file"]: d["revision"]["version"] for d in second["documents"]}
    assert revisions == {"index.pdf": "2", "battlecard-globex.pdf": "1",
                         "battlecard-initech.pdf": "2", "playbook.pdf": "1"}

    folder = root / "kits" / KIT / "2"
    kept = pdf_text(folder / "battlecard-globex.pdf")
    assert "Revision 1" in kept and "Version 2" not in kept and "DRAFT" in kept
    assert "Revision 2" in pdf_text(folder / "battlecard-initech.pdf")
    index = pdf_text(folder / "index.pdf")
    assert "Version 2" in index
    assert "Documents changed since version 1: Battlecard: Initech Reports." in index
    for pdf in folder.glob("*.pdf"):
        # The version is in every PDF's metadata all the same, added after rendering.
        meta = pdf_metadata(pdf)
        assert (meta["/kitgenkit"], meta["/kitgenversion"], meta["/kitgendigest"],
                meta["/kitgenstate"]) == (KIT, "2", second["digest"], "draft"), pdf.name

    alone = tmp_path / "from-email.pdf"
    alone.write_bytes((folder / "battlecard-globex.pdf").read_bytes())
    lone = run_kitgen("verify", str(alone), cwd=root, env=env)
    assert lone.code == 0, lone.output
    assert f"kit {KIT} version 2, draft" in lone.output  # the version whose manifest it carries
    checked = run_kitgen("verify", "--rebuild", cwd=root, env=env)
    assert checked.code == 0, checked.output
    assert "rendered again" not in checked.output

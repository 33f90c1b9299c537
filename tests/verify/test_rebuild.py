"""``kitgen verify --rebuild``: a PDF forged together with every hash that lists it passes the
other checks, and fails only when the version is rendered again from its snapshot."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from helpers import (
    MARA,
    SAM,
    approve,
    copy_workspace,
    kit_dir,
    make_workspace,
    rendered_part,
    run_kitgen,
    small_kit,
)
from pypdf import PdfWriter

from kitgen.version import carry
from kitgen.version.manifest import manifest_bytes

pytestmark = pytest.mark.slow

KIT = "acme-launch"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rebuild") / "ws"
    make_workspace(root, small_kit())
    assert run_kitgen("build", cwd=root).code == 0
    assert approve(root, KIT, "sales", SAM).code == 0
    assert approve(root, KIT, "marketing", MARA).code == 0
    assert run_kitgen("build", "--release", cwd=root).code == 0
    changed = small_kit()
    changed["requirements"][0]["need"] = "A one-page battlecard against Globex, with pricing."
    make_workspace(root, changed)
    assert run_kitgen("build", cwd=root).code == 0  # version 2, a draft
    return root


@pytest.fixture
def ws(built: Path, tmp_path: Path) -> Path:
    return copy_workspace(built, tmp_path / "ws")


def forge(folder: Path, listing: str, target: str) -> None:
    """Change the PDF ``target`` (its title), then every hash that lists it: its entry in the
    ``listing`` manifest and the copy of that manifest every PDF of the folder carries."""
    path = folder / target
    writer = PdfWriter(clone_from=io.BytesIO(rendered_part(path)))
    writer.add_metadata({"/Title": "Forged"})
    out = io.BytesIO()
    writer.write(out)
    forged = out.getvalue()
    manifest_path = folder / listing
    manifest = json.loads(manifest_path.read_bytes())
    for doc in manifest["documents"]:
        if doc["file"] == target:
            doc["sha256"] = hashlib.sha256(forged).hexdigest()
    raw = manifest_bytes(manifest)
    manifest_path.write_bytes(raw)
    for pdf in folder.glob("*.pdf"):
        rendered = forged if pdf.name == target else rendered_part(pdf)
        pdf.write_bytes(carry.append(rendered, listing, raw))


def test_an_untouched_workspace_renders_to_the_same_bytes(ws: Path) -> None:
    result = run_kitgen("verify", "--rebuild", cwd=ws)
    assert result.code == 0, result.text
    data = json.loads(run_kitgen("verify", "--rebuild", "--json", cwd=ws).stdout)
    assert [(r["kit"], r["ok"], r["notes"]) for r in data] == [(KIT, True, [])]


@pytest.mark.parametrize("where", ["draft", "released"])
def test_a_pdf_forged_with_its_hashes_is_caught_only_by_rendering_again(ws: Path,
                                                                         where: str) -> None:
    if where == "draft":
        version = "2"
        forge(kit_dir(ws, KIT) / "2", "manifest.json", "battlecard-globex.pdf")
    else:
        version = "1"
        forge(kit_dir(ws, KIT) / "1" / "released", "release.json", "battlecard-globex.pdf")
    # The forgery is consistent: the ordinary checks pass (the limit SECURITY.md states).
    plain = run_kitgen("verify", cwd=ws)
    assert plain.code == 0, plain.text
    result = run_kitgen("verify", "--rebuild", cwd=ws)
    assert result.code == 1, result.text
    place = f"kits/{KIT}/{version}" + ("/released" if where == "released" else "")
    (line,) = [line.strip() for line in result.stdout.splitlines() if "FAIL" in line]
    assert line.startswith(f"FAIL {place}: rendered again from the snapshot, "
                           "battlecard-globex.pdf come(s) out as other bytes than")


def test_forging_the_draft_of_a_released_version_needs_its_released_pdfs_too(ws: Path) -> None:
    """Released PDFs carry their version's manifest inside their rendered bytes."""
    forge(kit_dir(ws, KIT) / "1", "manifest.json", "battlecard-globex.pdf")
    result = run_kitgen("verify", cwd=ws)
    assert result.code == 1
    assert "manifest.json differs from the copy battlecard-globex.pdf carries: edited after " \
           "release" in result.stdout


def test_a_version_built_with_other_templates_is_named_not_failed(ws: Path) -> None:
    templates = ws / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "extra.css").write_text("/* added after the build */\n")
    result = run_kitgen("verify", "--rebuild", "--json", cwd=ws)
    assert result.code == 0, result.text
    (report,) = json.loads(result.stdout)
    assert report["notes"] == [{
        "path": f"kits/{KIT}/{version}",
        "message": "not rendered again: built with other templates; check it with that "
                   "kitgen and those templates"} for version in ("1", "2")]


def test_rebuild_ignores_source_date_epoch_of_the_moment(ws: Path) -> None:
    """The version's own time (its manifest's source_date) is used, as the build used."""
    result = run_kitgen("verify", "--rebuild", cwd=ws, env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.code == 0, result.text


def test_a_release_uses_the_version_time_not_the_moment(tmp_path: Path) -> None:
    """Released PDFs differ from the drafts only by the sign-off: a SOURCE_DATE_EPOCH set when
    releasing (say, by CI) does not change their date."""
    from pypdf import PdfReader

    root = tmp_path / "ws"
    make_workspace(root, small_kit())
    assert run_kitgen("build", cwd=root).code == 0
    assert approve(root, KIT, "sales", SAM).code == 0
    assert approve(root, KIT, "marketing", MARA).code == 0
    assert run_kitgen("build", "--release", cwd=root,
                      env={"SOURCE_DATE_EPOCH": "1700000000"}).code == 0
    folder = kit_dir(root, KIT) / "1"
    manifest = json.loads((folder / "manifest.json").read_bytes())
    assert manifest["source_date"] == "2027-03-01T00:00:00Z"  # the launch date
    for pdf in (folder / "released").glob("*.pdf"):
        draft = PdfReader(folder / pdf.name).metadata
        released = PdfReader(pdf).metadata
        assert released["/CreationDate"] == draft["/CreationDate"] == "D:20270301000000Z"

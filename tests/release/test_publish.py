"""Released PDFs and release.json: what a rep holds once both sides signed off.

The worked example is built once, both sides approve northwind-analytics, and two copies of
that workspace are released by two processes side by side: the determinism check costs one
release's time on two cores.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    MARA,
    MONA,
    SAM,
    approve,
    copy_workspace,
    kit_dir,
    make_workspace,
    pdf_pages,
    records,
    reject,
    rendered_sha256,
    run_kitgen,
    small_kit,
    start_kitgen,
)
from pypdf import PdfReader

pytestmark = pytest.mark.slow

KIT = "northwind-analytics"
MARCUS = ("Marcus Bell", "marcus.bell@northwind.example")
PRIYA = ("Priya Shah", "priya.shah@northwind.example")


@dataclass(frozen=True)
class Released:
    first: Path
    second: Path
    approved: Path  # both sides approved, not yet released


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Released:
    approved = tmp_path_factory.mktemp("approved") / "ws"
    assert run_kitgen("init", str(approved), cwd=approved.parent).code == 0
    assert run_kitgen("build", cwd=approved).code == 0
    assert approve(approved, KIT, "sales", MARCUS, "--comment", "Reviewed with the AEs").code == 0
    assert approve(approved, KIT, "marketing", PRIYA).code == 0
    first = copy_workspace(approved, tmp_path_factory.mktemp("first") / "ws")
    second = copy_workspace(approved, tmp_path_factory.mktemp("second") / "nested" / "ws2")
    runs = [start_kitgen("build", "--release", cwd=root) for root in (first, second)]
    for process in runs:
        stdout, stderr = process.communicate(timeout=600)
        # northwind-mobile is still being negotiated, so the gate as a whole says no.
        assert process.returncode == 1, stdout + stderr
        assert f"{KIT}" in stdout and "released now" in stdout, stdout
    return Released(first, second, approved)


def released_dir(root: Path) -> Path:
    return kit_dir(root, KIT) / "1" / "released"


def released_pdfs(root: Path) -> list[Path]:
    return sorted(released_dir(root).glob("*.pdf"))


def test_release_adds_beside_the_drafts_and_rewrites_nothing(released: Released) -> None:
    before = {p.relative_to(released.approved): p.read_bytes()
              for p in kit_dir(released.approved, KIT).rglob("*") if p.is_file()}
    after = {p.relative_to(released.first): p.read_bytes()
             for p in kit_dir(released.first, KIT).rglob("*") if p.is_file()}
    assert {k: v for k, v in after.items() if k in before} == before
    added = sorted(str(p.relative_to(f"kits/{KIT}/1/released")) for p in after if p not in before)
    manifest = json.loads((kit_dir(released.first, KIT) / "1" / "manifest.json").read_text())
    # the PDFs, the release manifest, and the released index's page for a browser
    assert added == sorted([d["file"] for d in manifest["documents"]]
                           + ["release.json", "index.html"])


def test_released_pdfs_have_no_draft_and_carry_the_signoff_once(released: Released) -> None:
    """Internal documents: the sign-off block at the foot of page one (the index: its sign-off
    table); customer-facing ones: "Approved for external use", no sign-off names."""
    pdfs = released_pdfs(released.first)
    assert len(pdfs) == 6
    manifest = json.loads((kit_dir(released.first, KIT) / "1" / "manifest.json").read_text())
    audience = {d["file"]: d["audience"] for d in manifest["documents"]}
    for pdf in pdfs:
        pages = pdf_pages(pdf)
        for number, text in enumerate(pages, start=1):
            where = f"{pdf.name} page {number}"
            assert "DRAFT" not in text.upper(), where
            assert "not signed off" not in text, where
            assert "Version 1" in text, where
        whole = " ".join(pages)
        if audience[pdf.name] == "customer":
            assert all("Approved for external use" in text for text in pages), pdf.name
            assert "Approved by" not in whole and "Priya Shah" not in whole, pdf.name
        else:
            assert whole.count("Approved by sales") == 1, pdf.name
            assert whole.count("Approved by marketing") == 1, pdf.name
            if pdf.name != "index.pdf":
                for name, side in (("Marcus Bell", "Sales"), ("Priya Shah", "Marketing")):
                    assert f"{name} {side}" in pages[0], pdf.name
        # WeasyPrint may change the case of custom metadata names; the values are the point.
        info = {str(k).lower(): v for k, v in (PdfReader(pdf).metadata or {}).items()}
        assert info.get("/kitgenstate") == "released"
        assert info.get("/kitgenversion") == "1"


def test_draft_pdfs_say_draft_on_every_page(released: Released) -> None:
    for pdf in sorted((kit_dir(released.first, KIT) / "1").glob("*.pdf")):
        for text in pdf_pages(pdf):
            assert "DRAFT" in text and "Marcus Bell Sales" not in text


def test_two_releases_of_the_same_approvals_are_byte_identical(released: Released) -> None:
    first = {p.name: p.read_bytes() for p in released_dir(released.first).iterdir()}
    second = {p.name: p.read_bytes() for p in released_dir(released.second).iterdir()}
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_release_json_lists_the_records_it_relied_on(released: Released) -> None:
    release = json.loads((released_dir(released.first) / "release.json").read_text())
    manifest = json.loads((kit_dir(released.first, KIT) / "1" / "manifest.json").read_text())
    assert (release["kit"], release["version"], release["digest"]) == (KIT, "1", manifest["digest"])
    files = records(released.first, KIT)
    assert sorted(s["file"] for s in release["signoffs"]) == sorted(p.name for p in files)
    by_side = {s["side"]: s for s in release["signoffs"]}
    assert by_side.keys() == {"sales", "marketing"}
    assert (by_side["sales"]["name"], by_side["sales"]["email"]) == MARCUS
    assert (by_side["marketing"]["name"], by_side["marketing"]["email"]) == PRIYA
    for entry in release["signoffs"]:
        path = kit_dir(released.first, KIT) / "signoffs" / entry["file"]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["signed"] is False
    for doc in release["documents"]:
        pdf = released_dir(released.first) / doc["file"]
        assert doc["sha256"] == rendered_sha256(pdf)  # as rendered; release.json follows
        assert doc["pages"] == len(PdfReader(pdf).pages)


def test_released_pdfs_carry_the_manifest_and_records_as_attachments(released: Released) -> None:
    manifest = (kit_dir(released.first, KIT) / "1" / "manifest.json").read_bytes()
    release = (released_dir(released.first) / "release.json").read_bytes()
    expected = {"manifest.json": manifest, "release.json": release}
    expected |= {p.name: p.read_bytes() for p in records(released.first, KIT)}
    for pdf in released_pdfs(released.first):
        attachments = PdfReader(io.BytesIO(pdf.read_bytes())).attachments
        assert {name: data[0] for name, data in attachments.items()} == expected, pdf.name


def test_status_after_release(released: Released) -> None:
    result = run_kitgen("status", KIT, "--json", cwd=released.first)
    (entry,) = json.loads(result.stdout)
    assert entry["released"] is True and entry["latest_released"] == "1"
    assert entry["blockers"] == []
    assert {side: v["state"] for side, v in entry["signoff"].items()} == {
        "marketing": "approved", "sales": "approved"}


def test_releasing_again_is_a_no_op(released: Released, tmp_path: Path) -> None:
    root = copy_workspace(released.first, tmp_path / "ws")
    before = {p: p.read_bytes() for p in released_dir(root).iterdir()}
    again = run_kitgen("build", f"requirements/{KIT}.yaml", "--release", cwd=root)
    assert again.code == 0, again.text
    assert "released (already)" in again.stdout
    assert {p: p.read_bytes() for p in released_dir(root).iterdir()} == before


def test_a_released_version_cannot_be_rejected(released: Released, tmp_path: Path) -> None:
    root = copy_workspace(released.first, tmp_path / "ws")
    result = reject(root, KIT, "sales", ("Dana Whitfield", "dana.whitfield@northwind.example"),
                    "Contoso pricing is out of date")
    assert result.code == 1
    assert "version 1 of 'northwind-analytics' is already released" in result.text
    assert "build a new version" in result.text
    assert len(records(root, KIT)) == 2
    assert run_kitgen("verify", KIT, cwd=root).code == 0


def test_release_is_refused_when_templates_changed_since_the_build(tmp_path: Path) -> None:
    """What was approved is what gets released: a template added after sign-off would make
    the released PDFs differ from the approved drafts."""
    root = tmp_path / "ws"
    make_workspace(root, small_kit())
    assert run_kitgen("build", cwd=root).code == 0
    assert approve(root, "acme-launch", "sales", SAM).code == 0
    assert approve(root, "acme-launch", "marketing", MARA).code == 0
    (root / "templates").mkdir()
    (root / "templates" / "kitgen.css").write_text("body { color: red; }\n")
    # `build --release` would build a new version from the new templates; release the
    # approved one by naming no new input: the ledger is asked directly.
    from kitgen.base.workspace import Workspace
    from kitgen.release.gate import release_latest
    from kitgen.signoff.ledger import KitLedger

    outcome = release_latest(KitLedger.open(Workspace(root), "acme-launch"))
    assert not outcome.released
    assert any("templates, brand or kitgen changed since version 1 was built" in r
               for r in outcome.reasons)
    assert not (kit_dir(root, "acme-launch") / "1" / "released").exists()
    # Through the CLI the changed templates make version 2, which nobody has approved yet.
    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 1
    assert "no marketing approval of version 2" in gate.stdout


def test_release_with_a_second_approval_per_side_lists_all_counting_records(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    make_workspace(root, small_kit())
    assert run_kitgen("build", cwd=root).code == 0
    for side, who in (("sales", SAM), ("marketing", MARA), ("marketing", MONA)):
        assert approve(root, "acme-launch", side, who).code == 0
    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 0, gate.text
    release = json.loads((kit_dir(root, "acme-launch") / "1" / "released" /
                          "release.json").read_text())
    assert sorted(s["email"] for s in release["signoffs"]) == sorted(
        [SAM[1], MARA[1], MONA[1]])
    for text in pdf_pages(kit_dir(root, "acme-launch") / "1" / "released" / "playbook.pdf"):
        assert "Mona Reyes Marketing" in text and "Mara Quinn Marketing" in text

"""``kitgen verify FILE.pdf``: what a PDF is, whether it is as kitgen wrote it, and whether it
was signed off — in its kit's workspace, or on its own, from what it carries.

Every kitgen PDF carries the manifest that lists it (version/carry.py): a draft its version's
``manifest.json``, a released PDF its ``release.json``, besides the version manifest and the
sign-off records the release relied on. A PDF that names a kit and version this workspace holds
is checked against the workspace: its bytes must be the ones that version lists, and what it
carries must be that version's manifest; bytes the workspace does not list fail, whatever the
PDF carries. Away from its workspace, the PDF is checked against what it carries
(``verify/alone.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kitgen.base.workspace import Workspace
from kitgen.verify.alone import (
    PdfFacts,
    PdfReport,
    read_facts,
    uncarried_problems,
    verify_alone,
)
from kitgen.version.manifest import MANIFEST, RELEASE_DIR, RELEASE_MANIFEST, read_json_object
from kitgen.version.numbering import version_key

if TYPE_CHECKING:
    from kitgen.signoff.ledger import KitLedger

__all__ = ["PdfFacts", "PdfReport", "read_facts", "verify_alone", "verify_pdf"]


def verify_pdf(workspace: Workspace, pdf: Path, allowed_signers: Path | None = None) -> PdfReport:
    """Say which kit and version a PDF is, whether it is released, and whether it is current."""
    facts = read_facts(pdf.read_bytes())
    held = _held_version(workspace, facts)
    if held is not None:
        return _in_workspace(workspace, pdf, facts, *held)
    return verify_alone(pdf, facts, allowed_signers)


def _held_version(workspace: Workspace, facts: PdfFacts) -> tuple[str, str] | None:
    """The kit and version this workspace holds that the PDF names — in its metadata or in the
    manifest it carries — or whose manifests list its bytes."""
    from kitgen.signoff.ledger import KitLedger

    kits = workspace.kit_ids()
    for kit, claimed in facts.claims():
        if kit in kits:
            held = [v for v in KitLedger.open(workspace, kit).versions
                    if version_key(v) == version_key(claimed)]  # 1 is 1.0.0
            if held:
                return kit, held[0]
    sha = facts.rendered_sha
    if sha is None:
        return None
    for kit in kits:
        for version in KitLedger.open(workspace, kit).versions:
            folder = workspace.kit_dir(kit) / version
            if _lists(folder / MANIFEST, sha) or _lists(folder / RELEASE_DIR / RELEASE_MANIFEST,
                                                        sha):
                return kit, version
    return None


def _lists(manifest_path: Path, sha: str | None) -> str | None:
    """The file name the manifest at ``manifest_path`` gives the rendered bytes ``sha``."""
    from kitgen.verify.alone import listed

    manifest = read_json_object(manifest_path)
    return listed(manifest, sha) if manifest is not None else None


def _in_workspace(workspace: Workspace, pdf: Path, facts: PdfFacts, kit: str,
                  version: str) -> PdfReport:
    from kitgen.signoff.ledger import KitLedger
    from kitgen.verify.kit import verify_kit

    ledger = KitLedger.open(workspace, kit)
    folder = f"kits/{kit}/{version}"
    report = verify_kit(workspace, kit)
    problems = [str(p) for p in report.problems]
    released = _lists(ledger.kit_dir / version / RELEASE_DIR / RELEASE_MANIFEST,
                      facts.rendered_sha) if version in ledger.released_versions() else None
    draft = _lists(ledger.kit_dir / version / MANIFEST, facts.rendered_sha)
    state = "released" if released else "draft" if draft else facts.state
    if not (released or draft):
        if facts.carried is None:
            problems += uncarried_problems(facts)  # the same words as on its own
        listings = f"{folder}/{MANIFEST}" + (
            f" or {folder}/{RELEASE_DIR}/{RELEASE_MANIFEST}"
            if (ledger.kit_dir / version / RELEASE_DIR).exists() else "")
        problems.append(f"its bytes are not listed in {listings}: it is not a PDF of version "
                        f"{version} as this workspace built or released it (changed after "
                        "kitgen wrote it?)")
    else:
        listing = ledger.kit_dir / version / (f"{RELEASE_DIR}/{RELEASE_MANIFEST}" if released
                                              else MANIFEST)
        if facts.carried is None or facts.carried.data != listing.read_bytes():
            problems.append(f"the manifest it carries is not {folder}/"
                            f"{listing.relative_to(ledger.kit_dir / version).as_posix()}: "
                            "changed after kitgen wrote it")
    if facts.state == "released" and version not in ledger.released_versions():
        problems.append(f"it says it is released, but version {version} of {kit} is not "
                        "released in this workspace")
    notes = _workspace_notes(ledger, kit, version, state)
    return PdfReport(str(pdf), kit, version, state, tuple(problems), tuple(notes),
                     records=report.records, signatures=report.signatures)


def _workspace_notes(ledger: KitLedger, kit: str, version: str, state: str) -> list[str]:
    notes = []
    released = ledger.released_versions()
    newer = [v for v in released if ledger.versions.index(v) > ledger.versions.index(version)]
    if newer:
        notes.append(f"a newer released version exists: {newer[-1]}")
    elif state == "draft" and version in released:
        notes.append(f"this is the draft; the released PDFs are in kits/{kit}/{version}/"
                     f"{RELEASE_DIR}/")
    if state == "draft":
        notes.append("DRAFT: not signed off; do not use it with customers")
    return notes

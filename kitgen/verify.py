"""``kitgen verify``: prove nothing changed since it was built and signed, or name what did.

Checks, per kit: each version's files against its manifest, the manifest against the snapshot
(the digest must follow from the snapshot's data and the recorded inputs), every sign-off
record (format, file-name hash, kit, version, digest, signer policy, signature), and every
release against its documents and the records it relied on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kitgen import __version__
from kitgen.errors import InputError
from kitgen.ledger import KitLedger
from kitgen.signoff import SIGNOFF_DIR
from kitgen.versions import (
    MANIFEST,
    RELEASE_DIR,
    RELEASE_MANIFEST,
    SNAPSHOT,
    Workspace,
    compute_digest,
    data_digest,
    read_manifest,
)


@dataclass(frozen=True)
class Finding:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class KitReport:
    kit: str
    versions: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    records: int = 0
    problems: list[Finding] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"kit": self.kit, "ok": not self.problems, "versions": self.versions,
                "released": self.released, "records": self.records,
                "problems": [{"path": p.path, "message": p.message} for p in self.problems]}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_kit(workspace: Workspace, kit: str) -> KitReport:
    ledger = KitLedger.open(workspace, kit)
    report = KitReport(kit, list(ledger.versions), records=len(ledger.records))
    root = workspace.root

    def problem(path: Path, message: str) -> None:
        try:
            shown = str(path.relative_to(root))
        except ValueError:
            shown = str(path)
        report.problems.append(Finding(shown, message))

    if not ledger.kit_dir.is_dir():
        problem(ledger.kit_dir, "no such kit")
        return report
    for version in ledger.versions:
        _verify_version(ledger, version, problem)
    for judged in ledger.judged:
        if not judged.counts:
            problem(judged.stored.path, f"sign-off record does not hold: {judged.reason}")
    folder = ledger.kit_dir / SIGNOFF_DIR
    if folder.is_dir():
        for sig in folder.glob("*.sig"):
            if not sig.with_suffix("").is_file():
                problem(sig, "signature without its record: the record was removed")
        for other in folder.iterdir():
            if other.suffix not in (".txt", ".sig") and not other.name.startswith("."):
                problem(other, "unexpected file among sign-off records")
    for version in ledger.versions:
        released = ledger.kit_dir / version / RELEASE_DIR
        if released.exists() and _verify_release(ledger, version, problem):
            report.released.append(version)
    return report


def _verify_version(ledger: KitLedger, version: str, problem: Any) -> None:
    folder = ledger.kit_dir / version
    try:
        manifest = ledger.manifest(version)
    except InputError as error:
        problem(folder / MANIFEST, f"unreadable manifest: {error.message}")
        return
    if manifest.get("kit") != ledger.kit or str(manifest.get("version")) != version:
        problem(folder / MANIFEST, f"manifest names kit {manifest.get('kit')!r} version "
                                   f"{manifest.get('version')!r}, not this folder")
    expected = {MANIFEST, SNAPSHOT, RELEASE_DIR}
    for doc in manifest.get("documents", []):
        path = folder / str(doc.get("file", ""))
        expected.add(path.name)
        if doc.get("html"):
            expected.add(str(doc["html"]))
        if not path.is_file():
            problem(path, "document listed in the manifest is missing")
        elif _sha(path) != doc.get("sha256"):
            problem(path, "PDF differs from the one built (sha256 does not match the manifest)")
        elif (pages := _page_count(path)) != doc.get("pages"):
            problem(folder / MANIFEST, f"manifest says {path.name} has {doc.get('pages')} "
                                       f"page(s), but it has {pages}: the manifest was edited")
    for path in folder.iterdir():
        if path.name not in expected and not path.name.startswith("."):
            problem(path, "file not listed in the manifest")
    snapshot_path = folder / SNAPSHOT
    if not snapshot_path.is_file():
        problem(snapshot_path, "snapshot of the requirement file is missing")
        return
    if _sha(snapshot_path) != manifest.get("snapshot", {}).get("sha256"):
        problem(snapshot_path,
                "snapshot differs from the one built (sha256 does not match the manifest)")
    inputs = dict(manifest.get("inputs", {}))
    try:
        snapshot = ledger.snapshot(version)
    except InputError as error:
        problem(snapshot_path, f"snapshot no longer loads: {error.message}")
        return
    if inputs.get("data") != data_digest(snapshot.kit):
        problem(folder / MANIFEST, "manifest's data digest does not match the snapshot")
    if manifest.get("kitgen_version") == __version__:
        # Which documents a kit holds follows from its data, but only by this kitgen's rules.
        _verify_document_list(folder, manifest, snapshot.kit, problem)
    data = inputs.pop("data", "")
    digest = compute_digest(str(data), inputs, str(manifest.get("kitgen_version", "")))
    if digest != manifest.get("digest"):
        problem(folder / MANIFEST, "manifest's digest does not follow from its inputs: "
                                   "the manifest was edited")


def _verify_document_list(folder: Path, manifest: dict[str, Any], kit: Any, problem: Any) -> None:
    from kitgen.render import plan_documents

    fields = ("file", "kind", "ref", "title", "audience", "delivers")
    planned = [(d.filename, d.kind, d.ref, d.title, d.audience, [r.id for r in d.delivers])
               for d in plan_documents(kit)]
    listed = [tuple(doc.get(f) for f in fields) for doc in manifest.get("documents", [])]
    if listed != planned or manifest.get("title") != kit.title:
        problem(folder / MANIFEST, "manifest's documents or title do not follow from the "
                                   "snapshot: the manifest was edited")


def _page_count(path: Path) -> int | None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(path).pages)
    except (PdfReadError, ValueError, KeyError, OSError):
        return None


def _verify_release(ledger: KitLedger, version: str, problem: Any) -> bool:
    folder = ledger.kit_dir / version / RELEASE_DIR
    path = folder / RELEASE_MANIFEST
    try:
        release = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        problem(path, f"unreadable release manifest: {error}")
        return False
    ok = True

    def fail(where: Path, message: str) -> None:
        nonlocal ok
        ok = False
        problem(where, message)

    try:
        manifest = read_manifest(ledger.kit_dir / version)
    except InputError:
        manifest = {}
    if release.get("kit") != ledger.kit or str(release.get("version")) != version:
        fail(path, "release manifest names another kit or version")
    if release.get("digest") != manifest.get("digest"):
        fail(path, "release manifest's digest is not the version's digest")
    listed = {RELEASE_MANIFEST}
    for doc in release.get("documents", []):
        pdf = folder / str(doc.get("file", ""))
        listed.add(pdf.name)
        if not pdf.is_file():
            fail(pdf, "released document is missing")
        elif _sha(pdf) != doc.get("sha256"):
            fail(pdf, "released PDF differs from the one released (sha256 does not match)")
    for extra in folder.iterdir():
        if extra.name not in listed and not extra.name.startswith("."):
            fail(extra, "file not listed in the release manifest")
    judged = {j.stored.path.name: j for j in ledger.judged}
    sides = set()
    for entry in release.get("signoffs", []):
        name = str(entry.get("file", ""))
        record_path = ledger.kit_dir / SIGNOFF_DIR / name
        if name not in judged:
            fail(record_path, "sign-off record this release relied on is missing")
            continue
        if hashlib.sha256(judged[name].stored.raw).hexdigest() != entry.get("sha256"):
            fail(record_path, "sign-off record this release relied on was changed")
        elif not judged[name].counts:
            fail(record_path, f"sign-off record this release relied on no longer holds: "
                              f"{judged[name].reason}")
        else:
            sides.add(judged[name].record.side)
    if ok and sides != {"sales", "marketing"}:
        fail(path, "release does not rest on an approval from each side")
    if ok and ledger.counting(version, "reject"):
        fail(path, "this version was rejected, yet a release exists")
    return ok


@dataclass(frozen=True)
class PdfReport:
    path: str
    kit: str | None
    version: str | None
    state: str  # "released", "draft", "unknown"
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "kit": self.kit, "version": self.version, "state": self.state,
                "ok": not self.problems, "problems": list(self.problems), "notes": list(self.notes)}


def verify_pdf(workspace: Workspace, pdf: Path) -> PdfReport:
    """Say which kit and version a PDF is, whether it is released, and whether it is current."""
    from kitgen.pdfinfo import read_pdf_identity

    data = pdf.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    identity = read_pdf_identity(data)
    for kit in workspace.kit_ids():
        ledger = KitLedger.open(workspace, kit)
        for version in ledger.versions:
            folder = ledger.kit_dir / version
            found = _find_sha(folder / MANIFEST, sha)
            released = _find_sha(folder / RELEASE_DIR / RELEASE_MANIFEST, sha)
            if not (found or released):
                continue
            state = "released" if released else "draft"
            report = verify_kit(workspace, kit)
            notes = []
            newer = [v for v in ledger.released_versions() if ledger.versions.index(v) >
                     ledger.versions.index(version)]
            if newer:
                notes.append(f"a newer released version exists: {newer[-1]}")
            elif state == "draft" and version in ledger.released_versions():
                notes.append("this is the draft; the released PDFs are in "
                             f"kits/{kit}/{version}/{RELEASE_DIR}/")
            if state == "draft":
                notes.append("DRAFT: not signed off; do not use it with customers")
            return PdfReport(str(pdf), kit, version, state,
                             tuple(str(p) for p in report.problems), tuple(notes))
    problems = ["matches no document built in this workspace: it was changed, or it comes "
                "from another workspace"]
    if identity.get("kit"):
        problems.append(f"it says it is kit {identity['kit']} version {identity.get('version')}")
    return PdfReport(str(pdf), identity.get("kit"), identity.get("version"), "unknown",
                     tuple(problems), tuple(identity.get("notes", [])))


def _find_sha(manifest_path: Path, sha: str) -> bool:
    try:
        manifest = json.loads(manifest_path.read_bytes())
    except (OSError, ValueError):
        return False
    return any(d.get("sha256") == sha for d in manifest.get("documents", []))

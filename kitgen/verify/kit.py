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
from kitgen.base.errors import InputError
from kitgen.base.workspace import Workspace
from kitgen.signoff.feedback import FEEDBACK_DIR
from kitgen.signoff.ledger import KitLedger
from kitgen.signoff.records import RELEASE_ENTRY_FIELDS, SIGNOFF_DIR, release_entry
from kitgen.version import carry
from kitgen.version.digest import data_digest
from kitgen.version.manifest import (
    MANIFEST,
    MANIFEST_FORMAT,
    RELEASE_DIR,
    RELEASE_FORMAT,
    RELEASE_MANIFEST,
    SNAPSHOT,
    digest_of_inputs,
    manifest_bytes,
    read_json_object,
)
from kitgen.version.numbering import version_key

LINK = "a symbolic link: kitgen never writes one, and verify does not follow it"


@dataclass(frozen=True)
class Finding:
    path: str
    message: str

    def __post_init__(self) -> None:
        # A file planted in kits/ may be named with terminal control codes; show them escaped.
        if not self.path.isprintable():
            object.__setattr__(self, "path", self.path.encode("unicode_escape").decode("ascii"))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class KitReport:
    kit: str
    versions: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    records: int = 0
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)  # worth knowing, not a failure

    def as_json(self) -> dict[str, Any]:
        return {"kit": self.kit, "ok": not self.problems, "versions": self.versions,
                "released": self.released, "records": self.records,
                "problems": [{"path": p.path, "message": p.message} for p in self.problems],
                "notes": [{"path": p.path, "message": p.message} for p in self.notes]}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_kit(workspace: Workspace, kit: str) -> KitReport:
    ledger = KitLedger.open(workspace, kit)
    report = KitReport(kit, list(ledger.versions), records=len(ledger.records))
    root = workspace.root

    def shown(path: Path) -> str:
        try:
            return str(path.relative_to(root))
        except ValueError:
            return str(path)

    def problem(path: Path, message: str) -> None:
        report.problems.append(Finding(shown(path), message))

    if not ledger.kit_dir.is_dir():
        problem(ledger.kit_dir, "no such kit")
        return report
    _verify_kit_folder(ledger, problem)
    for version in ledger.versions:
        _verify_version(ledger, version, problem)
    for judged in ledger.judged:
        if not judged.counts:
            problem(judged.stored.path, f"sign-off record does not hold: {judged.reason}")
    folder = ledger.kit_dir / SIGNOFF_DIR
    if folder.is_symlink():
        problem(folder, LINK)
    elif folder.is_dir():
        relied = _relied_on(ledger)
        for sig in folder.glob("*.sig"):
            if sig.with_suffix("").is_file():
                continue
            if sig.with_suffix("").name in relied:
                problem(sig, "signature without its record: the record was removed")
            else:
                # What a crash between writing a signature and its record leaves (signoff.py);
                # it grants nothing. A removed record no release relied on cannot be told
                # apart from that: git history shows which it was.
                report.notes.append(Finding(shown(sig), "signature without its record: an "
                                            "interrupted sign-off, or a record removed before "
                                            "any release relied on it (see git history)"))
        for other in folder.iterdir():
            if other.is_symlink() and other.suffix == ".sig":
                problem(other, LINK)
            elif other.suffix not in (".txt", ".sig") and not other.name.startswith("."):
                problem(other, "unexpected file among sign-off records")
    for version in ledger.versions:
        released = ledger.kit_dir / version / RELEASE_DIR
        if released.exists() and _verify_release(ledger, version, problem):
            report.released.append(version)
    return report


def _relied_on(ledger: KitLedger) -> set[str]:
    """File names of the records some release of this kit relied on."""
    names: set[str] = set()
    for version in ledger.versions:
        release = read_json_object(ledger.kit_dir / version / RELEASE_DIR / RELEASE_MANIFEST)
        entries = release.get("signoffs") if release else None
        if isinstance(entries, list):
            names |= {str(e.get("file")) for e in entries if isinstance(e, dict)}
    return names


def _verify_kit_folder(ledger: KitLedger, problem: Any) -> None:
    """Nothing in kits/<kit>/ but versions, sign-offs and feedback; no version missing."""
    known = {*ledger.versions, SIGNOFF_DIR, FEEDBACK_DIR}
    for path in sorted(ledger.kit_dir.iterdir()):
        if path.is_symlink():
            problem(path, LINK)
        elif path.name.startswith("."):
            if path.is_dir() and not path.name.startswith(".building-") and \
                    (path / MANIFEST).is_file():
                problem(path, "a version folder hidden by renaming it")
        elif path.name in known:
            continue
        elif path.is_dir():
            problem(path, "folder without manifest.json: a version whose manifest was removed, "
                          "or not written by kitgen")
        else:
            problem(path, "unexpected file in the kit folder")
    # Unpinned versions are numbered one more than the highest before them, so the number
    # below each one was there when it was built: a gap is a version removed or renamed.
    majors = {version_key(v)[0] for v in ledger.versions}
    for version in ledger.versions:
        if version.isdigit() and int(version) > 1 and int(version) - 1 not in majors:
            missing = str(int(version) - 1)
            problem(ledger.kit_dir / missing, f"version {missing} is missing: version {version} "
                                              "was numbered after it (removed or renamed?)")


def _verify_version(ledger: KitLedger, version: str, problem: Any) -> None:
    folder = ledger.kit_dir / version
    if (folder / MANIFEST).is_symlink():
        problem(folder / MANIFEST, LINK)
        return
    try:
        manifest = ledger.manifest(version)
    except InputError as error:
        problem(folder / MANIFEST, f"unreadable manifest: {error.message}")
        return
    manifest_raw = (folder / MANIFEST).read_bytes()
    if manifest_raw != manifest_bytes(manifest):
        problem(folder / MANIFEST, "manifest.json is not as kitgen wrote it: edited by hand or "
                                   "by a tool")
    if manifest.get("format") != MANIFEST_FORMAT:
        problem(folder / MANIFEST, f"manifest format {manifest.get('format')!r} is not "
                                   f"{MANIFEST_FORMAT}: the manifest was edited")
    if manifest.get("kit") != ledger.kit or str(manifest.get("version")) != version:
        problem(folder / MANIFEST, f"manifest names kit {manifest.get('kit')!r} version "
                                   f"{manifest.get('version')!r}, not this folder")
    expected = {MANIFEST, SNAPSHOT, RELEASE_DIR}
    for doc in manifest.get("documents", []):
        path = folder / str(doc.get("file", ""))
        expected.add(path.name)
        if doc.get("html"):
            expected.add(str(doc["html"]))
        if path.is_symlink():
            problem(path, LINK)
        elif not path.is_file():
            problem(path, "document listed in the manifest is missing")
        elif (carried := _carried(path, MANIFEST)) is None:
            problem(path, "PDF differs from the one built (it no longer ends with the manifest "
                          "kitgen appended to it: changed after kitgen wrote it)")
        elif hashlib.sha256(carried.rendered).hexdigest() != doc.get("sha256"):
            problem(path, "PDF differs from the one built (sha256 does not match the manifest)")
        elif (pages := _page_count(path)) != doc.get("pages"):
            problem(folder / MANIFEST, f"manifest says {path.name} has {doc.get('pages')} "
                                       f"page(s), but it has {pages}: the manifest was edited")
        elif carried.data != manifest_raw:
            # Each PDF carries the manifest as it was built: any later change to it, even to a
            # field nothing else checks, shows here.
            problem(folder / MANIFEST, f"manifest.json differs from the copy {path.name} "
                                       "carries: edited after the build")
    for path in folder.iterdir():
        if path.is_symlink() and path.name in (SNAPSHOT, RELEASE_DIR):
            problem(path, LINK)
        elif path.name not in expected and not path.name.startswith("."):
            problem(path, "file not listed in the manifest")
    snapshot_path = folder / SNAPSHOT
    if snapshot_path.is_symlink():
        return
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
        _verify_changes(ledger, version, manifest, problem)
    if digest_of_inputs(manifest) != manifest.get("digest"):
        problem(folder / MANIFEST, "manifest's digest does not follow from its inputs: "
                                   "the manifest was edited")


def _verify_changes(ledger: KitLedger, version: str, manifest: dict[str, Any],
                    problem: Any) -> None:
    """The "What changed" record must follow from the snapshots. Which earlier version had been
    released when this one was built cannot be known afterwards; a named one must exist and be
    released (releases are never removed), and its differences must follow too."""
    from kitgen.version.diff import diff_requirements

    path = ledger.kit_dir / version / MANIFEST
    earlier = ledger.versions[: ledger.versions.index(version)]
    recorded = manifest.get("changes")

    def diff_json(old: str) -> list[dict[str, str]]:
        before, after = ledger.snapshot(old).kit, ledger.snapshot(version).kit
        return [c.as_json() for c in diff_requirements(before, after)]

    try:
        if not earlier:
            ok = recorded is None
        else:
            released = recorded.get("released") if isinstance(recorded, dict) else None
            ok = (
                isinstance(recorded, dict)
                and recorded.get("previous") == earlier[-1]
                and recorded.get("since_previous") == diff_json(earlier[-1])
                and (released is None or (
                    released in earlier and released in ledger.released_versions()
                    and recorded.get("since_released") == diff_json(released)))
                and (released is not None or recorded.get("since_released") == [])
            )
    except InputError:
        return  # an unreadable snapshot is reported on its own
    if not ok:
        problem(path, "manifest's record of what changed does not follow from the snapshots: "
                      "the manifest was edited")


def _verify_document_list(folder: Path, manifest: dict[str, Any], kit: Any, problem: Any) -> None:
    from kitgen.render.documents import plan_documents

    fields = ("file", "kind", "ref", "title", "audience", "delivers")
    planned = [(d.filename, d.kind, d.ref, d.title, d.audience, [r.id for r in d.delivers])
               for d in plan_documents(kit)]
    listed = [tuple(doc.get(f) for f in fields) for doc in manifest.get("documents", [])]
    if listed != planned or manifest.get("title") != kit.title:
        problem(folder / MANIFEST, "manifest's documents or title do not follow from the "
                                   "snapshot: the manifest was edited")


# What a PDF holds depends only on its bytes, and each PDF is parsed only after its sha256
# matched: remember by sha256, so verifying again (in `watch`, in tests) parses nothing twice.
_PARSED: dict[str, tuple[int | None, dict[str, bytes] | None]] = {}


def _parsed(path: Path) -> tuple[int | None, dict[str, bytes] | None]:
    """A PDF's page count and attachments (first copy of each), None for an unreadable one."""
    sha = _sha(path)
    if sha not in _PARSED:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            reader = PdfReader(path)
            pages: int | None = len(reader.pages)
            files: dict[str, bytes] | None = {
                name: copies[0] for name, copies in reader.attachments.items() if copies}
        except (PdfReadError, ValueError, KeyError, OSError, TypeError, AttributeError):
            pages, files = None, None
        if len(_PARSED) > 4096:
            _PARSED.clear()
        _PARSED[sha] = (pages, files)
    return _PARSED[sha]


def _page_count(path: Path) -> int | None:
    return _parsed(path)[0]


def _carried(path: Path, name: str) -> carry.Carried | None:
    """The rendered PDF and the manifest ``name`` kitgen appended to it; None if the file is
    not exactly that."""
    files = _parsed(path)[1]
    return carry.split(path.read_bytes(), name, files.get(name)) if files else None


def _attachment(path: Path, name: str) -> bytes | None:
    files = _parsed(path)[1]
    return b"" if files is None else files.get(name)  # unreadable: differs from any manifest


def _verify_release(ledger: KitLedger, version: str, problem: Any) -> bool:
    folder = ledger.kit_dir / version / RELEASE_DIR
    path = folder / RELEASE_MANIFEST
    if folder.is_symlink() or path.is_symlink():
        return False  # named by _verify_version
    try:
        raw = path.read_bytes()
        release = json.loads(raw)
    except (OSError, ValueError) as error:
        problem(path, f"unreadable release manifest: {error}")
        return False
    if not isinstance(release, dict) or not all(
        isinstance(release.get(key), list) and all(isinstance(e, dict) for e in release[key])
        for key in ("documents", "signoffs")
    ):
        problem(path, "unreadable release manifest: not an object with lists of documents and "
                      "sign-offs")
        return False
    ok = True

    def fail(where: Path, message: str) -> None:
        nonlocal ok
        ok = False
        problem(where, message)

    try:
        manifest = ledger.manifest(version)
        manifest_raw: bytes | None = (ledger.kit_dir / version / MANIFEST).read_bytes()
    except (InputError, OSError):
        manifest, manifest_raw = {}, None
    if release.get("kit") != ledger.kit or str(release.get("version")) != version:
        fail(path, "release manifest names another kit or version")
    if release.get("format") != RELEASE_FORMAT:
        fail(path, f"release manifest format {release.get('format')!r} is not {RELEASE_FORMAT}")
    if release.get("digest") != manifest.get("digest"):
        fail(path, "release manifest's digest is not the version's digest")
    if release.get("kitgen_version") != manifest.get("kitgen_version"):
        fail(path, f"release manifest says kitgen {release.get('kitgen_version')}, but the "
                   f"version was built (and could only be released) with "
                   f"{manifest.get('kitgen_version')}")
    released_files = sorted(str(d.get("file", "")) for d in release.get("documents", []))
    built_files = sorted(str(d.get("file", "")) for d in manifest.get("documents", []))
    if manifest and released_files != built_files:
        fail(path, "release manifest does not list the version's documents: "
                   f"{', '.join(sorted(set(built_files) ^ set(released_files)))}")
    listed = {RELEASE_MANIFEST}
    differs: list[str] = []  # released PDFs whose copy of release.json is not release.json
    for doc in release.get("documents", []):
        pdf = folder / str(doc.get("file", ""))
        listed.add(pdf.name)
        if doc.get("html"):
            listed.add(str(doc["html"]))  # the released index's page for a browser
        if pdf.is_symlink():
            fail(pdf, LINK)
        elif not pdf.is_file():
            fail(pdf, "released document is missing")
        elif (carried_release := _carried(pdf, RELEASE_MANIFEST)) is None:
            fail(pdf, "released PDF differs from the one released (it no longer ends with the "
                      "release manifest kitgen appended to it: changed after kitgen wrote it)")
        elif hashlib.sha256(carried_release.rendered).hexdigest() != doc.get("sha256"):
            fail(pdf, "released PDF differs from the one released (sha256 does not match)")
        elif (pages := _page_count(pdf)) != doc.get("pages"):
            fail(path, f"release manifest says {pdf.name} has {doc.get('pages')} page(s), but "
                       f"it has {pages}: the release manifest was edited")
        elif (carried := _attachment(pdf, MANIFEST)) is not None and manifest_raw is not None \
                and carried != manifest_raw:
            # Released PDFs carry the version manifest as it was when released: any later
            # change to it, even to a field nothing else checks, shows here.
            fail(ledger.kit_dir / version / MANIFEST,
                 f"manifest.json differs from the copy {pdf.name} carries: edited after release")
        elif carried_release.data != raw:
            differs.append(pdf.name)
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
            record = judged[name].record
            sides.add(record.side)
            said = release_entry(name, judged[name].stored.raw, record,
                                 judged[name].stored.signature)
            for key in RELEASE_ENTRY_FIELDS:
                if entry.get(key) != (value := said[key]):
                    fail(path, f"release manifest says {key} {entry.get(key)!r} for {name}, but "
                               f"the record says {value!r}: the release manifest was edited")
            if record.decision != "approve":
                fail(path, f"release manifest relies on {name}, which is not an approval")
    if ok and sides != {"sales", "marketing"}:
        fail(path, "release does not rest on an approval from each side")
    if ok and ledger.counting(version, "reject"):
        fail(path, "this version was rejected, yet a release exists")
    if raw != manifest_bytes(release):
        fail(path, "release.json is not as kitgen wrote it: edited by hand or by a tool")
    if ok and differs:  # named last: the checks above say better what was edited
        fail(path, f"release.json differs from the copy {', '.join(sorted(differs))} carry: "
                   "edited after the release")
    return ok


def verify_links(workspace: Workspace) -> list[KitReport]:
    """A symbolic link directly in kits/ is not a kit (kitgen never follows one out of kits/),
    so ``verify_kit`` never looks at it: name it here."""
    if not workspace.kits_dir.is_dir():
        return []
    reports = []
    for path in sorted(workspace.kits_dir.iterdir()):
        if path.is_symlink():
            report = KitReport(path.name)
            report.problems.append(Finding(f"kits/{path.name}", LINK))
            reports.append(report)
    return reports

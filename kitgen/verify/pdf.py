"""``kitgen verify FILE.pdf``: what a PDF is, whether it is as kitgen wrote it, and whether it
was signed off — in its kit's workspace, or on its own, from what it carries.

Every kitgen PDF carries the manifest that lists it (kitgen/carry.py): a draft its version's
``manifest.json``, a released PDF its ``release.json``, besides the version manifest and the
sign-off records the release relied on. In the workspace, the PDF is found by the sha256 of its
rendered bytes and the whole kit is verified. Away from it, the PDF is checked against what it
carries: that its bytes are exactly the rendered PDF plus the manifest, that the manifest lists
those bytes, that the version's digest follows from the inputs the manifest records, and, for a
released PDF, that the records it carries approve that digest from each side — with their SSH
signatures checked against an ``allowed_signers`` file the reader trusts, when given one.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kitgen.base.workspace import Workspace
from kitgen.version import carry
from kitgen.version.manifest import (
    MANIFEST,
    MANIFEST_FORMAT,
    RELEASE_MANIFEST,
    digest_of_inputs,
    json_object,
    read_json_object,
)

NO_WORKSPACE_NOTE = ("checked on its own, from what it carries: whether a newer version exists "
                     "shows only in the kit's workspace")


@dataclass(frozen=True)
class PdfReport:
    path: str
    kit: str | None
    version: str | None
    state: str  # "released", "draft", "unknown"
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    checked: str = "workspace"  # or "alone": from what the PDF carries

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "kit": self.kit, "version": self.version, "state": self.state,
                "checked": self.checked, "ok": not self.problems,
                "problems": list(self.problems), "notes": list(self.notes)}


@dataclass
class PdfFacts:
    """What a PDF says about itself: its kitgen metadata, attachments and carried manifest."""

    metadata: dict[str, Any] = field(default_factory=dict)
    attachments: dict[str, bytes] = field(default_factory=dict)
    carried: carry.Carried | None = None
    unreadable: str = ""

    @property
    def rendered_sha(self) -> str | None:
        return hashlib.sha256(self.carried.rendered).hexdigest() if self.carried else None

    @property
    def state(self) -> str:
        if self.carried is None:
            return "unknown"
        return "released" if self.carried.name == RELEASE_MANIFEST else "draft"


def read_facts(data: bytes) -> PdfFacts:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        metadata = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
        attachments = {name: copies[0] for name, copies in reader.attachments.items() if copies}
    except Exception as error:  # noqa: BLE001 - pypdf on hostile bytes raises many kinds
        return PdfFacts(unreadable=f"not a readable PDF: {error}")
    facts = PdfFacts(metadata, attachments)
    for name in (RELEASE_MANIFEST, MANIFEST):
        if name in attachments:
            facts.carried = carry.split(data, name, attachments[name])
            break
    return facts


def verify_pdf(workspace: Workspace, pdf: Path, allowed_signers: Path | None = None) -> PdfReport:
    """Say which kit and version a PDF is, whether it is released, and whether it is current."""
    data = pdf.read_bytes()
    facts = read_facts(data)
    sha = facts.rendered_sha
    if sha is not None:
        found = _in_workspace(workspace, pdf, sha, facts.carried.data if facts.carried else None)
        if found is not None:
            return found
    return verify_alone(pdf, facts, allowed_signers)


def _in_workspace(workspace: Workspace, pdf: Path, sha: str,
                  carried: bytes | None = None) -> PdfReport | None:
    from kitgen.signoff.ledger import KitLedger
    from kitgen.verify.kit import verify_kit
    from kitgen.version.manifest import RELEASE_DIR

    for kit in workspace.kit_ids():
        ledger = KitLedger.open(workspace, kit)
        # A draft that did not change keeps its rendered bytes from version to version, so
        # several versions may list them: the PDF is the one whose manifest it carries.
        listing = [(version, folder / MANIFEST, folder / RELEASE_DIR / RELEASE_MANIFEST)
                   for version in ledger.versions for folder in [ledger.kit_dir / version]]
        listing.sort(key=lambda entry: not _carries(carried, entry[1], entry[2]))
        for version, manifest_path, release_path in listing:
            found = _find_sha(manifest_path, sha)
            released = _find_sha(release_path, sha)
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
    return None


def _carries(carried: bytes | None, *paths: Path) -> bool:
    """Whether ``carried`` is the content of one of ``paths``."""
    for path in paths:
        try:
            if carried is not None and path.read_bytes() == carried:
                return True
        except OSError:
            continue
    return False


def _find_sha(manifest_path: Path, sha: str) -> bool:
    manifest = read_json_object(manifest_path)
    return manifest is not None and _listed(manifest, sha) is not None


def verify_alone(pdf: Path, facts: PdfFacts, allowed_signers: Path | None) -> PdfReport:
    """Check a PDF against what it carries, with no workspace to compare it to."""
    claimed_kit = facts.metadata.get("/kitgenkit")
    claimed_version = facts.metadata.get("/kitgenversion")
    problems: list[str] = []
    notes: list[str] = []

    def report(state: str) -> PdfReport:
        return PdfReport(str(pdf), claimed_kit, claimed_version, state, tuple(problems),
                         tuple(notes), checked="alone")

    if facts.unreadable:
        problems.append(facts.unreadable)
        return report("unknown")
    if facts.carried is None:
        if MANIFEST in facts.attachments or RELEASE_MANIFEST in facts.attachments:
            problems.append("changed after kitgen wrote it: its bytes are no longer the "
                            "rendered PDF followed by the manifest kitgen appended to it")
        elif claimed_kit and claimed_version is None:
            # A draft gets its version with its manifest: without both it belongs to no version.
            problems.append("a draft of no version (a preview, from `kitgen preview` or "
                            "`kitgen watch`, or its manifest was removed): it carries no "
                            "kitgen manifest to check it against; check the PDFs `kitgen "
                            "build` writes")
        elif claimed_kit:
            problems.append("carries no kitgen manifest to check it against (made by an "
                            "earlier kitgen, or its attachments were removed); verify it in "
                            "the kit's workspace")
        else:
            problems.append("not a kitgen PDF: it carries no kitgen manifest")
        if claimed_kit:
            problems.append(f"it says it is kit {claimed_kit} "
                            + (f"version {claimed_version}" if claimed_version else
                               "and names no version"))
        return report("unknown")

    carried = json_object(facts.carried.data)
    if carried is None:
        problems.append(f"the {facts.carried.name} it carries is not JSON")
        return report("unknown")
    sha = facts.rendered_sha
    if facts.state == "draft":
        manifest = carried
        listed = _listed(manifest, sha)
        if listed is None:
            problems.append("its pages are not the ones its manifest lists (sha256 differs)")
    else:
        manifest = json_object(facts.attachments.get(MANIFEST, b"")) or {}
        if not manifest:
            problems.append("released, but it carries no readable version manifest")
        listed = _listed(carried, sha)
        if listed is None:
            problems.append("its pages are not the ones its release manifest lists "
                            "(sha256 differs)")
        for key in ("kit", "version", "digest", "kitgen_version"):
            if manifest and carried.get(key) != manifest.get(key):
                problems.append(f"its release manifest and version manifest disagree on {key}")
    problems += _manifest_problems(manifest, facts.metadata)
    if facts.metadata.get("/kitgenstate") != facts.state:
        problems.append(f"its metadata says it is {facts.metadata.get('/kitgenstate')!r}, but it "
                        f"carries the manifest of a {facts.state} PDF")
    if facts.state == "released":
        found, sig_notes = _signoff_problems(carried, manifest, facts.attachments,
                                             allowed_signers)
        problems += found
        notes += sig_notes
    else:
        notes.append("DRAFT: not signed off; do not use it with customers")
    if manifest:
        claimed_kit, claimed_version = str(manifest.get("kit")), str(manifest.get("version"))
    if listed is not None and not problems:
        notes.insert(0, f"its pages are exactly as kitgen rendered them: {listed} of version "
                        f"{claimed_version}, digest {str(manifest.get('digest'))[:12]}")
    notes.append(NO_WORKSPACE_NOTE)
    return report(facts.state)


def _listed(manifest: dict[str, Any], sha: str | None) -> str | None:
    """The file name a manifest gives the rendered bytes with this sha256, if it lists them."""
    documents = manifest.get("documents")
    if not isinstance(documents, list):
        return None
    for doc in documents:
        if isinstance(doc, dict) and doc.get("sha256") == sha:
            return str(doc.get("file"))
    return None


def _manifest_problems(manifest: dict[str, Any], metadata: dict[str, Any]) -> list[str]:
    if not manifest:
        return []
    problems = []
    if manifest.get("format") != MANIFEST_FORMAT:
        problems.append(f"its manifest has format {manifest.get('format')!r}, not "
                        f"{MANIFEST_FORMAT}")
    recomputed = digest_of_inputs(manifest)
    if recomputed is None:
        problems.append("its manifest records no inputs")
    elif recomputed != manifest.get("digest"):
        problems.append("its manifest's digest does not follow from the inputs it "
                        "records: the manifest was edited")
    for key, meta in (("kit", "/kitgenkit"), ("version", "/kitgenversion"),
                      ("digest", "/kitgendigest")):
        if str(manifest.get(key)) != str(metadata.get(meta)):
            problems.append(f"its metadata says {key} {metadata.get(meta)!r}, its manifest "
                            f"{manifest.get(key)!r}")
    return problems


def _signoff_problems(
    release: dict[str, Any], manifest: dict[str, Any], attachments: dict[str, bytes],
    allowed_signers: Path | None,
) -> tuple[list[str], list[str]]:
    """The sign-off records a released PDF carries must be the ones its release relied on, each
    an approval of this kit, version and digest, one from each side; signatures are checked
    against ``allowed_signers`` when given."""
    from kitgen.signoff import sshsig
    from kitgen.signoff.records import RELEASE_ENTRY_FIELDS, parse_record, release_entry

    problems: list[str] = []
    notes: list[str] = []
    entries = release.get("signoffs")
    if not isinstance(entries, list):
        return ["its release manifest lists no sign-offs"], notes
    sides: dict[str, str] = {}
    signed = 0
    for entry in entries:
        if not isinstance(entry, dict):
            problems.append("its release manifest has a malformed sign-off entry")
            continue
        name = str(entry.get("file", ""))
        raw = attachments.get(name)
        if raw is None:
            problems.append(f"it does not carry {name}, a sign-off its release relied on")
            continue
        if hashlib.sha256(raw).hexdigest() != entry.get("sha256"):
            problems.append(f"{name}: not the record its release relied on (sha256 differs)")
            continue
        try:
            record = parse_record(raw)
        except ValueError as error:
            problems.append(f"{name}: not a readable sign-off record ({error})")
            continue
        if record.file_name != name:
            problems.append(f"{name}: the record's name does not follow from its contents")
        if (record.kit, record.version, record.digest) != (
                manifest.get("kit"), str(manifest.get("version")), manifest.get("digest")):
            problems.append(f"{name}: approves kit {record.kit} version {record.version} "
                            "digest " + record.digest[:12] + ", not this PDF's")
        if record.decision != "approve":
            problems.append(f"{name}: a {record.decision}, not an approval")
        sides[record.side] = f"{record.name} <{record.email}>"
        signature = attachments.get(name + ".sig")
        said = release_entry(name, raw, record, signature)
        for key in RELEASE_ENTRY_FIELDS:
            if entry.get(key) != (value := said[key]):
                problems.append(f"its release manifest says {key} {entry.get(key)!r} for "
                                f"{name}, but the record (and signature) it carries say "
                                f"{value!r}")
        if signature is not None:
            signed += 1
            if allowed_signers is not None:
                ok, why = sshsig.verify_allowed(raw, signature, record.email, allowed_signers)
                if not ok:
                    problems.append(f"{name}: signature by {record.email} does not verify "
                                    f"against {allowed_signers} ({why})")
    missing = {"marketing", "sales"} - set(sides)
    if missing:
        problems.append(f"no approval from {' or '.join(sorted(missing))} among the records "
                        "it carries")
    elif not problems:
        notes.append("approved by " + " and ".join(f"{who} for {side}"
                                                  for side, who in sorted(sides.items())))
    if signed and allowed_signers is not None and not problems:
        notes.append(f"{signed} signature(s) verified against {allowed_signers}")
    elif signed and allowed_signers is None:
        notes.append(f"carries {signed} SSH signature(s); check them against keys you trust "
                     "with --allowed-signers FILE")
    elif not signed:
        notes.append("its sign-off records are not signed: only the kit's workspace and its "
                     "git history vouch for who approved")
    return problems, notes

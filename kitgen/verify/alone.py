"""A PDF checked on its own, from what it carries, with no workspace to compare it to.

Its bytes must be exactly the rendered PDF plus the manifest kitgen appended, that manifest
must list those bytes and their page count, the version's digest must follow from the inputs it
records, and, for a released PDF, the records it carries must approve that digest, one side
each, by two different people (under any spelling of their addresses), at real times — with
their SSH signatures checked against an ``allowed_signers`` file the reader trusts, when given
one. Without that, whoever wrote the PDF wrote everything it carries: consistent is all it can
be called, and the report says who signed it is not proven.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kitgen.base.emails import canonical_email, look_alike_problem
from kitgen.version import carry
from kitgen.version.manifest import (
    MANIFEST,
    MANIFEST_FORMAT,
    RELEASE_MANIFEST,
    digest_of_inputs,
    json_object,
)

if TYPE_CHECKING:
    from kitgen.load.model import Signoff
    from kitgen.signoff.records import Record

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
    records: int = 0  # sign-off records checked
    signed: int = 0  # of those, the ones with a signature
    signatures: int = 0  # signatures verified (against signoff.keys, or the reader's keys)
    proven: bool = True  # False: on its own, who signed it rests on what it carries alone

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "kit": self.kit, "version": self.version, "state": self.state,
                "checked": self.checked, "ok": not self.problems, "records": self.records,
                "signed_records": self.signed, "signatures_verified": self.signatures,
                "signers_proven": self.proven,
                "problems": list(self.problems), "notes": list(self.notes)}


@dataclass
class PdfFacts:
    """What a PDF says about itself: its kitgen metadata, attachments and carried manifest."""

    metadata: dict[str, Any] = field(default_factory=dict)
    attachments: dict[str, bytes] = field(default_factory=dict)
    carried: carry.Carried | None = None
    pages: int | None = None
    unreadable: str = ""

    @property
    def rendered_sha(self) -> str | None:
        return hashlib.sha256(self.carried.rendered).hexdigest() if self.carried else None

    @property
    def state(self) -> str:
        if self.carried is None:
            return "unknown"
        return "released" if self.carried.name == RELEASE_MANIFEST else "draft"

    def claims(self) -> Iterator[tuple[str, str]]:
        """The kit and version the PDF names: in its metadata, then in its manifests."""
        yield str(self.metadata.get("/kitgenkit")), str(self.metadata.get("/kitgenversion"))
        for name in (MANIFEST, RELEASE_MANIFEST):
            manifest = json_object(self.attachments.get(name, b"")) or {}
            yield str(manifest.get("kit")), str(manifest.get("version"))


def read_facts(data: bytes) -> PdfFacts:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        metadata = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
        attachments = {name: copies[0] for name, copies in reader.attachments.items() if copies}
        pages = len(reader.pages)
    except Exception as error:  # noqa: BLE001 - pypdf on hostile bytes raises many kinds
        return PdfFacts(unreadable=f"not a readable PDF: {error}")
    facts = PdfFacts(metadata, attachments, pages=pages)
    for name in (RELEASE_MANIFEST, MANIFEST):
        if name in attachments:
            facts.carried = carry.split(data, name, attachments[name])
            break
    return facts


@dataclass
class _Alone:
    """What the check of a lone PDF found so far."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    records: int = 0
    signed: int = 0
    signatures: int = 0
    proven: bool = False


def verify_alone(pdf: Path, facts: PdfFacts, allowed_signers: Path | None) -> PdfReport:
    """Check a PDF against what it carries, with no workspace to compare it to."""
    kit, version = facts.metadata.get("/kitgenkit"), facts.metadata.get("/kitgenversion")
    found = _Alone()
    carried = _carried_manifest(facts, found)
    if carried is None:
        return PdfReport(str(pdf), kit, version, "unknown", tuple(found.problems), (),
                         checked="alone", proven=False)
    manifest, listing = _manifests(facts, carried, found)
    found.problems += _metadata_problems(manifest, facts)
    if facts.state == "released":
        _check_signoffs(listing, manifest, facts.attachments, allowed_signers, found)
    else:
        found.proven = True  # a draft claims no sign-off
        found.notes.append("DRAFT: not signed off; do not use it with customers")
    if manifest:
        kit, version = str(manifest.get("kit")), str(manifest.get("version"))
    name = listed(listing, facts.rendered_sha)
    if name is not None and not found.problems:
        found.notes.insert(0, f"its pages are exactly as kitgen rendered them: {name} of version "
                              f"{version}, digest {str(manifest.get('digest'))[:12]}")
    found.notes.append(NO_WORKSPACE_NOTE)
    return PdfReport(str(pdf), kit, version, facts.state, tuple(found.problems),
                     tuple(found.notes), "alone", records=found.records, signed=found.signed,
                     signatures=found.signatures, proven=found.proven)


def _carried_manifest(facts: PdfFacts, found: _Alone) -> dict[str, Any] | None:
    """The manifest the PDF carries as kitgen appended it; None (and why) when there is none."""
    if facts.unreadable or facts.carried is None:
        found.problems += uncarried_problems(facts)
        return None
    carried = json_object(facts.carried.data)
    if carried is None:
        found.problems.append(f"the {facts.carried.name} it carries is not JSON")
    return carried


def uncarried_problems(facts: PdfFacts) -> list[str]:
    """Why a PDF is not the rendered PDF plus the manifest kitgen appended to it."""
    if facts.unreadable:
        return [facts.unreadable]
    claimed = facts.metadata.get("/kitgenkit")
    version = facts.metadata.get("/kitgenversion")
    if MANIFEST in facts.attachments or RELEASE_MANIFEST in facts.attachments:
        problems = ["changed after kitgen wrote it: its bytes are no longer the rendered PDF "
                    "followed by the manifest kitgen appended to it"]
    elif claimed and version is None:
        # A draft gets its version with its manifest: without both it belongs to no version.
        problems = ["a draft of no version (a preview, from `kitgen preview` or `kitgen "
                    "watch`, or its manifest was removed): it carries no kitgen manifest to "
                    "check it against; check the PDFs `kitgen build` writes"]
    elif claimed:
        problems = ["carries no kitgen manifest to check it against (made by an earlier "
                    "kitgen, or its attachments were removed); verify it in the kit's workspace"]
    else:
        problems = ["not a kitgen PDF: it carries no kitgen manifest"]
    if claimed:
        problems.append(f"it says it is kit {claimed} "
                        + (f"version {version}" if version else "and names no version"))
    return problems


def _manifests(facts: PdfFacts, carried: dict[str, Any],
               found: _Alone) -> tuple[dict[str, Any], dict[str, Any]]:
    """The version manifest and the manifest listing this PDF (the same, for a draft), with
    what is wrong between them and the PDF's bytes."""
    if facts.state == "draft":
        manifest = listing = carried
    else:
        listing = carried
        manifest = json_object(facts.attachments.get(MANIFEST, b"")) or {}
        if not manifest:
            found.problems.append("released, but it carries no readable version manifest")
        for key in ("kit", "version", "digest", "kitgen_version"):
            if manifest and listing.get(key) != manifest.get(key):
                found.problems.append(f"its release manifest and version manifest disagree on "
                                      f"{key}")
    which = "release manifest" if facts.state == "released" else "manifest"
    name = listed(listing, facts.rendered_sha)
    if name is None:
        found.problems.append(f"its pages are not the ones its {which} lists (sha256 differs)")
    else:
        said = _entry(listing, name).get("pages")
        if said != facts.pages:
            found.problems.append(f"its {which} says {name} has {said} page(s), but it has "
                                  f"{facts.pages}: the manifest was edited")
    return manifest, listing


def listed(manifest: dict[str, Any], sha: str | None) -> str | None:
    """The file name a manifest gives the rendered bytes with this sha256, if it lists them."""
    documents = manifest.get("documents")
    if not isinstance(documents, list):
        return None
    for doc in documents:
        if isinstance(doc, dict) and doc.get("sha256") == sha:
            return str(doc.get("file"))
    return None


def _entry(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in manifest.get("documents", [])
                if isinstance(d, dict) and str(d.get("file")) == name)


def _metadata_problems(manifest: dict[str, Any], facts: PdfFacts) -> list[str]:
    problems = []
    if manifest:
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
            if str(manifest.get(key)) != str(facts.metadata.get(meta)):
                problems.append(f"its metadata says {key} {facts.metadata.get(meta)!r}, its "
                                f"manifest {manifest.get(key)!r}")
    if facts.metadata.get("/kitgenstate") != facts.state:
        problems.append(f"its metadata says it is {facts.metadata.get('/kitgenstate')!r}, but it "
                        f"carries the manifest of a {facts.state} PDF")
    return problems


def _check_signoffs(release: dict[str, Any], manifest: dict[str, Any],
                    attachments: dict[str, bytes], allowed_signers: Path | None,
                    found: _Alone) -> None:
    """The records a released PDF carries must be the ones its release relied on, each an
    approval of this kit, version and digest, one from each side, by two people; signatures
    are checked against ``allowed_signers`` when given."""
    entries = release.get("signoffs")
    if not isinstance(entries, list):
        found.problems.append("its release manifest lists no sign-offs")
        return
    signers: dict[str, tuple[str, str]] = {}  # side -> (name, email)
    for entry in entries:
        checked = _check_carried_record(entry, manifest, attachments, allowed_signers, found)
        if checked is None:
            continue
        side, who, signature = checked
        found.records += 1
        found.signed += signature is not None
        if side in signers or not _one_side_each(signers, side, who, found):
            continue
        signers[side] = who
    _signer_notes(signers, allowed_signers, found)


def _check_carried_record(
    entry: Any, manifest: dict[str, Any], attachments: dict[str, bytes],
    allowed_signers: Path | None, found: _Alone,
) -> tuple[str, tuple[str, str], bytes | None] | None:
    """Check one record a release relied on, as carried; its side, signer and signature."""
    from kitgen.signoff import sshsig
    from kitgen.signoff.identity import is_listed
    from kitgen.signoff.records import parse_record

    if not isinstance(entry, dict):
        found.problems.append("its release manifest has a malformed sign-off entry")
        return None
    name = str(entry.get("file", ""))
    raw = attachments.get(name)
    if raw is None:
        found.problems.append(f"it does not carry {name}, a sign-off its release relied on")
        return None
    if hashlib.sha256(raw).hexdigest() != entry.get("sha256"):
        found.problems.append(f"{name}: not the record its release relied on (sha256 differs)")
        return None
    try:
        record = parse_record(raw)
    except (ValueError, UnicodeDecodeError) as error:
        found.problems.append(f"{name}: not a readable sign-off record ({error})")
        return None
    signature = attachments.get(name + ".sig")
    found.problems += [f"{name}: {p}" for p in _record_problems(name, raw, record, entry,
                                                                  signature, manifest)]
    policy = _carried_policy(manifest)
    if policy is not None and not is_listed(policy, record.side, record.email):
        found.problems.append(f"{name}: {record.email} is not listed for {record.side} in the "
                              "sign-off policy its manifest carries")
    if signature is not None and allowed_signers is not None:
        ok, why = sshsig.verify_allowed(raw, signature, record.email, allowed_signers)
        if ok:
            found.signatures += 1
        else:
            found.problems.append(f"{name}: signature by {record.email} does not verify "
                                  f"against {allowed_signers} ({why})")
    return record.side, (record.name, record.email), signature


def _record_problems(name: str, raw: bytes, record: Record, entry: dict[str, Any],
                     signature: bytes | None, manifest: dict[str, Any]) -> list[str]:
    from kitgen.signoff.records import RELEASE_ENTRY_FIELDS, release_entry, time_problem

    problems = []
    if record.file_name != name:
        problems.append("the record's name does not follow from its contents")
    if (record.kit, record.version, record.digest) != (
            manifest.get("kit"), str(manifest.get("version")), manifest.get("digest")):
        problems.append(f"approves kit {record.kit} version {record.version} digest "
                        f"{record.digest[:12]}, not this PDF's")
    if record.decision != "approve":
        problems.append(f"a {record.decision}, not an approval")
    if late := time_problem(record):
        problems.append(late)
    if look_alike := look_alike_problem(record.email):
        problems.append(look_alike)
    said = release_entry(name, raw, record, signature)
    for key in RELEASE_ENTRY_FIELDS:
        if entry.get(key) != (value := said[key]):
            problems.append(f"its release manifest says {key} {entry.get(key)!r}, but the "
                            f"record (and signature) it carries say {value!r}")
    return problems


def _carried_policy(manifest: dict[str, Any]) -> Signoff | None:
    """The sign-off policy the version manifest carries, as a model; None when it has none."""
    from pydantic import ValidationError

    from kitgen.load.model import Signoff as Policy

    policy = manifest.get("signoff_policy")
    if not isinstance(policy, dict):
        return None
    try:
        return Policy.model_validate(policy)
    except ValidationError:
        return None


def _one_side_each(signers: dict[str, tuple[str, str]], side: str, who: tuple[str, str],
                   found: _Alone) -> bool:
    """One person counts for one side only, under any spelling of their address."""
    for other, (_, email) in signers.items():
        if other != side and canonical_email(email) == canonical_email(who[1]):
            found.problems.append(f"{email} counts for both sides ({other} as {email}, {side} "
                                  f"as {who[1]}): one person signs for one side only")
            return False
    return True


def _signer_notes(signers: dict[str, tuple[str, str]], allowed_signers: Path | None,
                  found: _Alone) -> None:
    missing = {"marketing", "sales"} - set(signers)
    if missing:
        found.problems.append(f"no approval from {' or '.join(sorted(missing))} among the "
                              "records it carries")
    elif not found.problems:
        found.notes.append("approved by " + " and ".join(
            f"{name} <{email}> for {side}" for side, (name, email) in sorted(signers.items())))
    signed = found.signed
    found.proven = bool(signed) and signed == found.records and found.signatures == signed
    if signed and allowed_signers is not None and not found.problems:
        found.notes.append(f"{signed} signature(s) verified against {allowed_signers}")
    elif signed and allowed_signers is None:
        found.notes.append(f"carries {signed} SSH signature(s); check them against keys you "
                           "trust with --allowed-signers FILE")
    elif not signed:
        found.notes.append("its sign-off records are not signed: only the kit's workspace and "
                           "its git history vouch for who approved")

"""``approve`` and ``reject``: who may sign what, what they are shown, and the record written.

The review is everything a signer must see before the record is written: what the version is
and where its PDFs are, the sentence the record will store, every change since the last version
this side approved (field by field, policy changes apart), the requirements those changes
touch, the other side's state and every warning ``check`` and ``build`` give.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kitgen.base.emails import same_signer
from kitgen.base.errors import GateNotMet, InputError
from kitgen.load.fieldready import check_warnings, long_documents
from kitgen.load.model import KitFile, Side, other_side
from kitgen.load.positions import dotted
from kitgen.load.scaffold import find_placeholders
from kitgen.signoff import sshsig
from kitgen.signoff.identity import Identity, is_listed, listed_key, resolve_identity
from kitgen.signoff.ledger import KitLedger, SideState
from kitgen.signoff.records import Record, meaning_of, utc_now, write_record
from kitgen.signoff.textrecord import check_text
from kitgen.version.content_diff import (
    FieldChange,
    TouchedRequirement,
    diff_kits,
    policy_changes,
    touched_requirements,
)


@dataclass(frozen=True)
class Review:
    """What a signer sees before the record is written."""

    kit: str
    title: str
    version: str
    digest: str
    side: Side
    decision: str  # approve or reject
    folder: Path  # the version's folder, holding its PDFs
    documents: tuple[tuple[str, int], ...]  # file, pages
    meaning: str  # the sentence the record stores
    comment: str  # kept with the record: the reason of a rejection
    contents: KitFile  # the version's data
    previous: str | None  # the last version before this one that this side approved
    changes: tuple[FieldChange, ...]  # since ``previous``
    touched: tuple[TouchedRequirement, ...]
    other: SideState  # the other side on this version
    other_approved: str | None  # the latest version the other side approved
    warnings: tuple[str, ...]
    signer: Identity
    usual_signer: Identity | None  # who signs without --name/--email, when another address
    already: bool  # this person already recorded this decision on this version for this side

    @property
    def policy_changes(self) -> tuple[FieldChange, ...]:
        return policy_changes(self.changes)


def review_signoff(
    ledger: KitLedger, version: str | None, side: Side, who: Identity, decision: str,
    comment: str = "",
) -> Review:
    """Check that ``who`` may record ``decision`` for ``side``; raise GateNotMet saying why not."""
    # Checked before it is shown: the review prints it to the signer's terminal.
    check_text(comment, "--reason" if decision == "reject" else "--comment")
    chosen = ledger.require_version(version)
    snapshot = ledger.snapshot(chosen)
    _check_allowed(ledger, chosen, side, who, decision)
    previous = last_approved(ledger, side, before=chosen)
    changes = diff_kits(ledger.snapshot(previous).kit, snapshot.kit) if previous else ()
    manifest = ledger.manifest(chosen)
    other = other_side(side)
    return Review(
        kit=ledger.kit,
        title=snapshot.kit.title,
        version=chosen,
        digest=str(manifest.get("digest", "")),
        side=side,
        decision=decision,
        folder=ledger.kit_dir / chosen,
        documents=tuple((str(d["file"]), int(d["pages"])) for d in manifest["documents"]),
        meaning=meaning_of(decision, side, chosen),
        comment=comment,
        contents=snapshot.kit,
        previous=previous,
        changes=changes,
        touched=touched_requirements(snapshot.kit, changes),
        other=ledger.side_state(chosen, other),
        other_approved=last_approved(ledger, other),
        warnings=_warnings(ledger, chosen, manifest),
        signer=who,
        usual_signer=_usual_signer(who, ledger.workspace.root),
        already=any(same_signer(r.email, who.email)
                    for r in ledger.counting(chosen, decision, side)),
    )


def last_approved(ledger: KitLedger, side: Side, before: str | None = None) -> str | None:
    """The latest version ``side`` approved (before ``before``, when given)."""
    versions = ledger.versions[: ledger.versions.index(before)] if before else ledger.versions
    approved = [v for v in versions if ledger.counting(v, "approve", side)]
    return approved[-1] if approved else None


def _check_allowed(ledger: KitLedger, version: str, side: Side, who: Identity,
                   decision: str) -> None:
    snapshot = ledger.snapshot(version).kit
    policy = snapshot.signoff
    if not is_listed(policy, side, who.email):
        owner = getattr(snapshot.owners, side)
        raise GateNotMet(
            f"{who.email} is not listed to sign for {side} in kit {ledger.kit!r}",
            details=[f"signoff.{side} lists: {', '.join(getattr(policy, side))}; you sign as "
                     f"{who.email} (from {who.source}).",
                     f"Only those people may sign for {side}. If you should be one, ask "
                     f"{owner.name} <{owner.email}> to add you to signoff.{side}; the next "
                     "build makes a version you can sign."],
        )
    problem = ledger.signer_problem(version, side, who.email)
    if problem:
        raise GateNotMet(
            f"{problem} ({ledger.kit!r})",
            details=[f"Ask another person listed in signoff.{side} to sign for {side}."],
        )
    if decision == "reject" and version in ledger.released_versions():
        # A release rests on the records as they were; a later rejection could not unrelease
        # the PDFs already handed out, and would only make `verify` fail for good.
        raise GateNotMet(
            f"version {version} of {ledger.kit!r} is already released; it cannot be rejected now",
            details=["To change the kit, edit the requirement file, build a new version, and "
                     "reject or approve that one."],
        )
    if decision == "approve":
        _check_approvable(ledger, version)


def _check_approvable(ledger: KitLedger, version: str) -> None:
    rejections = ledger.counting(version, "reject")
    if rejections:
        first = rejections[0]
        raise GateNotMet(
            f"version {version} of {ledger.kit!r} was rejected by {first.name} ({first.side}) "
            "and can never be approved",
            details=[f"Reason: {first.comment}", "Fix the kit and build a new version."],
        )
    negotiation = ledger.negotiation(version)
    if not negotiation.settled:
        raise GateNotMet(
            f"version {version} of {ledger.kit!r} cannot be approved: "
            "the negotiation is not settled",
            details=negotiation.blockers()
            + ["Approving means agreeing to the list: settle these, build, then approve."],
        )
    left = find_placeholders(ledger.snapshot(version).kit)
    if left:
        raise GateNotMet(
            f"version {version} of {ledger.kit!r} cannot be approved: it still holds "
            f"{len(left)} placeholder{'s' if len(left) > 1 else ''} `kitgen new` wrote",
            details=[f"{dotted(loc)}: {text}" for loc, text in left]
            + ["Replace them with the kit's real content, build, then approve."],
        )


def _warnings(ledger: KitLedger, version: str, manifest: dict[str, Any]) -> tuple[str, ...]:
    """What ``check`` and ``build`` warn about this version: stale intelligence, roadmap sold
    as fact on a customer sheet, a one-page document running longer."""
    snapshot = ledger.snapshot(version)
    pages = {str(d["file"]): int(d["pages"]) for d in manifest["documents"]}
    found = check_warnings(snapshot) + long_documents(snapshot, pages)
    return tuple(f"{w.item}: {w.message}" for w in found)


def _usual_signer(who: Identity, root: Path) -> Identity | None:
    """Who kitgen takes the signer to be without --name/--email, when --email names someone
    else: signing with another person's address must never go unnoticed."""
    if who.source != "--name/--email":
        return None
    try:
        usual = resolve_identity(None, None, root)
    except InputError:
        return None
    return usual if not same_signer(usual.email, who.email) else None


def record_signoff(ledger: KitLedger, review: Review, sign_key: Path | None = None) -> Path:
    """Write the record ``review`` showed (signed with ``sign_key`` when given)."""
    record = Record(
        kit=review.kit,
        version=review.version,
        digest=review.digest,
        side=review.side,
        name=review.signer.name,
        email=review.signer.email,
        decision=review.decision,
        meaning=review.meaning,
        comment=review.comment,
        time=utc_now(),
    )
    signature = None
    if sign_key is not None:
        signature = sshsig.sign(record.to_bytes(), sign_key)
        check_own_signature(ledger, record, signature, sign_key)
    return write_record(ledger.kit_dir, record, signature)


def check_own_signature(ledger: KitLedger, record: Record, signature: bytes, key: Path) -> None:
    """Refuse to store a signature the ledger would not accept: it would never count."""
    listed = listed_key(ledger.snapshot(record.version).kit.signoff, record.email)
    if listed is None:
        raise GateNotMet(
            f"signoff.keys of version {record.version} lists no key for {record.email}, so a "
            "signature by you cannot be checked; nothing recorded",
            details=["Ask the kit's owners to add your public key to signoff.keys, or sign "
                     "without --sign-key if the kit does not require signatures."],
        )
    ok, why = sshsig.verify(record.to_bytes(), signature, record.email, listed)
    if not ok:
        raise GateNotMet(
            f"{key} is not the key signoff.keys lists for {record.email}; nothing recorded",
            details=[*([why] if why else []),
                     "Sign with the private key whose public half is listed for you."],
        )

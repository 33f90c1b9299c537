"""``approve`` and ``reject``: who may sign what, what they are shown, and the record written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kitgen.base.emails import same_signer
from kitgen.base.errors import GateNotMet
from kitgen.signoff import sshsig
from kitgen.signoff.identity import Identity, is_listed, listed_key
from kitgen.signoff.ledger import KitLedger
from kitgen.signoff.records import Record, meaning_of, utc_now, write_record
from kitgen.signoff.textrecord import check_text
from kitgen.version.diff import RequirementChange, diff_requirements


@dataclass(frozen=True)
class Review:
    """What a signer sees before the record is written."""

    kit: str
    title: str
    version: str
    digest: str
    documents: list[tuple[str, int]]
    previous: str | None  # the last version this side approved
    changes: list[RequirementChange]
    already: bool  # this person already approved this version for this side


def review_signoff(
    ledger: KitLedger, version: str | None, side: str, who: Identity, decision: str
) -> Review:
    """Check that ``who`` may record ``decision`` for ``side``; raise GateNotMet saying why not."""
    chosen = ledger.require_version(version)
    snapshot = ledger.snapshot(chosen).kit
    policy = snapshot.signoff
    if not is_listed(policy, side, who.email):
        raise GateNotMet(
            f"{who.email} is not listed to sign for {side} in kit {ledger.kit!r}",
            details=[f"signoff.{side} lists: {', '.join(getattr(policy, side))}.",
                     "Ask the kit's owners to add you, or sign with --email "
                     f"(identity from {who.source})."],
        )
    problem = ledger.signer_problem(chosen, side, who.email)
    if problem:
        raise GateNotMet(
            f"{problem} ({ledger.kit!r})",
            details=[f"Ask another person listed in signoff.{side} to sign for {side}."],
        )
    if decision == "reject" and chosen in ledger.released_versions():
        # A release rests on the records as they were; a later rejection could not unrelease
        # the PDFs already handed out, and would only make `verify` fail for good.
        raise GateNotMet(
            f"version {chosen} of {ledger.kit!r} is already released; it cannot be rejected now",
            details=["To change the kit, edit the requirement file, build a new version, and "
                     "reject or approve that one."],
        )
    rejections = ledger.counting(chosen, "reject")
    if decision == "approve":
        if rejections:
            first = rejections[0]
            raise GateNotMet(
                f"version {chosen} of {ledger.kit!r} was rejected by {first.name} ({first.side}) "
                "and can never be approved",
                details=[f"Reason: {first.comment}", "Fix the kit and build a new version."],
            )
        negotiation = ledger.negotiation(chosen)
        if not negotiation.settled:
            raise GateNotMet(
                f"version {chosen} of {ledger.kit!r} cannot be approved: "
                "the negotiation is not settled",
                details=negotiation.blockers()
                + ["Approving means agreeing to the list: settle these, build, then approve."],
            )
    approved_before = [v for v in ledger.versions[: ledger.versions.index(chosen)]
                       if ledger.counting(v, "approve", side)]
    previous = approved_before[-1] if approved_before else None
    changes = (diff_requirements(ledger.snapshot(previous).kit, snapshot) if previous else [])
    manifest = ledger.manifest(chosen)
    return Review(
        kit=ledger.kit,
        title=snapshot.title,
        version=chosen,
        digest=str(manifest.get("digest", "")),
        documents=[(d["file"], int(d["pages"])) for d in manifest.get("documents", [])],
        previous=previous,
        changes=changes,
        already=any(same_signer(r.email, who.email)
                    for r in ledger.counting(chosen, decision, side)),
    )


def record_signoff(
    ledger: KitLedger,
    review: Review,
    side: str,
    who: Identity,
    decision: str,
    comment: str = "",
    sign_key: Path | None = None,
) -> Path:
    check_text(comment, "--reason" if decision == "reject" else "--comment")
    record = Record(
        kit=review.kit,
        version=review.version,
        digest=review.digest,
        side=side,
        name=who.name,
        email=who.email,
        decision=decision,
        meaning=meaning_of(decision, side, review.version),
        comment=comment,
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

"""Which sign-offs count for a version, and whether it is released.

A record counts only when it binds to the version's digest, its signer is listed for its side
in the policy of the version it signs (the snapshot, which cannot change), that person — under
any spelling of their address (base/emails.py) — does not already count for the other side,
its time is a real UTC time not after this machine's clock, and its signature — required or
merely present — holds.

A version whose sign-off policy differs from the last released version's is anchored in that
policy, as TUF anchors a new root key in the old root: an approval of it releases it only when
it is also valid under the released policy, so nobody approves their own change of who may
approve. A version is released when its release folder is there as kitgen writes it (no link),
its negotiation is settled, and it holds such an approval from each side and no rejection.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from kitgen.base.emails import canonical_email, look_alike_problem
from kitgen.base.errors import InputError
from kitgen.base.workspace import Workspace
from kitgen.load.model import SIDES, Side, Signoff
from kitgen.load.negotiation import Negotiation, summarize_negotiation
from kitgen.load.positions import LoadedKit
from kitgen.load.reader import load_kit
from kitgen.signoff import sshsig
from kitgen.signoff.identity import is_listed, listed_key
from kitgen.signoff.records import Record, StoredRecord, read_records, time_problem
from kitgen.signoff.textrecord import first_unsafe
from kitgen.version.manifest import (
    SNAPSHOT,
    has_release,
    manifest_shape_problem,
    read_manifest,
)
from kitgen.version.numbering import list_versions
from kitgen.version.policy import PolicyDifference, diff_policies


@dataclass(frozen=True)
class Judged:
    stored: StoredRecord
    counts: bool
    reason: str = ""
    # An approval that counts under its version's own policy, but not under the policy of the
    # last released version, which that version changes: it does not release the version.
    unanchored: str = ""

    @property
    def record(self) -> Record:
        assert self.stored.record is not None
        return self.stored.record

    @property
    def releases(self) -> bool:
        """Whether this record counts towards a release (or blocks one, for a rejection)."""
        return self.counts and not self.unanchored


@dataclass(frozen=True)
class PolicyChange:
    """How a version's sign-off policy differs from that of the last released version before
    it (``since``): each side needs an approval that is also valid under ``since``'s policy."""

    version: str
    since: str
    differences: tuple[PolicyDifference, ...]
    readable: bool = True  # False: ``since``'s policy cannot be read, so nothing anchors

    def describe(self) -> str:
        if not self.readable:
            return (f"version {self.version}'s sign-off policy cannot be compared with released "
                    f"version {self.since}'s: its snapshot cannot be read")
        return "; ".join(d.describe() for d in self.differences)

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "since": self.since, "readable": self.readable,
                "differences": [d.as_json() for d in self.differences]}


@dataclass(frozen=True)
class SideState:
    """Where one side stands on one version: ``approved``, ``rejected`` or ``pending``, and the
    records that count (rejections first)."""

    side: Side
    state: str
    records: tuple[Record, ...]


@dataclass(frozen=True)
class Blocker:
    """One reason a version is not released: ``kind`` is ``rejected``, ``policy-changed``
    (``item`` is the released version whose policy differs), ``approval-missing`` (``item`` is
    the side) or ``open-requirement`` (``item`` is the requirement's id)."""

    kind: str
    item: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class _Anchored:
    """Every record judged, the versions released, and each version's policy change."""

    judged: list[Judged]
    released: list[str]
    changes: dict[str, PolicyChange | None]  # filled as versions are asked about


@dataclass
class KitLedger:
    """All versions and sign-off records of one kit, judged once and queried many times."""

    workspace: Workspace
    kit: str
    versions: list[str]
    kit_dir: Path
    records: list[StoredRecord]
    _snapshots: dict[str, LoadedKit] = field(default_factory=dict)
    _manifests: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def open(cls, workspace: Workspace, kit: str) -> KitLedger:
        kit_dir = workspace.kit_dir(kit)
        versions = list_versions(kit_dir)
        return cls(workspace, kit, versions, kit_dir, read_records(kit_dir))

    @property
    def latest(self) -> str | None:
        return self.versions[-1] if self.versions else None

    def require_version(self, version: str | None) -> str:
        """``version``, or the latest when None; naming one that is not there is bad input."""
        if not self.versions:
            raise InputError(
                f"kit {self.kit!r} has no built version yet",
                details=["Run `kitgen build` first."],
            )
        chosen = version or self.versions[-1]
        if chosen not in self.versions:
            raise InputError(
                f"kit {self.kit!r} has no version {chosen}",
                details=[f"Versions: {', '.join(self.versions)}."],
            )
        return chosen

    def manifest(self, version: str) -> dict[str, Any]:
        if version not in self._manifests:
            manifest = read_manifest(self.kit_dir / version)
            malformed = manifest_shape_problem(manifest)
            if malformed:
                raise InputError(f"{self.kit_dir / version / 'manifest.json'} is malformed: "
                                 f"{malformed}")
            self._manifests[version] = manifest
        return self._manifests[version]

    def snapshot(self, version: str) -> LoadedKit:
        if version not in self._snapshots:
            path = self.kit_dir / version / SNAPSHOT
            if path.is_symlink():  # never read a file outside kits/ through a planted link
                raise InputError(f"{path} is a symbolic link; kitgen does not follow links "
                                 "under kits/")
            self._snapshots[version] = load_kit(path, self.workspace.root)
        return self._snapshots[version]

    def negotiation(self, version: str) -> Negotiation:
        return summarize_negotiation(self.snapshot(version).kit)

    @property
    def judged(self) -> list[Judged]:
        """Every record, in time order, with whether it counts and why not."""
        return self._anchored.judged

    def released_versions(self) -> list[str]:
        return list(self._anchored.released)

    def policy_change(self, version: str) -> PolicyChange | None:
        """How ``version``'s sign-off policy differs from the last released version's before
        it; None when none was released before it or nothing differs."""
        anchored = self._anchored
        if version not in anchored.changes:
            position = self.versions.index(version)
            before = [v for v in anchored.released if self.versions.index(v) < position]
            anchored.changes[version] = self._policy_change(version, before[-1]) if before \
                else None
        return anchored.changes[version]

    def signer_problem(self, version: str, side: str, email: str) -> str:
        """Why ``email`` may not sign ``version`` for ``side`` ("" when it may): not listed
        for that side, or already counting for the other side under any spelling."""
        if not is_listed(self.snapshot(version).kit.signoff, side, email):
            return f"{email} is not listed to sign for {side}"
        wanted = canonical_email(email)
        for judged in self.judged:
            record = judged.record if judged.counts else None
            if record and record.version == version and record.side != side \
                    and canonical_email(record.email) == wanted:
                return (f"{email} already counts for {record.side} on version {version} "
                        f"(as {record.email}); one person signs for one side only")
        return ""

    @cached_property
    def _checked(self) -> list[Judged]:
        """Every record judged by its own version's policy, in time order."""
        results: list[Judged] = []
        sides_of: dict[tuple[str, str], str] = {}  # (version, mailbox) -> side it counts for
        for stored in self.records:
            verdict = self._judge(stored, sides_of)
            if verdict.counts:
                record = verdict.record
                sides_of[(record.version, canonical_email(record.email))] = record.side
            results.append(verdict)
        return results

    @cached_property
    def _anchored(self) -> _Anchored:
        """Versions in order, oldest first: whether each changes the last released policy,
        which of its approvals are valid under that policy too, and whether it is released.
        A version's anchor is a version before it, so one pass settles them all."""
        judged = list(self._checked)
        released: list[str] = []
        changes: dict[str, PolicyChange | None] = {}
        for version in self.versions:
            counting = [n for n, j in enumerate(judged) if j.counts and j.record.version == version]
            if counting and released:  # only versions with records need their anchor now
                change = changes[version] = self._policy_change(version, released[-1])
                if change is not None:
                    for number in counting:
                        judged[number] = self._anchor(judged[number], change)
            if counting and self._is_released(version, judged):
                released.append(version)
        return _Anchored(judged, released, changes)

    def _policy_change(self, version: str, since: str) -> PolicyChange | None:
        try:
            after = self.snapshot(version).kit.signoff
        except InputError:
            return None  # its records do not count anyway
        try:
            before = self.snapshot(since).kit.signoff
        except InputError:
            return PolicyChange(version, since, (), readable=False)
        differences = diff_policies(before, after)
        return PolicyChange(version, since, tuple(differences)) if differences else None

    def _anchor(self, verdict: Judged, change: PolicyChange) -> Judged:
        if verdict.record.decision != "approve":
            return verdict  # a rejection can only stop a release: it needs no anchor
        if not change.readable:
            return replace(verdict, unanchored=change.describe())
        problem = self._invalid_under(verdict, self.snapshot(change.since).kit.signoff,
                                      change.since)
        return replace(verdict, unanchored=problem) if problem else verdict

    def _invalid_under(self, verdict: Judged, policy: Signoff, since: str | None = None) -> str:
        """Why ``verdict``'s record is not valid under ``policy`` ("" when it is): its own
        version's policy, or that of the released version ``since``."""
        record = verdict.record
        under = f" under released version {since}'s policy" if since else ""
        keys = (f"released version {since}'s signoff.keys" if since
                else f"signoff.keys of version {record.version}")
        if not is_listed(policy, record.side, record.email):
            return f"{record.email} is not listed to sign for {record.side}{under}"
        signature = verdict.stored.signature
        if signature is not None:
            # A signature that is there must hold, required or not: one that cannot be checked
            # would let a record look signed when nobody can say by whom.
            key = listed_key(policy, record.email)
            if key is None:
                return f"signed, but {keys} has no key for {record.email}"
            ok, why = sshsig.verify(verdict.stored.raw, signature, record.email, key)
            if not ok:
                return (f"bad signature{under}: not made by the key "
                        f"{'it' if since else 'signoff.keys'} lists for {record.email} ({why})")
        elif policy.require_signatures and record.decision == "approve":
            # Only approvals need a signature: a rejection can only stop a release.
            return (f"unsigned, and {f'released version {since}' if since else 'this kit'} "
                    "requires signed approvals")
        return ""

    def _is_released(self, version: str, judged: list[Judged]) -> bool:
        if not has_release(self.kit_dir / version):
            return False
        counting = [j.record for j in judged if j.releases and j.record.version == version]
        if any(r.decision == "reject" for r in counting):
            return False
        if {r.side for r in counting if r.decision == "approve"} != set(SIDES):
            return False
        try:
            return self.negotiation(version).settled
        except InputError:
            return False

    def _judge(self, stored: StoredRecord, sides_of: dict[tuple[str, str], str]) -> Judged:
        if stored.record is None or stored.problem:
            return Judged(stored, False, stored.problem or "unreadable")
        record = stored.record
        bad = first_unsafe(stored.raw.decode("utf-8"))
        if bad is not None:
            # kitgen never writes one (signoff.py): a record made by hand to put terminal
            # control codes in front of whoever runs `kitgen status`.
            return Judged(stored, False, f"it holds the control character U+{ord(bad):04X}, "
                                         "which kitgen never writes")
        if record.kit != self.kit:
            return Judged(stored, False, f"it names kit {record.kit!r}: copied from another kit")
        if record.version not in self.versions:
            return Judged(stored, False, f"it names version {record.version}, which does not exist")
        late = time_problem(record)
        if late:
            return Judged(stored, False, late)
        look_alike = look_alike_problem(record.email)
        if look_alike:
            return Judged(stored, False, look_alike)
        try:
            manifest = self.manifest(record.version)
            policy = self.snapshot(record.version).kit.signoff
        except InputError as error:
            return Judged(stored, False, f"version {record.version} cannot be read: "
                                         f"{error.message}")
        if record.digest != manifest.get("digest"):
            return Judged(stored, False, f"its digest is not version {record.version}'s: "
                                         "copied from another version or edited")
        other = sides_of.get((record.version, canonical_email(record.email)))
        if other and other != record.side:
            return Judged(stored, False, f"{record.email} already counts for {other}")
        problem = self._invalid_under(Judged(stored, True), policy)
        if problem:
            return Judged(stored, False, problem)
        return Judged(stored, True)

    def counting(self, version: str, decision: str, side: str | None = None) -> list[Record]:
        return [
            j.record for j in self.judged
            if j.releases and j.record.version == version and j.record.decision == decision
            and (side is None or j.record.side == side)
        ]

    def side_state(self, version: str, side: Side) -> SideState:
        rejections = self.counting(version, "reject", side)
        approvals = self.counting(version, "approve", side)
        state = "rejected" if rejections else "approved" if approvals else "pending"
        return SideState(side, state, tuple(rejections + approvals))

    def blockers(self, version: str) -> list[Blocker]:
        """Why ``version`` is not released; empty when it is."""
        reasons = [Blocker("rejected", record.side,
                           f"rejected by {record.name} ({record.side}) on {record.time}: "
                           f"{record.comment or 'no reason given'}")
                   for record in self.counting(version, "reject")]
        change = self.policy_change(version)
        missing = [side for side in SIDES if not self.counting(version, "approve", side)]
        if change is not None and missing:
            reasons.append(Blocker(
                "policy-changed", change.since,
                f"sign-off policy changed since released version {change.since}: "
                f"{change.describe()}"))
        for side in missing:
            older = [v for v in self.versions[: self.versions.index(version)]
                     if self.counting(v, "approve", side)]
            if change is not None and self._unanchored(version, side):
                message = (f"no {side} approval that is also valid under version "
                           f"{change.since}'s policy")
            elif older:
                message = (f"no {side} approval of version {version} "
                           f"(approvals only on older version {older[-1]})")
            else:
                message = f"no {side} approval of version {version}"
            reasons.append(Blocker("approval-missing", side, message))
        negotiation = self.negotiation(version)
        open_items = [(r, "proposed, not yet agreed") for r in negotiation.proposed]
        open_items += [(r, "disputed") for r in negotiation.disputed]
        open_items += [(r, "agreed but no content delivers it") for r in negotiation.undelivered]
        reasons += [Blocker("open-requirement", r.id, f"requirement {r.id} is {why}: {r.need}")
                    for r, why in open_items]
        return reasons

    def _unanchored(self, version: str, side: str) -> list[Judged]:
        return [j for j in self.judged if j.counts and j.unanchored
                and j.record.version == version and j.record.side == side]

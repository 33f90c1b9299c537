"""Which sign-offs count for a version, and whether it is released.

A record counts only when it binds to the version's digest, its signer is listed for its side
in the policy of the version it signs (the snapshot, which cannot change), that person does
not already count for the other side, and its signature — required or merely present — holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from kitgen.base.errors import InputError
from kitgen.base.workspace import Workspace
from kitgen.load.model import SIDES, Side
from kitgen.load.negotiation import Negotiation, summarize_negotiation
from kitgen.load.positions import LoadedKit
from kitgen.load.reader import load_kit
from kitgen.signoff import sshsig
from kitgen.signoff.records import Record, StoredRecord, read_records
from kitgen.signoff.textrecord import first_unsafe
from kitgen.version.manifest import (
    RELEASE_DIR,
    RELEASE_MANIFEST,
    SNAPSHOT,
    manifest_shape_problem,
    read_manifest,
)
from kitgen.version.numbering import list_versions


@dataclass(frozen=True)
class Judged:
    stored: StoredRecord
    counts: bool
    reason: str = ""

    @property
    def record(self) -> Record:
        assert self.stored.record is not None
        return self.stored.record


@dataclass(frozen=True)
class SideState:
    """Where one side stands on one version: ``approved``, ``rejected`` or ``pending``, and the
    records that count (rejections first)."""

    side: Side
    state: str
    records: tuple[Record, ...]


@dataclass(frozen=True)
class Blocker:
    """One reason a version is not released: ``kind`` is ``rejected``, ``approval-missing``
    (``item`` is the side) or ``open-requirement`` (``item`` is the requirement's id)."""

    kind: str
    item: str
    message: str

    def __str__(self) -> str:
        return self.message


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

    @cached_property
    def judged(self) -> list[Judged]:
        """Every record, in time order, with whether it counts and why not."""
        results: list[Judged] = []
        sides_of: dict[tuple[str, str], str] = {}  # (version, email) -> side it counts for
        for stored in self.records:
            verdict = self._judge(stored, sides_of)
            if verdict.counts:
                sides_of[(verdict.record.version, verdict.record.email)] = verdict.record.side
            results.append(verdict)
        return results

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
        try:
            manifest = self.manifest(record.version)
            policy = self.snapshot(record.version).kit.signoff
        except InputError as error:
            return Judged(stored, False, f"version {record.version} cannot be read: "
                                         f"{error.message}")
        if record.digest != manifest.get("digest"):
            return Judged(stored, False, f"its digest is not version {record.version}'s: "
                                         "copied from another version or edited")
        listed = getattr(policy, record.side)
        if record.email not in [e.lower() for e in listed]:
            return Judged(stored, False, f"{record.email} is not listed to sign for {record.side}")
        other = sides_of.get((record.version, record.email))
        if other and other != record.side:
            return Judged(stored, False, f"{record.email} already counts for {other}")
        keys = {email.lower(): key for email, key in policy.keys.items()}
        if stored.signature is not None:
            # A signature that is there must hold, required or not: one that cannot be checked
            # would let a record look signed when nobody can say by whom.
            key = keys.get(record.email)
            if key is None:
                return Judged(stored, False, f"signed, but signoff.keys of version "
                                             f"{record.version} has no key for {record.email}")
            ok, why = sshsig.verify(stored.raw, stored.signature, record.email, key)
            if not ok:
                return Judged(stored, False, f"bad signature: not made by the key signoff.keys "
                                             f"lists for {record.email} ({why})")
        elif policy.require_signatures and record.decision == "approve":
            # Only approvals need a signature: a rejection can only stop a release.
            return Judged(stored, False, "unsigned, and this kit requires signed approvals")
        return Judged(stored, True)

    def counting(self, version: str, decision: str, side: str | None = None) -> list[Record]:
        return [
            j.record for j in self.judged
            if j.counts and j.record.version == version and j.record.decision == decision
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
        for side in SIDES:
            if self.counting(version, "approve", side):
                continue
            older = [v for v in self.versions[: self.versions.index(version)]
                     if self.counting(v, "approve", side)]
            also = f" (approvals only on older version {older[-1]})" if older else ""
            reasons.append(Blocker("approval-missing", side,
                                   f"no {side} approval of version {version}{also}"))
        negotiation = self.negotiation(version)
        open_items = [(r, "proposed, not yet agreed") for r in negotiation.proposed]
        open_items += [(r, "disputed") for r in negotiation.disputed]
        open_items += [(r, "agreed but no content delivers it") for r in negotiation.undelivered]
        reasons += [Blocker("open-requirement", r.id, f"requirement {r.id} is {why}: {r.need}")
                    for r, why in open_items]
        return reasons

    def released_versions(self) -> list[str]:
        return [v for v in self.versions
                if (self.kit_dir / v / RELEASE_DIR / RELEASE_MANIFEST).is_file()]

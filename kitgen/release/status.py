"""Where each kit stands: its latest version, the negotiation, each side's sign-off and what it
must do next, and the latest released version; one value that ``status`` and
``kits/index.html`` both show."""

from __future__ import annotations

from dataclasses import dataclass, field

from kitgen.base.errors import InputError
from kitgen.base.workspace import Workspace
from kitgen.load.model import SIDES, Side
from kitgen.signoff.approval import last_approved
from kitgen.signoff.ledger import Blocker, KitLedger, PolicyChange, SideState
from kitgen.version.content_diff import diff_kits


@dataclass(frozen=True)
class SideProgress:
    """Where one side stands across versions: the latest version it approved, and how many
    fields changed from that one to the kit's latest version (what it still has to review)."""

    side: Side
    last_approved: str | None
    changes_since: int | None  # None when it approved nothing or the snapshots cannot be read


@dataclass(frozen=True)
class KitStatus:
    kit: str
    title: str
    latest: str | None
    requirements: dict[str, int] = field(default_factory=dict)
    sides: dict[Side, SideState] = field(default_factory=dict)
    progress: dict[Side, SideProgress] = field(default_factory=dict)
    settled: bool = False  # whether the latest version's negotiation allows approving it
    released_versions: tuple[str, ...] = ()
    blockers: tuple[Blocker, ...] = ()
    # How the latest version's sign-off policy differs from the last released version's.
    policy_change: PolicyChange | None = None

    @property
    def latest_released(self) -> str | None:
        return self.released_versions[-1] if self.released_versions else None

    @property
    def released(self) -> bool:
        """Whether the latest version is released."""
        return self.latest is not None and self.latest == self.latest_released


def kit_status(workspace: Workspace, kit: str) -> KitStatus:
    ledger = KitLedger.open(workspace, kit)
    latest = ledger.latest
    if latest is None:
        return KitStatus(kit, kit, None)
    try:
        title = ledger.snapshot(latest).kit.title
    except InputError:  # an unreadable snapshot; `verify` names it
        title = kit
    released = tuple(ledger.released_versions())
    negotiation = ledger.negotiation(latest)
    return KitStatus(
        kit=kit,
        title=title,
        latest=latest,
        requirements=negotiation.counts,
        sides={side: ledger.side_state(latest, side) for side in SIDES},
        progress={side: _progress(ledger, side, latest) for side in SIDES},
        settled=negotiation.settled,
        released_versions=released,
        blockers=() if latest in released else tuple(ledger.blockers(latest)),
        policy_change=ledger.policy_change(latest),
    )


def _progress(ledger: KitLedger, side: Side, latest: str) -> SideProgress:
    approved = last_approved(ledger, side)
    if approved is None:
        return SideProgress(side, None, None)
    try:
        count = len(diff_kits(ledger.snapshot(approved).kit, ledger.snapshot(latest).kit))
    except InputError:
        count = None
    return SideProgress(side, approved, count)

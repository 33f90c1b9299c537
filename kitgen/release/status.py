"""Where each kit stands: its latest version, the negotiation, each side's sign-off, and the
latest released version; one value that ``status`` and ``kits/index.html`` both show."""

from __future__ import annotations

from dataclasses import dataclass, field

from kitgen.base.errors import InputError
from kitgen.base.workspace import Workspace
from kitgen.load.model import SIDES, Side
from kitgen.signoff.ledger import KitLedger, PolicyChange, SideState


@dataclass(frozen=True)
class KitStatus:
    kit: str
    title: str
    latest: str | None
    requirements: dict[str, int] = field(default_factory=dict)
    sides: dict[Side, SideState] = field(default_factory=dict)
    released_versions: tuple[str, ...] = ()
    blockers: tuple[str, ...] = ()
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
    return KitStatus(
        kit=kit,
        title=title,
        latest=latest,
        requirements=ledger.negotiation(latest).counts,
        sides={side: ledger.side_state(latest, side) for side in SIDES},
        released_versions=released,
        blockers=() if latest in released else tuple(ledger.blockers(latest)),
        policy_change=ledger.policy_change(latest),
    )

"""Where the negotiation between sales and marketing stands, for one kit."""

from __future__ import annotations

from dataclasses import dataclass

from kitgen.load.model import STATUSES, KitFile, Requirement


@dataclass(frozen=True)
class Negotiation:
    counts: dict[str, int]
    proposed: tuple[Requirement, ...]
    disputed: tuple[Requirement, ...]
    undelivered: tuple[Requirement, ...]

    @property
    def settled(self) -> bool:
        """True when approving is possible: nothing open, every agreed item delivered."""
        return not (self.proposed or self.disputed or self.undelivered)

    def blockers(self) -> list[str]:
        lines = [f"{r.id}: proposed, not yet agreed — {r.need}" for r in self.proposed]
        lines += [f"{r.id}: disputed — {r.need}" for r in self.disputed]
        lines += [f"{r.id}: agreed but no content delivers it — {r.need}" for r in self.undelivered]
        return lines


def summarize_negotiation(kit: KitFile) -> Negotiation:
    counts: dict[str, int] = {status: 0 for status in STATUSES}
    for requirement in kit.requirements:
        counts[requirement.status] += 1
    return Negotiation(
        counts=counts,
        proposed=tuple(r for r in kit.requirements if r.status == "proposed"),
        disputed=tuple(r for r in kit.requirements if r.status == "disputed"),
        undelivered=tuple(
            r for r in kit.requirements if r.status == "agreed" and not r.delivered_by
        ),
    )

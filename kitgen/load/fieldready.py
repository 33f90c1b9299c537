"""What makes reps trust a kit beyond its sign-off: fresh intelligence, no
roadmap sold as fact, and brevity. These produce warnings; they never change a digest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kitgen.base import settings
from kitgen.load.model import Claim, KitFile, ValueProp, document_file_name, split_reference
from kitgen.load.positions import LoadedKit

# How likely a roadmap stage is to ship as described; shown beside every roadmap mention.
LIKELIHOOD = {"concept": "about 50% likely", "development": "about 60% likely"}
SELLABLE = ("launch-ready", "shipped")


@dataclass(frozen=True)
class FieldWarning:
    file: str
    line: int | None
    column: int | None
    item: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.item}: {self.message}"


def stale_battlecards(loaded: LoadedKit, on: dt.date) -> list[FieldWarning]:
    warnings = []
    for i, card in enumerate(loaded.kit.battlecards):
        every = card.review_every_days or loaded.kit.review_every_days
        due = card.verified_on + dt.timedelta(days=every)
        line, column = loaded.where(("battlecards", i, "verified_on"))
        if on > due:
            warnings.append(FieldWarning(
                loaded.name, line, column, f"battlecards.{card.id}",
                f"intelligence on {card.competitor} was last verified {card.verified_on}; "
                f"review every {every} days, so it is {(on - due).days} days overdue",
            ))
        elif card.verified_on > on:
            warnings.append(FieldWarning(
                loaded.name, line, column, f"battlecards.{card.id}",
                f"verified_on {card.verified_on} is in the future",
            ))
    return warnings


def roadmap_mentions(kit: KitFile) -> list[tuple[str, str, str]]:
    """(where, roadmap id, stage) for every claim or response naming an unshipped feature."""
    stages = {item.id: item.stage for item in kit.roadmap}
    found = []
    for vp in kit.value_props:
        for j, claim in enumerate(vp.claims):
            rid = split_reference(claim.feature)[1] if claim.feature else ""
            if rid and stages.get(rid) not in SELLABLE:
                found.append((f"value_props.{vp.id}.claims[{j}]", rid, stages.get(rid, "?")))
    for card in kit.battlecards:
        for j, objection in enumerate(card.objections):
            rid = split_reference(objection.feature)[1] if objection.feature else ""
            if rid and stages.get(rid) not in SELLABLE:
                found.append((f"battlecards.{card.id}.objections[{j}]", rid, stages.get(rid, "?")))
    return found


def roadmap_notes(loaded: LoadedKit) -> list[FieldWarning]:
    warnings = []
    for where, rid, stage in roadmap_mentions(loaded.kit):
        warnings.append(FieldWarning(
            loaded.name, None, None, where,
            f"names roadmap.{rid} ({stage}, {LIKELIHOOD.get(stage, '')}): shown only in internal "
            "documents, marked as roadmap, never as fact",
        ))
    return warnings


def shown_to_customer(claim: Claim, kit: KitFile) -> bool:
    """Whether a customer may read ``claim``: the one rule behind customer-facing sheets and the
    customer export. Never an internal claim, nor one resting on a feature that is not
    launch-ready or shipped (or that the roadmap does not list): that would sell it as fact."""
    if claim.internal:
        return False
    if not claim.feature:
        return True
    stages = {item.id: item.stage for item in kit.roadmap}
    return stages.get(split_reference(claim.feature)[1]) in SELLABLE


def customer_claims(kit: KitFile, vp: ValueProp) -> list[Claim]:
    """The claims of ``vp`` a customer-facing sheet shows (all of them on an internal one)."""
    if vp.audience != "customer":
        return list(vp.claims)
    return [claim for claim in vp.claims if shown_to_customer(claim, kit)]


def customer_roadmap_leaks(kit: KitFile) -> list[str]:
    """Customer-facing text that names a feature not yet launch-ready, i.e. sells it as fact.

    Claims that reference such a feature are left out of customer sheets by the template; this
    catches the same feature named in free text, which no template can know to leave out.
    """
    early = [item for item in kit.roadmap if item.stage not in SELLABLE]
    leaks = []
    for vp in kit.value_props:
        if vp.audience != "customer":
            continue
        shown = [vp.persona, *vp.pains, *vp.differentiators]
        for claim in customer_claims(kit, vp):
            shown += [claim.claim, claim.proof, claim.source]
        text = " ".join(shown).casefold()
        for item in early:
            if item.feature.casefold() in text:
                leaks.append(
                    f"value_props.{vp.id} is customer-facing but names “{item.feature}” "
                    f"(roadmap, {item.stage}, {LIKELIHOOD[item.stage]}) as if it were available"
                )
    return leaks


def check_warnings(loaded: LoadedKit, on: dt.date | None = None) -> list[FieldWarning]:
    """Warnings that ``--strict`` fails on. Roadmap mentions are notes, not warnings."""
    leaks = [FieldWarning(loaded.name, None, None, leak.split(" ", 1)[0], leak.split(" ", 1)[1])
             for leak in customer_roadmap_leaks(loaded.kit)]
    noted = [FieldWarning(p.file, p.line, p.column, p.path, p.message) for p in loaded.warnings]
    return noted + stale_battlecards(loaded, on or settings.today()) + leaks


def long_battlecards(loaded: LoadedKit, pages: dict[str, int]) -> list[FieldWarning]:
    """Battlecards that run past one page, by file name → page count of a build."""
    warnings = []
    for i, card in enumerate(loaded.kit.battlecards):
        count = pages.get(document_file_name("battlecards", card.id), 1)
        if count > 1:
            line, column = loaded.where(("battlecards", i))
            warnings.append(FieldWarning(
                loaded.name, line, column, f"battlecards.{card.id}",
                f"the battlecard for {card.competitor} runs to {count} pages, "
                f"{count - 1} page{'s' if count > 2 else ''} over its one page: shorten it",
            ))
    return warnings

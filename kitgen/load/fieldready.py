"""What makes reps trust a kit beyond its sign-off: fresh intelligence, no
roadmap sold as fact, the right audience, and brevity. These produce warnings; they never
change a digest.

Which documents a rep may send a buyer is decided here too, once, for the warnings and for
the pages alike: only a value-prop sheet with ``audience: customer``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kitgen.base import settings
from kitgen.load.model import (
    Claim,
    KitFile,
    Staller,
    ValueProp,
    document_file_name,
    split_reference,
)
from kitgen.load.positions import LoadedKit, Loc, clip

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


def customer_facing(kit: KitFile) -> set[str]:
    """References (``value_props.<id>``) to the documents a rep may send a buyer."""
    return {f"value_props.{vp.id}" for vp in kit.value_props if vp.audience == "customer"}


def split_assets(kit: KitFile, staller: Staller) -> tuple[list[str], list[str]]:
    """A staller's assets as (send the buyer, read first): a battlecard or an internal sheet
    is for the rep to read, never to send, whatever the file lists it under."""
    sendable = customer_facing(kit)
    return ([a for a in staller.assets if a in sendable],
            [a for a in staller.assets if a not in sendable])


def sellable_claims(kit: KitFile, vp: ValueProp) -> list[int]:
    """Which claims of a sheet a customer may read: none marked internal, none resting on a
    feature that is not launch-ready or shipped (or not on the roadmap at all)."""
    return [j for j, claim in enumerate(vp.claims) if shown_to_customer(claim, kit)]


@dataclass(frozen=True)
class NotForCustomers:
    """A claim or response reps must not sell as fact, and why."""

    text: str
    where: str  # the document's title as the index shows it
    feature: str = ""  # the roadmap feature, when that is why
    stage: str = ""
    likelihood: str = ""


def not_for_customers(kit: KitFile) -> list[NotForCustomers]:
    """Every claim and objection response that must stay inside: named on a roadmap feature
    below launch-ready, or marked internal. Reps learn it here even where a customer-facing
    sheet leaves it out."""
    roadmap = {item.id: item for item in kit.roadmap}
    found = []
    for vp in kit.value_props:
        for claim in vp.claims:
            item = roadmap.get(split_reference(claim.feature)[1]) if claim.feature else None
            where = f"Value proposition: {vp.persona}"
            if item is not None and item.stage not in SELLABLE:
                found.append(NotForCustomers(claim.claim, where, item.feature, item.stage,
                                             LIKELIHOOD[item.stage]))
            elif claim.internal:
                found.append(NotForCustomers(claim.claim, where))
    for card in kit.battlecards:
        for objection in card.objections:
            item = roadmap.get(split_reference(objection.feature)[1]) if objection.feature else None
            if item is not None and item.stage not in SELLABLE:
                found.append(NotForCustomers(
                    f"{objection.objection} → {objection.response}",
                    f"Battlecard: {card.competitor}", item.feature, item.stage,
                    LIKELIHOOD[item.stage]))
    return found


def audience_warnings(loaded: LoadedKit) -> list[FieldWarning]:
    """A value prop that does not say who may read it, and a stall with nothing a rep may send:
    both end with a rep holding an internal document a buyer asked for."""
    kit = loaded.kit
    warnings = []
    for i, vp in enumerate(kit.value_props):
        if ("value_props", i, "audience") not in loaded.positions:
            line, column = loaded.where(("value_props", i))
            warnings.append(FieldWarning(
                loaded.name, line, column, f"value_props.{vp.id}",
                f"no `audience:`, so the sheet for the {vp.persona} is internal and says "
                "“do not share with customers”. Fix: add `audience: customer` if buyers may "
                "read it, or `audience: internal` to keep it for reps",
            ))
    for i, staller in enumerate(kit.playbook.stallers):
        send, read = split_assets(kit, staller)
        if send:
            continue
        line, column = loaded.where(("playbook", "stallers", i, "assets"))
        held = (f"its assets ({', '.join(read)}) are internal" if read
                else "it lists no assets")
        warnings.append(FieldWarning(
            loaded.name, line, column, f"playbook.stallers.{staller.id}",
            f"nothing a rep may send the buyer for “{clip(staller.stall)}”: {held}. Fix: add "
            "a value prop with `audience: customer` to its `assets:`",
        ))
    return warnings


def check_warnings(loaded: LoadedKit, on: dt.date | None = None) -> list[FieldWarning]:
    """Warnings that ``--strict`` fails on. Roadmap mentions are notes, not warnings."""
    leaks = [FieldWarning(loaded.name, None, None, leak.split(" ", 1)[0], leak.split(" ", 1)[1])
             for leak in customer_roadmap_leaks(loaded.kit)]
    noted = [FieldWarning(p.file, p.line, p.column, p.path, p.message) for p in loaded.warnings]
    return (noted + stale_battlecards(loaded, on or settings.today()) + leaks
            + audience_warnings(loaded))


def long_documents(loaded: LoadedKit, pages: dict[str, int]) -> list[FieldWarning]:
    """Battlecards and value-prop sheets that run past their one page, by file name → page
    count of a build."""
    kit = loaded.kit
    one_page: Sequence[tuple[Loc, str, str, str]] = [
        (("battlecards", i), document_file_name("battlecards", card.id), f"battlecards.{card.id}",
         f"the battlecard for {clip(card.competitor)}") for i, card in enumerate(kit.battlecards)
    ] + [
        (("value_props", i), document_file_name("value_props", vp.id), f"value_props.{vp.id}",
         f"the sheet for the {clip(vp.persona)}") for i, vp in enumerate(kit.value_props)
    ]
    warnings = []
    for loc, filename, item, what in one_page:
        count = pages.get(filename, 1)
        if count > 1:
            line, column = loaded.where(loc)
            warnings.append(FieldWarning(
                loaded.name, line, column, item,
                f"{what} runs to {count} pages, {count - 1} page{'s' if count > 2 else ''} "
                "over its one page: shorten it",
            ))
    return warnings


def text_fields(loaded: LoadedKit, within: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Every text value of the file under ``within``, with where it sits."""

    def walk(value: object, loc: Loc) -> Iterator[tuple[Loc, str]]:
        if isinstance(value, str):
            yield loc, value
        elif isinstance(value, dict):
            for key, inner in value.items():
                yield from walk(inner, (*loc, key))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                yield from walk(inner, (*loc, index))

    data = loaded.kit.model_dump(mode="json", by_alias=True)
    node: object = data
    for part in within:
        node = node[part] if isinstance(node, dict | list) else None  # type: ignore[index]
    yield from walk(node, within)


def field_name(kit: KitFile, loc: Loc) -> str:
    """A field as people name it: items by their id (``battlecards.globex.competitor``),
    other list entries by their index (``why_we_win[2]``)."""
    name = ""
    node: object = kit.model_dump(mode="json", by_alias=True)
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) else None
            name += f".{ident}" if isinstance(ident, str) else f"[{part}]"
            node = item
        else:
            name += f".{part}" if name else part
            node = node.get(part) if isinstance(node, dict) else None
    return name


def locate_text(loaded: LoadedKit, text: str, within: Loc = ()) -> tuple[Loc, int | None,
                                                                      int | None]:
    """Where the file holds ``text`` (the first field containing it, preferring ``within``):
    the field and its line and column; the whole file when no field holds it."""
    for scope in (within, ()) if within else ((),):
        for loc, value in text_fields(loaded, scope):
            if text in value:
                return (loc, *loaded.where(loc))
    return ((), None, None)

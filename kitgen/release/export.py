"""A released version's content as data, for CRMs, enablement platforms and AI assistants.

Only a released version is exported unless a draft is asked for, and then the data says it is
one. The customer variant is cut by the rule the customer-facing PDFs follow
(``load/fieldready.shown_to_customer``): only customer-facing value propositions, only the claims
their sheets show, no sign-off names.
"""

from __future__ import annotations

from typing import Any, Literal

from kitgen.base.errors import GateNotMet
from kitgen.load.fieldready import SELLABLE, customer_claims, customer_roadmap_leaks
from kitgen.load.model import Claim, KitFile, split_reference
from kitgen.release import export_model as shape
from kitgen.signoff.ledger import KitLedger
from kitgen.signoff.records import meaning_of
from kitgen.version.manifest import RELEASE_DIR, RELEASE_MANIFEST, read_json_object

Audience = Literal["customer", "internal"]


def choose_version(ledger: KitLedger, version: str | None, draft: bool) -> str:
    """The version to export: the one named, else the latest released (the latest built with
    ``draft``). An unreleased one only with ``draft``."""
    released = ledger.released_versions()
    if version is None and not draft:
        if not released:
            raise GateNotMet(f"kit {ledger.kit!r} has no released version to export",
                             details=["Release one (`kitgen build --release` once both sides "
                                      "approved), or pass --draft to export the latest version "
                                      "as a draft."])
        return released[-1]
    chosen = ledger.require_version(version)
    if chosen not in released and not draft:
        raise GateNotMet(f"version {chosen} of kit {ledger.kit!r} is not released",
                         details=["Pass --draft to export it as a draft (the data says so), or "
                                  "export a released version."])
    return chosen


def export_kit(ledger: KitLedger, version: str, audience: Audience) -> dict[str, Any]:
    """The content of ``version`` for ``audience``, shaped as ``export_model`` publishes it."""
    kit = ledger.snapshot(version).kit
    released = version in ledger.released_versions()
    common: dict[str, Any] = {
        "kit": kit.kit, "title": kit.title, "product": kit.product,
        "launch": kit.launch.isoformat(), "version": version,
        "digest": str(ledger.manifest(version)["digest"]),
        "state": "released" if released else "draft", "released": released,
        "notice": None if released else shape.DRAFT_NOTICE,
        "kitgen_version": str(ledger.manifest(version)["kitgen_version"]),
        "documents": _documents(ledger, version, released, audience),
    }
    signoffs = _signoffs(ledger, version, released)
    if audience == "customer":
        leaks = customer_roadmap_leaks(kit)
        if leaks:
            raise GateNotMet(f"version {version} of kit {kit.kit!r} names unshipped features in "
                             "customer-facing text; it has no customer export", details=leaks)
        exported: shape.CustomerExport | shape.InternalExport = shape.CustomerExport(
            audience="customer",
            signoffs=[shape.CustomerSignoff(side=s.side, time=s.time)
                      for s in signoffs if s.decision == "approve"],
            value_props=[shape.CustomerValueProp(
                id=vp.id, persona=vp.persona, pains=list(vp.pains),
                claims=[shape.CustomerClaim(claim=c.claim, proof=c.proof, source=c.source)
                        for c in customer_claims(kit, vp)],
                differentiators=list(vp.differentiators))
                for vp in kit.value_props if vp.audience == "customer"],
            **common)
    else:
        exported = _internal(kit, signoffs, common)
    return exported.model_dump(mode="json", by_alias=True)


def _internal(kit: KitFile, signoffs: list[shape.InternalSignoff],
              common: dict[str, Any]) -> shape.InternalExport:
    features = {item.id: shape.Feature(id=item.id, feature=item.feature, stage=item.stage,
                                       sellable=item.stage in SELLABLE) for item in kit.roadmap}

    def feature(ref: str | None) -> shape.Feature | None:
        return features.get(split_reference(ref)[1]) if ref else None

    def claim(c: Claim) -> shape.InternalClaim:
        return shape.InternalClaim(claim=c.claim, proof=c.proof, source=c.source,
                                   internal=c.internal, feature=feature(c.feature))

    playbook = kit.playbook
    return shape.InternalExport(
        audience="internal", signoffs=signoffs,
        value_props=[shape.InternalValueProp(
            id=vp.id, persona=vp.persona, audience=vp.audience, pains=list(vp.pains),
            claims=[claim(c) for c in vp.claims], differentiators=list(vp.differentiators))
            for vp in kit.value_props],
        battlecards=[shape.Battlecard(
            **card.model_dump(include={"id", "competitor", "summary", "why_we_win",
                                       "where_they_win", "landmines", "proof_points",
                                       "pricing"}),
            verified_on=card.verified_on.isoformat(),
            objections=[shape.Objection(objection=o.objection, response=o.response,
                                        feature=feature(o.feature)) for o in card.objections])
            for card in kit.battlecards],
        playbook=shape.Playbook(
            stallers=[shape.Staller(**s.model_dump()) for s in playbook.stallers],
            nay_sayer=playbook.nay_sayer.model_dump(),
            decision_maker=playbook.decision_maker.model_dump()),
        roadmap=list(features.values()),
        requirements=[shape.Requirement.model_validate(r.model_dump(
            by_alias=True, include={"id", "from_", "need", "status", "resolution",
                                    "delivered_by"})) for r in kit.requirements],
        **common)


def _signoffs(ledger: KitLedger, version: str,
              released: bool) -> list[shape.InternalSignoff]:
    """The sign-offs a release relied on; for a draft, those that count so far."""
    relied: set[str] | None = None
    if released:
        release = read_json_object(ledger.kit_dir / version / RELEASE_DIR / RELEASE_MANIFEST)
        entries = (release or {}).get("signoffs", [])
        relied = {str(e.get("file")) for e in entries if isinstance(e, dict)}
    found = []
    for judged in ledger.judged:
        if not judged.counts or judged.record.version != version:
            continue
        if relied is not None and judged.stored.path.name not in relied:
            continue
        r = judged.record
        found.append(shape.InternalSignoff(
            side=r.side, decision=r.decision, name=r.name, email=r.email, time=r.time,  # type: ignore[arg-type]
            meaning=r.meaning or meaning_of(r.decision, r.side, version),
            signed=judged.stored.signature is not None))
    return found


def _documents(ledger: KitLedger, version: str, released: bool,
               audience: Audience) -> list[shape.Document]:
    listed = {str(d["file"]): d for d in ledger.manifest(version)["documents"]}
    folder = f"kits/{ledger.kit}/{version}"
    rows = list(listed.values())
    if released:
        release = read_json_object(ledger.kit_dir / version / RELEASE_DIR / RELEASE_MANIFEST)
        rows = [d for d in (release or {}).get("documents", []) if isinstance(d, dict)]
        folder += f"/{RELEASE_DIR}"
    documents = []
    for row in rows:
        about = listed.get(str(row.get("file")), {})
        if audience == "customer" and about.get("audience") != "customer":
            continue
        documents.append(shape.Document(
            file=str(row["file"]), title=str(about.get("title", row["file"])),
            path=f"{folder}/{row['file']}", pages=int(row["pages"]), sha256=str(row["sha256"])))
    return documents

"""Which documents a kit holds, what each page says about its version, and how documents
point reps at each other.

A kit renders to an index, one battlecard per competitor, the playbook, and one value-prop sheet
per persona; each document knows the requirements it delivers (``delivered_by``), whom it is for
(``audience``) and when a rep reaches for it (``use_when``).

A draft page names its own revision, not the kit version: a document that did not change keeps
its page, and its bytes, from one version to the next, so only what changed is rendered again.
The kit version and its digest reach a draft PDF after rendering (version/carry.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kitgen.base import settings
from kitgen.load.fieldready import split_assets
from kitgen.load.model import KitFile, Requirement, document_file_name, split_reference

TEMPLATE_FOR_KIND = {
    "index": "index.html.j2",
    "battlecard": "battlecard.html.j2",
    "playbook": "playbook.html.j2",
    "value_prop": "value_prop.html.j2",
}


@dataclass(frozen=True)
class Revision:
    """Which content of a document a page shows: the kit version in which that content first
    appeared, and the sha256 of it (its HTML and the files drawing it may read). Both follow
    from the inputs and the previous version's manifest, so a rebuild finds the same."""

    version: str
    digest: str

    @property
    def short(self) -> str:
        return self.digest[:12]


@dataclass(frozen=True)
class Document:
    """One PDF of a kit. ``ref`` is how requirements name it in ``delivered_by``; ``revision``
    is known once its HTML is (render/scheduler.py)."""

    kind: str
    ref: str
    title: str
    filename: str
    audience: str
    delivers: tuple[Requirement, ...] = ()
    pages: int = 0
    revision: Revision | None = None

    @property
    def stem(self) -> str:
        return self.filename.removesuffix(".pdf")


@dataclass(frozen=True)
class SignoffLine:
    name: str
    email: str
    side: str
    meaning: str
    time: str


@dataclass(frozen=True)
class BuildInfo:
    """What a version's documents may print about it. ``known`` holds the revisions a
    manifest recorded, by file: the previous version's for a build or a preview, the version's
    own for a release or a rebuild. ``preview``: rendered by ``kitgen preview``, not a version."""

    version: str
    digest: str
    draft: bool
    date: str
    timestamp: str
    kitgen_version: str
    signoffs: tuple[SignoffLine, ...] = field(default=())
    known: tuple[tuple[str, Revision], ...] = field(default=())
    preview: bool = False

    @property
    def digest_short(self) -> str:
        return self.digest[:12]

    def revision_for(self, filename: str, digest: str) -> Revision:
        """A draft document whose content (``digest``) is the one recorded keeps its recorded
        revision; other content is new in this version. A released page keeps the revision its
        draft had, whatever the sign-off block adds."""
        recorded = dict(self.known).get(filename)
        if recorded is not None and (recorded.digest == digest or not self.draft):
            return recorded
        return Revision(self.version, digest)

    @classmethod
    def of(cls, version: str, digest: str, when: dt.datetime,
           signoffs: tuple[SignoffLine, ...] | None = None,
           known: Mapping[str, Revision] | None = None, preview: bool = False) -> BuildInfo:
        """What the documents of ``version`` print about it: a draft without ``signoffs``,
        released with them; ``when`` is the version's time (never the clock)."""
        from kitgen import __version__

        return cls(version=version, digest=digest, draft=signoffs is None,
                   date=when.date().isoformat(), timestamp=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   kitgen_version=__version__, signoffs=signoffs or (),
                   known=tuple(sorted((known or {}).items())), preview=preview)


@dataclass(frozen=True)
class Changes:
    """Requirement changes shown on a version's index."""

    previous: str
    since_previous: tuple[Any, ...]
    released: str | None
    since_released: tuple[Any, ...]


def plan_documents(kit: KitFile) -> list[Document]:
    """Every document of a kit, index first, each with the requirements it delivers."""

    def delivering(ref: str) -> tuple[Requirement, ...]:
        # The playbook delivers every reference into it; an item only references to itself
        # (ids may hold dots: `battlecards.a` must not take `battlecards.a.b`).
        return tuple(
            r
            for r in kit.requirements
            if r.status != "dropped"
            and any(d == ref or (ref == "playbook" and d.startswith("playbook."))
                    for d in r.delivered_by)
        )

    documents = [Document("index", "", "Kit index", "index.pdf", "internal")]
    for card in kit.battlecards:
        ref = f"battlecards.{card.id}"
        documents.append(
            Document("battlecard", ref, f"Battlecard: {card.competitor}",
                     document_file_name("battlecards", card.id), "internal", delivering(ref))
        )
    documents.append(
        Document("playbook", "playbook", "Staller-handling playbook", "playbook.pdf",
                 "internal", delivering("playbook"))
    )
    for vp in kit.value_props:
        ref = f"value_props.{vp.id}"
        documents.append(
            Document("value_prop", ref, f"Value proposition: {vp.persona}",
                     document_file_name("value_props", vp.id), vp.audience, delivering(ref))
        )
    return documents


@dataclass(frozen=True)
class AssetLink:
    """A document a staller's block points at, as a rep finds it in the kit."""

    title: str
    filename: str


@dataclass(frozen=True)
class StallerAssets:
    send: tuple[AssetLink, ...]  # customer-facing: the rep may send these to the buyer
    read: tuple[AssetLink, ...]  # internal: the rep reads these first and never sends them


def staller_assets(kit: KitFile, documents: list[Document]) -> dict[str, StallerAssets]:
    """Per staller id, its assets split by who may see them."""
    by_ref = {d.ref: d for d in documents if d.ref}

    def links(refs: list[str]) -> tuple[AssetLink, ...]:
        return tuple(AssetLink(by_ref[r].title, by_ref[r].filename) if r in by_ref
                     else AssetLink(r, "") for r in refs)

    groups = {}
    for staller in kit.playbook.stallers:
        send, read = split_assets(kit, staller)
        groups[staller.id] = StallerAssets(links(send), links(read))
    return groups


def use_when(kit: KitFile, document: Document) -> str:
    """When a rep reaches for ``document``: the end of a sentence starting "Use when"."""
    item_id = split_reference(document.ref)[1]
    if document.kind == "battlecard":
        card = next(c for c in kit.battlecards if c.id == item_id)
        return (f"you are up against {card.competitor}: questions to ask in discovery, answers "
                "to objections, and where they are strong.")
    if document.kind == "playbook":
        return ("a buyer stalls, says no or has to decide: what to say, what to send and when "
                "to escalate.")
    if document.kind == "value_prop":
        vp = next(v for v in kit.value_props if v.id == item_id)
        if document.audience == "customer":
            return (f"the {vp.persona}, or a champion who will forward it, wants the case in "
                    "writing: send it. Results, each with its source.")
        return (f"you are about to meet the {vp.persona}: their pains, the claims you can back "
                "and what sets us apart. Read it; never send it.")
    return ""


def source_date(kit: KitFile) -> dt.datetime:
    """The time written into PDFs: SOURCE_DATE_EPOCH, else the launch date, never the clock."""
    pinned = settings.source_date_epoch()
    if pinned is not None:
        return pinned
    return dt.datetime.combine(kit.launch, dt.time(0, 0), tzinfo=dt.UTC)

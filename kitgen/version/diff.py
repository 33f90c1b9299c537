"""What changed between two versions, document by document (what changed in the content, field
by field, is ``content_diff``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kitgen.load.model import KitFile


@dataclass(frozen=True)
class DocumentChange:
    file: str
    change: str  # added, removed, changed, unchanged
    pages_before: int | None = None
    pages_after: int | None = None
    reason: str = ""  # for "changed": content, templates or kitgen, brand, length

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "change": self.change, "reason": self.reason,
                "pages_before": self.pages_before, "pages_after": self.pages_after}


def diff_documents(
    old: dict[str, Any], new: dict[str, Any], old_kit: KitFile, new_kit: KitFile
) -> list[DocumentChange]:
    """Compare two versions' documents by what they show, not by their bytes.

    Every page carries its version and digest, so the PDFs of two versions always differ; a
    document counts as changed when its data, the templates or kitgen, the brand, or its length
    changed.
    """
    before = {d["file"]: d for d in old.get("documents", [])}
    after = {d["file"]: d for d in new.get("documents", [])}
    sources_before, sources_after = document_sources(old_kit), document_sources(new_kit)
    restyled = _rendering_inputs(old) != _rendering_inputs(new)
    rebranded = _rendering_inputs(old, brand=True) != _rendering_inputs(new, brand=True)
    changes = []
    for name in sorted(before.keys() | after.keys()):
        a, b = before.get(name), after.get(name)
        if a is None:
            changes.append(DocumentChange(name, "added", None, b["pages"] if b else None))
        elif b is None:
            changes.append(DocumentChange(name, "removed", a["pages"], None))
        else:
            reason = ("content" if sources_before.get(name) != sources_after.get(name)
                      else "templates or kitgen" if restyled
                      else "brand" if rebranded
                      else "length" if a["pages"] != b["pages"] else "")
            changes.append(DocumentChange(name, "changed" if reason else "unchanged",
                                          a["pages"], b["pages"], reason))
    return changes


def document_sources(kit: KitFile) -> dict[str, bytes]:
    """Per document file, the data it is rendered from (apart from the version stamp).

    A document shows its own item, the requirements it delivers, the kit's heading fields,
    and the labels and roadmap entries of whatever its item refers to; the index shows all.
    """
    from kitgen.load.references import known_references
    from kitgen.render.documents import plan_documents
    from kitgen.version.digest import canonical_json

    data = kit.model_dump(mode="json", by_alias=True)
    data.pop("version", None)
    content = ("requirements", "battlecards", "value_props", "playbook", "roadmap")
    shared = {k: v for k, v in data.items() if k not in content}
    labels = known_references(kit)
    roadmap = {f"roadmap.{r['id']}": r for r in data["roadmap"]}
    items: dict[str, Any] = {"playbook": data["playbook"]}
    items |= {f"battlecards.{c['id']}": c for c in data["battlecards"]}
    items |= {f"value_props.{v['id']}": v for v in data["value_props"]}
    sources = {}
    for doc in plan_documents(kit):
        if doc.kind == "index":
            source: Any = data  # the index lists every requirement and document
        else:
            delivers = [r.model_dump(mode="json", by_alias=True) for r in doc.delivers]
            mentioned = _strings([items.get(doc.ref), delivers])
            source = {"shared": shared, "item": items.get(doc.ref), "title": doc.title,
                      "audience": doc.audience, "delivers": delivers,
                      "labels": {k: v for k, v in labels.items() if k in mentioned},
                      # a staller's asset is "send the buyer" or "read first" by its audience
                      "audiences": {k: v["audience"] for k, v in items.items()
                                    if k in mentioned and k.startswith("value_props.")},
                      "roadmap": {k: v for k, v in roadmap.items() if k in mentioned}}
        sources[doc.filename] = canonical_json(source)
    return sources


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def _rendering_inputs(manifest: dict[str, Any], brand: bool = False) -> tuple[Any, Any]:
    """The templates and kitgen a version was rendered with, or (``brand``) its brand files."""
    inputs = {k: v for k, v in manifest.get("inputs", {}).items()
              if k != "data" and k.startswith("brand:") == brand}
    return inputs, None if brand else manifest.get("kitgen_version")

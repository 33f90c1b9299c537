"""What changed between two versions: requirement by requirement, document by document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kitgen.model import KitFile


@dataclass(frozen=True)
class RequirementChange:
    id: str
    change: str  # added, removed, status, text
    before: str = ""
    after: str = ""

    def describe(self) -> str:
        if self.change == "added":
            return f"{self.id}: added ({self.after})"
        if self.change == "removed":
            return f"{self.id}: removed (was {self.before})"
        if self.change == "status":
            return f"{self.id}: status {self.before} → {self.after}"
        return f"{self.id}: text changed"

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "change": self.change, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class DocumentChange:
    file: str
    change: str  # added, removed, changed, unchanged
    pages_before: int | None = None
    pages_after: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "change": self.change,
                "pages_before": self.pages_before, "pages_after": self.pages_after}


def diff_requirements(old: KitFile, new: KitFile) -> list[RequirementChange]:
    before = {r.id: r for r in old.requirements}
    after = {r.id: r for r in new.requirements}
    changes: list[RequirementChange] = []
    for rid, req in after.items():
        if rid not in before:
            changes.append(RequirementChange(rid, "added", after=req.status))
            continue
        was = before[rid]
        if was.status != req.status:
            changes.append(RequirementChange(rid, "status", was.status, req.status))
        fields = ("need", "positions", "resolution", "delivered_by", "from_")
        if any(getattr(was, f) != getattr(req, f) for f in fields):
            changes.append(RequirementChange(rid, "text", was.need, req.need))
    for rid, req in before.items():
        if rid not in after:
            changes.append(RequirementChange(rid, "removed", before=req.status))
    return changes


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> list[DocumentChange]:
    """Compare two manifests' documents by content hash."""
    before = {d["file"]: d for d in old.get("documents", [])}
    after = {d["file"]: d for d in new.get("documents", [])}
    changes = []
    for name in sorted(before.keys() | after.keys()):
        a, b = before.get(name), after.get(name)
        if a is None:
            changes.append(DocumentChange(name, "added", None, b["pages"] if b else None))
        elif b is None:
            changes.append(DocumentChange(name, "removed", a["pages"], None))
        else:
            kind = "unchanged" if a["sha256"] == b["sha256"] else "changed"
            changes.append(DocumentChange(name, kind, a["pages"], b["pages"]))
    return changes

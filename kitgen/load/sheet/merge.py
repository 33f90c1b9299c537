"""The three-way merge of a workbook into the requirement file, field by field.

Base: the rows as exported. Workbook: the rows as the sales leader left them. YAML: the file as
it is now. A field only the workbook changed is taken; one only the YAML changed is kept; one
both changed to different values is a conflict, reported and never overwritten.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from kitgen.load.sheet.cells import SheetRow
from kitgen.load.sheet.layout import FIELDS, HEADERS, RequirementRow, same_text

Value = str | tuple[str, ...] | None
_ATTRIBUTE = {"from": "from_", "positions.sales": "sales", "positions.marketing": "marketing"}


@dataclass(frozen=True)
class FieldChange:
    id: str
    field: str
    before: Value
    after: Value


@dataclass(frozen=True)
class Conflict:
    id: str
    field: str
    row: int
    base: Value
    workbook: Value
    yaml: Value

    def describe(self) -> str:
        if self.field == "id" and self.yaml is None:
            return (f"{self.id} (row {self.row}): edited in the workbook, but removed from the "
                    "requirement file since the export")
        if self.field == "id":
            return (f"{self.id} (row {self.row}): a new row in the workbook, but the requirement "
                    "file gained a requirement with this id and other content since the export")
        what = HEADERS.get(self.field, self.field)
        return (f"{self.id} {what} (row {self.row}): the workbook says {show(self.workbook)}, "
                f"but requirements changed it from {show(self.base)} to {show(self.yaml)} "
                "since the export")


@dataclass(frozen=True)
class Merge:
    rows: tuple[RequirementRow, ...]  # every requirement as it will be, in the file's order
    changes: tuple[FieldChange, ...]  # on requirements that exist
    added: tuple[RequirementRow, ...]
    conflicts: tuple[Conflict, ...]
    kept: tuple[str, ...]  # ids exported but no longer in the workbook: left as they are

    @property
    def changed_ids(self) -> list[str]:
        return list(dict.fromkeys(c.id for c in self.changes))


def same(a: Value, b: Value) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return tuple(a or ()) == tuple(b or ())
    return same_text(a, b)


def show(value: Value) -> str:
    if isinstance(value, tuple):
        return ", ".join(value) if value else "(nothing)"
    return f"“{value}”" if value else "(empty)"


def merge_rows(base: Sequence[RequirementRow], workbook: Sequence[SheetRow],
               yaml: Sequence[RequirementRow]) -> Merge:
    exported = {r.id: r for r in base}
    current = {r.id: r for r in yaml}
    final = dict(current)
    changes: list[FieldChange] = []
    conflicts: list[Conflict] = []
    added: list[RequirementRow] = []
    for sheet_row in workbook:
        theirs, number = sheet_row.row, sheet_row.number
        ours = current.get(theirs.id)
        was = exported.get(theirs.id)
        if ours is None and was is None:
            added.append(theirs)
            continue
        if ours is None or was is None:
            # Removed from the YAML since the export, or added there under the same id.
            other = was or ours
            assert other is not None
            if not all(same(theirs.value(f), other.value(f)) for f in FIELDS):
                conflicts.append(Conflict(theirs.id, "id", number,
                                          theirs.id if was else None, theirs.id,
                                          None if ours is None else theirs.id))
            continue
        updates: dict[str, Value] = {}
        for field in FIELDS[1:]:
            b, t, o = was.value(field), theirs.value(field), ours.value(field)
            if same(t, b) or same(t, o):
                continue
            if same(o, b):
                updates[field] = t
                changes.append(FieldChange(theirs.id, field, o, t))
            else:
                conflicts.append(Conflict(theirs.id, field, number, b, t, o))
        if updates:
            final[theirs.id] = dataclasses.replace(
                ours, **{_ATTRIBUTE.get(f, f): v for f, v in updates.items()})  # type: ignore[arg-type]
    listed = {r.row.id for r in workbook}
    kept = tuple(r.id for r in base if r.id not in listed and r.id in current)
    rows = tuple(final[r.id] for r in yaml) + tuple(added)
    return Merge(rows, tuple(changes), tuple(added), tuple(conflicts), kept)

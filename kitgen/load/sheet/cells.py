"""The Requirements sheet's cells → requirement rows, each checked as the YAML checks it.

Every problem is collected (sheet, row, column, field, fix) before failing, as for a YAML file.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError

from kitgen.base.errors import CellProblem, InvalidKitFile, Problem
from kitgen.load.compose import unsafe_character
from kitgen.load.explain import explain_value
from kitgen.load.model import KitFile, Requirement
from kitgen.load.sheet.items import deliverable_items, parse_reference
from kitgen.load.sheet.layout import COLUMNS, HEADERS, RequirementRow

MAX_ROWS = 5000
REQUIRED = ("id", "from", "need", "status")
Report = Callable[[int, int, str, str, str], None]  # row, column, field, message, fix


@dataclass(frozen=True)
class SheetRow:
    """A requirement as a row of the workbook says it, with the row's number."""

    number: int
    row: RequirementRow


def read_requirement_rows(sheet: Worksheet, name: str, kit: KitFile) -> tuple[SheetRow, ...]:
    problems: list[Problem] = []

    def report(row: int, column: int, field: str, message: str, fix: str) -> None:
        problems.append(CellProblem(name, row, column, HEADERS.get(field, field), message, fix,
                                    sheet=sheet.title))

    for merged in sheet.merged_cells.ranges:
        report(merged.min_row, merged.min_col, "", f"cells {merged.coord} are merged",
               "unmerge them (Excel: Home → Merge & Center → Unmerge Cells): each cell holds "
               "one field of one requirement")
    columns = _columns(sheet, report)
    if problems:
        raise InvalidKitFile(problems)
    last = sheet.max_row
    if last > MAX_ROWS + 1:
        report(MAX_ROWS + 2, 1, "", f"the sheet has {last - 1:,} rows; kitgen reads at most "
               f"{MAX_ROWS:,} requirements", "delete the rows below the requirements")
        raise InvalidKitFile(problems)
    items = deliverable_items(kit)
    rows: list[SheetRow] = []
    seen: dict[str, int] = {}
    for number in range(2, last + 1):
        values = {field: _text(sheet.cell(row=number, column=column), field, report)
                  for field, column in columns.items()}
        if all(v is None for v in values.values()):
            continue
        row = _requirement(number, values, columns, items, report)
        if row is None:
            continue
        if row.id in seen:
            report(number, columns["id"], "id", f"the id `{row.id}` is also in row "
                   f"{seen[row.id]}", "give each requirement its own id")
            continue
        seen[row.id] = number
        rows.append(SheetRow(number, row))
    if problems:
        raise InvalidKitFile(problems)
    return tuple(rows)


def _columns(sheet: Worksheet, report: Report) -> dict[str, int]:
    """field → column number, from the header row; renamed, missing and extra columns are
    problems (a note typed in a column of its own would otherwise be lost without a word)."""
    wanted = {" ".join(c.header.split()).casefold(): c.field for c in COLUMNS}
    found: dict[str, int] = {}
    for column in range(1, sheet.max_column + 1):
        header = sheet.cell(row=1, column=column).value
        text = " ".join(str(header).split()) if header is not None else ""
        if text.casefold() in wanted:
            found[wanted[text.casefold()]] = column
        elif text:
            near = difflib.get_close_matches(text, [c.header for c in COLUMNS], n=1, cutoff=0.5)
            report(1, column, "", f"the column `{text}` is not one kitgen knows",
                   f"rename it back to `{near[0]}`" if near else
                   "delete it, or move what it holds into Resolution")
        elif any(sheet.cell(row=r, column=column).value is not None
                 for r in range(2, min(sheet.max_row, MAX_ROWS + 1) + 1)):
            report(1, column, "", "this column holds text but has no header",
                   "delete it, or move what it holds into Resolution")
    for number, spec in enumerate(COLUMNS, start=1):
        if spec.field not in found:
            report(1, number, spec.field, f"the column `{spec.header}` is missing (renamed or "
                   "deleted?)", f"put the header `{spec.header}` back, as exported")
    return found


def _text(cell: Cell, field: str, report: Report) -> str | None:
    value: Any = cell.value
    if cell.data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
        report(cell.row, cell.column, field, "the cell holds a formula; kitgen reads typed text "
               "only", "type the text itself (or copy the cell and paste it as values)")
        return None
    if value is None:
        return None
    if not isinstance(value, str):
        kind = "true/false" if isinstance(value, bool) else (
            "a number" if isinstance(value, int | float) else "a date")
        report(cell.row, cell.column, field, f"expected text, got {kind} ({value})",
               f"type it as text: start it with an apostrophe ('{value})")
        return None
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    bad = unsafe_character(text)
    if bad is not None:
        report(cell.row, cell.column, field, *bad)
        return None
    return text or None


def _requirement(number: int, values: dict[str, str | None], columns: dict[str, int],
                 items: dict[str, tuple[str, str]], report: Report) -> RequirementRow | None:
    """One row as a requirement, checked by the requirement model itself; None on problems."""
    problems = 0

    def bad(field: str, message: str, fix: str) -> None:
        nonlocal problems
        problems += 1
        report(number, columns[field], field, message, fix)

    for field in REQUIRED:
        if values[field] is None:
            bad(field, f"{HEADERS[field]} is empty", f"fill in {HEADERS[field]}"
                + (" (e.g. req-12) for the new requirement" if field == "id" else ""))
    sales, marketing = values["positions.sales"], values["positions.marketing"]
    if (sales is None) != (marketing is None):
        empty = "positions.marketing" if marketing is None else "positions.sales"
        bad(empty, f"{HEADERS[empty]} is empty while the other side's position is filled",
            "write both sides' positions in their own words, or neither")
    refs: list[str] = []
    for line in (values["delivered_by"] or "").split("\n"):
        if line.strip():
            ref = parse_reference(line, items)
            if isinstance(ref, tuple):
                bad("delivered_by", *ref)
            elif ref not in refs:
                refs.append(ref)
    data: dict[str, Any] = {k: values[k] for k in REQUIRED}
    if sales is not None and marketing is not None:
        data["positions"] = {"sales": sales, "marketing": marketing}
    if values["resolution"] is not None:
        data["resolution"] = values["resolution"]
    data["delivered_by"] = refs
    try:
        Requirement.model_validate(data)
    except ValidationError as error:
        for e in error.errors(include_url=False):
            field = _field_of(tuple(e["loc"]), e)
            if values.get(field) is None and field in REQUIRED:
                continue  # reported above as empty
            if e["type"] == "disputed_without_positions":
                bad("status", "a disputed requirement needs both sides' positions",
                    "fill in Sales position and Marketing position")
                continue
            message, fix = explain_value(e, str(values.get(field) or ""))
            bad(field, message.replace(f"`{field}`", HEADERS[field]), fix)
    if problems:
        return None
    return RequirementRow(str(values["id"]), str(values["from"]), str(values["need"]),
                          str(values["status"]), sales, marketing, values["resolution"],
                          tuple(refs))


def _field_of(loc: tuple[Any, ...], error: Any) -> str:
    loc = (*loc, *((error.get("ctx") or {}).get("at", ())))
    if loc[:1] == ("positions",):
        return "positions.marketing" if "marketing" in loc else "positions.sales"
    if loc and loc[0] in HEADERS:
        return str(loc[0])
    return "id"

"""A kit's negotiation → a workbook a sales leader can work in (openpyxl).

Sheet ``Requirements``: one row per requirement, status and from as drop-downs, items named by
their titles. Sheet ``Items``: read-only, what each item is and which requirements it delivers.
A very hidden, protected sheet keeps the rows as exported, the base of the three-way merge.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kitgen.load.model import SIDES, STATUSES, KitFile
from kitgen.load.positions import LoadedKit
from kitgen.load.sheet import layout
from kitgen.load.sheet.items import deliverable_items, describe_reference
from kitgen.load.sheet.layout import COLUMNS, RequirementRow, row_of

ROOM_FOR_NEW_ROWS = 200  # rows below the last requirement that keep the drop-downs
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
_WRAP = Alignment(wrap_text=True, vertical="top")


def export_workbook(loaded: LoadedKit, version: str | None) -> bytes:
    """The workbook of ``loaded``'s requirements; ``version`` is the kit's latest built version
    (None before the first build), recorded so a reader knows what the rows came from."""
    kit = loaded.kit
    rows = [row_of(r) for r in kit.requirements]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = layout.REQUIREMENTS_SHEET
    _fill_requirements(sheet, kit, rows)
    _fill_items(book.create_sheet(layout.ITEMS_SHEET), kit)
    _fill_base(book.create_sheet(layout.BASE_SHEET), rows)
    _set_properties(book, loaded, version, layout.fingerprint(kit.kit, rows))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def put(sheet: Worksheet, row: int, column: int, value: str | None) -> None:
    """Write text as text: a need that starts with ``=`` stays words, never a formula."""
    cell = sheet.cell(row=row, column=column, value=value)
    if value is not None:
        cell.data_type = "s"
    cell.alignment = _WRAP


def _header(sheet: Worksheet, headers: Sequence[str], widths: Sequence[int]) -> None:
    for column, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(row=1, column=column, value=text)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _WRAP
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "B2"


def _fill_requirements(sheet: Worksheet, kit: KitFile, rows: list[RequirementRow]) -> None:
    _header(sheet, [c.header for c in COLUMNS], [c.width for c in COLUMNS])
    labels = deliverable_items(kit)
    for number, row in enumerate(rows, start=2):
        for column, spec in enumerate(COLUMNS, start=1):
            value = row.value(spec.field)
            if isinstance(value, tuple):
                value = "\n".join(describe_reference(ref, labels) for ref in value) or None
            put(sheet, number, column, value)
    last = len(rows) + 1 + ROOM_FOR_NEW_ROWS
    fields = [c.field for c in COLUMNS]
    for field, choices in (("status", STATUSES), ("from", SIDES)):
        letter = get_column_letter(fields.index(field) + 1)
        choice = DataValidation(
            type="list", formula1=f'"{",".join(choices)}"', allow_blank=True,
            showErrorMessage=True, errorTitle=f"Not a {field}",
            error=f"{layout.HEADERS[field]} is one of: {', '.join(choices)}.",
        )
        choice.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(choice)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"


def _fill_items(sheet: Worksheet, kit: KitFile) -> None:
    """What delivers what, read-only: the sales side looks here, and edits the other sheet."""
    _header(sheet, ["Item", "Reference", "Audience", "Delivers"], [45, 34, 16, 60])
    delivers: dict[str, list[str]] = {}
    for requirement in kit.requirements:
        for ref in requirement.delivered_by:
            delivers.setdefault(ref, []).append(f"{requirement.id} ({requirement.status})")
    for number, (ref, (label, audience)) in enumerate(deliverable_items(kit).items(), start=2):
        for column, value in enumerate(
            (label, ref, audience, "\n".join(delivers.get(ref, [])) or None), start=1
        ):
            put(sheet, number, column, value)
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # widening a column is not an edit
    sheet.protection.formatRows = False


def _fill_base(sheet: Worksheet, rows: list[RequirementRow]) -> None:
    for column, field in enumerate(layout.FIELDS, start=1):
        sheet.cell(row=1, column=column, value=field)
    for number, row in enumerate(rows, start=2):
        for column, field in enumerate(layout.FIELDS, start=1):
            value = row.value(field)
            put(sheet, number, column, "\n".join(value) or None if isinstance(value, tuple)
                else value)
    sheet.sheet_state = "veryHidden"  # not even listed under Unhide
    sheet.protection.sheet = True


def _set_properties(book: Workbook, loaded: LoadedKit, version: str | None, base: str) -> None:
    kit = loaded.kit
    book.properties.title = f"{kit.title}: requirements"
    book.properties.subject = f"kit {kit.kit}, version {version or 'not built yet'}"
    book.properties.creator = "kitgen"
    book.properties.keywords = f"kitgen, {kit.kit}"
    book.properties.description = (
        f"The negotiated requirement list of {kit.kit}, exported from {loaded.name}. Edit the "
        f"Requirements sheet, then run: kitgen sheet import {kit.kit} FILE.xlsx"
    )
    for name, value in (
        (layout.FORMAT_PROPERTY, layout.FORMAT),
        (layout.KIT_PROPERTY, kit.kit),
        (layout.VERSION_PROPERTY, version or ""),
        (layout.BASE_PROPERTY, base),
        (layout.FILE_PROPERTY, hashlib.sha256(loaded.raw).hexdigest()),
    ):
        book.custom_doc_props.append(StringProperty(name=name, value=value))

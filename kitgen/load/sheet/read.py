"""A workbook → the rows it holds, every cell checked as the YAML would check it.

A workbook is input from outside: its size and unpacked size are bounded before it is opened,
XML is parsed with defusedxml (openpyxl uses it when installed), and every problem names the
sheet, row and column, the field and a fix. Nothing here writes.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from kitgen.base.errors import CellProblem, InvalidKitFile
from kitgen.load.model import KitFile
from kitgen.load.sheet import layout
from kitgen.load.sheet.cells import SheetRow, read_requirement_rows
from kitgen.load.sheet.layout import RequirementRow

MAX_WORKBOOK_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
_ENCRYPTED = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE container: encrypted .xlsx or old .xls
_SAVE_AS = "save it from Excel or LibreOffice as an .xlsx workbook, without a password"


@dataclass(frozen=True)
class SheetContent:
    """What an exported-and-edited workbook says: its kit, the base it was exported from, and
    the rows as they are now."""

    kit: str
    version: str
    file_sha256: str
    base: tuple[RequirementRow, ...]
    rows: tuple[SheetRow, ...]


def read_workbook(path: Path, name: str, kit: KitFile) -> SheetContent:
    """Read and check every cell of a workbook made by ``export_workbook`` for ``kit``."""
    book = _open(path, name)
    properties = {p.name: str(p.value or "") for p in book.custom_doc_props.props}
    _check_origin(properties, name, kit.kit)
    missing = [s for s in (layout.REQUIREMENTS_SHEET, layout.BASE_SHEET)
               if s not in book.sheetnames]
    if missing:
        visible = ", ".join(s for s in book.sheetnames if s != layout.BASE_SHEET)
        raise _fail(name, f"the sheet `{missing[0]}` is missing (sheets: {visible})",
                    f"rename the sheet back to `{layout.REQUIREMENTS_SHEET}`, or export again"
                    if missing[0] == layout.REQUIREMENTS_SHEET else
                    "export the workbook again with `kitgen sheet export`")
    base = _read_base(book, name, kit.kit, properties.get(layout.BASE_PROPERTY, ""))
    rows = read_requirement_rows(book[layout.REQUIREMENTS_SHEET], name, kit)
    return SheetContent(kit.kit, properties.get(layout.VERSION_PROPERTY, ""),
                        properties.get(layout.FILE_PROPERTY, ""), base, rows)


def _fail(name: str, message: str, fix: str, sheet: str = "", row: int | None = None,
          column: int | None = None) -> InvalidKitFile:
    return InvalidKitFile([CellProblem(name, row, column, "", message, fix, sheet=sheet)])


def _open(path: Path, name: str) -> Workbook:
    if not path.is_file():
        raise _fail(name, "no such file", "give the path of the .xlsx file to import")
    size = path.stat().st_size
    if size > MAX_WORKBOOK_BYTES:
        raise _fail(name, f"the file is {size:,} bytes; a workbook to import is limited to "
                    f"{MAX_WORKBOOK_BYTES:,}", "import the workbook kitgen exported, without "
                    "pictures or other sheets pasted in")
    raw = path.read_bytes()[: MAX_WORKBOOK_BYTES + 1]
    if raw.startswith(_ENCRYPTED):
        raise _fail(name, "the workbook is password-protected (encrypted), or an old .xls file",
                    _SAVE_AS)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _fail(name, "not an .xlsx workbook (the file is damaged or of another kind)",
                    _SAVE_AS) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _fail(name, f"the workbook unpacks to {unpacked:,} bytes; kitgen reads at most "
                    f"{MAX_UNPACKED_BYTES:,}", "import the workbook kitgen exported, without "
                    "pictures or other sheets pasted in")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it does not read
            return load_workbook(io.BytesIO(raw), data_only=False, keep_links=False)
    except Exception as error:  # noqa: BLE001 - any failure to parse is a damaged file
        raise _fail(name, f"the workbook cannot be read ({type(error).__name__}): it is "
                    "damaged or not an Excel workbook", _SAVE_AS) from None


def _check_origin(properties: dict[str, str], name: str, kit: str) -> None:
    found = properties.get(layout.KIT_PROPERTY)
    if not found:
        raise _fail(name, "this workbook was not exported by kitgen (it has no `kitgen kit` "
                    "property)", f"export one with `kitgen sheet export {kit}` and edit that")
    if found != kit:
        raise _fail(name, f"this workbook holds the requirements of kit `{found}`, not `{kit}`",
                    f"import it into its own kit: `kitgen sheet import {found} {name}`")
    if properties.get(layout.FORMAT_PROPERTY) != layout.FORMAT:
        raise _fail(name, "this workbook was exported by another kitgen (workbook format "
                    f"{properties.get(layout.FORMAT_PROPERTY)!r})",
                    f"export it again with `kitgen sheet export {kit}`")


def _read_base(book: Workbook, name: str, kit: str, expected: str) -> tuple[RequirementRow, ...]:
    sheet = book[layout.BASE_SHEET]
    rows: list[RequirementRow] = []
    for values in sheet.iter_rows(min_row=2, max_col=len(layout.FIELDS), values_only=True):
        if all(v is None for v in values):
            continue
        cells: list[Any] = [v if isinstance(v, str) else None for v in values]
        rows.append(RequirementRow(
            cells[0] or "", cells[1] or "", cells[2] or "", cells[3] or "", cells[4], cells[5],
            cells[6], tuple((cells[7] or "").split("\n")) if cells[7] else ()))
    if layout.fingerprint(kit, rows) != expected:
        raise _fail(name, f"the hidden sheet `{layout.BASE_SHEET}`, which holds the requirements "
                    "as exported, was changed", "export the workbook again and redo the edits "
                    "in the Requirements sheet", sheet=layout.BASE_SHEET)
    return tuple(rows)

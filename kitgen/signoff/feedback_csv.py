"""``kitgen feedback import FILE.csv``: field feedback exported from a CRM, recorded as the same
feedback records ``kitgen feedback`` writes.

Every row is checked before anything is written, and every problem is reported with its line
and column. A row already recorded (same kit, item, verdict, note, person and time, whichever
version was current then) is not recorded again, so importing one file twice records nothing
new, and a crash half-way is mended by importing again.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kitgen.base.errors import InputError, InvalidKitFile, KitgenError, Problem
from kitgen.base.workspace import Workspace
from kitgen.signoff.feedback import Feedback, feedback_items, read_feedback, store_feedback
from kitgen.signoff.identity import resolve_identity
from kitgen.signoff.ledger import KitLedger
from kitgen.signoff.textrecord import first_unsafe, one_line

MAX_CSV_BYTES = 10 * 1024 * 1024
MAX_NOTE = 4000
COLUMNS = ("kit", "item", "useful", "note", "name", "email", "time")
REQUIRED = ("item", "useful", "name", "email", "time")
USEFUL = {"yes": "yes", "y": "yes", "true": "yes", "1": "yes",
          "no": "no", "n": "no", "false": "no", "0": "no"}
_Bad = Callable[[str, str, str], None]  # column, message, fix
_SAVE_AS_UTF8 = "save it as UTF-8 (Excel: File → Save As → CSV UTF-8 (Comma delimited))"


@dataclass(frozen=True)
class ImportedFeedback:
    """What an import recorded: the new record files, and how many rows were recorded before."""

    recorded: tuple[Path, ...]
    already: int
    kits: tuple[str, ...]


def import_feedback_csv(workspace: Workspace, path: Path, name: str,
                        kit: str | None) -> ImportedFeedback:
    """Record every row of a CRM's CSV export; ``kit`` is for rows without a ``kit`` column."""
    rows = _read_rows(path, name)
    entries = _checked_entries(workspace, rows, name, kit)
    recorded: list[Path] = []
    already = 0
    for kit_id in dict.fromkeys(e.kit for e in entries):
        ledger = KitLedger.open(workspace, kit_id)
        existing, _ = read_feedback(ledger.kit_dir)
        seen = {_identity(e) for e in existing}
        for entry in (e for e in entries if e.kit == kit_id):
            if _identity(entry) in seen:
                already += 1
                continue
            seen.add(_identity(entry))
            recorded.append(store_feedback(ledger.kit_dir, entry))
    return ImportedFeedback(tuple(recorded), already, tuple(dict.fromkeys(e.kit for e in entries)))


def _identity(entry: Feedback) -> tuple[str, ...]:
    """What makes two records the same report from the field (the version is what was current
    when it was recorded, not part of what the rep said)."""
    return (entry.kit, entry.item, entry.useful, entry.note, entry.name, entry.email.lower(),
            entry.time)


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]
    columns: dict[str, int]


def _problem(name: str, line: int | None, column: int | None, field: str, message: str,
             fix: str) -> InvalidKitFile:
    return InvalidKitFile([Problem(name, line, column, field, message, fix)])


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _problem(name, 1, 1, "", "the file is UTF-16 text (Excel's “Unicode Text”)",
                       _SAVE_AS_UTF8)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise _problem(name, line, column, "", f"byte 0x{raw[error.start]:02x} is not UTF-8 "
                       "text (the file is in another encoding, e.g. Windows-1252)",
                       _SAVE_AS_UTF8) from None


def _read_rows(path: Path, name: str) -> list[_Row]:
    if not path.is_file():
        raise _problem(name, None, None, "", "no such file", "give the path of the CSV file")
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise _problem(name, None, None, "", f"the file is {size:,} bytes; kitgen imports at "
                       f"most {MAX_CSV_BYTES:,}", "split the export into smaller files")
    text = _decode(path.read_bytes()[: MAX_CSV_BYTES + 1], name)
    if not text.strip():
        raise _problem(name, None, None, "", "the file is empty",
                       "export the feedback with a header line: " + ",".join(COLUMNS))
    header_line = text.split("\n", 1)[0]
    # Excel writes `;` where the decimal separator is a comma; a CRM may write tabs.
    delimiter = max(",;\t", key=lambda d: sum(
        " ".join(c.split()).casefold() in COLUMNS for c in next(csv.reader([header_line],
                                                                           delimiter=d))))
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        records = [(reader.line_num, record) for record in reader]
    except csv.Error as error:
        raise _problem(name, reader.line_num, None, "", f"not readable as CSV: {error}",
                       "check the quotes on that line") from None
    header = [" ".join(c.split()).casefold() for c in records[0][1]]
    columns = _columns(header, name)
    rows: list[_Row] = []
    problems: list[Problem] = []
    for line, record in records[1:]:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.append(Problem(name, line, None, "", f"the line has {len(record)} fields, "
                                    f"the header {len(header)}", "quote fields that hold a "
                                    f"`{delimiter}` and give every line the header's columns"))
            continue
        rows.append(_Row(line, {c: record[i].strip() for c, i in columns.items()}, columns))
    if problems:
        raise InvalidKitFile(problems)
    return rows


def _columns(header: list[str], name: str) -> dict[str, int]:
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    for index, column in enumerate(header):
        if column in COLUMNS and column not in columns:
            columns[column] = index
            continue
        near = difflib.get_close_matches(column, COLUMNS, n=1, cutoff=0.6)
        message = (f"the column `{column}` appears twice" if column in COLUMNS else
                   f"unknown column `{column}`")
        problems.append(Problem(name, 1, index + 1, column, message,
                                f"did you mean `{near[0]}`?" if near and column not in COLUMNS
                                else "the columns are: " + ", ".join(COLUMNS)))
    for column in REQUIRED:
        if column not in columns:
            problems.append(Problem(name, 1, None, column, f"the column `{column}` is missing",
                                    "the header needs: " + ", ".join(REQUIRED) +
                                    " (and optionally kit, note)"))
    if problems:
        raise InvalidKitFile(problems)
    return columns


# --- checking --------------------------------------------------------------------------------


def _checked_entries(workspace: Workspace, rows: list[_Row], name: str,
                     default_kit: str | None) -> list[Feedback]:
    problems: list[Problem] = []
    ledgers: dict[str, tuple[str, list[str]] | str] = {}  # kit → (version, items) or why not
    entries: list[Feedback] = []
    now = dt.datetime.now(dt.UTC)
    for row in rows:
        def bad(column: str, message: str, fix: str, row: _Row = row) -> None:
            index = row.columns.get(column)
            problems.append(Problem(name, row.line, None if index is None else index + 1,
                                    column, message, fix))

        kit = row.values.get("kit") or default_kit
        if not kit:
            bad("kit", "the row names no kit", "add a `kit` column, or pass --kit KIT")
            continue
        if kit not in ledgers:
            ledgers[kit] = _kit_items(workspace, kit)
        found = ledgers[kit]
        if isinstance(found, str):
            bad("kit", found, "name a kit this workspace has built (`kitgen status` lists them)")
            continue
        version, items = found
        entry = _entry(row.values, kit, version, items, now, bad, workspace)
        if entry is not None:
            entries.append(entry)
    if problems:
        raise InvalidKitFile(problems)
    return entries


def _kit_items(workspace: Workspace, kit: str) -> tuple[str, list[str]] | str:
    try:
        ledger = KitLedger.open(workspace, kit)
        version = ledger.require_version(None)
        return version, feedback_items(ledger.snapshot(version).kit)
    except KitgenError as error:
        return f"kit `{kit}`: {error.message}"


def _entry(values: dict[str, str], kit: str, version: str, items: list[str], now: dt.datetime,
           bad: _Bad, workspace: Workspace) -> Feedback | None:
    """One row as a feedback record; None (and each problem reported) when it is not one."""
    count = _Counter(bad)
    item = values["item"]
    if item not in items:
        near = difflib.get_close_matches(item, items, n=1, cutoff=0.5)
        count("item", f"kit `{kit}` has no item `{item}`",
              f"did you mean `{near[0]}`?" if near else "items: " + ", ".join(items))
    useful = USEFUL.get(values["useful"].casefold())
    if useful is None:
        count("useful", f"`{values['useful']}` is not yes or no", "write yes or no")
    note = values.get("note", "")
    if len(note) > MAX_NOTE:
        count("note", f"the note is {len(note):,} characters; at most {MAX_NOTE:,}", "shorten it")
    for column in ("note", "name", "email"):
        bad_character = first_unsafe(values.get(column, ""))
        if bad_character is not None:
            count(column, f"holds the control character U+{ord(bad_character):04X}", "remove it")
    who_name, who_email = values["name"], values["email"]
    if not who_name:
        count("name", "the name is empty", "write who reported it")
    try:
        who = resolve_identity(who_name or None, who_email or None, workspace.root) \
            if who_email else None
    except InputError as error:
        who = None
        count("email", error.message, "write it like name@example.com")
    if not who_email:
        count("email", "the email is empty", "write the rep's email")
    time = _utc(values["time"], now)
    if isinstance(time, tuple):
        count("time", *time)
    if count.problems or who is None or useful is None or isinstance(time, tuple):
        return None
    return Feedback(kit, version, item, useful, one_line(note), one_line(who_name), who.email,
                    time)


class _Counter:
    def __init__(self, report: _Bad) -> None:
        self.report = report
        self.problems = 0

    def __call__(self, column: str, message: str, fix: str) -> None:
        self.problems += 1
        self.report(column, message, fix)


def _utc(text: str, now: dt.datetime) -> str | tuple[str, str]:
    """A CRM's time as UTC, ``YYYY-MM-DDTHH:MM:SSZ``; a time without a zone is taken as UTC."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return (f"`{text}` is not a date and time", "write it like 2026-03-04T15:20:00Z "
                "(ISO 8601; without a zone it is read as UTC)")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    when = when.astimezone(dt.UTC)
    if when > now + dt.timedelta(days=1):
        return f"{when:%Y-%m-%d %H:%M} UTC is in the future", "check the time's zone and year"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


"""Field feedback: what reps found useful, kept beside the kit, never in it.

Stored like sign-off records — one text file each under ``kits/<kit>/feedback/`` — so it merges
cleanly in git and is written atomically. It is not an input of any version: feedback never
changes a digest or a PDF.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from kitgen.base.errors import InputError
from kitgen.base.files import folder_for_writing, remove_stale_temps, write_file_new
from kitgen.load.model import KitFile
from kitgen.load.references import known_references
from kitgen.signoff.identity import Identity
from kitgen.signoff.records import utc_now
from kitgen.signoff.textrecord import (
    check_text,
    content_hash,
    first_unsafe,
    format_record,
    parse_record_fields,
)

FEEDBACK_DIR = "feedback"
HEADER = "kitgen-feedback 1"
FIELDS = ("kit", "version", "item", "useful", "note", "name", "email", "time")


@dataclass(frozen=True)
class Feedback:
    kit: str
    version: str
    item: str
    useful: str  # "yes" or "no"
    note: str
    name: str
    email: str
    time: str

    def to_bytes(self) -> bytes:
        return format_record(HEADER, FIELDS, {f: getattr(self, f) for f in FIELDS})

    @property
    def file_name(self) -> str:
        stamp = self.time.replace("-", "").replace(":", "")
        return f"{stamp}--{self.item}--{content_hash(self.to_bytes())}.txt"


@dataclass
class ItemFeedback:
    item: str
    useful: int = 0
    not_useful: int = 0
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # (time, useful, note)

    def latest_notes(self, count: int = 3) -> list[tuple[str, str, str]]:
        return sorted(self.notes, reverse=True)[:count]


def feedback_items(kit: KitFile) -> list[str]:
    return [ref for ref in known_references(kit) if not ref.startswith("roadmap.")]


def record_feedback(
    kit_dir: Path, kit: KitFile, version: str, item: str, useful: bool, note: str, who: Identity
) -> Path:
    items = feedback_items(kit)
    if item not in items:
        near = difflib.get_close_matches(item, items, n=1, cutoff=0.5)
        raise InputError(
            f"kit {kit.kit!r} has no item {item!r}",
            details=[f"Did you mean {near[0]}?" if near else "", "Items: " + ", ".join(items)],
        )
    check_text(note, "--note")
    entry = Feedback(kit.kit, version, item, "yes" if useful else "no", note, who.name,
                     who.email, utc_now())
    return store_feedback(kit_dir, entry)


def store_feedback(kit_dir: Path, entry: Feedback) -> Path:
    """Write one feedback record, atomically; the same record twice is stored once."""
    folder = kit_dir / FEEDBACK_DIR
    path = folder / entry.file_name
    with folder_for_writing(folder):
        remove_stale_temps(folder)
        written = write_file_new(path, entry.to_bytes())
    if not written and path.read_bytes() != entry.to_bytes():
        raise InputError(f"{path} already exists with other content; nothing recorded",
                         details=["A record's name is the hash of its bytes: the existing "
                                  "file was edited."])
    return path  # the same bytes under the same name (a retry within the second): recorded once


def read_feedback(kit_dir: Path) -> tuple[list[Feedback], list[Path]]:
    """Every readable feedback record, and the files that are not (for verify)."""
    folder = kit_dir / FEEDBACK_DIR
    good: list[Feedback] = []
    bad: list[Path] = []
    if not folder.is_dir() or folder.is_symlink():
        return good, bad
    for path in sorted(folder.glob("*.txt")):
        if path.is_symlink():
            bad.append(path)
            continue
        try:
            raw = path.read_bytes()
            entry = Feedback(**parse_record_fields(raw, HEADER, FIELDS))
        except (OSError, ValueError, UnicodeDecodeError):
            bad.append(path)
            continue
        if entry.file_name != path.name or entry.useful not in ("yes", "no") or \
                first_unsafe(raw.decode("utf-8")) is not None:  # `check` prints it
            bad.append(path)
            continue
        good.append(entry)
    return good, bad


def summarize_feedback(entries: list[Feedback]) -> list[ItemFeedback]:
    items: dict[str, ItemFeedback] = {}
    for entry in entries:
        summary = items.setdefault(entry.item, ItemFeedback(entry.item))
        if entry.useful == "yes":
            summary.useful += 1
        else:
            summary.not_useful += 1
        if entry.note:
            summary.notes.append((entry.time, entry.useful, entry.note))
    return sorted(items.values(), key=lambda s: s.item)


def kit_feedback(kits_dir: Path, kit: str) -> list[ItemFeedback]:
    """The field feedback recorded for ``kit`` (none when it has no folder in ``kits_dir``)."""
    kit_dir = kits_dir / kit
    if not kit_dir.is_dir() or kit_dir.is_symlink():
        return []
    entries, _ = read_feedback(kit_dir)
    return summarize_feedback(entries)

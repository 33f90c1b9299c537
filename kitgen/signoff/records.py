"""Sign-off records: one small text file per approval or rejection.

A record is never edited or removed by kitgen, and each lives in its own file under
``kits/<kit>/signoffs/``, so two people signing on two git branches add two different files and
the merge cannot conflict. The file name ends in a hash of the record's bytes: an edit made
after the fact shows even without signatures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kitgen.base.errors import InputError
from kitgen.base.files import (
    folder_for_writing,
    is_plain_file,
    read_plain_file,
    remove_stale_temps,
    write_file_new,
)
from kitgen.signoff.textrecord import check_text, content_hash, format_record, parse_record_fields

SIGNOFF_DIR = "signoffs"
RECORD_FORMAT = "kitgen-signoff 1"
FIELDS = ("kit", "version", "digest", "side", "name", "email", "decision", "meaning",
          "comment", "time")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # RFC 3339, UTC, whole seconds: what ``utc_now`` writes
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
# How far ahead of the verifying machine's clock a record's time may be: clocks of two honest
# machines disagree by seconds, not by more; a record from later than that was made up.
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Record:
    kit: str
    version: str
    digest: str
    side: str
    name: str
    email: str
    decision: str  # "approve" or "reject"
    meaning: str
    comment: str
    time: str  # ISO 8601 UTC, seconds

    def to_bytes(self) -> bytes:
        return format_record(RECORD_FORMAT, FIELDS, {f: getattr(self, f) for f in FIELDS})

    @property
    def file_name(self) -> str:
        digest = content_hash(self.to_bytes())
        stamp = self.time.replace("-", "").replace(":", "")
        return f"{_safe(self.version)}--{stamp}--{self.side}--{self.decision}--{digest}.txt"


@dataclass(frozen=True)
class StoredRecord:
    """A record as found on disk, with what is wrong with it (if anything) at file level."""

    path: Path
    raw: bytes
    record: Record | None
    signature: bytes | None
    problem: str = ""


# What a release manifest says about each record it relied on, besides its file name and hash.
RELEASE_ENTRY_FIELDS = ("side", "name", "email", "time", "signed")


def release_entry(name: str, raw: bytes, record: Record, signature: bytes | None) -> dict[str, Any]:
    """How ``release.json`` lists a sign-off record the release relied on."""
    return {"file": name, "sha256": hashlib.sha256(raw).hexdigest(), "side": record.side,
            "name": record.name, "email": record.email, "time": record.time,
            "signed": signature is not None}


def meaning_of(decision: str, side: str, version: str) -> str:
    if decision == "approve":
        return (
            f"Approved by {side}: version {version} delivers the requirements sales and "
            "marketing agreed, and may go to the field."
        )
    return f"Changes requested by {side}: version {version} must not be released."


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime(TIME_FORMAT)


def record_time(text: str) -> dt.datetime:
    """A record's time; ValueError unless it is a real UTC time written as kitgen writes it."""
    try:
        if _TIME.fullmatch(text):
            return dt.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        pass
    raise ValueError(f"its time {text[:40]!r} is not a UTC time written YYYY-MM-DDTHH:MM:SSZ "
                     "(RFC 3339)")


def time_problem(record: Record, now: dt.datetime | None = None) -> str:
    """Why ``record``'s time cannot be true on this machine ("" when it can): later than its
    clock plus ``CLOCK_SKEW``."""
    current = now or dt.datetime.now(dt.UTC)
    if record_time(record.time) > current + CLOCK_SKEW:
        minutes = int(CLOCK_SKEW.total_seconds() // 60)
        return (f"its time {record.time} is after this machine's clock "
                f"({current.strftime(TIME_FORMAT)}) plus {minutes} minutes: it was made up, or "
                "this machine's clock is wrong")
    return ""


def parse_record(raw: bytes) -> Record:
    """Parse a record's bytes; raise ValueError saying what is malformed."""
    record = Record(**parse_record_fields(raw, RECORD_FORMAT, FIELDS))
    if record.decision not in ("approve", "reject") or record.side not in ("sales", "marketing"):
        raise ValueError("decision or side has an unknown value")
    record_time(record.time)
    return record


def write_record(kit_dir: Path, record: Record, signature: bytes | None = None) -> Path:
    """Store a record (and its signature first, so a record never lacks the one it was given).

    A crash between the two leaves a signature without its record: it grants nothing, and
    ``verify`` notes it without failing (see verify.py)."""
    for name in FIELDS:
        check_text(str(getattr(record, name)), f"the record's {name}")
    folder = kit_dir / SIGNOFF_DIR
    path = folder / record.file_name
    sig_path = path.with_name(path.name + ".sig")
    with folder_for_writing(folder):
        remove_stale_temps(folder)
        wrote_signature = signature is not None and write_file_new(sig_path, signature)
        try:
            written = write_file_new(path, record.to_bytes())
        except Exception:
            if wrote_signature:  # ours, just written, and nothing can rely on it yet
                sig_path.unlink(missing_ok=True)
            raise
    if not written and path.read_bytes() != record.to_bytes():
        raise InputError(f"{path} already exists with other content; nothing recorded",
                         details=["A record's name is the hash of its bytes: run "
                                  "`kitgen verify`, the existing file was edited."])
    return path  # the same bytes under the same name: recorded once, by whoever came first


def read_records(kit_dir: Path) -> list[StoredRecord]:
    """Every record file of a kit, oldest first, each parsed or with its problem named."""
    folder = kit_dir / SIGNOFF_DIR
    if not folder.is_dir() or folder.is_symlink():  # verify names a linked folder
        return []
    stored = []
    for path in sorted(folder.glob("*.txt"), key=lambda p: p.name.split("--")[1:2] + [p.name]):
        if not is_plain_file(path):
            stored.append(StoredRecord(path, b"", None, None, "not a regular file"))
            continue
        raw = read_plain_file(path, links=False)
        sig_path = path.with_name(path.name + ".sig")
        # A signature reached through a link is not read: it cannot vouch for anything, and
        # `verify` names the link.
        signature = read_plain_file(sig_path, links=False) if is_plain_file(sig_path) else None
        try:
            record = parse_record(raw)
        except (ValueError, UnicodeDecodeError, TypeError) as error:
            stored.append(StoredRecord(path, raw, None, signature, f"unreadable record: {error}"))
            continue
        problem = ""
        if path.name != record.file_name:
            problem = ("its content does not match its file name: the record was edited "
                       "after it was written")
        stored.append(StoredRecord(path, raw, record, signature, problem))
    return stored


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]", "_", text)

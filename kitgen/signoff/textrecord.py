"""The small text-file format shared by sign-off and feedback records.

One ``key: value`` line per field after a header line, values on one line, no trailing spaces
(editors and git hooks strip them, which would break the hash), and a file name ending in a hash
of the bytes, so an edit after the fact shows. One record per file: git merges them cleanly.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence

from kitgen.base.errors import InputError


def unsafe_character(char: str) -> bool:
    """Control characters (other than tab and newlines, which become spaces) would reach the
    terminal of whoever runs `kitgen status` or `check` later; lone surrogates (undecodable
    bytes in a command-line argument) cannot be stored as UTF-8."""
    if char in "\t\n\r":
        return False
    category = unicodedata.category(char)
    return category in ("Cc", "Cs")


def first_unsafe(value: str) -> str | None:
    return next((c for c in value if unsafe_character(c)), None)


def check_text(value: str, what: str) -> None:
    bad = next((c for c in value if unsafe_character(c)), None)
    if bad is not None:
        shown = f"0x{ord(bad) - 0xDC00:02x} (not UTF-8)" if 0xDC80 <= ord(bad) <= 0xDCFF else \
            f"U+{ord(bad):04X}"
        raise InputError(f"{what} holds the character {shown}, which kitgen does not store",
                         details=["Remove it (a control code or an undecodable byte) and run "
                                  "the command again."])


def one_line(value: object) -> str:
    return " ".join(str(value).split())


def format_record(header: str, fields: Sequence[str], values: dict[str, str]) -> bytes:
    lines = [header]
    for name in fields:
        value = one_line(values[name])
        lines.append(f"{name}: {value}" if value else f"{name}:")
    return ("\n".join(lines) + "\n").encode()


def parse_record_fields(raw: bytes, header: str, fields: Sequence[str]) -> dict[str, str]:
    """Parse and check canonical form; raise ValueError saying what is malformed."""
    text = raw.decode("utf-8")
    lines = text.split("\n")
    if lines[0] != header or not text.endswith("\n"):
        raise ValueError(f"not a {header.split()[0]} record")
    values: dict[str, str] = {}
    for line in lines[1:-1]:
        key, sep, value = line.partition(":")
        if not sep or key not in fields or key in values or (value and value[0] != " "):
            raise ValueError(f"unexpected line {line[:40]!r}")
        values[key] = value[1:]
    missing = [f for f in fields if f not in values]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if format_record(header, fields, values) != raw:
        raise ValueError("not in canonical form")
    return values


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]

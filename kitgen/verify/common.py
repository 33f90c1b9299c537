"""What the checks of one kit share: the report they fill, where findings go, and the PDFs of
the kit, each parsed once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kitgen.base.files import path_as_written
from kitgen.signoff.ledger import KitLedger
from kitgen.version import carry

LINK = "a symbolic link: kitgen never writes one, and verify does not follow it"


@dataclass(frozen=True)
class Finding:
    path: str
    message: str

    def __post_init__(self) -> None:
        # A file planted in kits/ may be named with terminal control codes; show them escaped.
        if not self.path.isprintable():
            object.__setattr__(self, "path", self.path.encode("unicode_escape").decode("ascii"))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class KitReport:
    """What ``verify`` found in one kit, and what it checked (for the "ok" line to say)."""

    kit: str
    versions: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    records: int = 0
    signatures: int = 0  # records whose signature was verified against signoff.keys
    unsigned: int = 0  # records that count without a signature: nothing to verify
    policy_changes: list[str] = field(default_factory=list)  # versions changing the policy
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)  # worth knowing, not a failure
    rebuilt: list[str] = field(default_factory=list)  # versions rendered again and compared

    def as_json(self) -> dict[str, Any]:
        return {"kit": self.kit, "ok": not self.problems, "versions": self.versions,
                "released": self.released, "records": self.records,
                "signatures_verified": self.signatures, "unsigned_records": self.unsigned,
                "policy_changes": self.policy_changes, "rebuilt": self.rebuilt,
                "problems": [{"path": p.path, "message": p.message} for p in self.problems],
                "notes": [{"path": p.path, "message": p.message} for p in self.notes]}


@dataclass
class KitCheck:
    """One run of the checks over a kit: the ledger they read and the report they fill."""

    ledger: KitLedger
    report: KitReport

    def shown(self, path: Path) -> str:
        return path_as_written(path, self.ledger.workspace.root)

    def problem(self, path: Path, message: str) -> None:
        self.report.problems.append(Finding(self.shown(path), message))

    def note(self, path: Path, message: str) -> None:
        self.report.notes.append(Finding(self.shown(path), message))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# What a PDF holds depends only on its bytes, and each PDF is parsed only after its sha256
# matched: remember by sha256, so verifying again (in `watch`, in tests) parses nothing twice.
_PARSED: dict[str, tuple[int | None, dict[str, bytes] | None]] = {}


def _parsed(path: Path) -> tuple[int | None, dict[str, bytes] | None]:
    """A PDF's page count and attachments (first copy of each), None for an unreadable one."""
    sha = sha256_of(path)
    if sha not in _PARSED:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            reader = PdfReader(path)
            pages: int | None = len(reader.pages)
            files: dict[str, bytes] | None = {
                name: copies[0] for name, copies in reader.attachments.items() if copies}
        except (PdfReadError, ValueError, KeyError, OSError, TypeError, AttributeError):
            pages, files = None, None
        if len(_PARSED) > 4096:
            _PARSED.clear()
        _PARSED[sha] = (pages, files)
    return _PARSED[sha]


def page_count(path: Path) -> int | None:
    return _parsed(path)[0]


def carried(path: Path, name: str) -> carry.Carried | None:
    """The rendered PDF and the manifest ``name`` kitgen appended to it; None if the file is
    not exactly that."""
    files = _parsed(path)[1]
    return carry.split(path.read_bytes(), name, files.get(name)) if files else None


def attachment(path: Path, name: str) -> bytes | None:
    files = _parsed(path)[1]
    return b"" if files is None else files.get(name)  # unreadable: differs from any manifest

"""What a kitgen workbook holds, in one place: sheet names, columns, the properties that say
which kit and base it came from, and the row of one requirement as both ends compare it.

The base rows (the requirements as exported) travel in a very hidden, protected sheet, so the
import can merge three ways; a fingerprint of them, kept in the workbook's properties, shows
when that sheet was edited. It guards against accidents, not against a forger: anyone can
compute a sha256.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import astuple, dataclass

from kitgen.load.model import Requirement

FORMAT = "1"
REQUIREMENTS_SHEET = "Requirements"
ITEMS_SHEET = "Items"
BASE_SHEET = "kitgen base"

# Custom document properties (File → Info → Properties → Advanced → Custom in Excel).
KIT_PROPERTY = "kitgen kit"
VERSION_PROPERTY = "kitgen version"
BASE_PROPERTY = "kitgen base fingerprint"
FILE_PROPERTY = "kitgen file sha256"
FORMAT_PROPERTY = "kitgen format"

FIELDS = ("id", "from", "need", "status", "positions.sales", "positions.marketing",
          "resolution", "delivered_by")


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    width: int


COLUMNS = (
    Column("id", "ID", 24),
    Column("from", "From", 12),
    Column("need", "Need", 60),
    Column("status", "Status", 12),
    Column("positions.sales", "Sales position", 45),
    Column("positions.marketing", "Marketing position", 45),
    Column("resolution", "Resolution", 45),
    Column("delivered_by", "Delivered by", 48),
)
HEADERS = {c.field: c.header for c in COLUMNS}


@dataclass(frozen=True)
class RequirementRow:
    """One requirement as the workbook carries it: text as written, references as listed."""

    id: str
    from_: str
    need: str
    status: str
    sales: str | None
    marketing: str | None
    resolution: str | None
    delivered_by: tuple[str, ...]

    def value(self, field: str) -> str | tuple[str, ...] | None:
        return dict(zip(FIELDS, astuple(self), strict=True))[field]  # type: ignore[no-any-return]

    def as_data(self) -> dict[str, object]:
        """The requirement as the YAML holds it (keys in the file format's order)."""
        data: dict[str, object] = {"id": self.id, "from": self.from_, "need": self.need,
                                   "status": self.status}
        if self.sales is not None or self.marketing is not None:
            data["positions"] = {"sales": self.sales, "marketing": self.marketing}
        if self.resolution is not None:
            data["resolution"] = self.resolution
        if self.delivered_by:
            data["delivered_by"] = list(self.delivered_by)
        return data


def row_of(requirement: Requirement) -> RequirementRow:
    positions = requirement.positions
    return RequirementRow(
        requirement.id, requirement.from_, requirement.need, requirement.status,
        positions.sales if positions else None, positions.marketing if positions else None,
        requirement.resolution, tuple(requirement.delivered_by),
    )


def fingerprint(kit: str, rows: list[RequirementRow]) -> str:
    """sha256 over the kit id and the base rows, in a canonical form."""
    canonical = json.dumps([kit, [list(astuple(r)) for r in rows]], ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def same_text(a: str | None, b: str | None) -> bool:
    """Whether two cell texts say the same: a spreadsheet may turn line ends into CR LF and
    keep spaces a person typed at either end, neither of which is an edit."""
    return _normal(a) == _normal(b)


def _normal(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()

"""Where things sit in a requirement file: every value's line and column, kept from the YAML
nodes so that any problem, found at any stage, can point at the place to fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kitgen.base.errors import Problem
from kitgen.load.model import KitFile

Loc = tuple[str | int, ...]
MAX_SHOWN = 60  # characters of a key or value quoted in a message


@dataclass(frozen=True)
class LoadedKit:
    path: Path
    name: str
    raw: bytes
    kit: KitFile
    positions: dict[Loc, tuple[int, int]] = field(repr=False)
    # What the file may not mean as written (text cut by a `#`, placeholders): warnings.
    warnings: tuple[Problem, ...] = ()

    def where(self, loc: Loc) -> tuple[int | None, int | None]:
        return nearest(self.positions, loc)


def line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{clip(part)}" if out else clip(part))
    return out


def nearest(positions: dict[Loc, tuple[int, int]], loc: Loc) -> tuple[int | None, int | None]:
    while True:
        if loc in positions:
            return positions[loc]
        if not loc:
            return None, None
        loc = loc[:-1]


def clip(text: str) -> str:
    shown = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return shown if len(shown) <= MAX_SHOWN else shown[: MAX_SHOWN - 1] + "…"



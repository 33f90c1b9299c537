"""Version numbers: how they order, which exist in a kit folder, and which comes next."""

from __future__ import annotations

import re
from pathlib import Path

from kitgen.base.files import is_plain_dir, is_plain_file
from kitgen.version.manifest import MANIFEST


def version_key(version: str) -> tuple[int, int, int, int, str]:
    """Order ``1 < 1.3.0 < 2.0.0-rc.1 < 2 = 2.0.0``: plain numbers count as ``N.0.0``."""
    match = re.fullmatch(r"([0-9]+)(?:\.([0-9]+)\.([0-9]+))?(?:-(.+))?", version)
    if not match:
        return (-1, 0, 0, 0, version)
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor or 0), int(patch or 0), 0 if pre else 1, pre or "")


def list_versions(kit_dir: Path) -> list[str]:
    """Versions that were written completely (they have a manifest), oldest first."""
    if not kit_dir.is_dir():
        return []
    found = [
        p.name for p in kit_dir.iterdir()
        if not p.name.startswith(".") and is_plain_dir(p) and is_plain_file(p / MANIFEST)
    ]
    return sorted(found, key=version_key)


def next_patch(version: str) -> str:
    """The smallest ``MAJOR.MINOR.PATCH`` above ``version``, to suggest as a pin."""
    major, minor, patch, final, _ = version_key(version)
    return f"{major}.{minor}.{patch + 1 if final else patch}" if major >= 0 else "1.0.0"


def next_version(pinned: str | None, existing: list[str]) -> str:
    if pinned:
        return pinned
    majors = [version_key(v)[0] for v in existing]
    return str(max(majors, default=0) + 1)

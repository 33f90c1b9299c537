"""Version numbers: how they order, which exist in a kit folder, and which comes next."""

from __future__ import annotations

import re
from pathlib import Path

from kitgen.version.manifest import MANIFEST


def version_key(version: str) -> tuple[int, int, int, int, str]:
    """Order ``1 < 2 < 1.3.0 < 2.0.0-rc.1 < 2.0.0``: plain numbers count as ``N.0.0``."""
    match = re.fullmatch(r"(\d+)(?:\.(\d+)\.(\d+))?(?:-(.+))?", version)
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
        if not p.name.startswith(".") and p.is_dir() and not p.is_symlink()
        and (p / MANIFEST).is_file()
    ]
    return sorted(found, key=version_key)


def next_version(pinned: str | None, existing: list[str]) -> str:
    if pinned:
        return pinned
    majors = [version_key(v)[0] for v in existing]
    return str(max(majors, default=0) + 1)

"""Versions of a kit (PRODUCT.md §5): digest, numbering, manifest, and the workspace layout.

A version folder is written whole, under a hidden name, then renamed into place: readers see
a complete version or none. Once there it is never modified; releasing only adds beside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kitgen import __version__
from kitgen.errors import InputError
from kitgen.fsutil import inside
from kitgen.model import KitFile

MANIFEST = "manifest.json"
SNAPSHOT = "requirements.yaml"
MANIFEST_FORMAT = 1
RELEASE_DIR = "released"
RELEASE_MANIFEST = "release.json"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def requirements_dir(self) -> Path:
        return self.root / "requirements"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def kits_dir(self) -> Path:
        return self.root / "kits"

    def requirement_files(self) -> list[Path]:
        if not self.requirements_dir.is_dir():
            raise InputError(
                f"no requirements/ folder in {self.root}",
                details=["Run kitgen in a workspace, or make one with `kitgen init DIR`."],
            )
        return sorted(
            p for p in self.requirements_dir.iterdir()
            if p.suffix in (".yaml", ".yml") and p.is_file()
        )

    def kit_dir(self, kit: str) -> Path:
        return inside(self.kits_dir, kit)

    def kit_ids(self) -> list[str]:
        if not self.kits_dir.is_dir():
            return []
        return sorted(
            p.name for p in self.kits_dir.iterdir()
            if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
        )


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """Manifests are for people too: indented, keys sorted, so the same data gives the same
    bytes."""
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def data_digest(kit: KitFile) -> str:
    """The requirement file's data, independent of comments, key order and quoting.

    Values equal to their defaults are left out, so that a later kitgen adding an optional
    field does not change the digest of every snapshot already built and signed.
    """
    data = kit.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return hashlib.sha256(canonical_json(data)).hexdigest()


def compute_digest(data_sha: str, inputs: dict[str, str], kitgen_version: str = __version__) -> str:
    payload = {"data": data_sha, "inputs": inputs, "kitgen": kitgen_version}
    return hashlib.sha256(canonical_json(payload)).hexdigest()


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


def read_manifest(version_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((version_dir / MANIFEST).read_bytes())
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read {version_dir / MANIFEST}: {error}") from None
    if not isinstance(manifest, dict):
        raise InputError(f"{version_dir / MANIFEST} is not a manifest")
    return manifest


def next_version(pinned: str | None, existing: list[str]) -> str:
    if pinned:
        return pinned
    majors = [version_key(v)[0] for v in existing]
    return str(max(majors, default=0) + 1)


def source_date(kit: KitFile) -> dt.datetime:
    """The time written into PDFs: SOURCE_DATE_EPOCH, else the launch date, never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise InputError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from None
    return dt.datetime.combine(kit.launch, dt.time(0, 0), tzinfo=dt.UTC)


def version_time(manifest: dict[str, Any], kit: KitFile) -> dt.datetime:
    """The time a version was built with, as its manifest records it: its release and any
    re-render use it too, whatever SOURCE_DATE_EPOCH says then (``source_date`` for a manifest
    without a readable one)."""
    try:
        return dt.datetime.strptime(str(manifest.get("source_date")),
                                    "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return source_date(kit)

"""A stamp of what a build read, so that a build with nothing to do says so before reading YAML.

A build decides whether a kit changed from its requirement file's data, the templates and
kitgen; composing the YAML and validating it costs more than the rest of such a build. So each
``kitgen build`` ends by recording, for the requirement files it was given, a sha256 over the
bytes it read — those files (regular files only), the workspace's templates, its brand file by
each name kitgen looks for, the schema copy beside the requirement files, every file of kitgen
itself (its code, templates, fonts) — together with the date its warnings were worked out for
and every name, size and time under ``kits/``, as the build left them (sign-offs and releases
change the catalog, ``kits/index.html``, and versions change what a build decides), and the
sha256 of every brand file and logo or font it names that the build used (a kit may name
another brand file; the requirement file that names it is part of the fingerprint). The next
build computes the same from the files alone: if every byte and every name is as recorded,
nothing can have changed, and it says what the last build said without reading a YAML file. A
single byte, a new sign-off or another day, and the build runs in full.

The input part is taken before the build reads anything, so a file saved during a build makes
the next build run in full. Stamps are this machine's, never committed: they live in the
document cache's folder (none with ``KITGEN_CACHE=off``), one per workspace, file list and
shard.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import kitgen
from kitgen.base import settings
from kitgen.base.errors import DiskError, InputError
from kitgen.base.files import write_file_atomic
from kitgen.base.workspace import Workspace

# The names of a workspace's own brand file (load/brand.py), without loading the brand reader.
BRAND_FILE_NAMES = ("_brand.yml", "_brand.yaml", "brand.yml", "brand.yaml")
# The schema copy a build keeps up to date (load/schema.py), without loading the models.
SCHEMA_COPY = "kit.schema.json"

STAMP_FORMAT = 2
STAMPS = "stamps"
PACKAGE = Path(kitgen.__file__).parent


@dataclass(frozen=True)
class StampedKit:
    """A kit as the last build left it: unchanged since, at ``version`` in ``folder``."""

    kit: str
    version: str
    folder: Path


@dataclass(frozen=True)
class Stamp:
    """What the last build found, given inputs whose fingerprint is ``inputs``."""

    inputs: str
    kits: tuple[StampedKit, ...]
    warnings: tuple[str, ...]


def input_fingerprint(workspace: Workspace, files: Sequence[Path] | None, day: str) -> str | None:
    """sha256 over everything a build reads to decide, or None when a requirement file is not a
    plain file (a link, a folder, missing): such a build runs in full and says what is wrong."""
    digest = hashlib.sha256(f"{STAMP_FORMAT}\0{kitgen.__version__}\0{day}\0".encode())
    try:
        paths = list(files) if files else workspace.requirement_files()
    except (InputError, OSError):
        return None
    for path in paths:
        data = _plain_file(path)
        if data is None:
            return None
        digest.update(f"file\0{path.absolute()}\0".encode())
        digest.update(hashlib.sha256(data).digest())
    # A stale schema copy is refreshed by a full build (the copy is read as it is, not parsed).
    schema = _plain_file(workspace.requirements_dir / SCHEMA_COPY)
    digest.update(b"schema\0" + hashlib.sha256(schema or b"").digest())
    for name in BRAND_FILE_NAMES:
        brand = workspace.root / name
        present = brand.exists() or brand.is_symlink()
        digest.update(f"brand\0{name}\0{present}\0".encode())
        if present:
            digest.update(hashlib.sha256(_plain_file(brand) or b"").digest())
    for root in (PACKAGE, workspace.templates_dir):
        for path in _files(root):
            data = _plain_file(path)
            digest.update(f"{path}\0".encode())
            digest.update(hashlib.sha256(data or b"").digest())
    return digest.hexdigest()


def kits_listing(workspace: Workspace) -> str:
    """sha256 over every name under kits/ with its size and modification time."""
    digest = hashlib.sha256()
    for path in _entries(workspace.kits_dir):
        with contextlib.suppress(OSError):
            stat = path.lstat()
            digest.update(f"{path}\0{stat.st_mode}\0{stat.st_size}\0{stat.st_mtime_ns}\0"
                          .encode())
    return digest.hexdigest()


def read_stamp(workspace: Workspace, files: Sequence[Path] | None, shard: str | None,
               day: str) -> Stamp | None:
    """The last build's outcome when nothing it read has changed since; None otherwise."""
    path = _stamp_path(workspace, files, shard)
    if path is None:
        return None
    try:
        recorded = json.loads(path.read_bytes())
        inputs = str(recorded["inputs"])
        listing = str(recorded["kits_listing"])
        kits = tuple(StampedKit(str(k["kit"]), str(k["version"]), Path(str(k["folder"])))
                     for k in recorded["kits"])
        warnings = tuple(str(w) for w in recorded["warnings"])
        brand_files = {str(k): str(v) for k, v in recorded["brand_files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if recorded.get("format") != STAMP_FORMAT or inputs != input_fingerprint(workspace, files, day):
        return None
    if listing != kits_listing(workspace):
        return None
    for name, sha in brand_files.items():
        data = _plain_file(workspace.root / name)
        if data is None or hashlib.sha256(data).hexdigest() != sha:
            return None
    return Stamp(inputs, kits, warnings)


def record_stamp(workspace: Workspace, files: Sequence[Path] | None, shard: str | None,
                 inputs: str | None, kits: Sequence[StampedKit], warnings: Sequence[str],
                 brand_files: Mapping[str, str] | None = None) -> None:
    """Record what a build found (``inputs``: the fingerprint taken before it read anything;
    ``brand_files``: the sha256 of each brand file the build used, by its name in the
    workspace). Never fails the build: a stamp may only save time."""
    path = _stamp_path(workspace, files, shard)
    if path is None or inputs is None:
        return
    stamp = {"format": STAMP_FORMAT, "inputs": inputs, "kits_listing": kits_listing(workspace),
             "kits": [{"kit": k.kit, "version": k.version, "folder": str(k.folder)}
                      for k in kits],
             "warnings": list(warnings), "brand_files": dict(brand_files or {})}
    with contextlib.suppress(OSError, DiskError):
        # The user's own, like the cache: stamps name kits, files and warnings.
        path.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        write_file_atomic(path, json.dumps(stamp, indent=1).encode())


def _stamp_path(workspace: Workspace, files: Sequence[Path] | None,
                shard: str | None) -> Path | None:
    root = settings.cache_root()
    if root is None:
        return None
    named = [str(workspace.root.resolve()), str(shard), *(str(f.absolute()) for f in files or [])]
    return root / STAMPS / (hashlib.sha256("\0".join(named).encode()).hexdigest()[:40] + ".json")


def _plain_file(path: Path) -> bytes | None:
    try:
        if path.is_symlink() or not path.is_file():
            return None
        return path.read_bytes()
    except OSError:
        return None


def _files(root: Path) -> list[Path]:
    return sorted(p for p in _entries(root) if "__pycache__" not in p.parts and p.is_file())


def _entries(root: Path) -> Iterator[Path]:
    """Every path under ``root``, not following links."""
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + names):
            yield Path(folder) / name

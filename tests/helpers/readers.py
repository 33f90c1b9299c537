"""Readers of what kitgen writes, as a user or a PDF reader would see it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import zlib
from collections.abc import Collection
from pathlib import Path
from typing import Any

from pypdf import PdfReader


def tree(root: Path, *, hidden: bool = True, leave_out: Collection[str] = ()) -> dict[str, bytes]:
    """Everything under ``root`` by relative path: a file's bytes, a link's target
    (``b"-> target"``, never followed) and ``b""`` for a folder (its path ends with ``/``).

    ``hidden=False`` leaves out hidden names at any depth: what a user sees and ``git add``
    picks up. ``leave_out`` names relative paths to skip (a file kitgen derives, say)."""
    found: dict[str, bytes] = {}
    if not root.exists():
        return found
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.as_posix() in leave_out:
            continue
        if not hidden and any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_symlink():
            found[relative.as_posix()] = b"-> " + os.readlink(path).encode()
        elif path.is_dir():
            found[relative.as_posix() + "/"] = b""
        else:
            found[relative.as_posix()] = path.read_bytes()
    return found


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kit_dir(root: Path, kit: str) -> Path:
    return root / "kits" / kit


def records(root: Path, kit: str) -> list[Path]:
    """A kit's sign-off records, by name (so by version, then time)."""
    folder = kit_dir(root, kit) / "signoffs"
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


def manifest_digest(root: Path, kit: str, version: str) -> str:
    return str(json.loads((kit_dir(root, kit) / version / "manifest.json").read_text())["digest"])


def rendered_part(path: Path) -> bytes:
    """A kitgen PDF as rendered, before kitgen appended its manifest in an incremental update:
    the file up to the end of the revision before the last (found here without kitgen's code,
    by its ``%%EOF`` marker)."""
    data = path.read_bytes()
    assert data.endswith(b"%%EOF\n"), path
    end = data.rindex(b"%%EOF\n", 0, len(data) - 6) + 6
    return data[:end]


def rendered_sha256(path: Path) -> str:
    return hashlib.sha256(rendered_part(path)).hexdigest()


def squash(text: str) -> str:
    """Whitespace-normalised text, so line breaks in the PDF do not split a phrase."""
    return " ".join(text.split())


def pdf_pages(path: Path) -> list[str]:
    """The text a reader sees, page by page, whitespace squashed."""
    return [squash(page.extract_text() or "") for page in PdfReader(path).pages]


def pdf_text(path: Path) -> str:
    return squash(" ".join(pdf_pages(path)))


def pdf_metadata(path: Path) -> dict[str, Any]:
    return dict(PdfReader(path).metadata or {})


def pdf_stream_bytes(data: bytes) -> bytes:
    """Every stream of a PDF, decompressed where it is Flate-encoded, plus the raw file."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            parts.append(match.group(1))
    return b"\n".join(parts)


def pdf_images(path: Path) -> int:
    """How many raster images the pages draw."""
    return sum(len(page.images) for page in PdfReader(path).pages)

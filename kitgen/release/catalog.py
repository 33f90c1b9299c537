"""``kits/index.html``: every kit on one page, openable from disk, no server, no JavaScript.

It points reps at each kit's latest released version first, naming every document by its title
and saying who may see it; a version still in review comes after, marked as a draft. Beside it,
``kits/_fonts/`` holds the fonts every HTML page under ``kits/`` loads by a relative path.

Written by ``kitgen build`` only. ``approve`` does not rewrite it: a shared generated file would
turn two sign-offs on two git branches into a merge conflict. The sign-off state it shows is
therefore as of the last build; ``kitgen status`` is always current.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kitgen.base.files import is_plain_file, write_file_atomic
from kitgen.base.workspace import Workspace
from kitgen.load.brand import load_brand
from kitgen.load.model import Side
from kitgen.release.status import kit_status
from kitgen.render.branding import CATALOG_TO_WORKSPACE, brand_view
from kitgen.render.html import render_template
from kitgen.render.paths import FONTS_DIR, WEB_FONTS_DIR
from kitgen.render.sandbox import make_environment
from kitgen.version.manifest import MANIFEST, RELEASE_DIR, RELEASE_MANIFEST, read_json_object

CATALOG = "index.html"
SIDE_WORDS = {"approved": "approved", "rejected": "changes requested", "pending": "waiting"}


@dataclass(frozen=True)
class Link:
    title: str
    href: str
    pages: int
    audience: str = "internal"


@dataclass(frozen=True)
class VersionLinks:
    """One version's documents as the catalog lists them: its index first, then the rest."""

    version: str
    index_html: str  # "" when the version has no page for a browser
    index_pdf: str
    documents: tuple[Link, ...]


@dataclass(frozen=True)
class KitEntry:
    kit: str
    title: str
    latest: str
    released: str | None
    latest_is_released: bool
    sides: dict[Side, str]
    draft: VersionLinks | None  # the latest version when it is not released
    release: VersionLinks | None  # the latest released version


def _version_links(kit_dir: Path, kit: str, version: str, released: bool) -> VersionLinks:
    """Titles and audiences come from the version's manifest (the release manifest lists only
    files); a link is made only to a file that is there."""
    folder = kit_dir / version / RELEASE_DIR if released else kit_dir / version
    prefix = f"{kit}/{version}/{RELEASE_DIR}" if released else f"{kit}/{version}"
    listed = read_json_object(folder / (RELEASE_MANIFEST if released else MANIFEST)) or {}
    present = {str(d.get("file")) for d in _entries(listed)}
    built = _entries(read_json_object(kit_dir / version / MANIFEST) or {})
    index_pdf = index_html = ""
    documents = []
    for entry in built:
        name = str(entry.get("file", ""))
        if name not in present or not is_plain_file(folder / name):
            continue
        if entry.get("kind") == "index":
            index_pdf = f"{prefix}/{name}"
            page = name.removesuffix(".pdf") + ".html"
            index_html = f"{prefix}/{page}" if is_plain_file(folder / page) else ""
            continue
        documents.append(Link(str(entry.get("title") or name), f"{prefix}/{name}",
                              _number(entry.get("pages")), str(entry.get("audience", "internal"))))
    return VersionLinks(version, index_html, index_pdf, tuple(documents))


def _entries(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    documents = manifest.get("documents")
    return [d for d in documents if isinstance(d, dict)] if isinstance(documents, list) else []


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def kit_entries(workspace: Workspace) -> list[KitEntry]:
    entries = []
    for kit in workspace.kit_ids():
        status = kit_status(workspace, kit)
        latest = status.latest
        if latest is None:
            continue
        kit_dir = workspace.kit_dir(kit)
        sides = {side: SIDE_WORDS[state.state] + (
                     " by " + ", ".join(r.name for r in state.records)
                     if state.state == "approved" else "")
                 for side, state in status.sides.items()}
        last = status.latest_released
        entries.append(KitEntry(
            kit=kit,
            title=status.title,
            latest=latest,
            released=last,
            latest_is_released=status.released,
            sides=sides,
            draft=None if status.released else _version_links(kit_dir, kit, latest, False),
            release=_version_links(kit_dir, kit, last, True) if last else None,
        ))
    return entries


def publish_fonts(workspace: Workspace) -> Path:
    """Copy kitgen's fonts for web pages (and their licence) to ``kits/_fonts/``, where the
    HTML pages under ``kits/`` find them by a relative path; a file already there with the same
    bytes is left alone, so a build changes nothing in git once they are committed."""
    target = workspace.fonts_dir
    if target.is_symlink():  # kitgen never writes through a link under kits/
        return target
    target.mkdir(parents=True, exist_ok=True)
    for source in [*sorted(WEB_FONTS_DIR.glob("*.woff")), FONTS_DIR / "COPYRIGHT-Inter"]:
        data = source.read_bytes()
        copy = target / source.name
        if not copy.is_file() or copy.is_symlink() or copy.read_bytes() != data:
            write_file_atomic(copy, data)
    return target


def write_catalog(workspace: Workspace) -> Path:
    """Write ``kits/index.html``, branded with the workspace's own brand file (kits that name
    another one keep it in their documents)."""
    env = make_environment(workspace.templates_dir)
    kits = kit_entries(workspace)
    brand = brand_view(load_brand(workspace.root), CATALOG_TO_WORKSPACE)
    html = render_template(env, "catalog.html.j2", {"kits": kits, "brand": brand},
                           "kits/index.html")
    if kits:  # a workspace with nothing built gets no fonts folder
        publish_fonts(workspace)
    path = workspace.kits_dir / CATALOG
    write_file_atomic(path, html.encode())
    return path

"""``kits/index.html``: every kit on one page, openable from disk, no server, no JavaScript.

Written by ``kitgen build`` only. ``approve`` does not rewrite it: a shared generated file would
turn two sign-offs on two git branches into a merge conflict. The sign-off state it shows is
therefore as of the last build; ``kitgen status`` is always current.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kitgen.base.files import is_plain_file, write_file_atomic
from kitgen.base.workspace import Workspace
from kitgen.load.brand import load_brand
from kitgen.load.model import Side
from kitgen.release.status import kit_status
from kitgen.render.branding import CATALOG_TO_WORKSPACE, brand_view
from kitgen.render.html import render_template
from kitgen.render.sandbox import make_environment
from kitgen.version.manifest import MANIFEST, RELEASE_DIR, RELEASE_MANIFEST, read_json_object

CATALOG = "index.html"
SIDE_WORDS = {"approved": "approved", "rejected": "changes requested", "pending": "waiting"}


@dataclass(frozen=True)
class Link:
    title: str
    href: str
    pages: int


@dataclass(frozen=True)
class KitEntry:
    kit: str
    title: str
    latest: str
    released: str | None
    latest_is_released: bool
    sides: dict[Side, str]
    documents: tuple[Link, ...]
    released_documents: tuple[Link, ...]


def _links(folder: Path, prefix: str, manifest_path: Path) -> tuple[Link, ...]:
    manifest = read_json_object(manifest_path)
    if manifest is None:
        return ()
    return tuple(
        Link(str(d.get("title") or d["file"]), f"{prefix}/{d['file']}", int(d.get("pages", 0)))
        for d in manifest.get("documents", []) if is_plain_file(folder / d["file"])
    )


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
        folder = kit_dir / latest
        last = status.latest_released
        entries.append(KitEntry(
            kit=kit,
            title=status.title,
            latest=latest,
            released=last,
            latest_is_released=status.released,
            sides=sides,
            documents=_links(folder, f"{kit}/{latest}", folder / MANIFEST),
            released_documents=_links(
                kit_dir / last / RELEASE_DIR, f"{kit}/{last}/{RELEASE_DIR}",
                kit_dir / last / RELEASE_DIR / RELEASE_MANIFEST,
            ) if last else (),
        ))
    return entries


def write_catalog(workspace: Workspace) -> Path:
    """Write ``kits/index.html``, branded with the workspace's own brand file (kits that name
    another one keep it in their documents)."""
    env = make_environment(workspace.templates_dir)
    brand = brand_view(load_brand(workspace.root), CATALOG_TO_WORKSPACE)
    html = render_template(env, "catalog.html.j2", {"kits": kit_entries(workspace),
                                                    "brand": brand}, "kits/index.html")
    path = workspace.kits_dir / CATALOG
    write_file_atomic(path, html.encode())
    return path

"""``kits/index.html``: every kit on one page, openable from disk, no server, no JavaScript.

Written by ``kitgen build`` only. ``approve`` does not rewrite it: a shared generated file would
turn two sign-offs on two git branches into a merge conflict. The sign-off state it shows is
therefore as of the last build; ``kitgen status`` is always current.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kitgen.errors import InputError
from kitgen.fsutil import write_file_atomic
from kitgen.ledger import KitLedger
from kitgen.render import make_environment, render_template
from kitgen.versions import RELEASE_DIR, RELEASE_MANIFEST, Workspace

CATALOG = "index.html"


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
    sides: dict[str, str]
    documents: tuple[Link, ...]
    released_documents: tuple[Link, ...]


def _links(folder: Path, prefix: str, manifest_path: Path) -> tuple[Link, ...]:
    import json

    try:
        manifest = json.loads(manifest_path.read_bytes())
    except (OSError, ValueError):
        return ()
    return tuple(
        Link(str(d.get("title") or d["file"]), f"{prefix}/{d['file']}", int(d.get("pages", 0)))
        for d in manifest.get("documents", []) if (folder / d["file"]).is_file()
    )


def kit_entries(workspace: Workspace) -> list[KitEntry]:
    entries = []
    for kit in workspace.kit_ids():
        ledger = KitLedger.open(workspace, kit)
        latest = ledger.latest
        if latest is None:
            continue
        try:
            title = ledger.snapshot(latest).kit.title
        except InputError:
            title = kit
        released = ledger.released_versions()
        sides = {}
        for side in ("marketing", "sales"):
            if ledger.counting(latest, "reject", side):
                sides[side] = "changes requested"
            elif ledger.counting(latest, "approve", side):
                sides[side] = "approved by " + ", ".join(
                    r.name for r in ledger.counting(latest, "approve", side))
            else:
                sides[side] = "waiting"
        folder = ledger.kit_dir / latest
        last = released[-1] if released else None
        entries.append(KitEntry(
            kit=kit,
            title=title,
            latest=latest,
            released=last,
            latest_is_released=last == latest,
            sides=sides,
            documents=_links(folder, f"{kit}/{latest}", folder / "manifest.json"),
            released_documents=_links(
                ledger.kit_dir / last / RELEASE_DIR, f"{kit}/{last}/{RELEASE_DIR}",
                ledger.kit_dir / last / RELEASE_DIR / RELEASE_MANIFEST,
            ) if last else (),
        ))
    return entries


def write_catalog(workspace: Workspace) -> Path:
    env = make_environment(workspace.templates_dir)
    html = render_template(env, "catalog.html.j2", {"kits": kit_entries(workspace)},
                           "kits/index.html")
    path = workspace.kits_dir / CATALOG
    write_file_atomic(path, html.encode())
    return path

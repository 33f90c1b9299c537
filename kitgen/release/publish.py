"""Releasing a version: the signed-off PDFs and a release manifest, added beside the drafts.

The released PDFs are rendered from the version's own snapshot with the same templates, so
they differ from the drafts only by DRAFT giving way to the sign-off block. If the templates or
kitgen changed since the version was built, the digest would no longer match and the release is
refused: what was approved is what gets released.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from kitgen.base.errors import InputError
from kitgen.base.files import place_folder, staged_folder, write_file_atomic
from kitgen.load.brand import load_brand
from kitgen.load.model import KitFile
from kitgen.render.documents import BuildInfo, SignoffLine
from kitgen.render.html import render_index_page
from kitgen.render.pdf import Attachment
from kitgen.render.sandbox import make_environment
from kitgen.render.scheduler import BuiltDocument, Progress, render_documents
from kitgen.signoff.ledger import KitLedger
from kitgen.signoff.records import Record, StoredRecord, release_entry
from kitgen.version import carry
from kitgen.version.manifest import (
    MANIFEST,
    RELEASE_DIR,
    RELEASE_MANIFEST,
    changes_from_json,
    has_release,
    make_release_manifest,
    manifest_bytes,
    recorded_revisions,
    version_time,
)


def signoff_lines(records: list[Record]) -> tuple[SignoffLine, ...]:
    return tuple(
        SignoffLine(
            r.name, r.email, r.side, r.meaning, r.time.replace("T", " ").replace("Z", " UTC")
        )
        for r in records
    )


def write_release(ledger: KitLedger, version: str, progress: Progress | None = None) -> Path:
    manifest = ledger.manifest(version)
    relied = [j.stored for j in ledger.judged if j.releases and j.record.version == version
              and j.record.decision == "approve"]
    built = render_release(ledger, version, relied, progress)
    page = release_index_page(ledger, version, relied, built)

    entries = [release_entry(s.path.name, s.raw, s.record, s.signature)
               for s in relied if s.record is not None]
    release_raw = make_release_manifest(manifest, entries, [b for b, _, _ in built],
                                        index_page=page)
    target = ledger.kit_dir / version / RELEASE_DIR
    with staged_folder(ledger.kit_dir / version, "releasing") as staging:
        for item, pdf, _html in built:
            # Each released PDF carries the release manifest that lists it (version/carry.py).
            write_file_atomic(staging / item.document.filename,
                              carry.append(pdf, RELEASE_MANIFEST, release_raw))
            if item.document.kind == "index":
                write_file_atomic(staging / f"{item.document.stem}.html", page.encode())
        write_file_atomic(staging / RELEASE_MANIFEST, release_raw)
        if not place_folder(staging, target) and not has_release(target.parent):
            raise InputError(f"{target} exists but holds no {RELEASE_MANIFEST}: kitgen did not "
                             "write it", details=["Run `kitgen verify` to see what it is."])
        # Placed, or released by a concurrent run from the same records.
    return target


def release_build_info(manifest: dict[str, Any], kit: KitFile,
                       relied: list[StoredRecord]) -> BuildInfo:
    """What the released documents print about their version: its own time, not
    SOURCE_DATE_EPOCH at release time (released PDFs differ from the drafts only by the
    sign-off), and the records the release rests on."""
    return BuildInfo.of(str(manifest["version"]), str(manifest["digest"]),
                        version_time(manifest, kit),
                        signoff_lines([s.record for s in relied if s.record is not None]),
                        known=recorded_revisions(manifest))


def release_index_page(ledger: KitLedger, version: str, relied: list[StoredRecord],
                       built: list[tuple[BuiltDocument, bytes, str]]) -> str:
    """The released index as a page for a browser (``released/index.html``)."""
    snapshot = ledger.snapshot(version)
    manifest = ledger.manifest(version)
    documents = [replace(b.document, pages=b.pages) for b, _, _ in built]
    return render_index_page(make_environment(ledger.workspace.templates_dir), snapshot.kit,
                             release_build_info(manifest, snapshot.kit, relied), documents,
                             changes_from_json(manifest.get("changes")),
                             brand=load_brand(ledger.workspace.root, snapshot))


def render_release(
    ledger: KitLedger, version: str, relied: list[StoredRecord],
    progress: Progress | None = None, use_cache: bool = True,
) -> list[tuple[BuiltDocument, bytes, str]]:
    """The released PDFs of ``version`` resting on the records ``relied`` (as rendered: the
    release manifest is appended when they are written)."""
    snapshot = ledger.snapshot(version)
    manifest = ledger.manifest(version)
    build = release_build_info(manifest, snapshot.kit, relied)
    when = version_time(manifest, snapshot.kit)
    carried = [Attachment(MANIFEST, manifest_bytes(manifest), "kitgen version manifest")] + [
        Attachment(s.path.name, s.raw, "kitgen sign-off record") for s in relied
    ] + [
        Attachment(s.path.name + ".sig", s.signature, "SSH signature of the sign-off record")
        for s in relied if s.signature is not None
    ]
    # The changes recorded when the version was built, not recomputed: later releases of other
    # versions must not change what this version's released index says.
    changes = changes_from_json(manifest.get("changes"))
    return render_documents(ledger.workspace, snapshot, build, progress, lambda _doc: carried,
                            changes, when=when, use_cache=use_cache)

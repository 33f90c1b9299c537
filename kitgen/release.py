"""Releasing a version: the signed-off PDFs and a release manifest, added beside the drafts.

The released PDFs are rendered from the version's own snapshot with the same templates, so
they differ from the drafts only by DRAFT giving way to the sign-off block. If the templates or
kitgen changed since the version was built, the digest would no longer match and the release is
refused: what was approved is what gets released.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kitgen import __version__, carry
from kitgen.build import BuiltDocument, Progress, changes_from_json, render_documents
from kitgen.errors import InputError
from kitgen.fieldready import customer_roadmap_leaks
from kitgen.fsutil import disk_error, pause_point, process_alive, write_file_atomic
from kitgen.ledger import KitLedger
from kitgen.pdf import Attachment
from kitgen.render import BuildInfo, SignoffLine, template_inputs
from kitgen.signoff import Record, StoredRecord, release_entry
from kitgen.versions import (
    MANIFEST,
    RELEASE_DIR,
    RELEASE_MANIFEST,
    compute_digest,
    data_digest,
    manifest_bytes,
    version_time,
)


@dataclass(frozen=True)
class ReleaseOutcome:
    kit: str
    version: str | None
    released: bool
    written: bool
    reasons: tuple[str, ...] = ()
    path: Path | None = None


def release_blockers(ledger: KitLedger, version: str) -> list[str]:
    reasons = ledger.blockers(version)
    # A customer-facing sheet must never sell a roadmap item as fact (PRODUCT.md §8).
    reasons += customer_roadmap_leaks(ledger.snapshot(version).kit)
    if not reasons:
        snapshot = ledger.snapshot(version)
        inputs = template_inputs(ledger.workspace.templates_dir)
        digest = compute_digest(data_digest(snapshot.kit), inputs)
        if digest != ledger.manifest(version).get("digest"):
            reasons.append(
                f"templates or kitgen changed since version {version} was built, so its "
                "released PDFs would not be what was approved; build a new version and sign it off"
            )
    return reasons


def release_latest(ledger: KitLedger, progress: Progress | None = None) -> ReleaseOutcome:
    version = ledger.latest
    if version is None:
        return ReleaseOutcome(ledger.kit, None, False, False, ("no built version",))
    target = ledger.kit_dir / version / RELEASE_DIR
    if (target / RELEASE_MANIFEST).is_file():
        return ReleaseOutcome(ledger.kit, version, True, False, path=target)
    reasons = release_blockers(ledger, version)
    if reasons:
        return ReleaseOutcome(ledger.kit, version, False, False, tuple(reasons))
    write_release(ledger, version, progress)
    return ReleaseOutcome(ledger.kit, version, True, True, path=target)


def signoff_lines(records: list[Record]) -> tuple[SignoffLine, ...]:
    return tuple(
        SignoffLine(
            r.name, r.email, r.side, r.meaning, r.time.replace("T", " ").replace("Z", " UTC")
        )
        for r in records
    )


def write_release(ledger: KitLedger, version: str, progress: Progress | None = None) -> Path:
    manifest = ledger.manifest(version)
    approvals = ledger.counting(version, "approve")
    relied = [j.stored for j in ledger.judged if j.counts and j.stored.record in approvals]
    built = render_release(ledger, version, relied, progress)

    release: dict[str, Any] = {
        "format": 1,
        "kit": ledger.kit,
        "version": version,
        "digest": manifest["digest"],
        "kitgen_version": __version__,
        "signoffs": [release_entry(s.path.name, s.raw, s.record, s.signature)
                     for s in relied if s.record is not None],
        "documents": [
            {"file": b.document.filename, "sha256": b.sha256, "pages": b.pages}
            for b, _, _ in built
        ],
    }
    version_dir = ledger.kit_dir / version
    target = version_dir / RELEASE_DIR
    remove_stale_releasing(version_dir)
    staging = version_dir / f".releasing-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        try:
            staging.mkdir()
        except OSError as error:
            raise disk_error(error, staging) from None
        release_raw = manifest_bytes(release)
        for item, pdf, _html in built:
            # Each released PDF carries the release manifest that lists it (kitgen/carry.py).
            write_file_atomic(staging / item.document.filename,
                              carry.append(pdf, RELEASE_MANIFEST, release_raw))
        write_file_atomic(staging / RELEASE_MANIFEST, release_raw)
        try:
            pause_point(f"rename:{RELEASE_DIR}")
            os.rename(staging, target)
            pause_point(f"renamed:{RELEASE_DIR}")
        except OSError as error:
            if (target / RELEASE_MANIFEST).is_file():
                return target  # released by a concurrent run from the same records
            raise disk_error(error, target) from None
    except InputError:
        raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def render_release(
    ledger: KitLedger, version: str, relied: list[StoredRecord],
    progress: Progress | None = None, use_cache: bool = True,
) -> list[tuple[BuiltDocument, bytes, str]]:
    """The released PDFs of ``version`` resting on the records ``relied`` (as rendered: the
    release manifest is appended when they are written)."""
    snapshot = ledger.snapshot(version)
    manifest = ledger.manifest(version)
    # The version's own time, not SOURCE_DATE_EPOCH at release time: released PDFs differ from
    # the drafts only by the sign-off block.
    when = version_time(manifest, snapshot.kit)
    build = BuildInfo.of(version, str(manifest["digest"]), when,
                         signoff_lines([s.record for s in relied if s.record is not None]))
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


def remove_stale_releasing(version_dir: Path) -> None:
    """Remove staging folders of releases that died (a live one is left alone): hidden, and
    ignored by every reader, but they would otherwise sit in the version folder for good."""
    for path in version_dir.glob(".releasing-*"):
        pid = path.name.split("-")[1] if path.name.count("-") == 2 else ""
        if pid.isdigit() and process_alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)

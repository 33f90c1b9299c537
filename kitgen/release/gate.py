"""The release gate: release what both sides approved, and say for every other kit why not.

A version is released when it holds a valid approval from each side, no rejection, a settled
negotiation, no unshipped feature on a customer-facing sheet, and was built with the templates
and kitgen in use now (so the released PDFs are exactly what was approved).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kitgen.base.workspace import Workspace
from kitgen.load.brand import load_brand
from kitgen.load.fieldready import customer_roadmap_leaks
from kitgen.release.publish import write_release
from kitgen.render.html import template_inputs
from kitgen.render.scheduler import Progress
from kitgen.signoff.ledger import KitLedger
from kitgen.version.digest import compute_digest, data_digest
from kitgen.version.manifest import RELEASE_DIR, RELEASE_MANIFEST


@dataclass(frozen=True)
class ReleaseOutcome:
    kit: str
    version: str | None
    released: bool
    written: bool
    reasons: tuple[str, ...] = ()
    path: Path | None = None


def release_blockers(ledger: KitLedger, version: str) -> list[str]:
    reasons = [b.message for b in ledger.blockers(version)]
    # A customer-facing sheet must never sell a roadmap item as fact.
    reasons += customer_roadmap_leaks(ledger.snapshot(version).kit)
    if not reasons:
        snapshot = ledger.snapshot(version)
        workspace = ledger.workspace
        inputs = template_inputs(workspace.templates_dir, load_brand(workspace.root, snapshot))
        digest = compute_digest(data_digest(snapshot.kit), inputs)
        if digest != ledger.manifest(version).get("digest"):
            reasons.append(
                f"templates, brand or kitgen changed since version {version} was built, so its "
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


def release_kits(workspace: Workspace, kits: Sequence[str],
                 progress: Progress | None = None) -> list[ReleaseOutcome]:
    """Release the latest version of each kit where it can be; one outcome per kit."""
    return [release_latest(KitLedger.open(workspace, kit), progress) for kit in kits]

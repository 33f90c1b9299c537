"""The release gate: release what both sides approved, and say for every other kit why not.

A version is released when it holds a valid approval from each side (valid under the last
released version's sign-off policy too, when it changes that policy), no rejection, a settled
negotiation, no unshipped feature on a customer-facing sheet, and was built with the templates
and kitgen in use now (so the released PDFs are exactly what was approved). A release folder
kitgen did not write — or one reached through a symbolic link — is never taken for a release.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kitgen.base.files import links_under, path_as_written
from kitgen.base.workspace import Workspace
from kitgen.load.brand import load_brand
from kitgen.load.fieldready import customer_roadmap_leaks
from kitgen.release.publish import write_release
from kitgen.render.html import template_inputs
from kitgen.render.scheduler import Progress
from kitgen.signoff.ledger import KitLedger, PolicyChange
from kitgen.version.digest import compute_digest, data_digest
from kitgen.version.manifest import RELEASE_DIR


@dataclass(frozen=True)
class ReleaseOutcome:
    kit: str
    version: str | None
    released: bool
    written: bool
    reasons: tuple[str, ...] = ()
    path: Path | None = None
    # How the released (or refused) version's sign-off policy differs from the last released
    # version's; a release with one rests on approvals valid under both policies.
    policy_change: PolicyChange | None = None


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
    change = ledger.policy_change(version)
    if version in ledger.released_versions():
        return ReleaseOutcome(ledger.kit, version, True, False, path=target,
                              policy_change=change)
    reasons = release_blockers(ledger, version)
    if target.is_symlink() or target.exists():
        reasons.append(_not_a_release(ledger, target))
    if reasons:
        return ReleaseOutcome(ledger.kit, version, False, False, tuple(reasons),
                              policy_change=change)
    write_release(ledger, version, progress)
    return ReleaseOutcome(ledger.kit, version, True, True, path=target, policy_change=change)


def _not_a_release(ledger: KitLedger, target: Path) -> str:
    """Why a release folder that is there does not count: kitgen never overwrites it."""
    shown = path_as_written(target, ledger.workspace.root)
    if target.is_symlink() or links_under(target):
        why = "it is, or holds, a symbolic link, which kitgen never writes"
    else:
        why = "kitgen did not write it, or the approvals it rested on no longer count"
    return f"{shown} is there, but it is not a release ({why}); run `kitgen verify`"


def release_kits(workspace: Workspace, kits: Sequence[str],
                 progress: Progress | None = None) -> list[ReleaseOutcome]:
    """Release the latest version of each kit where it can be; one outcome per kit."""
    return [release_latest(KitLedger.open(workspace, kit), progress) for kit in kits]

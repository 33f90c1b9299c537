"""The release gate that never builds (``kitgen release``): release the latest built version
of each kit only when the inputs in the repository are exactly the ones it was built from.

``build --release`` builds first, so a requirement file edited after sign-off becomes a new,
unsigned version on the CI runner, and the gate says "no approval of version 2", hiding the
cause; a newer kitgen on the runner does the same to every kit. Here the inputs are compared
with the latest version's manifest instead, and a difference is the answer: which input
(the requirement file's data, a template, kitgen's version) and what to do about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import kitgen
from kitgen.base.workspace import Workspace
from kitgen.load.brand import load_brand
from kitgen.load.model import KitFile
from kitgen.load.positions import LoadedKit
from kitgen.release.gate import release_latest
from kitgen.render.html import template_inputs
from kitgen.render.scheduler import Progress
from kitgen.signoff.ledger import KitLedger
from kitgen.version.content_diff import CHANGED, FieldChange, diff_kits
from kitgen.version.digest import data_digest

SHOWN_CHANGES = 5  # requirement changes named per kit; the rest are counted


@dataclass(frozen=True)
class InputChange:
    """One input that differs from what the latest version was built from."""

    input: str  # "data", "template", "brand" or "kitgen"
    name: str  # the requirement file, the template, or "kitgen"
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"input": self.input, "name": self.name, "detail": self.detail}


@dataclass(frozen=True)
class FrozenOutcome:
    kit: str
    file: str
    version: str | None
    released: bool
    written: bool
    changes: tuple[InputChange, ...] = ()
    reasons: tuple[str, ...] = ()
    fix: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"kit": self.kit, "file": self.file, "version": self.version,
                "released": self.released, "written": self.written,
                "changes": [c.as_json() for c in self.changes],
                "reasons": list(self.reasons), "fix": self.fix}


def release_frozen(workspace: Workspace, loaded: Sequence[LoadedKit],
                   progress: Progress | None = None) -> list[FrozenOutcome]:
    """One outcome per kit, in order; released PDFs are written where the gate holds."""
    return [_release_one(workspace, item, progress) for item in loaded]


def _release_one(workspace: Workspace, item: LoadedKit,
                 progress: Progress | None) -> FrozenOutcome:
    ledger = KitLedger.open(workspace, item.kit.kit)
    version = ledger.latest
    if version is None:
        return FrozenOutcome(item.kit.kit, item.name, None, False, False,
                             reasons=("no built version",),
                             fix="build it (kitgen build), have both sides approve it, commit "
                                 "kits/, then release")
    changes = compare_inputs(workspace, ledger, version, item)
    if changes:
        return FrozenOutcome(item.kit.kit, item.name, version, False, False, tuple(changes),
                             (f"the inputs differ from those version {version} was built "
                              "from",), _fix_for(changes, ledger, version))
    outcome = release_latest(ledger, progress)
    fix = "" if outcome.released else _signoff_fix(outcome.reasons, item.kit.kit, version)
    return FrozenOutcome(item.kit.kit, item.name, version, outcome.released, outcome.written,
                         reasons=outcome.reasons, fix=fix)


def _signoff_fix(reasons: Sequence[str], kit: str, version: str) -> str:
    if any(r.startswith("rejected by") for r in reasons):
        return (f"version {version} was rejected and is never released: change the kit, build "
                "a new version and have both sides approve it")
    if any(r.startswith("open requirements") for r in reasons):
        return ("settle the open requirements, build a new version and have both sides "
                "approve it")
    if all(r.startswith(("no marketing approval", "no sales approval")) for r in reasons):
        return (f"have version {version} approved for each side that lacks it (kitgen approve "
                f"{kit} --side …), commit kits/, then release")
    return "fix what is named, build a new version and have both sides approve it"


def compare_inputs(workspace: Workspace, ledger: KitLedger, version: str,
                   item: LoadedKit) -> list[InputChange]:
    """What differs between the inputs now and those ``version`` was built from."""
    manifest = ledger.manifest(version)
    built: dict[str, str] = dict(manifest.get("inputs", {}))
    changes = []
    if built.pop("data", None) != data_digest(item.kit):
        changes.append(InputChange("data", item.name, _data_detail(
            ledger.snapshot(version).kit, item.kit, version)))
    built_with = str(manifest.get("kitgen_version", ""))
    new_kitgen = built_with != kitgen.__version__
    if new_kitgen:
        changes.append(InputChange(
            "kitgen", "kitgen", f"version {version} was built with kitgen {built_with}; this "
            f"is kitgen {kitgen.__version__}"))
    now = template_inputs(workspace.templates_dir, load_brand(workspace.root, item))
    for name in sorted(set(built) | set(now)):
        if new_kitgen and name.startswith("kitgen:"):
            continue  # kitgen's own templates and assets come with its version, named above
        if name not in now:
            detail = f"{name} was removed since version {version} was built"
        elif name not in built:
            detail = f"{name} was added since version {version} was built"
        elif built[name] != now[name]:
            detail = f"{name} changed since version {version} was built"
        else:
            continue
        changes.append(InputChange("brand" if name.startswith("brand:") else "template",
                                   name, detail))
    return changes


def _data_detail(before: KitFile, after: KitFile, version: str) -> str:
    old = before.model_dump(mode="json", by_alias=True)
    new = after.model_dump(mode="json", by_alias=True)
    keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    detail = (f"the requirement file's data differs from version {version}'s snapshot "
              f"(changed: {', '.join(keys)})")
    requirements = [_describe(c) for c in diff_kits(before, after)
                    if c.item.startswith("requirements.")]
    if requirements:
        shown = requirements[:SHOWN_CHANGES]
        more = len(requirements) - len(shown)
        detail += "; " + "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
    return detail


def _describe(change: FieldChange) -> str:
    """``requirements.REQ-3: status agreed → proposed``, one line however long the texts."""
    if change.change != CHANGED:
        return f"{change.item}: {change.change}"
    return f"{change.item}: {change.field} {_short(change.was)} → {_short(change.now)}"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fix_for(changes: list[InputChange], ledger: KitLedger, version: str) -> str:
    built_with = str(ledger.manifest(version).get("kitgen_version", ""))
    kinds = {c.input for c in changes}
    steps = []
    if "kitgen" in kinds:
        steps.append(f"run the gate with kitgen {built_with} (pip install kitgen=={built_with})")
    if kinds - {"kitgen"}:
        steps.append(f"restore the inputs version {version} was built from (its snapshot is "
                     f"kits/{ledger.kit}/{version}/requirements.yaml)")
    steps.append("or build a new version (kitgen build), have both sides approve it and "
                 "commit kits/")
    return "; ".join(steps)

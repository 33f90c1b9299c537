"""``kitgen build``: load → validate → render → pdf → version.

Every requirement file is validated before anything is written, so one bad file leaves
``kits/`` untouched. Each version is assembled in a hidden folder and renamed into place.
Documents are rendered through the document cache and, with ``jobs`` > 1, a process pool; a
document's bytes depend only on what it shows, never on which process rendered it, on the
order or on the version number, so a document that did not change since the previous version
comes from the cache; the version and the manifest are added to each PDF afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kitgen.base.errors import InputError, VersionConflict
from kitgen.base.files import disk_error, place_folder, staged_folder, write_file_atomic
from kitgen.base.workspace import Workspace
from kitgen.load.brand import Brand, load_brand
from kitgen.load.model import KitFile
from kitgen.load.positions import LoadedKit
from kitgen.load.reader import load_kit
from kitgen.render.documents import BuildInfo, Changes, source_date
from kitgen.render.html import template_inputs
from kitgen.render.scheduler import BuiltDocument, KitRender, Progress, Renderer
from kitgen.version import carry
from kitgen.version.content_diff import diff_kits
from kitgen.version.digest import compute_digest, data_digest
from kitgen.version.manifest import (
    MANIFEST,
    SNAPSHOT,
    has_release,
    make_manifest,
    read_json_object,
    read_manifest,
    recorded_revisions,
)
from kitgen.version.numbering import list_versions, next_patch, next_version, version_key
from kitgen.version.policy import diff_policies, policy_change_record


@dataclass(frozen=True)
class BuildResult:
    kit: str
    version: str
    digest: str
    path: Path
    written: bool
    documents: tuple[BuiltDocument, ...] = ()


@dataclass(frozen=True)
class KitPlan:
    loaded: LoadedKit
    inputs: dict[str, str]
    data_sha: str
    digest: str
    version: str
    unchanged: bool
    brand: Brand | None = None
    # How the sign-off policy differs from the last released version's (version/policy.py).
    policy_change: dict[str, Any] | None = None


def plan_kit(workspace: Workspace, loaded: LoadedKit) -> KitPlan:
    """Decide which version a build of ``loaded`` would write, without writing anything. The
    kit's brand is checked here, so a bad brand stops a build before anything is written.

    Versions compare as versions (``1`` is ``1.0.0``). A pin naming an existing version is
    that version when the content is the same, a conflict when not; any other pin must be
    above the latest version, since the latest is what the release gate and sign-off judge.
    """
    kit = loaded.kit
    brand = load_brand(workspace.root, loaded)
    inputs = template_inputs(workspace.templates_dir, brand)
    data_sha = data_digest(kit)
    digest = compute_digest(data_sha, inputs)
    kit_dir = workspace.kit_dir(kit.kit)
    existing = list_versions(kit_dir)

    def plan(version: str, unchanged: bool) -> KitPlan:
        return KitPlan(loaded, inputs, data_sha, digest, version, unchanged, brand)

    if kit.version:
        same = next((v for v in existing if version_key(v) == version_key(kit.version)), None)
        if same is not None and read_manifest(kit_dir / same).get("digest") == digest:
            return plan(same, unchanged=True)
        if existing and version_key(kit.version) <= version_key(existing[-1]):
            raise VersionConflict(kit.kit, kit.version, existing[-1], next_patch(existing[-1]),
                                  same)
        version = kit.version
    elif existing and read_manifest(kit_dir / existing[-1]).get("digest") == digest:
        return plan(existing[-1], unchanged=True)
    else:
        version = next_version(None, existing)
    return KitPlan(loaded, inputs, data_sha, digest, version, unchanged=False, brand=brand,
                   policy_change=policy_change_since_release(workspace, kit_dir, existing, kit))


def policy_change_since_release(workspace: Workspace, kit_dir: Path, existing: list[str],
                                kit: KitFile) -> dict[str, Any] | None:
    """How ``kit``'s sign-off policy differs from that of the last released version, as the
    new version's manifest records it; None when nothing was released or nothing differs."""
    released = [v for v in existing if has_release(kit_dir / v)]
    if not released:
        return None
    try:
        before = load_kit(kit_dir / released[-1] / SNAPSHOT, workspace.root).kit.signoff
    except InputError:
        return None  # an unreadable snapshot: `verify` names it
    differences = diff_policies(before, kit.signoff)
    return policy_change_record(released[-1], differences) if differences else None


def build_kits(
    workspace: Workspace,
    plans: list[KitPlan],
    progress: Progress | None = None,
    keep_html: bool = False,
    jobs: int = 1,
) -> list[BuildResult]:
    """Write every planned version, rendering on ``jobs`` processes. Plan all kits first
    (``plan_kit``): a version conflict in the last kit must stop the build before the first one
    writes anything. Each kit's version is written as soon as its documents are rendered."""
    results: list[BuildResult | None] = [None] * len(plans)
    planned: dict[int, tuple[int, KitPlan]] = {}  # id(KitRender) → where its plan is
    for number, plan in enumerate(plans):
        if plan.unchanged:
            target = workspace.kit_dir(plan.loaded.kit.kit) / plan.version
            results[number] = BuildResult(plan.loaded.kit.kit, plan.version, plan.digest, target,
                                          written=False)

    def opened() -> Iterator[KitRender]:
        for number, plan in enumerate(plans):
            if not plan.unchanged:
                kit_dir = workspace.kit_dir(plan.loaded.kit.kit)
                changes = version_changes(kit_dir, plan.version, plan.loaded.kit)
                run = KitRender(plan.loaded, draft_build_info(kit_dir, plan), changes,
                                brand=plan.brand)
                planned[id(run)] = (number, plan)
                yield run

    def finish(run: KitRender) -> None:
        number, plan = planned.pop(id(run))
        results[number] = write_built_version(workspace, plan, run.built(), keep_html,
                                              run.index_page, run.changes)
        run.rendered.clear()  # its PDFs are on disk now: keep memory flat however many kits

    if any(not plan.unchanged for plan in plans):
        with Renderer(workspace, jobs, progress, inputs=plans[0].inputs) as renderer:
            renderer.render(opened(), finish)
    return [result for result in results if result is not None]


def write_version(
    workspace: Workspace, plan: KitPlan, progress: Progress | None = None, keep_html: bool = False
) -> BuildResult:
    """Build one planned version (``kitgen build FILE``), rendering in this process."""
    return build_kits(workspace, [plan], progress, keep_html)[0]


def draft_build_info(kit_dir: Path, plan: KitPlan, preview: bool = False) -> BuildInfo:
    """What the drafts of ``plan`` print: a document whose content is the previous version's
    keeps that version's revision, and so its bytes."""
    earlier = [v for v in list_versions(kit_dir) if version_key(v) < version_key(plan.version)]
    previous = read_json_object(kit_dir / earlier[-1] / MANIFEST) if earlier else None
    return BuildInfo.of(plan.version, plan.digest, source_date(plan.loaded.kit),
                        known=recorded_revisions(previous), preview=preview)


def write_built_version(
    workspace: Workspace, plan: KitPlan, built: list[tuple[BuiltDocument, bytes, str]],
    keep_html: bool = False, index_page: str = "", changes: Changes | None = None,
) -> BuildResult:
    """Assemble the version folder under a hidden name and rename it into place.

    Every version has its index as HTML too: ``index.html``, the page for a
    browser, linking the documents. With ``keep_html`` each PDF has beside it the exact HTML
    WeasyPrint drew it from — for the index that is ``index.html`` itself, without the links
    (a PDF must not carry them: WeasyPrint would write the builder's folders into it).
    """
    kit = plan.loaded.kit
    kit_dir = workspace.kit_dir(kit.kit)
    target = kit_dir / plan.version
    try:
        kit_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise disk_error(error, kit_dir) from None
    pages = {item.document.filename:
             html if keep_html else index_page if item.document.kind == "index" else ""
             for item, _, html in built}
    with staged_folder(kit_dir, f"building-{plan.version}") as staging:
        manifest = make_manifest(plan.loaded, plan.version, plan.digest,
                                 {"data": plan.data_sha, **plan.inputs}, source_date(kit),
                                 [item for item, _, _ in built], pages, changes,
                                 plan.policy_change)
        for item, pdf, _html in built:
            # Each PDF carries the manifest that lists it, so it can be checked on its own.
            write_file_atomic(staging / item.document.filename,
                              carry.append(pdf, MANIFEST, manifest))
            if page := pages[item.document.filename]:
                write_file_atomic(staging / f"{item.document.stem}.html", page.encode())
        write_file_atomic(staging / SNAPSHOT, plan.loaded.raw)
        write_file_atomic(staging / MANIFEST, manifest)
        if not place_folder(staging, target):
            raise InputError(
                f"kit {kit.kit!r}: version {plan.version} was written by another build "
                "at the same time; run the build again"
            )
    return BuildResult(
        kit.kit, plan.version, plan.digest, target, written=True,
        documents=tuple(item for item, _, _ in built),
    )


def version_changes(kit_dir: Path, version: str, kit: KitFile | None = None) -> Changes | None:
    """What changed in ``version``, field by field, since the version before it and since the
    last release before it; None for a kit's first version. ``kit`` is the version's data when
    it is not yet on disk."""
    earlier = [v for v in list_versions(kit_dir) if version_key(v) < version_key(version)]
    if not earlier:
        return None

    def data(v: str) -> KitFile | None:
        try:
            return load_kit(kit_dir / v / SNAPSHOT).kit
        except InputError:
            return None

    current = kit or data(version)
    released = [v for v in earlier if has_release(kit_dir / v)]
    previous_kit = data(earlier[-1])
    released_kit = data(released[-1]) if released else None
    if current is None:
        return None
    return Changes(
        previous=earlier[-1],
        since_previous=diff_kits(previous_kit, current) if previous_kit else (),
        released=released[-1] if released else None,
        since_released=diff_kits(released_kit, current) if released_kit else (),
    )



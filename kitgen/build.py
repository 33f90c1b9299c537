"""``kitgen build``: load → validate → render → pdf → version, one kit at a time.

Every requirement file is validated before anything is written, so one bad file leaves
``kits/`` untouched. Each version is assembled in a hidden folder and renamed into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kitgen import __version__
from kitgen.errors import InputError, VersionConflict
from kitgen.fsutil import disk_error, write_file_atomic
from kitgen.diff import diff_requirements
from kitgen.loader import LoadedKit, load_kit
from kitgen.model import KitFile
from kitgen.render import (
    BuildInfo,
    Changes,
    Document,
    make_environment,
    plan_documents,
    render_html,
    template_inputs,
)
from kitgen.versions import (
    MANIFEST,
    MANIFEST_FORMAT,
    RELEASE_DIR,
    RELEASE_MANIFEST,
    SNAPSHOT,
    Workspace,
    manifest_bytes,
    compute_digest,
    data_digest,
    list_versions,
    next_version,
    read_manifest,
    source_date,
    version_key,
)

Progress = Callable[[str, str], None]  # (kit, what just happened)


@dataclass(frozen=True)
class BuiltDocument:
    document: Document
    sha256: str
    pages: int


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


def plan_kit(workspace: Workspace, loaded: LoadedKit) -> KitPlan:
    """Decide which version a build of ``loaded`` would write, without writing anything."""
    kit = loaded.kit
    inputs = template_inputs(workspace.templates_dir)
    data_sha = data_digest(kit)
    digest = compute_digest(data_sha, inputs)
    kit_dir = workspace.kit_dir(kit.kit)
    existing = list_versions(kit_dir)
    if kit.version:
        if kit.version in existing:
            if read_manifest(kit_dir / kit.version).get("digest") != digest:
                raise VersionConflict(kit.kit, kit.version)
            return KitPlan(loaded, inputs, data_sha, digest, kit.version, unchanged=True)
        return KitPlan(loaded, inputs, data_sha, digest, kit.version, unchanged=False)
    if existing and read_manifest(kit_dir / existing[-1]).get("digest") == digest:
        return KitPlan(loaded, inputs, data_sha, digest, existing[-1], unchanged=True)
    return KitPlan(loaded, inputs, data_sha, digest, next_version(None, existing), unchanged=False)


def build_kits(
    workspace: Workspace,
    plans: list[KitPlan],
    progress: Progress | None = None,
    keep_html: bool = False,
) -> list[BuildResult]:
    """Write every planned version. Plan all kits first (``plan_kit``): a version conflict in
    the last kit must stop the build before the first one writes anything."""
    return [write_version(workspace, plan, progress, keep_html) for plan in plans]


def write_version(
    workspace: Workspace, plan: KitPlan, progress: Progress | None = None, keep_html: bool = False
) -> BuildResult:
    kit = plan.loaded.kit
    kit_dir = workspace.kit_dir(kit.kit)
    target = kit_dir / plan.version
    if plan.unchanged:
        return BuildResult(kit.kit, plan.version, plan.digest, target, written=False)
    when = source_date(kit)
    build = BuildInfo(
        version=plan.version,
        digest=plan.digest,
        draft=True,
        date=when.date().isoformat(),
        timestamp=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        kitgen_version=__version__,
    )
    built = render_documents(workspace, plan.loaded, build, progress,
                             changes=version_changes(kit_dir, plan.version, plan.loaded.kit))

    try:
        kit_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise disk_error(error, kit_dir) from None
    remove_stale_staging(kit_dir)
    staging = kit_dir / f".building-{plan.version}-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        staging.mkdir()
        for item, pdf, html in built:
            write_file_atomic(staging / item.document.filename, pdf)
            if keep_html:
                write_file_atomic(staging / f"{item.document.stem}.html", html.encode())
        write_file_atomic(staging / SNAPSHOT, plan.loaded.raw)
        manifest = make_manifest(plan, when, [item for item, _, _ in built], keep_html)
        write_file_atomic(staging / MANIFEST, manifest)
        try:
            os.rename(staging, target)
        except OSError as error:
            if target.exists():
                raise InputError(
                    f"kit {kit.kit!r}: version {plan.version} was written by another build "
                    "at the same time; run the build again"
                ) from None
            raise disk_error(error, target) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(
        kit.kit, plan.version, plan.digest, target, written=True,
        documents=tuple(item for item, _, _ in built),
    )


def render_documents(
    workspace: Workspace,
    loaded: LoadedKit,
    build: BuildInfo,
    progress: Progress | None = None,
    attachments: Callable[[Document], list[Any]] | None = None,
    changes: Changes | None = None,
) -> list[tuple[BuiltDocument, bytes, str]]:
    """Render every document of a kit; the index last, when page counts are known."""
    from kitgen.pdf import render_pdf

    kit = loaded.kit
    env = make_environment(workspace.templates_dir)
    documents = plan_documents(kit)
    roots = [Path(__file__).parent / "assets", workspace.templates_dir]
    rendered: dict[str, tuple[BuiltDocument, bytes, str]] = {}
    for document in [*documents[1:], documents[0]]:
        if document.kind == "index":
            documents = [
                replace(d, pages=rendered[d.filename][0].pages) if d.filename in rendered else d
                for d in documents
            ]
            document = documents[0]
        html = render_html(env, kit, document, build, documents, changes)
        identifier = hashlib.sha256(f"{build.digest}/{document.filename}".encode()).hexdigest()[:32]
        pdf, pages = render_pdf(
            html,
            what=f"{kit.kit}/{document.filename}",
            base_url=workspace.templates_dir,
            allowed_roots=roots,
            identifier=identifier.encode(),
            when=source_date(kit),
            attachments=attachments(document) if attachments else (),
        )
        rendered[document.filename] = (
            BuiltDocument(document, hashlib.sha256(pdf).hexdigest(), pages),
            pdf,
            html,
        )
        if progress:
            progress(kit.kit, document.filename)
    return [rendered[d.filename] for d in documents]


def make_manifest(
    plan: KitPlan, when: Any, built: list[BuiltDocument], keep_html: bool = False
) -> bytes:
    kit = plan.loaded.kit
    manifest = {
        "format": MANIFEST_FORMAT,
        "kit": kit.kit,
        "title": kit.title,
        "version": plan.version,
        "digest": plan.digest,
        "kitgen_version": __version__,
        "source_date": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "requirement_file": plan.loaded.name,
        "snapshot": {"file": SNAPSHOT, "sha256": hashlib.sha256(plan.loaded.raw).hexdigest()},
        "inputs": {"data": plan.data_sha, **plan.inputs},
        "documents": [
            {
                "file": b.document.filename,
                "kind": b.document.kind,
                "ref": b.document.ref,
                "title": b.document.title,
                "audience": b.document.audience,
                "sha256": b.sha256,
                "pages": b.pages,
                "delivers": [r.id for r in b.document.delivers],
                **({"html": f"{b.document.stem}.html"} if keep_html else {}),
            }
            for b in built
        ],
    }
    return manifest_bytes(manifest)


def remove_stale_staging(kit_dir: Path) -> None:
    """Remove folders left by builds that died; a live build's folder is left alone."""
    for path in kit_dir.glob(".building-*"):
        pid = path.name.split("-")[-2] if path.name.count("-") >= 3 else ""
        if pid.isdigit() and _alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    with contextlib.suppress(OSError):
        os.kill(pid, 0)
        return True
    return False


def version_changes(kit_dir: Path, version: str, kit: KitFile | None = None) -> Changes | None:
    """What changed in ``version`` since the version before it and since the last release
    before it; None for a kit's first version. ``kit`` is the version's data when it is not
    yet on disk."""
    earlier = [v for v in list_versions(kit_dir) if version_key(v) < version_key(version)]
    if not earlier:
        return None

    def data(v: str) -> KitFile | None:
        try:
            return load_kit(kit_dir / v / SNAPSHOT).kit
        except InputError:
            return None

    current = kit or data(version)
    released = [v for v in earlier if (kit_dir / v / RELEASE_DIR / RELEASE_MANIFEST).is_file()]
    previous_kit = data(earlier[-1])
    released_kit = data(released[-1]) if released else None
    if current is None:
        return None
    return Changes(
        previous=earlier[-1],
        since_previous=tuple(diff_requirements(previous_kit, current)) if previous_kit else (),
        released=released[-1] if released else None,
        since_released=tuple(diff_requirements(released_kit, current)) if released_kit else (),
    )

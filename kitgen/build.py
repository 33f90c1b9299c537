"""``kitgen build``: load → validate → render → pdf → version.

Every requirement file is validated before anything is written, so one bad file leaves
``kits/`` untouched. Each version is assembled in a hidden folder and renamed into place.
Documents are rendered through the document cache and, with ``jobs`` > 1, a process pool; a
document's bytes depend only on its inputs, never on which process rendered it or on the order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import secrets
import shutil
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kitgen import __version__, carry
from kitgen.cache import DocumentCache, document_key, files_digest
from kitgen.diff import RequirementChange, diff_requirements
from kitgen.errors import InputError, VersionConflict
from kitgen.fsutil import disk_error, write_file_atomic
from kitgen.loader import LoadedKit, load_kit
from kitgen.model import KitFile
from kitgen.pdf import (
    ASSETS_DIR,
    InlineExecutor,
    RenderJob,
    check_page_limit,
    open_pool,
    release_memory,
    render_in_worker,
    result_of,
)
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
    compute_digest,
    data_digest,
    list_versions,
    manifest_bytes,
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
                run = KitRender(plan.loaded, draft_build_info(plan), changes)
                planned[id(run)] = (number, plan)
                yield run

    def finish(run: KitRender) -> None:
        number, plan = planned.pop(id(run))
        results[number] = write_built_version(workspace, plan, run.built(), keep_html,
                                              run.index_page, run.changes)
        run.rendered.clear()  # its PDFs are on disk now: keep memory flat however many kits

    if any(not plan.unchanged for plan in plans):
        with Renderer(workspace, jobs, progress) as renderer:
            renderer.render(opened(), finish)
    return [result for result in results if result is not None]


def write_version(
    workspace: Workspace, plan: KitPlan, progress: Progress | None = None, keep_html: bool = False
) -> BuildResult:
    """Build one planned version (``kitgen build FILE``), rendering in this process."""
    return build_kits(workspace, [plan], progress, keep_html)[0]


def draft_build_info(plan: KitPlan) -> BuildInfo:
    when = source_date(plan.loaded.kit)
    return BuildInfo.of(plan.version, plan.digest, when)


def write_built_version(
    workspace: Workspace, plan: KitPlan, built: list[tuple[BuiltDocument, bytes, str]],
    keep_html: bool = False, index_page: str = "", changes: Changes | None = None,
) -> BuildResult:
    """Assemble the version folder under a hidden name and rename it into place.

    Every version has its index as HTML too (PRODUCT.md §8): ``index.html``, the page for a
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
    remove_stale_staging(kit_dir)
    staging = kit_dir / f".building-{plan.version}-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        try:
            staging.mkdir()
        except OSError as error:
            raise disk_error(error, staging) from None
        manifest = make_manifest(plan, source_date(kit), [item for item, _, _ in built],
                                 keep_html, bool(index_page), changes)
        for item, pdf, html in built:
            # Each PDF carries the manifest that lists it, so it can be checked on its own.
            write_file_atomic(staging / item.document.filename, carry.append(pdf, MANIFEST,
                                                                             manifest))
            page = html if keep_html else index_page if item.document.kind == "index" else ""
            if page:
                write_file_atomic(staging / f"{item.document.stem}.html", page.encode())
        write_file_atomic(staging / SNAPSHOT, plan.loaded.raw)
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
    jobs: int = 1,
    when: dt.datetime | None = None,
    use_cache: bool = True,
) -> list[tuple[BuiltDocument, bytes, str]]:
    """Render every document of a kit, in document order; the index last, when page counts
    are known. ``when`` is the time written into the PDFs (default: ``source_date``);
    without ``use_cache`` every document is rendered afresh."""
    run = KitRender(loaded, build, changes, attachments, when=when)
    with Renderer(workspace, jobs, progress, use_cache) as renderer:
        renderer.render(iter([run]), lambda _run: None)
    return run.built()


@dataclass
class KitRender:
    """One kit's documents on their way to PDFs."""

    loaded: LoadedKit
    build: BuildInfo
    changes: Changes | None = None
    attachments: Callable[[Document], list[Any]] | None = None
    rendered: dict[str, tuple[BuiltDocument, bytes, str]] = field(default_factory=dict)
    when: dt.datetime | None = None  # the time written into the PDFs; None: source_date
    index_page: str = ""  # the index for a browser, with links to the documents

    def __post_init__(self) -> None:
        self.documents = plan_documents(self.loaded.kit)

    def content(self) -> list[Document]:
        return self.documents[1:]

    def index(self) -> Document:
        """The index, which shows every other document's page count: ask only once they are
        all rendered."""
        self.documents = [
            replace(d, pages=self.rendered[d.filename][0].pages) if d.filename in self.rendered
            else d
            for d in self.documents
        ]
        return self.documents[0]

    def built(self) -> list[tuple[BuiltDocument, bytes, str]]:
        return [self.rendered[d.filename] for d in self.documents]


class Renderer:
    """Turns kits' documents into PDFs: from the document cache where it can, else on a pool of
    ``jobs`` processes (in this process for one), at most two documents per worker in flight.
    A kit's index goes ahead of other kits' documents, so each kit is finished, written and
    dropped from memory as early as possible."""

    def __init__(self, workspace: Workspace, jobs: int, progress: Progress | None,
                 use_cache: bool = True) -> None:
        self.env = make_environment(workspace.templates_dir)
        self.base_url = workspace.templates_dir
        self.roots = (ASSETS_DIR, workspace.templates_dir)
        self.jobs = max(1, jobs)
        self.progress = progress
        self.cache = DocumentCache.default() if use_cache else DocumentCache(None)
        self.files_digest = files_digest(self.roots)
        self.pool: Executor | None = None
        self.finish: Callable[[KitRender], None] = lambda _run: None
        self.running: dict[Future[Any], tuple[KitRender, Document, str, str]] = {}
        self.ready: deque[tuple[KitRender, Document]] = deque()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.cache.stored:
            self.cache.evict()

    def render(self, kits: Iterator[KitRender], finish: Callable[[KitRender], None]) -> None:
        """Render every document of ``kits``; call ``finish`` on each kit once it is complete."""
        self.finish = finish
        capacity = 1 if self.jobs == 1 else 2 * self.jobs
        while True:
            while len(self.running) < capacity and self.next_ready(kits):
                self.start(*self.ready.popleft())
            if not self.running:
                return
            done, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
            for future in done:
                run, document, html, key = self.running.pop(future)
                pdf, pages = result_of(future)
                self.cache.put(key, pdf, pages)
                self.done(run, document, html, pdf, pages)

    def next_ready(self, kits: Iterator[KitRender]) -> bool:
        """Whether a document is ready to start, opening the next kit if none is; a kit is
        opened only then, so that only a few are in memory at once."""
        while not self.ready:
            run = next(kits, None)
            if run is None:
                return False
            content = run.content()
            self.ready.extend((run, document) for document in content)
            if not content:
                self.ready.append((run, run.index()))
        return True

    def start(self, run: KitRender, document: Document) -> None:
        kit = run.loaded.kit
        html = render_html(self.env, kit, document, run.build, run.documents, run.changes)
        identifier = hashlib.sha256(f"{run.build.digest}/{document.filename}".encode())
        job = RenderJob(
            html=html,
            what=f"{kit.kit}/{document.filename}",
            base_url=self.base_url,
            allowed_roots=self.roots,
            identifier=identifier.hexdigest()[:32].encode(),
            when=run.when or source_date(kit),
            attachments=tuple(run.attachments(document)) if run.attachments else (),
            files_digest=self.files_digest,
        )
        key = document_key(job) if self.cache.root else ""
        cached = self.cache.get(key) if key else None
        if cached is not None:
            check_page_limit(cached.pages, job.what)
            self.done(run, document, html, cached.pdf, cached.pages)
            return
        if self.pool is None:
            self.pool = open_pool(self.jobs)
        self.running[self.pool.submit(render_in_worker, job)] = (run, document, html, key)

    def done(self, run: KitRender, document: Document, html: str, pdf: bytes, pages: int) -> None:
        built = BuiltDocument(document, hashlib.sha256(pdf).hexdigest(), pages)
        run.rendered[document.filename] = (built, pdf, html)
        if self.progress:
            self.progress(run.loaded.kit.kit, document.filename)
        if document.kind == "index":
            run.index_page = screen_page(render_html(
                self.env, run.loaded.kit, document, run.build, run.documents, run.changes,
                for_screen=True))
            self.finish(run)
            if isinstance(self.pool, InlineExecutor):
                release_memory()
        elif len(run.rendered) == len(run.documents) - 1:
            self.ready.appendleft((run, run.index()))


def screen_page(html: str) -> str:
    """The index page without the URL of kitgen's own fonts: that names the folder kitgen is
    installed in, which differs between machines and is nobody's business once the version is
    committed. A browser draws the page with its own fonts instead."""
    from markupsafe import escape

    assets = ASSETS_DIR.resolve().as_uri()
    return html.replace(str(escape(assets)), "").replace(assets, "")


def make_manifest(
    plan: KitPlan, when: Any, built: list[BuiltDocument], keep_html: bool = False,
    index_page: bool = False, changes: Changes | None = None,
) -> bytes:
    kit = plan.loaded.kit
    manifest = {
        # What changed, as of this build: the release renders its index from this record, so
        # a release never depends on which other versions were released after this one.
        "changes": changes_to_json(changes),
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
                **({"html": f"{b.document.stem}.html"}
                   if keep_html or (index_page and b.document.kind == "index") else {}),
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


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` → ``(I, N)``, with 1 ≤ I ≤ N."""
    index, slash, count = text.strip().partition("/")
    if slash and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count):
        return int(index), int(count)
    raise InputError(
        f"--shard {text!r} is not I/N",
        details=["Give the shard as I/N with 1 ≤ I ≤ N, e.g. --shard 2/4 for the second of "
                 "four CI jobs."],
    )


def in_shard(kit: str, index: int, count: int) -> bool:
    """A stable split of kits over ``count`` shards: the same kit id always lands in the same
    shard, whatever else is in the workspace, on any machine and Python version."""
    return int(hashlib.sha256(kit.encode()).hexdigest(), 16) % count == index - 1


def changes_to_json(changes: Changes | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    return {
        "previous": changes.previous,
        "since_previous": [c.as_json() for c in changes.since_previous],
        "released": changes.released,
        "since_released": [c.as_json() for c in changes.since_released],
    }


def changes_from_json(data: Any) -> Changes | None:
    """The changes a manifest recorded; None for a first version or a malformed record."""
    if not isinstance(data, dict) or not data.get("previous"):
        return None
    try:
        return Changes(
            previous=str(data["previous"]),
            since_previous=tuple(RequirementChange(**c) for c in data.get("since_previous", [])),
            released=str(data["released"]) if data.get("released") else None,
            since_released=tuple(RequirementChange(**c) for c in data.get("since_released", [])),
        )
    except (TypeError, KeyError):
        return None

"""Turning kits' documents into PDFs: from the document cache where it can, else on a pool of
processes; a kit's index last, once every other document's page count and revision is known.

A document's bytes depend only on what it shows, never on which process rendered it, on the
order, or on the kit version (a draft page names its own revision): ``--jobs`` changes the time
a build takes and nothing else, and a new version renders only the documents that changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kitgen.base.workspace import Workspace
from kitgen.load.brand import Brand, load_brand
from kitgen.load.positions import LoadedKit
from kitgen.render.branding import brand_digest, fetchable_files
from kitgen.render.cache import DocumentCache, document_key, files_digest
from kitgen.render.documents import BuildInfo, Changes, Document, plan_documents, source_date
from kitgen.render.html import render_html, render_index_page, template_inputs
from kitgen.render.layout import LayoutFinding
from kitgen.render.paths import ASSETS_DIR
from kitgen.render.pdf import (
    InlineExecutor,
    RenderedPdf,
    RenderJob,
    check_page_limit,
    open_pool,
    release_memory,
    render_in_worker,
    result_of,
)
from kitgen.render.sandbox import make_environment

if TYPE_CHECKING:
    import jinja2

Progress = Callable[[str, str], None]  # (kit, what just happened)


@dataclass(frozen=True)
class BuiltDocument:
    document: Document
    sha256: str
    pages: int
    layout: tuple[LayoutFinding, ...] = ()



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
    run = KitRender(loaded, build, changes, attachments, when=when,
                    brand=load_brand(workspace.root, loaded))
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
    brand: Brand | None = None

    def __post_init__(self) -> None:
        self.documents = plan_documents(self.loaded.kit)

    def content(self) -> list[Document]:
        return self.documents[1:]

    def index(self) -> Document:
        """The index, which shows every other document's page count and revision: ask only
        once they are all rendered."""
        self.documents = [
            replace(self.rendered[d.filename][0].document, pages=self.rendered[d.filename][0].pages)
            if d.filename in self.rendered else d
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
                 use_cache: bool = True, cache: DocumentCache | None = None,
                 env: jinja2.Environment | None = None,
                 inputs: Mapping[str, str] | None = None) -> None:
        self.env = env or make_environment(workspace.templates_dir)
        self.base_url = workspace.templates_dir
        self.root = workspace.root
        self.roots = (ASSETS_DIR, workspace.templates_dir)
        self.jobs = max(1, jobs)
        self.progress = progress
        self.cache = cache or (DocumentCache.default() if use_cache else DocumentCache(None))
        self.files_digest = files_digest(self.roots)
        # The files a render reads besides its HTML (fonts, stylesheets, images), named as the
        # manifest names them: templates shape the HTML itself, so they are in it already.
        # ``inputs``: template_inputs, when the caller has them already.
        found = template_inputs(workspace.templates_dir) if inputs is None else inputs
        self.drawn_from = {name: sha for name, sha in found.items() if not name.endswith(".j2")}
        self.rendered: list[str] = []  # "kit/file" of each document WeasyPrint rendered
        self.finished_inline = False  # a kit rendered in this process was finished
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
                rendered = result_of(future)
                self.cache.put(key, rendered.pdf, rendered.pages, rendered.layout)
                self.done(run, document, html, rendered)

    def next_ready(self, kits: Iterator[KitRender]) -> bool:
        """Whether a document is ready to start, opening the next kit if none is; a kit is
        opened only then, so that only a few are in memory at once."""
        while not self.ready:
            run = next(kits, None)
            if run is None:
                return False
            if self.finished_inline:
                # Memory the kits before used goes back before this one grows, so a long build
                # in one process grows little with every kit; after the last kit, no need.
                release_memory()
                self.finished_inline = False
            content = run.content()
            self.ready.extend((run, document) for document in content)
            if not content:
                self.ready.append((run, run.index()))
        return True

    def warm_up(self, loaded: LoadedKit, build: BuildInfo) -> None:
        """Render one document of ``loaded`` in this process and throw it away: WeasyPrint is
        imported and the fonts are loaded, for the renders a long-running process makes next."""
        documents = plan_documents(loaded.kit)
        html = render_html(self.env, loaded.kit, documents[-1], build, documents)
        render_in_worker(RenderJob(
            html=html, what=f"{loaded.kit.kit}/{documents[-1].filename}", base_url=self.base_url,
            allowed_roots=self.roots, identifier=b"", when=source_date(loaded.kit),
            files_digest=self.files_digest))

    def revised(self, run: KitRender, document: Document) -> Document:
        """``document`` with its revision, which follows from its HTML without one."""
        html = render_html(self.env, run.loaded.kit, document, run.build, run.documents,
                           run.changes, brand=run.brand)
        drawn = dict(self.drawn_from)  # a brand's fonts draw the page without being in its HTML
        drawn.update((f"brand:{file.name}", file.sha256)
                     for file in (run.brand.files if run.brand else ()))
        digest = revision_digest(html, drawn, self.root)
        return replace(document, revision=run.build.revision_for(document.filename, digest))

    def start(self, run: KitRender, document: Document) -> None:
        kit = run.loaded.kit
        document = self.revised(run, document)
        html = render_html(self.env, kit, document, run.build, run.documents, run.changes,
                           brand=run.brand)
        branded = hashlib.sha256(f"{self.files_digest}/{brand_digest(run.brand)}".encode())
        job = RenderJob(
            html=html,
            what=f"{kit.kit}/{document.filename}",
            base_url=self.base_url,
            allowed_roots=self.roots,
            identifier=b"",  # no PDF file identifier: see render_pdf
            when=run.when or source_date(kit),
            attachments=tuple(run.attachments(document)) if run.attachments else (),
            files_digest=branded.hexdigest() if run.brand else self.files_digest,
            allowed_files=fetchable_files(run.brand),
        )
        key = document_key(job) if self.cache.usable else ""
        cached = self.cache.get(key) if key else None
        if cached is not None:
            check_page_limit(cached.pages, job.what)
            self.done(run, document, html,
                      RenderedPdf(cached.pdf, cached.pages, cached.layout))
            return
        if self.pool is None:
            self.pool = open_pool(self.jobs)
        self.rendered.append(job.what)
        self.running[self.pool.submit(render_in_worker, job)] = (run, document, html, key)

    def done(self, run: KitRender, document: Document, html: str, rendered: RenderedPdf) -> None:
        built = BuiltDocument(document, hashlib.sha256(rendered.pdf).hexdigest(), rendered.pages,
                              rendered.layout)
        run.rendered[document.filename] = (built, rendered.pdf, html)
        if self.progress:
            self.progress(run.loaded.kit.kit, document.filename)
        if document.kind == "index":
            run.index_page = render_index_page(self.env, run.loaded.kit, run.build,
                                               run.documents, run.changes, brand=run.brand)
            self.finish(run)
            self.finished_inline = isinstance(self.pool, InlineExecutor)
        elif len(run.rendered) == len(run.documents) - 1:
            self.ready.appendleft((run, run.index()))


def portable(html: str, assets_url: str = "kitgen:assets", workspace: Path | None = None) -> str:
    """``html`` with the URL of kitgen's assets (the folder kitgen is installed in) replaced,
    and with ``workspace``, the URL of the workspace's folder (where its brand fonts are), so
    that what follows from it is the same on every machine and in every clone."""
    from markupsafe import escape

    folders = [(ASSETS_DIR, assets_url)] + ([(workspace, "workspace:")] if workspace else [])
    for folder, name in folders:
        uri = folder.resolve().as_uri()
        html = html.replace(str(escape(uri)), name).replace(uri, name)
    return html


def revision_digest(html: str, drawn_from: Mapping[str, str],
                    workspace: Path | None = None) -> str:
    """The digest of a document's content: its HTML, wherever kitgen is installed and wherever
    the workspace is, and the sha256 of every file its render may read besides (fonts,
    stylesheets, images)."""
    payload = {"html": hashlib.sha256(portable(html, workspace=workspace).encode()).hexdigest(),
               "files": dict(sorted(drawn_from.items()))}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

"""``kitgen preview`` (and each save in ``kitgen watch``): a kit's drafts as the next build would
render them, written to ``preview/<kit>/``, never a version.

The drafts are the very pages ``build`` renders (a draft page names its own revision, not the
kit version), so every document previewed is in the document cache when the version is built;
only the index differs, which says it is a preview. A ``Previewer`` lives as long as its
process: it keeps the documents it rendered last in memory and WeasyPrint and its fonts
loaded, so a save renders only the documents whose HTML changed, and only those files are
rewritten (each atomically: a PDF viewer reloads the pages that changed, and only those).
``preview/`` holds a ``.gitignore`` that ignores the whole folder.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kitgen.base.errors import VersionConflict
from kitgen.base.files import (
    disk_error,
    folder_for_writing,
    inside,
    remove_stale_temps,
    write_file_atomic,
)
from kitgen.base.workspace import Workspace
from kitgen.load.brand import load_brand
from kitgen.load.positions import LoadedKit
from kitgen.render.cache import DocumentCache
from kitgen.render.html import template_inputs
from kitgen.render.sandbox import make_environment
from kitgen.render.scheduler import BuiltDocument, KitRender, Progress, Renderer
from kitgen.version.build import KitPlan, draft_build_info, plan_kit, version_changes
from kitgen.version.digest import compute_digest, data_digest

if TYPE_CHECKING:
    import jinja2

IGNORE_ALL = b"# Written by kitgen: previews are drafts, never versions; git ignores them.\n*\n"
INDEX_PAGE = "index.html"


@dataclass(frozen=True)
class KitPreview:
    """One kit's preview: which version a build would make of it, what is in the folder now,
    what WeasyPrint rendered this time and which files changed."""

    kit: str
    version: str
    unchanged: bool  # the inputs are those of the latest version: a build writes nothing
    folder: Path
    documents: tuple[BuiltDocument, ...]
    rendered: tuple[str, ...]
    written: tuple[str, ...]
    removed: tuple[str, ...]
    conflict: str = ""  # why a build of these inputs would fail (a pinned version taken)

    @property
    def pages(self) -> int:
        return sum(d.pages for d in self.documents)


class Previewer:
    """Renders previews in this process, keeping what makes the next one fast."""

    def __init__(self, workspace: Workspace, jobs: int = 1) -> None:
        self.workspace = workspace
        self.jobs = jobs
        self.cache = DocumentCache(DocumentCache.default().root, in_memory=True)
        self.env = make_environment(workspace.templates_dir)
        self.env_inputs: dict[str, str] = {}  # the template files self.env was made for
        self.warm = False

    def environment(self, inputs: dict[str, str]) -> jinja2.Environment:
        """The templates' environment, made again when a template file was saved (the
        environment keeps what it compiled, and a new workspace template must be found)."""
        if inputs != self.env_inputs:
            self.env = make_environment(self.workspace.templates_dir)
            self.env_inputs = inputs
        return self.env

    def preview(self, loaded: LoadedKit, progress: Progress | None = None) -> KitPreview:
        """Render the drafts of ``loaded`` and write those that changed to its preview folder,
        each as soon as it is rendered (the index, which lists them all, last)."""
        plan, conflict = _plan(self.workspace, loaded)
        kit_dir = self.workspace.kit_dir(loaded.kit.kit)
        run = KitRender(loaded, draft_build_info(kit_dir, plan, preview=True),
                        version_changes(kit_dir, plan.version, loaded.kit), brand=plan.brand)
        folder = inside(self.workspace.preview_dir, loaded.kit.kit)
        written: list[str] = []

        def write_when_done(kit: str, filename: str) -> None:
            if filename in run.rendered and _write_if_changed(
                    self.workspace.preview_dir, folder, filename, run.rendered[filename][1]):
                written.append(filename)
            if progress:
                progress(kit, filename)

        with Renderer(self.workspace, self.jobs, write_when_done, cache=self.cache,
                      env=self.environment(plan.inputs), inputs=plan.inputs) as renderer:
            renderer.render(iter([run]), lambda _run: None)
        self.warm = self.warm or bool(renderer.rendered)
        if _write_if_changed(self.workspace.preview_dir, folder, INDEX_PAGE,
                             run.index_page.encode()):
            written.append(INDEX_PAGE)
        built = run.built()
        removed = _remove_others(folder, {item.document.filename for item, _, _ in built}
                                 | {INDEX_PAGE})
        return KitPreview(
            loaded.kit.kit, plan.version, plan.unchanged, folder,
            tuple(item for item, _, _ in built),
            tuple(what.rsplit("/", 1)[-1] for what in renderer.rendered),
            tuple(written), removed, conflict,
        )

    def warm_up(self, loaded: LoadedKit) -> None:
        """Load WeasyPrint and the kit's fonts now, if no preview has needed them yet, so that
        the first save costs its render alone."""
        if self.warm:
            return
        self.warm = True
        plan, _ = _plan(self.workspace, loaded)
        build = draft_build_info(self.workspace.kit_dir(loaded.kit.kit), plan, preview=True)
        with Renderer(self.workspace, 1, None, cache=self.cache,
                      env=self.environment(plan.inputs)) as renderer:
            renderer.warm_up(loaded, build)


def _plan(workspace: Workspace, loaded: LoadedKit) -> tuple[KitPlan, str]:
    """The version a build would write. A pinned version that exists with other content makes
    a build fail; the preview renders all the same, and says so."""
    try:
        return plan_kit(workspace, loaded), ""
    except VersionConflict as conflict:
        brand = load_brand(workspace.root, loaded)
        inputs = template_inputs(workspace.templates_dir, brand)
        data_sha = data_digest(loaded.kit)
        return KitPlan(loaded, inputs, data_sha, compute_digest(data_sha, inputs),
                       str(loaded.kit.version), unchanged=False, brand=brand), conflict.message


def _write_if_changed(preview_dir: Path, folder: Path, name: str, data: bytes) -> bool:
    """Write ``folder/name`` unless it holds ``data`` already; True if written. A reader (a PDF
    viewer reloading) sees the old file or the new one, never half; unlike a version's files a
    preview is not fsynced: one lost in a power cut is rendered again by the next save."""
    with folder_for_writing(preview_dir):
        ignore = preview_dir / ".gitignore"
        if not ignore.is_file():
            write_file_atomic(ignore, IGNORE_ALL)
        with folder_for_writing(folder):
            path = folder / name
            if _content(path) == data:
                return False
            remove_stale_temps(folder, name)
            temp = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
            try:
                temp.write_bytes(data)
                os.replace(temp, path)
            except OSError as error:
                temp.unlink(missing_ok=True)
                raise disk_error(error, path) from None
            return True


def _remove_others(folder: Path, keep: set[str]) -> tuple[str, ...]:
    """Remove the PDFs and pages of documents the kit no longer has."""
    removed = []
    with contextlib.suppress(OSError):
        for path in sorted(folder.iterdir()):
            if path.suffix in (".pdf", ".html") and path.name not in keep:
                with contextlib.suppress(OSError):
                    os.unlink(path)
                    removed.append(path.name)
    return tuple(removed)


def _content(path: Path) -> bytes | None:
    try:
        return None if path.is_symlink() else path.read_bytes()
    except OSError:
        return None

"""``kitgen watch``: preview a kit's drafts whenever its requirement file or a template is saved.

A save never makes a version (only ``kitgen build`` does): each one renders the drafts into
``preview/<kit>/`` through a ``Previewer`` that lives as long as the watch, so WeasyPrint and
the fonts load once, and only the documents whose HTML changed are rendered and rewritten.
Every error comes back as a value the watcher reports before it goes on watching.

The watcher is anything that yields batches of ``(change, path)`` (watchfiles in the CLI, a
list in tests). Its first batch, whatever it holds, says it is running: only then are the
kits previewed once, so a save made during that first preview is in the next batch, never lost.
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kitgen.base.errors import InputError, KitgenError
from kitgen.base.files import display_path
from kitgen.base.workspace import Workspace
from kitgen.render.paths import BUILTIN_TEMPLATES
from kitgen.version.preview import Previewer

Batch = Iterable[tuple[Any, str]]


@dataclass(frozen=True)
class KitOutcome:
    """What one kit's preview did: which files it rendered and rewrote, an error, or the
    requirement file gone."""

    file: str
    kit: str = ""
    version: str = ""  # the version a build would write (the latest when nothing changed)
    unchanged: bool = False  # the inputs of the latest version: a build writes nothing
    folder: str = ""
    documents: int = 0
    pages: int = 0
    rendered: tuple[str, ...] = ()
    written: tuple[str, ...] = ()
    conflict: str = ""
    error: str = ""
    details: tuple[str, ...] = ()
    trace: str = ""
    warnings: tuple[str, ...] = ()
    removed: bool = False


@dataclass(frozen=True)
class Refresh:
    changed: tuple[str, ...]  # the saved files that caused it; empty for the first preview
    outcomes: tuple[KitOutcome, ...]

    @property
    def initial(self) -> bool:
        return not self.changed


@dataclass(frozen=True)
class Targets:
    """What is watched: given requirement files, or every file in requirements/ at the time."""

    workspace: Workspace
    files: tuple[Path, ...] = ()

    def requirement_files(self) -> list[Path]:
        return list(self.files) if self.files else self.workspace.requirement_files()

    def folders(self) -> list[Path]:
        """Folders to hand the watcher. Folders, not files: editors save by writing a new file
        and renaming it over the old one, which a watch on the old file would not see."""
        folders = [f.parent for f in self.files] or [self.workspace.requirements_dir]
        folders += [self.workspace.templates_dir, BUILTIN_TEMPLATES]
        # The brand file sits in the workspace folder itself, its logos and fonts anywhere
        # below: watch it all (changes under kits/ are not inputs and are let pass).
        if brand_file_names(self.workspace):
            folders.append(self.workspace.root)
        return list(dict.fromkeys(f.resolve() for f in folders if f.is_dir()))


def watch_targets(workspace: Workspace, files: list[Path] | None) -> Targets:
    if not files:
        workspace.requirement_files()  # says what to do when there is no requirements/ folder
        return Targets(workspace)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise InputError(f"no such requirement file: {', '.join(missing)}")
    return Targets(workspace, tuple(f.absolute() for f in files))


def watch_previews(
    targets: Targets,
    batches: Iterable[Batch],
    on_start: Callable[[tuple[str, ...]], None] | None = None,
    today: Callable[[], dt.date] | None = None,
) -> Iterator[Refresh]:
    """Yield the first preview when the watcher runs, then one ``Refresh`` per batch that
    touches a watched requirement file or a template; other batches yield nothing.

    ``on_start(changed)`` is called before each preview, so the caller can say what is about
    to happen before the render takes its time.
    """
    previewer = Previewer(targets.workspace)
    started = False
    for batch in batches:
        if not started:
            # Whatever this batch holds was saved before the first preview reads anything.
            started = True
            changed: tuple[str, ...] = ()
            files = _existing_files(targets)
        else:
            changed, files = affected_files(targets, batch)
            if not changed:
                continue
        if on_start:
            on_start(changed)
        yield Refresh(changed, tuple(preview_kit_file(previewer, f, today) for f in files))


def affected_files(targets: Targets, batch: Batch) -> tuple[tuple[str, ...], list[Path]]:
    """(the watched files that changed, the requirement files to preview because of them)."""
    root = targets.workspace.root
    requirements: list[Path] = []
    templates: list[Path] = []
    brand: set[Path] | None = None  # read once per batch, and only when needed
    for _, raw in batch:
        path = Path(raw)
        if _is_requirement_file(targets, path):
            requirements.append(path)
        elif _is_template(targets, path):
            templates.append(path)
        else:
            brand = brand_file_names(targets.workspace) if brand is None else brand
            if _is_brand_file(targets, path, brand):
                templates.append(path)
    changed = tuple(sorted({display_path(p, root) for p in requirements + templates}))
    if templates:
        # A template or the brand shapes every kit; files deleted in this batch are reported too.
        files = _existing_files(targets) + [p for p in requirements if not p.exists()]
    else:
        files = requirements
    unique = dict.fromkeys(_real(f) for f in files)
    return changed, sorted(unique)


def preview_kit_file(
    previewer: Previewer, path: Path, today: Callable[[], dt.date] | None = None
) -> KitOutcome:
    """Preview one requirement file's drafts, as ``kitgen preview FILE`` would; afterwards
    WeasyPrint and the fonts are loaded, whether or not a document needed rendering.

    Never raises for anything but an interrupt: a watcher reports and keeps watching.
    """
    from kitgen.base.settings import today as clock_today
    from kitgen.load.fieldready import check_warnings, long_documents
    from kitgen.load.reader import load_kit
    from kitgen.render.layout import layout_warnings

    workspace = previewer.workspace
    name = display_path(path, workspace.root)
    if not path.is_file():
        return KitOutcome(name, removed=True)
    try:
        loaded = load_kit(path, workspace.root)
        result = previewer.preview(loaded)
        warnings = check_warnings(loaded, (today or clock_today)())
        pages = {d.document.filename: d.pages for d in result.documents}
        warnings += long_documents(loaded, pages)
        warnings += layout_warnings(loaded, [(d.document, d.layout) for d in result.documents])
        previewer.warm_up(loaded)
    except KitgenError as error:
        return KitOutcome(name, error=error.message, details=tuple(error.details))
    except Exception as error:  # noqa: BLE001 - a bug must not end the watch; it is reported
        return KitOutcome(name, error=f"internal error: {type(error).__name__}: {error}",
                          trace=traceback.format_exc())
    return KitOutcome(
        name,
        kit=result.kit,
        version=result.version,
        unchanged=result.unchanged,
        folder=display_path(result.folder, workspace.root),
        documents=len(result.documents),
        pages=result.pages,
        rendered=result.rendered,
        written=result.written,
        conflict=result.conflict,
        warnings=tuple(str(w) for w in warnings),
    )


def _existing_files(targets: Targets) -> list[Path]:
    try:
        return [f for f in targets.requirement_files() if f.is_file()]
    except InputError:
        return []  # requirements/ was removed while watching; nothing to build


def _is_requirement_file(targets: Targets, path: Path) -> bool:
    if targets.files:
        return _real(path) in {_real(f) for f in targets.files}
    return (
        _real(path.parent) == _real(targets.workspace.requirements_dir)
        and path.suffix in (".yaml", ".yml")
        and not path.name.startswith(".")
    )


def _is_template(targets: Targets, path: Path) -> bool:
    for folder in (targets.workspace.templates_dir, BUILTIN_TEMPLATES):
        try:
            relative = _real(path).relative_to(_real(folder))
        except ValueError:
            continue
        # The same files the digest ignores (render.template_inputs): notes and hidden files.
        hidden = any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
        return not hidden and relative.suffix != ".md"
    return False


def brand_file_names(workspace: Workspace) -> set[Path]:
    """The workspace's brand file and the files it names, as far as it can be read now."""
    from kitgen.load.brand import BRAND_FILE_NAMES, load_brand

    found = {_real(workspace.root / name) for name in BRAND_FILE_NAMES
             if (workspace.root / name).exists()}
    try:
        brand = load_brand(workspace.root)
    except KitgenError:
        return found  # a broken brand file: its own save is what to watch for
    return found | {_real(f.path) for f in brand.files} if brand is not None else found


def _is_brand_file(targets: Targets, path: Path, brand: set[Path]) -> bool:
    from kitgen.load.brand import BRAND_FILE_NAMES

    if path.name in BRAND_FILE_NAMES and _real(path).parent == targets.workspace.root.resolve():
        return True
    return _real(path) in brand


def _real(path: Path) -> Path:
    """The path with its folder resolved, so a deleted file still compares equal."""
    return Path(os.path.realpath(path.parent)) / path.name

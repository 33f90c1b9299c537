"""``kitgen watch``: rebuild a kit's drafts whenever its requirement file or a template is saved.

Builds run in this process through the same core functions as ``kitgen build``, not as
subprocesses: WeasyPrint and the fonts load once, so a save costs the render alone (a
subprocess would add about a second of start-up to every save), and every error comes back
as a value the watcher reports before it goes on watching.

The watcher is anything that yields batches of ``(change, path)`` (watchfiles in the CLI, a
list in tests). Its first batch, whatever it holds, says it is running: only then are the
kits built once, so a save made during that first build is in the next batch, never lost.
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

Batch = Iterable[tuple[Any, str]]


@dataclass(frozen=True)
class KitOutcome:
    """What one kit's rebuild did: a version written, nothing (unchanged), an error, or gone."""

    file: str
    kit: str = ""
    version: str = ""
    written: bool = False
    folder: str = ""
    documents: int = 0
    pages: int = 0
    error: str = ""
    details: tuple[str, ...] = ()
    trace: str = ""
    warnings: tuple[str, ...] = ()
    removed: bool = False


@dataclass(frozen=True)
class Rebuild:
    changed: tuple[str, ...]  # the saved files that caused it; empty for the first build
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
        return list(dict.fromkeys(f.resolve() for f in folders if f.is_dir()))


def watch_targets(workspace: Workspace, files: list[Path] | None) -> Targets:
    if not files:
        workspace.requirement_files()  # says what to do when there is no requirements/ folder
        return Targets(workspace)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise InputError(f"no such requirement file: {', '.join(missing)}")
    return Targets(workspace, tuple(f.absolute() for f in files))


def watch_rebuilds(
    targets: Targets,
    batches: Iterable[Batch],
    on_start: Callable[[tuple[str, ...]], None] | None = None,
    today: Callable[[], dt.date] | None = None,
) -> Iterator[Rebuild]:
    """Yield the first build when the watcher runs, then one ``Rebuild`` per batch that
    touches a watched requirement file or a template; other batches yield nothing.

    ``on_start(changed)`` is called before each build, so the caller can say what is about
    to happen before the render takes its time.
    """
    started = False
    for batch in batches:
        if not started:
            # Whatever this batch holds was saved before the first build reads anything.
            started = True
            changed: tuple[str, ...] = ()
            files = _existing_files(targets)
        else:
            changed, files = affected_files(targets, batch)
            if not changed:
                continue
        if on_start:
            on_start(changed)
        yield Rebuild(changed, tuple(build_kit_file(targets.workspace, f, today) for f in files))


def affected_files(targets: Targets, batch: Batch) -> tuple[tuple[str, ...], list[Path]]:
    """(the watched files that changed, the requirement files to rebuild because of them)."""
    root = targets.workspace.root
    requirements: list[Path] = []
    templates: list[Path] = []
    for _, raw in batch:
        path = Path(raw)
        if _is_requirement_file(targets, path):
            requirements.append(path)
        elif _is_template(targets, path):
            templates.append(path)
    changed = tuple(sorted({display_path(p, root) for p in requirements + templates}))
    if templates:
        # A template shapes every kit; files that were deleted in this batch are reported too.
        files = _existing_files(targets) + [p for p in requirements if not p.exists()]
    else:
        files = requirements
    unique = dict.fromkeys(_real(f) for f in files)
    return changed, sorted(unique)


def build_kit_file(
    workspace: Workspace, path: Path, today: Callable[[], dt.date] | None = None
) -> KitOutcome:
    """Build one requirement file into a draft version, as ``kitgen build FILE`` would.

    Never raises for anything but an interrupt: a watcher reports and keeps watching.
    """
    from kitgen.base.settings import today as clock_today
    from kitgen.load.fieldready import check_warnings, long_documents
    from kitgen.load.reader import load_kit
    from kitgen.render.layout import layout_warnings
    from kitgen.version.build import plan_kit, write_version

    name = display_path(path, workspace.root)
    if not path.is_file():
        return KitOutcome(name, removed=True)
    try:
        loaded = load_kit(path, workspace.root)
        result = write_version(workspace, plan_kit(workspace, loaded))
        warnings = check_warnings(loaded, (today or clock_today)())
        pages = {d.document.filename: d.pages for d in result.documents}
        warnings += long_documents(loaded, pages)
        warnings += layout_warnings(loaded, [(d.document, d.layout) for d in result.documents])
    except KitgenError as error:
        return KitOutcome(name, error=error.message, details=tuple(error.details))
    except Exception as error:  # noqa: BLE001 - a bug must not end the watch; it is reported
        return KitOutcome(name, error=f"internal error: {type(error).__name__}: {error}",
                          trace=traceback.format_exc())
    return KitOutcome(
        name,
        kit=result.kit,
        version=result.version,
        written=result.written,
        folder=display_path(result.path, workspace.root),
        documents=len(result.documents),
        pages=sum(d.pages for d in result.documents),
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


def _real(path: Path) -> Path:
    """The path with its folder resolved, so a deleted file still compares equal."""
    return Path(os.path.realpath(path.parent)) / path.name

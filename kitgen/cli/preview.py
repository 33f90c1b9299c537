"""``kitgen preview`` and ``kitgen watch``: drafts to look at while editing, never a version."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from kitgen.cli import console as out
from kitgen.cli.app import FilesArg, app, handle_errors, load, state, workspace
from kitgen.cli.views import plural, shown

if TYPE_CHECKING:
    from kitgen.version.preview import KitPreview
    from kitgen.version.watch import KitOutcome, Refresh


@app.command()
@handle_errors
def preview(
    files: FilesArg = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Render on this many processes (default: the "
                     "number of cores)."),
    ] = None,
) -> None:
    """Render each kit's drafts into preview/<kit>/ as the next build would, without making a
    version. Only documents whose pages changed are rendered and rewritten.

    Example: kitgen preview requirements/northwind-analytics.yaml
    """
    from kitgen.base.settings import today
    from kitgen.load.fieldready import check_warnings, long_documents
    from kitgen.render.documents import plan_documents
    from kitgen.render.layout import layout_warnings
    from kitgen.render.pdf import default_jobs
    from kitgen.version.preview import Previewer

    ws = workspace()
    loaded = load(files)
    on = today()
    warnings = [w for item in loaded for w in check_warnings(item, on)]
    previewer = Previewer(ws, jobs or default_jobs())
    results: list[KitPreview] = []
    total = sum(len(plan_documents(item.kit)) for item in loaded)
    with out.progress(total, "rendering") as advance:
        for item in loaded:
            results.append(previewer.preview(item, advance))
            pages = {d.document.filename: d.pages for d in results[-1].documents}
            warnings += long_documents(item, pages)
            warnings += layout_warnings(item, [(d.document, d.layout)
                                               for d in results[-1].documents])
    out.table("kitgen preview", ["kit", "preview of", "documents", "pages", "rendered", "folder"],
              [[r.kit, _preview_of(r.version, r.unchanged), len(r.documents), r.pages,
                f"{len(r.rendered)} of {len(r.documents)}", shown(r.folder) + "/"]
               for r in results])
    for result in results:
        if result.conflict:
            out.warn(out.esc(f"{result.conflict}; `kitgen build` would stop here"))
    for warning in warnings:
        out.warn(out.esc(str(warning)))


def _preview_of(version: str, unchanged: bool) -> str:
    return f"version {version}" + (" (built; unchanged)" if unchanged else " (not built)")


@app.command()
@handle_errors
def watch(
    files: FilesArg = None,
    max_refreshes: Annotated[
        int | None,
        typer.Option("--max-refreshes", hidden=True, min=0,
                     help="Stop after this many previews caused by saves (for tests)."),
    ] = None,
) -> None:
    """Preview each kit's drafts in preview/<kit>/ whenever a requirement file or a template is
    saved; renders only the documents that changed. Never makes a version: run `kitgen build`
    for that. Ctrl-C stops.

    Example: kitgen watch requirements/northwind-analytics.yaml
    """
    import logging

    from watchfiles import watch as watch_folders

    from kitgen.version.watch import watch_previews, watch_targets

    logging.getLogger("watchfiles").setLevel(logging.ERROR)  # its "stopping watch" on Ctrl-C
    targets = watch_targets(workspace(), files)
    folders = targets.folders()

    def on_start(changed: tuple[str, ...]) -> None:
        if changed:
            _say_now(f"{_clock()} saved: {', '.join(changed)}; previewing")
        else:
            listed = ", ".join(shown(f) + "/" for f in folders)
            _say_now(f"{_clock()} watching {listed} (Ctrl-C stops); previewing first")

    # The watcher yields an empty batch every 250 ms of quiet: the first one tells that it runs.
    # A save is one batch once 20 ms pass without another change (an editor's write and rename
    # come within a millisecond or two).
    batches = watch_folders(*folders, rust_timeout=250, yield_on_timeout=True, step=20,
                            raise_interrupt=False)
    refreshes = 0
    try:
        for refresh in watch_previews(targets, batches, on_start):
            _say_refresh(refresh)
            refreshes += 0 if refresh.initial else 1
            if max_refreshes is not None and refreshes >= max_refreshes:
                break
    except KeyboardInterrupt:
        pass
    _say_now("stopped watching")


def _clock() -> str:
    return dt.datetime.now().strftime("%H:%M:%S")


def _say_now(text: str) -> None:
    out.say(out.esc(text))
    sys.stdout.flush()


def _say_refresh(refresh: Refresh) -> None:
    if not refresh.outcomes:
        out.say("  no requirement files to preview")
    for o in refresh.outcomes:
        if o.removed:
            out.say(f"  {out.esc(o.file)}: removed; nothing to preview")
        elif o.error:
            out.error(f"{o.file}: {o.error}", list(o.details))
            if o.trace and state.debug:
                print(o.trace, file=sys.stderr)
            out.say(f"  {out.esc(o.file)}: not previewed (see the error); still watching")
        else:
            out.say(f"  {out.esc(o.kit)}: {_what_changed(o, refresh.initial)}")
        if o.conflict:
            out.warn(out.esc(f"{o.conflict}; `kitgen build` would stop here"))
        for warning in o.warnings:
            out.warn(out.esc(warning))
    sys.stderr.flush()
    sys.stdout.flush()


def _what_changed(o: KitOutcome, initial: bool) -> str:
    rendered = f"rendered {o.rendered and len(o.rendered) or 0} of {o.documents}"
    of = _preview_of(o.version, o.unchanged)
    if initial:
        return (f"preview of {of} in {out.esc(o.folder)}/ ({plural(o.documents, 'document')}, "
                f"{plural(o.pages, 'page')}; {rendered})")
    if not o.written:
        return f"no page changed; preview of {of} in {out.esc(o.folder)}/"
    return (f"{', '.join(o.written)} updated in {out.esc(o.folder)}/ ({rendered}; preview of "
            f"{of})")

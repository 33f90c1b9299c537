"""``kitgen build`` (and its release gate) and ``kitgen watch``."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from kitgen.base.errors import GateNotMet
from kitgen.cli import console as out
from kitgen.cli import views
from kitgen.cli.app import FilesArg, app, handle_errors, load, state, workspace
from kitgen.cli.views import shown

if TYPE_CHECKING:
    from kitgen.base.workspace import Workspace
    from kitgen.version.watch import Rebuild


@app.command()
@handle_errors
def build(
    files: FilesArg = None,
    release: Annotated[
        bool,
        typer.Option("--release", help="Also render the released PDFs of every kit whose latest "
                     "version both sides approved; exit 1 listing every kit that is not "
                     "releasable."),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Exit 1 on warnings (stale intelligence, a one-page "
                     "document over its page, text that does not fit or cannot be drawn)."),
    ] = False,
    keep_html: Annotated[
        bool,
        typer.Option("--keep-html", help="Also write the HTML handed to WeasyPrint beside each "
                     "PDF."),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Render on this many processes (default: the "
                     "number of cores). The PDFs are the same bytes whatever the number."),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option("--shard", metavar="I/N", help="Build only shard I of N (1 ≤ I ≤ N): a "
                     "stable split of the kits by id, for N parallel CI jobs. Every file is "
                     "still validated."),
    ] = None,
) -> None:
    """Build each kit into a new draft version, or nothing when its inputs are unchanged.

    Example: kitgen build requirements/northwind-analytics.yaml
    Example (the CI gate): kitgen build --release
    Example (CI job 2 of 4): kitgen build --shard 2/4
    """
    from kitgen.base.settings import today
    from kitgen.load.fieldready import check_warnings, long_documents
    from kitgen.release.catalog import write_catalog
    from kitgen.render.documents import plan_documents
    from kitgen.render.layout import built_layout, layout_warnings
    from kitgen.render.pdf import default_jobs
    from kitgen.version.build import build_kits, plan_kit
    from kitgen.version.manifest import read_manifest
    from kitgen.version.shard import in_shard, parse_shard

    part = parse_shard(shard) if shard is not None else None
    ws = workspace()
    loaded = load(files)
    if part is not None:
        loaded = [item for item in loaded if in_shard(item.kit.kit, *part)]
    on = today()
    warnings = [w for item in loaded for w in check_warnings(item, on)]
    plans = [plan_kit(ws, item) for item in loaded]
    total = sum(len(plan_documents(p.loaded.kit)) for p in plans if not p.unchanged)
    with out.progress(total, "rendering") as advance:
        results = build_kits(ws, plans, advance, keep_html=keep_html, jobs=jobs or default_jobs())
    for item, result in zip(loaded, results, strict=True):
        manifest = read_manifest(result.path)
        page_counts = {d["file"]: int(d["pages"]) for d in manifest.get("documents", [])}
        warnings += long_documents(item, page_counts)
        warnings += layout_warnings(item, built_layout(item, manifest.get("documents", [])))
    rows: list[list[object]] = []
    for result in results:
        if result.written:
            pages = sum(d.pages for d in result.documents)
            rows.append([result.kit, result.version, "written (draft)", len(result.documents),
                         pages, shown(result.path)])
        else:
            rows.append([result.kit, result.version, "unchanged, nothing written", "", "",
                         shown(result.path)])
    out.table("kitgen build", ["kit", "version", "result", "documents", "pages", "folder"], rows)
    for warning in warnings:
        out.warn(out.esc(str(warning)))
    write_catalog(ws)
    if release:
        try:
            gate(ws, [r.kit for r in results])
        finally:
            write_catalog(ws)  # with what was released, even when another kit was not
    if strict and warnings:
        raise GateNotMet(f"{len(warnings)} warning(s) and --strict")


def gate(ws: Workspace, kits: list[str]) -> None:
    """The CI gate: release what can be released, then fail listing every kit that cannot."""
    from kitgen.release.gate import release_kits

    with out.progress(0, "releasing") as advance:
        outcomes = release_kits(ws, kits, advance)
    out.table("kitgen release", ["kit", "version", "result", "why not"],
              views.release_rows(outcomes))
    blocked = [o for o in outcomes if not o.released]
    if blocked:
        raise GateNotMet(
            f"{len(blocked)} of {len(outcomes)} kit(s) not releasable: "
            + ", ".join(o.kit for o in blocked)
        )


@app.command()
@handle_errors
def watch(
    files: FilesArg = None,
    max_rebuilds: Annotated[
        int | None,
        typer.Option("--max-rebuilds", hidden=True, min=0,
                     help="Stop after this many rebuilds caused by changes (for tests)."),
    ] = None,
) -> None:
    """Rebuild draft kits whenever a requirement file or a template is saved; Ctrl-C stops.

    Example: kitgen watch requirements/northwind-analytics.yaml
    """
    import logging

    from watchfiles import watch as watch_folders

    from kitgen.version.watch import watch_rebuilds, watch_targets

    logging.getLogger("watchfiles").setLevel(logging.ERROR)  # its "stopping watch" on Ctrl-C
    targets = watch_targets(workspace(), files)
    folders = targets.folders()

    def on_start(changed: tuple[str, ...]) -> None:
        if changed:
            _say_now(f"{_clock()} saved: {', '.join(changed)}; rebuilding")
        else:
            listed = ", ".join(shown(f) + "/" for f in folders)
            _say_now(f"{_clock()} watching {listed} (Ctrl-C stops); building first")

    # The watcher yields an empty batch every 250 ms of quiet: the first one tells that it runs.
    batches = watch_folders(*folders, rust_timeout=250, yield_on_timeout=True,
                            raise_interrupt=False)
    rebuilds = 0
    try:
        for rebuild in watch_rebuilds(targets, batches, on_start):
            _say_rebuild(rebuild)
            rebuilds += 0 if rebuild.initial else 1
            if max_rebuilds is not None and rebuilds >= max_rebuilds:
                break
    except KeyboardInterrupt:
        pass
    _say_now("stopped watching")


def _clock() -> str:
    return dt.datetime.now().strftime("%H:%M:%S")


def _say_now(text: str) -> None:
    out.say(out.esc(text))
    sys.stdout.flush()


def _say_rebuild(rebuild: Rebuild) -> None:
    if not rebuild.outcomes:
        out.say("  no requirement files to build")
    for o in rebuild.outcomes:
        if o.removed:
            out.say(f"  {out.esc(o.file)}: removed; nothing to build")
        elif o.error:
            out.error(f"{o.file}: {o.error}", list(o.details))
            if o.trace and state.debug:
                print(o.trace, file=sys.stderr)
            out.say(f"  {out.esc(o.file)}: not built (see the error); still watching")
        elif o.written:
            out.say(f"  {out.esc(o.kit)}: version {o.version} written ({o.documents} documents, "
                    f"{o.pages} pages) in {out.esc(o.folder)}")
        else:
            out.say(f"  {out.esc(o.kit)}: unchanged, nothing written (version {o.version})")
        for warning in o.warnings:
            out.warn(out.esc(warning))
    sys.stderr.flush()
    sys.stdout.flush()

"""``kitgen build`` (and its release gate)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kitgen.base.errors import GateNotMet
from kitgen.cli import console as out
from kitgen.cli import views
from kitgen.cli.app import FilesArg, app, handle_errors, load, workspace
from kitgen.cli.views import shown

if TYPE_CHECKING:
    from kitgen.base.workspace import Workspace
    from kitgen.version.build import BuildResult
    from kitgen.version.stamp import Stamp


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
    from kitgen.version.shard import parse_shard
    from kitgen.version.stamp import input_fingerprint, read_stamp

    part = parse_shard(shard) if shard is not None else None
    ws = workspace()
    on = today()
    # Nothing read has changed since the last build: say what it said, reading no YAML.
    stamp = None if release else read_stamp(ws, files, shard, on.isoformat())
    if stamp is not None:
        _say_unchanged(stamp, strict)
        return
    inputs = input_fingerprint(ws, files, on.isoformat())

    from kitgen.load.fieldready import check_warnings, long_documents
    from kitgen.load.schema import refresh_schema_copy
    from kitgen.release.catalog import write_catalog
    from kitgen.render.documents import plan_documents
    from kitgen.render.layout import built_layout, layout_warnings
    from kitgen.render.pdf import default_jobs
    from kitgen.version.build import build_kits, plan_kit
    from kitgen.version.manifest import read_manifest
    from kitgen.version.shard import in_shard
    from kitgen.version.stamp import StampedKit, record_stamp

    loaded = load(files)
    if part is not None:
        loaded = [item for item in loaded if in_shard(item.kit.kit, *part)]
    warnings = [w for item in loaded for w in check_warnings(item, on)]
    plans = [plan_kit(ws, item) for item in loaded]
    total = sum(len(plan_documents(p.loaded.kit)) for p in plans if not p.unchanged)
    # More processes than documents or cores only cost memory and start-up time.
    workers = max(1, min(jobs or default_jobs(), total, default_jobs()))
    if jobs is not None and total and workers < jobs:
        out.say(f"--jobs {jobs}: rendering {total} document(s) on {workers} process(es), at "
                "most one per document and per core")
    with out.progress(total, "rendering") as advance:
        results = build_kits(ws, plans, advance, keep_html=keep_html, jobs=workers)
    for item, result in zip(loaded, results, strict=True):
        manifest = read_manifest(result.path)
        page_counts = {d["file"]: int(d["pages"]) for d in manifest.get("documents", [])}
        warnings += long_documents(item, page_counts)
        warnings += layout_warnings(item, built_layout(item, manifest.get("documents", [])))
    out.table("kitgen build", BUILD_COLUMNS, [_result_row(result) for result in results])
    for warning in warnings:
        out.field_warning(warning)
    write_catalog(ws)
    refreshed = refresh_schema_copy(ws.requirements_dir)
    if refreshed:
        out.say(f"updated {shown(refreshed)}, the schema editors check against")
    brand_files = {f.name: f.sha256 for p in plans if p.brand for f in p.brand.files}
    record_stamp(ws, files, shard, inputs, [StampedKit(r.kit, r.version, r.path) for r in results],
                 [str(w) for w in warnings], brand_files)
    if release:
        try:
            gate(ws, [r.kit for r in results])
        finally:
            write_catalog(ws)  # with what was released, even when another kit was not
    if strict and warnings:
        raise GateNotMet(f"{len(warnings)} warning(s) and --strict")


BUILD_COLUMNS = ["kit", "version", "result", "documents", "pages", "folder"]
UNCHANGED = "unchanged, nothing written"


def _result_row(result: BuildResult) -> list[object]:
    if not result.written:
        return [result.kit, result.version, UNCHANGED, "", "", shown(result.path)]
    pages = sum(d.pages for d in result.documents)
    return [result.kit, result.version, "written (draft)", len(result.documents), pages,
            shown(result.path)]


def _say_unchanged(stamp: Stamp, strict: bool) -> None:
    """What a build with nothing to do prints, from the stamp of the last build."""
    out.table("kitgen build", BUILD_COLUMNS,
              [[k.kit, k.version, UNCHANGED, "", "", shown(k.folder)] for k in stamp.kits])
    for warning in stamp.warnings:
        out.warn(out.esc(warning))
    if strict and stamp.warnings:
        raise GateNotMet(f"{len(stamp.warnings)} warning(s) and --strict")


def gate(ws: Workspace, kits: list[str]) -> None:
    """The CI gate: release what can be released, then fail listing every kit that cannot."""
    from kitgen.release.gate import release_kits

    with out.progress(0, "releasing") as advance:
        outcomes = release_kits(ws, kits, advance)
    out.table("kitgen release", ["kit", "version", "result", "why not"],
              views.release_rows(outcomes))
    for o in outcomes:
        for line in views.policy_change_lines(o.kit, o.policy_change, o.released):
            out.say(out.esc(line))
    blocked = [o for o in outcomes if not o.released]
    if blocked:
        raise GateNotMet(
            f"{len(blocked)} of {len(outcomes)} kit(s) not releasable: "
            + ", ".join(o.kit for o in blocked)
        )

"""``kitgen release``: the CI gate that never builds."""

from __future__ import annotations

from typing import Annotated

import typer

from kitgen.base.errors import GateNotMet
from kitgen.cli import console as out
from kitgen.cli.app import FilesArg, JsonOpt, app, handle_errors, load, workspace


@app.command()
@handle_errors
def release(
    files: FilesArg = None,
    shard: Annotated[
        str | None,
        typer.Option("--shard", metavar="I/N", help="Release only shard I of N (1 ≤ I ≤ N), the "
                     "same stable split of the kits by id as `build --shard`, for N parallel CI "
                     "jobs. Every file is still validated."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Release what both sides approved, without building: exit 1 naming every kit that is not
    releasable, and which input differs when the files are not those its latest version was
    built from (the requirement file's data, a template, kitgen's version).

    Example: kitgen release requirements/northwind-analytics.yaml
    Example (CI job 2 of 4): kitgen release --shard 2/4
    """
    from kitgen.release.catalog import write_catalog
    from kitgen.release.frozen import release_frozen
    from kitgen.version.shard import in_shard, parse_shard

    part = parse_shard(shard) if shard is not None else None
    ws = workspace()
    loaded = load(files)
    if part is not None:
        loaded = [item for item in loaded if in_shard(item.kit.kit, *part)]
    with out.progress(0, "releasing") as advance:
        # With --json, stdout holds the JSON document alone: no progress lines.
        outcomes = release_frozen(ws, loaded, None if as_json else advance)
    write_catalog(ws)
    if as_json:
        out.emit_json([o.as_json() for o in outcomes])
    else:
        rows = [[o.kit, o.version or "", "released now" if o.written else "released (already)"]
                if o.released else [o.kit, o.version or "", "NOT releasable"] for o in outcomes]
        out.table("kitgen release", ["kit", "version", "result"], rows)
    blocked = [o for o in outcomes if not o.released]
    for o in blocked:
        why = "; ".join([c.detail for c in o.changes] or list(o.reasons))
        if not as_json:
            out.say(f"{out.esc(o.kit)}: not releasable: {out.esc(why)}")
            out.say(f"  what to do: {out.esc(o.fix)}")
        out.annotate("error", f"{o.kit} is not releasable: {why}. Fix: {o.fix}", o.file)
    if blocked:
        raise GateNotMet(f"{len(blocked)} of {len(outcomes)} kit(s) not releasable: "
                         + ", ".join(o.kit for o in blocked))
    if not outcomes:
        out.say("no kits in this shard")

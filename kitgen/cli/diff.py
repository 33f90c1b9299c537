"""``kitgen diff``: what changed between two versions of a kit."""

from __future__ import annotations

from typing import Annotated

import typer

from kitgen.base.errors import InputError
from kitgen.cli import console as out
from kitgen.cli.app import JsonOpt, app, handle_errors, workspace
from kitgen.cli.views import plural


@app.command()
@handle_errors
def diff(
    kit: Annotated[str, typer.Argument(help="Kit id.")],
    from_version: Annotated[
        str | None, typer.Argument(help="Older version (default: the one before TO).")
    ] = None,
    to_version: Annotated[
        str | None, typer.Argument(help="Newer version (default: the latest).")
    ] = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="Name the fields that changed per item instead "
                           "of showing each old and new value.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """What changed between two versions: field by field (old → new), the agreed requirements
    those changes touch, and document by document.

    Example: kitgen diff northwind-analytics 1 2
    """
    from kitgen.cli import change_views  # the models load with it: only when asked
    from kitgen.signoff.ledger import KitLedger
    from kitgen.version.content_diff import diff_kits, touched_requirements
    from kitgen.version.diff import diff_documents

    ws = workspace()
    ledger = KitLedger.open(ws, ws.require_kit(kit))
    to = ledger.require_version(to_version)
    if from_version is None:
        position = ledger.versions.index(to)
        if position == 0:
            raise InputError(f"kit {kit!r} has only version {to}; nothing to compare it with")
        from_version = ledger.versions[position - 1]
    start = ledger.require_version(from_version)
    before, after = ledger.snapshot(start).kit, ledger.snapshot(to).kit
    changes = diff_kits(before, after)
    touched = touched_requirements(after, changes)
    documents = diff_documents(ledger.manifest(start), ledger.manifest(to), before, after)
    if as_json:
        out.emit_json({
            "kit": kit, "from": start, "to": to,
            "changes": change_views.changes_json(changes),
            "requirements": change_views.requirement_changes_json(changes),
            "touched": change_views.touched_json(touched),
            "documents": [d.as_json() for d in documents],
        })
        return
    out.say(f"[bold]{out.esc(kit)}[/]: version {start} → {to}")
    if changes:
        out.say(f"what changed ({plural(len(changes), 'change')}):")
        for line in change_views.change_lines(changes, "  ", summary):
            out.say(line)
    else:
        out.say("what changed: the content is the same")
    if touched:
        out.say("requirements touched by these changes:")
        for line in change_views.touched_lines(touched):
            out.say(line)
    out.say("documents:")
    for d in documents:
        pages = (f" ({d.reason}; {d.pages_before} → {d.pages_after} pages)"
                 if d.change == "changed" else "")
        out.say(f"  {out.esc(d.file)}: {d.change}{pages}")

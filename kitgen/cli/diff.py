"""``kitgen diff``: what changed between two versions of a kit."""

from __future__ import annotations

from typing import Annotated

import typer

from kitgen.base.errors import GateNotMet, InputError
from kitgen.cli import console as out
from kitgen.cli.app import JsonOpt, app, handle_errors, workspace


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
    as_json: JsonOpt = False,
) -> None:
    """What changed between two versions, requirement by requirement and document by document.

    Example: kitgen diff northwind-analytics 1 2
    """
    from kitgen.signoff.ledger import KitLedger
    from kitgen.version.diff import diff_documents, diff_requirements

    ledger = KitLedger.open(workspace(), kit)
    try:  # naming a version that is not there is bad input here, not a gate
        to = ledger.require_version(to_version)
        position = ledger.versions.index(to)
        if from_version is None:
            if position == 0:
                raise InputError(f"kit {kit!r} has only version {to}; nothing to compare with")
            from_version = ledger.versions[position - 1]
        start = ledger.require_version(from_version)
    except GateNotMet as error:
        raise InputError(error.message, details=error.details) from None
    requirements = diff_requirements(ledger.snapshot(start).kit, ledger.snapshot(to).kit)
    documents = diff_documents(ledger.manifest(start), ledger.manifest(to),
                               ledger.snapshot(start).kit, ledger.snapshot(to).kit)
    if as_json:
        out.emit_json({"kit": kit, "from": start, "to": to,
                       "requirements": [c.as_json() for c in requirements],
                       "documents": [d.as_json() for d in documents]})
        return
    out.say(f"{kit}: version {start} → {to}")
    out.say("requirements:" if requirements else "requirements: no change")
    for change in requirements:
        out.say(f"  {out.esc(change.describe())}")
    out.say("documents:")
    for d in documents:
        pages = (f" ({d.reason}; {d.pages_before} → {d.pages_after} pages)"
                 if d.change == "changed" else "")
        out.say(f"  {d.file}: {d.change}{pages}")

"""``kitgen feedback``: what reps found useful, recorded beside the kit for the next negotiation."""

from __future__ import annotations

from typing import Annotated

import typer

from kitgen.base.errors import InputError
from kitgen.cli import console as out
from kitgen.cli.app import app, handle_errors, workspace
from kitgen.cli.views import shown


@app.command()
@handle_errors
def feedback(
    kit: Annotated[str, typer.Argument(help="Kit id, e.g. northwind-analytics.")],
    item: Annotated[
        str, typer.Argument(help="What it is about: battlecards.<id>, value_props.<id>, "
                            "playbook.stallers.<id>, playbook.nay_sayer, playbook.decision_maker.")
    ],
    useful: Annotated[str, typer.Option("--useful", help="yes or no.")],
    note: Annotated[str, typer.Option("--note", help="What happened in the field.")] = "",
    name: Annotated[str | None, typer.Option("--name", help="Your name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Your email.")] = None,
) -> None:
    """Record whether a part of a kit helped in a deal; `check` and `status` show the tally.

    Example: kitgen feedback northwind-analytics playbook.stallers.send-info --useful yes
    --note "Got the meeting"
    """
    from kitgen.signoff.feedback import record_feedback
    from kitgen.signoff.identity import resolve_identity
    from kitgen.signoff.ledger import KitLedger

    if useful not in ("yes", "no"):
        raise InputError(f"--useful must be yes or no, not {useful!r}")
    ws = workspace()
    ledger = KitLedger.open(ws, ws.require_kit(kit))
    version = ledger.require_version(None)
    who = resolve_identity(name, email, ws.root)
    path = record_feedback(ledger.kit_dir, ledger.snapshot(version).kit, version, item,
                           useful == "yes", note, who)
    out.say(f"recorded {out.esc(shown(path, ws.root))}")

"""``kitgen feedback``: what reps found useful, recorded beside the kit for the next negotiation."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kitgen import console as out
from kitgen.cli import app, handle_errors, workspace
from kitgen.errors import InputError


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
    from kitgen.feedback import record_feedback
    from kitgen.ledger import KitLedger
    from kitgen.signoff import resolve_identity

    if useful not in ("yes", "no"):
        raise InputError(f"--useful must be yes or no, not {useful!r}")
    ws = workspace()
    ledger = KitLedger.open(ws, kit)
    version = ledger.require_version(None)
    who = resolve_identity(name, email, ws.root)
    path = record_feedback(ledger.kit_dir, ledger.snapshot(version).kit, version, item,
                           useful == "yes", note, who)
    out.say(f"recorded {out.esc(str(path.relative_to(ws.root)))}")


def feedback_lines(ws: Any, kit: str) -> list[str]:
    """Per item: useful / not useful counts and the latest notes."""
    from kitgen.feedback import read_feedback, summarize_feedback

    if kit not in ws.kit_ids():
        return []
    entries, _ = read_feedback(ws.kit_dir(kit))
    lines = []
    for summary in summarize_feedback(entries):
        lines.append(f"{summary.item}: {summary.useful} useful, {summary.not_useful} not useful")
        for time, useful, text in summary.latest_notes():
            lines.append(
                f"    {time[:10]} ({'useful' if useful == 'yes' else 'not useful'}): {text}"
            )
    return lines


def feedback_json(ws: Any, kit: str) -> list[dict[str, Any]]:
    from kitgen.feedback import read_feedback, summarize_feedback

    if kit not in ws.kit_ids():
        return []
    entries, _ = read_feedback(ws.kit_dir(kit))
    return [
        {"item": s.item, "useful": s.useful, "not_useful": s.not_useful,
         "latest_notes": [{"time": t, "useful": u == "yes", "note": n}
                          for t, u, n in s.latest_notes()]}
        for s in summarize_feedback(entries)
    ]

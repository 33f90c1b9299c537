"""``kitgen status``: per kit, the latest version, the negotiation, sign-off, release."""

from __future__ import annotations

from typing import Annotated

import typer

from kitgen.cli import console as out
from kitgen.cli import views
from kitgen.cli.app import JsonOpt, app, handle_errors, workspace


@app.command()
@handle_errors
def status(
    kit: Annotated[str | None, typer.Argument(help="Kit id (default: every kit).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Per kit: latest version, negotiation state, what each side must do next, what blocks
    the release, and the latest released version.

    Example: kitgen status northwind-analytics --json
    """
    from kitgen.release.status import kit_status
    from kitgen.signoff.feedback import kit_feedback

    ws = workspace()
    if kit:
        ws.require_kit(kit)
    statuses = [kit_status(ws, name) for name in ([kit] if kit else ws.kit_ids())]
    feedback = {s.kit: kit_feedback(ws.kits_dir, s.kit) for s in statuses}
    if as_json:
        out.emit_json([views.status_json(s, feedback[s.kit]) for s in statuses])
        return
    if not statuses:
        out.say("no kits built yet: run `kitgen build`")
    for number, s in enumerate(statuses):
        if number:
            out.say()
        for line in views.status_lines(s):
            out.say_wrapped(line)
        for line in views.policy_change_lines(s.kit, s.policy_change, s.released):
            out.say_wrapped(f"  {out.esc(line)}")
        lines = views.feedback_lines(feedback[s.kit])
        if lines:
            out.say("  field feedback:")
            for line in lines:
                out.say_wrapped(f"    {out.esc(line)}")

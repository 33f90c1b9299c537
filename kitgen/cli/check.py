"""``kitgen check``: validate requirement files and show where the negotiation stands."""

from __future__ import annotations

from typing import Annotated

import typer

from kitgen.base.errors import GateNotMet
from kitgen.cli import console as out
from kitgen.cli import views
from kitgen.cli.app import FilesArg, JsonOpt, app, handle_errors, load, workspace


@app.command()
@handle_errors
def check(
    files: FilesArg = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on warnings, open or undelivered requirements.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate requirement files and show where the negotiation stands. Renders nothing.

    Example: kitgen check requirements/northwind-analytics.yaml --strict
    """
    from kitgen.base.settings import today
    from kitgen.load.fieldready import check_warnings, roadmap_notes
    from kitgen.load.negotiation import summarize_negotiation
    from kitgen.render.eject import stale_ejected_templates
    from kitgen.render.layout import font_files, text_warnings
    from kitgen.render.paths import ASSETS_DIR
    from kitgen.signoff.feedback import kit_feedback

    ws = workspace()
    loaded = load(files)
    on = today()
    fonts = font_files([ASSETS_DIR, ws.templates_dir])
    reports = [(item, summarize_negotiation(item.kit),
                check_warnings(item, on) + text_warnings(item, fonts)) for item in loaded]
    stale = stale_ejected_templates(ws.templates_dir)
    if as_json:
        out.emit_json([
            {**views.negotiation_json(item, state),
             "warnings": [{"item": w.item, "message": w.message, "line": w.line} for w in warns]
             + [{"item": f"templates/{n}", "message": m, "line": None} for n, m in stale],
             "roadmap": [{"item": n.item, "message": n.message} for n in roadmap_notes(item)],
             "feedback": views.feedback_json(kit_feedback(ws.kits_dir, item.kit.kit))}
            for item, state, warns in reports
        ])
    else:
        for item, state, warns in reports:
            views.print_negotiation(item, state)
            for note in roadmap_notes(item):
                out.say(f"  roadmap: {out.esc(note.item)} {out.esc(note.message)}")
            lines = views.feedback_lines(kit_feedback(ws.kits_dir, item.kit.kit))
            if lines:
                out.say("  field feedback:")
                for line in lines:
                    out.say(f"    {out.esc(line)}")
            for warning in warns:
                out.warn(out.esc(str(warning)))
        for _, message in stale:
            out.warn(out.esc(message))
    if strict and (stale or any(not state.settled or warns for _, state, warns in reports)):
        raise typer.Exit(GateNotMet.exit_code)

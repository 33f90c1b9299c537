"""``kitgen check``: validate requirement files and show where the negotiation stands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kitgen.base.errors import GateNotMet
from kitgen.cli import console as out
from kitgen.cli import views
from kitgen.cli.app import FilesArg, JsonOpt, app, handle_errors, load, workspace

if TYPE_CHECKING:
    from pathlib import Path

    from kitgen.load.negotiation import Negotiation
    from kitgen.load.positions import LoadedKit


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
    from kitgen.load.brand import load_brand
    from kitgen.load.fieldready import check_warnings, roadmap_notes
    from kitgen.load.negotiation import summarize_negotiation
    from kitgen.render.eject import stale_ejected_templates
    from kitgen.render.layout import font_files, text_warnings
    from kitgen.render.paths import ASSETS_DIR
    from kitgen.signoff.feedback import kit_feedback

    ws = workspace()
    loaded = load(files)
    # Brand files are inputs too: a bad one is exit 2 here, before any build meets it.
    brands = {item.kit.kit: load_brand(ws.root, item) for item in loaded}
    load_brand(ws.root)
    on = today()
    fonts = font_files([ASSETS_DIR, ws.templates_dir])

    def drawing(kit: str) -> tuple[Path, ...]:
        """The fonts a kit's pages may draw with: kitgen's, the templates', its brand's."""
        brand = brands[kit]
        return fonts + tuple(face.file.path for face in brand.fonts) if brand else fonts

    reports = [(item, summarize_negotiation(item.kit),
                check_warnings(item, on) + text_warnings(item, drawing(item.kit.kit)))
               for item in loaded]
    stale = stale_ejected_templates(ws.templates_dir)
    if as_json:
        out.emit_json([
            {**views.negotiation_json(item, state),
             "warnings": [{"item": w.item, "message": w.message, "line": w.line} for w in warns]
             + [{"item": f"templates/{n}", "message": m, "line": None} for n, m in stale],
             "roadmap": [{"item": n.item, "message": n.message} for n in roadmap_notes(item)],
             "feedback": views.feedback_json(kit_feedback(ws.kits_dir, item.kit.kit)),
             "brand": views.brand_json(brands[item.kit.kit])}
            for item, state, warns in reports
        ])
        for _, _, warns in reports:
            for warning in warns:
                out.annotate_warning(warning)
    else:
        for item, state, warns in reports:
            views.print_negotiation(item, state)
            out.say(f"  brand: {out.esc(views.brand_line(brands[item.kit.kit]))}")
            for note in roadmap_notes(item):
                out.say(f"  roadmap: {out.esc(note.item)} {out.esc(note.message)}")
            lines = views.feedback_lines(kit_feedback(ws.kits_dir, item.kit.kit))
            if lines:
                out.say("  field feedback:")
                for line in lines:
                    out.say(f"    {out.esc(line)}")
            for warning in warns:
                out.field_warning(warning)
        for _, message in stale:
            out.warn(out.esc(message))
    if strict:
        reasons = [_not_ready(item, state, len(warns)) for item, state, warns in reports]
        reasons = [r for r in reasons if r]
        if stale:
            reasons.append(f"{views.plural(len(stale), 'ejected template')} behind kitgen's own")
        if reasons:
            raise GateNotMet("--strict: not ready for sign-off: " + "; ".join(reasons))


def _not_ready(item: LoadedKit, state: Negotiation, warnings: int) -> str:
    """Why one kit fails ``--strict``, in a few words; empty when it passes."""
    parts = [f"{len(found)} {what}" for what, found in
             (("proposed", state.proposed), ("disputed", state.disputed),
              ("undelivered", state.undelivered)) if found]
    if parts:
        parts[-1] += " requirement" + ("s" if len(state.proposed + state.disputed
                                                  + state.undelivered) > 1 else "")
    if warnings:
        parts.append(views.plural(warnings, "warning"))
    return f"{item.kit.kit} has {', '.join(parts)}" if parts else ""

"""``kitgen feedback``: what reps found useful, recorded beside the kit for the next negotiation,
one report at a time (``kitgen feedback KIT ITEM --useful yes``) or from a CRM's CSV export
(``kitgen feedback import FILE.csv``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from kitgen.base.errors import InputError
from kitgen.cli import console as out
from kitgen.cli.app import JsonOpt, app, handle_errors, workspace
from kitgen.cli.views import plural, shown


class _RecordByDefault(TyperGroup):
    """``kitgen feedback KIT ITEM …`` means ``kitgen feedback record KIT ITEM …``: the command
    reps already know keeps working beside ``kitgen feedback import``. (A kit named ``import``
    or ``record`` is reached with ``kitgen feedback record KIT ITEM``.)"""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["record", *args]
        return super().parse_args(ctx, args)


feedback_app = typer.Typer(
    cls=_RecordByDefault,
    no_args_is_help=True,
    help="Record whether a part of a kit helped in a deal: `kitgen feedback KIT ITEM --useful "
    "yes|no` (the record command, the default), or a CRM's CSV export with `kitgen feedback "
    "import FILE.csv`. `check` and `status` show the tally.",
)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("record")
@handle_errors
def record(
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
    """Record whether a part of a kit helped in a deal; `record` may be left out.

    Example: kitgen feedback record northwind-analytics playbook.stallers.send-info --useful
    yes --note "Got the meeting" (the same as kitgen feedback northwind-analytics …)
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


@feedback_app.command("import")
@handle_errors
def import_csv(
    file: Annotated[Path, typer.Argument(help="CSV with a header line: item, useful, note, "
                                              "name, email, time (and kit).")],
    kit: Annotated[str | None, typer.Option(
        "--kit", help="The kit of rows that have no `kit` column or leave it empty.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record the field feedback of a CRM's CSV export; rows already recorded are skipped.

    Each row's kit is its `kit` column, else --kit. Every row is checked before anything is
    recorded. Example: kitgen feedback import crm-export.csv --kit northwind-analytics
    """
    from kitgen.signoff.feedback_csv import import_feedback_csv

    ws = workspace()
    result = import_feedback_csv(ws, file, shown(file), kit)
    if as_json:
        out.emit_json({"recorded": [shown(p, ws.root) for p in result.recorded],
                       "already_recorded": result.already, "kits": list(result.kits)})
        return
    out.say(f"recorded {plural(len(result.recorded), 'feedback row')} from {out.esc(shown(file))}"
            + (f"; {plural(result.already, 'row')} already recorded" if result.already else "")
            + (f" (kits: {', '.join(result.kits)})" if result.kits else ""))

"""``kitgen approve`` and ``kitgen reject``: one sign-off, after showing what is signed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kitgen.base.errors import GateNotMet, InputError
from kitgen.cli import console as out
from kitgen.cli.app import app, handle_errors, workspace
from kitgen.cli.views import shown

SideOpt = Annotated[str, typer.Option("--side", help="The side you sign for: sales or marketing.")]
VersionOpt = Annotated[str | None, typer.Option("--version", help="Version (default: the latest).")]
NameOpt = Annotated[
    str | None, typer.Option("--name", help="Your name (default: KITGEN_NAME, git).")
]
EmailOpt = Annotated[
    str | None, typer.Option("--email", help="Your email (default: KITGEN_EMAIL, git user.email).")
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Record without asking (for scripts).")]
ReviewJsonOpt = Annotated[
    bool, typer.Option("--json", help="Print the review as JSON; records only with --yes.")
]
SummaryOpt = Annotated[
    bool, typer.Option("--summary", help="Name the fields that changed per item instead of "
                       "showing each old and new value.")
]
KeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--sign-key", help="SSH private key to sign the record with (ssh-keygen -Y sign)."
    ),
]



def _signoff(kit: str, side: str, version: str | None, name: str | None, email: str | None,
             yes: bool, decision: str, comment: str, sign_key: Path | None,
             as_json: bool = False, summary: bool = False) -> None:
    from kitgen.base.files import remove_stale_temps
    from kitgen.cli import change_views  # the models load with it: only when asked
    from kitgen.load.model import parse_side
    from kitgen.signoff.approval import record_signoff, review_signoff
    from kitgen.signoff.identity import resolve_identity
    from kitgen.signoff.ledger import KitLedger
    from kitgen.signoff.records import SIGNOFF_DIR

    ws = workspace()
    chosen_side = parse_side(side)
    ledger = KitLedger.open(ws, ws.require_kit(kit))
    who = resolve_identity(name, email, ws.root)
    review = review_signoff(ledger, version, chosen_side, who, decision, comment)
    done = "approved" if decision == "approve" else "rejected"
    if review.already:
        # A run killed after placing the record may have left its hidden temporary file.
        remove_stale_temps(ledger.kit_dir / SIGNOFF_DIR)
        if as_json:
            out.emit_json({**change_views.review_json(review), "recorded": None})
        else:
            out.say(f"{who.name} <{who.email}> already {done} version {review.version} "
                    f"for {chosen_side}; nothing recorded")
        return
    policy = review.contents.signoff
    if (decision == "approve" and policy.require_signatures and sign_key is None
            and (yes or not as_json)):
        raise GateNotMet(
            f"kit {kit!r} requires signed approvals",
            details=["Pass --sign-key ~/.ssh/id_ed25519 (the key listed for you in signoff.keys)."],
        )
    if as_json:
        # The review as data; only --yes records, so a script can look before it signs.
        path = record_signoff(ledger, review, sign_key) if yes else None
        out.emit_json({**change_views.review_json(review),
                       "recorded": shown(path, ws.root) if path else None})
        return
    out.page(change_views.review_lines(review, summary))
    if not yes:
        if not sys.stdin.isatty():
            raise InputError("no terminal to confirm on; pass --yes to record without asking")
        noun = "approval" if decision == "approve" else "rejection"
        if not typer.confirm(f"Record this {noun} for {chosen_side}?", default=False):
            out.say("nothing recorded")
            raise typer.Exit(1)
    path = record_signoff(ledger, review, sign_key)
    out.say(f"recorded {out.esc(shown(path, ws.root))}")


@app.command()
@handle_errors
def approve(
    kit: Annotated[str, typer.Argument(help="Kit id, e.g. northwind-analytics.")],
    side: SideOpt,
    version: VersionOpt = None,
    comment: Annotated[str, typer.Option("--comment", help="A note kept with the record.")] = "",
    yes: YesOpt = False,
    sign_key: KeyOpt = None,
    name: NameOpt = None,
    email: EmailOpt = None,
    summary: SummaryOpt = False,
    as_json: ReviewJsonOpt = False,
) -> None:
    """Approve a built version for your side, after reviewing what it holds.

    Shows the version, its documents, the sentence the record will store, everything that
    changed since your side last approved (field by field, old and new), the requirements
    those changes touch, any change of who may sign, the other side's state and the warnings;
    then asks before recording.

    Example: kitgen approve northwind-analytics --side sales --comment "Reviewed with the team"
    """
    _signoff(kit, side, version, name, email, yes, "approve", comment, sign_key, as_json,
             summary)


@app.command()
@handle_errors
def reject(
    kit: Annotated[str, typer.Argument(help="Kit id, e.g. northwind-analytics.")],
    side: SideOpt,
    reason: Annotated[str, typer.Option("--reason", help="What must change before release.")],
    version: VersionOpt = None,
    yes: YesOpt = False,
    sign_key: KeyOpt = None,
    name: NameOpt = None,
    email: EmailOpt = None,
    summary: SummaryOpt = False,
    as_json: ReviewJsonOpt = False,
) -> None:
    """Request changes: the version is then blocked for good and can never be released.

    Shows the same review as approve, repeats the reason, and asks before recording.

    Example: kitgen reject northwind-analytics --side sales
    --reason "Contoso pricing is out of date"
    """
    if not reason.strip():
        raise InputError("--reason must say what has to change")
    _signoff(kit, side, version, name, email, yes, "reject", reason, sign_key, as_json, summary)

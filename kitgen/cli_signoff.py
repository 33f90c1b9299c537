"""Commands of the sign-off stage: approve, reject, status, verify, diff, and the release gate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from kitgen import console as out
from kitgen.cli import JsonOpt, app, handle_errors, workspace
from kitgen.cli_field import feedback_json, feedback_lines
from kitgen.errors import GateNotMet, InputError

SideOpt = Annotated[str, typer.Option("--side", help="The side you sign for: sales or marketing.")]
VersionOpt = Annotated[str | None, typer.Option("--version", help="Version (default: the latest).")]
NameOpt = Annotated[
    str | None, typer.Option("--name", help="Your name (default: KITGEN_NAME, git).")
]
EmailOpt = Annotated[
    str | None, typer.Option("--email", help="Your email (default: KITGEN_EMAIL, git user.email).")
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Record without asking (for scripts).")]
KeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--sign-key", help="SSH private key to sign the record with (ssh-keygen -Y sign)."
    ),
]


def _side(value: str) -> str:
    if value not in ("sales", "marketing"):
        raise InputError(f"--side must be sales or marketing, not {value!r}")
    return value


def _signoff(kit: str, side: str, version: str | None, name: str | None, email: str | None,
             yes: bool, decision: str, comment: str, sign_key: Path | None) -> None:
    from kitgen.approval import record_signoff, review_signoff
    from kitgen.fsutil import remove_stale_temps
    from kitgen.ledger import KitLedger
    from kitgen.signoff import SIGNOFF_DIR, resolve_identity

    ws = workspace()
    side = _side(side)
    who = resolve_identity(name, email, ws.root)
    ledger = KitLedger.open(ws, kit)
    review = review_signoff(ledger, version, side, who, decision)
    policy = ledger.snapshot(review.version).kit.signoff
    if decision == "approve" and policy.require_signatures and sign_key is None:
        raise GateNotMet(
            f"kit {kit!r} requires signed approvals",
            details=["Pass --sign-key ~/.ssh/id_ed25519 (the key listed for you in signoff.keys)."],
        )
    if review.already:
        # A run killed after placing the record may have left its hidden temporary file.
        remove_stale_temps(ledger.kit_dir / SIGNOFF_DIR)
        out.say(f"{who.name} <{who.email}> already {decision}d version {review.version} "
                f"for {side}; nothing recorded")
        return
    _show_review(review, side, decision, who)
    if not yes:
        if not sys.stdin.isatty():
            raise InputError("no terminal to confirm on; pass --yes to record without asking")
        if not typer.confirm(f"Record this {decision} for {side}?", default=False):
            out.say("nothing recorded")
            raise typer.Exit(1)
    path = record_signoff(ledger, review, side, who, decision, comment, sign_key)
    out.say(f"recorded {out.esc(str(path.relative_to(ws.root)))}")


def _show_review(review: Any, side: str, decision: str, who: Any) -> None:
    verb = "Approving" if decision == "approve" else "Rejecting"
    out.say(f"{verb} for {side} as {out.esc(who.name)} <{out.esc(who.email)}>:")
    out.say(f"  kit:      {out.esc(review.kit)} — {out.esc(review.title)}")
    out.say(f"  version:  {review.version} (digest {review.digest[:12]})")
    out.say("  documents:")
    for name, pages in review.documents:
        out.say(f"    {out.esc(name)} ({pages} page{'s' if pages != 1 else ''})")
    if review.previous is None:
        out.say(f"  changes:  {side} has approved no earlier version")
    elif not review.changes:
        out.say(f"  changes since version {review.previous} ({side}'s last approval): "
                "no requirement changed")
    else:
        out.say(f"  changes since version {review.previous} ({side}'s last approval):")
        for change in review.changes:
            out.say(f"    {out.esc(change.describe())}")


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
) -> None:
    """Approve a built version for your side, after reviewing what it holds.

    Example: kitgen approve northwind-analytics --side sales --comment "Reviewed with the team"
    """
    _signoff(kit, side, version, name, email, yes, "approve", comment, sign_key)


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
) -> None:
    """Request changes: the version can then never be released.

    Example: kitgen reject northwind-analytics --side sales
    --reason "Contoso pricing is out of date"
    """
    if not reason.strip():
        raise InputError("--reason must say what has to change")
    _signoff(kit, side, version, name, email, yes, "reject", reason, sign_key)


def release_kits(ws: Any, kits: list[str]) -> None:
    """The CI gate: release what can be released, then fail listing every kit that cannot."""
    from kitgen.ledger import KitLedger
    from kitgen.release import release_latest

    outcomes = []
    with out.progress(0, "releasing") as advance:
        for kit in kits:
            outcomes.append(release_latest(KitLedger.open(ws, kit), advance))
    rows = []
    for o in outcomes:
        if o.released:
            state = "released now" if o.written else "released (already)"
            rows.append([o.kit, o.version or "", state, ""])
        else:
            rows.append([o.kit, o.version or "", "NOT releasable", "; ".join(o.reasons)])
    out.table("kitgen release", ["kit", "version", "result", "why not"], rows)
    blocked = [o for o in outcomes if not o.released]
    if blocked:
        raise GateNotMet(
            f"{len(blocked)} of {len(outcomes)} kit(s) not releasable: "
            + ", ".join(o.kit for o in blocked)
        )


@app.command()
@handle_errors
def status(
    kit: Annotated[str | None, typer.Argument(help="Kit id (default: every kit).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Per kit: latest version, negotiation state, each side's sign-off, latest release.

    Example: kitgen status northwind-analytics --json
    """
    from kitgen.ledger import KitLedger

    ws = workspace()
    kits = [kit] if kit else ws.kit_ids()
    if kit and kit not in ws.kit_ids():
        raise InputError(f"no kit {kit!r} in {ws.kits_dir}", details=["Run `kitgen build` first."])
    reports = []
    for name in kits:
        ledger = KitLedger.open(ws, name)
        latest = ledger.latest
        entry: dict[str, Any] = {"kit": name, "latest_version": latest, "requirements": {},
                                 "signoff": {}, "latest_released": None, "released": False}
        if latest:
            entry["requirements"] = ledger.negotiation(latest).counts
            for side in ("marketing", "sales"):
                approvals = ledger.counting(latest, "approve", side)
                rejections = ledger.counting(latest, "reject", side)
                entry["signoff"][side] = {
                    "state": "rejected" if rejections else ("approved" if approvals else "pending"),
                    "by": [{"name": r.name, "email": r.email, "time": r.time,
                            "decision": r.decision} for r in rejections + approvals],
                }
            released = ledger.released_versions()
            entry["latest_released"] = released[-1] if released else None
            entry["released"] = latest in released
            entry["blockers"] = [] if entry["released"] else ledger.blockers(latest)
        entry["feedback"] = feedback_json(ws, name)
        reports.append(entry)
    if as_json:
        out.emit_json(reports)
        return
    rows = []
    for e in reports:
        counts = ", ".join(f"{n} {s}" for s, n in e["requirements"].items() if n)
        sides = "; ".join(
            f"{side}: {v['state']}"
            + (f" ({', '.join(b['name'] for b in v['by'])})" if v["by"] else "")
            for side, v in e["signoff"].items()
        )
        rows.append([e["kit"], e["latest_version"] or "none", counts, sides,
                     e["latest_released"] or "none"])
    out.table("kitgen status", ["kit", "latest", "requirements", "sign-off", "released"], rows)
    for e in reports:
        lines = feedback_lines(ws, e["kit"])
        if lines:
            out.say(f"field feedback on {e['kit']}:")
            for line in lines:
                out.say(f"  {out.esc(line)}")


@app.command()
@handle_errors
def verify(
    targets: Annotated[
        list[str] | None,
        typer.Argument(help="Kit ids or PDF files (default: every kit in kits/)."),
    ] = None,
    allowed_signers: Annotated[
        Path | None,
        typer.Option("--allowed-signers", metavar="FILE",
                     help="Check the SSH signatures a released PDF carries against the keys in "
                          "this file (ssh-keygen's allowed_signers format): the keys you trust."),
    ] = None,
    rebuild: Annotated[
        bool,
        typer.Option("--rebuild",
                     help="Also render every version again from its snapshot and compare the "
                          "bytes (slow: as long as building every version; for CI)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check PDFs, manifests, snapshots, sign-off records and signatures; name what changed.

    A PDF is checked in its kit's workspace when it is found there, else on its own, from the
    manifest and sign-off records it carries. With --rebuild, kits are also rendered again,
    which catches a PDF edited together with every hash that lists it.

    Example: kitgen verify northwind-analytics
    Example (a PDF a rep got by email): kitgen verify ~/Downloads/battlecard-contoso-bi.pdf
    Example (signed sign-offs): kitgen verify --allowed-signers signers battlecard.pdf
    Example (CI, render everything again): kitgen verify --rebuild
    """
    from kitgen.pdfcheck import verify_pdf
    from kitgen.verify import verify_kit, verify_links

    ws = workspace()
    results: list[Any] = [] if targets else verify_links(ws)
    for target in targets or ws.kit_ids():
        path = Path(target)
        if target.lower().endswith(".pdf"):
            if not path.is_file():
                raise InputError(f"{target}: no such PDF")
            results.append(verify_pdf(ws, path, allowed_signers))
        elif target in ws.kit_ids():
            report = verify_kit(ws, target)
            if rebuild:
                from kitgen.rebuild import rebuild_kit

                rebuild_kit(ws, report)
            results.append(report)
        else:
            raise InputError(f"{target!r} is neither a kit in {ws.kits_dir} nor a PDF file")
    failed = [r for r in results if r.problems]
    if as_json:
        out.emit_json([r.as_json() for r in results])
    else:
        for r in results:
            _print_verification(r)
    if not results:
        out.say("no kits to verify")
    if failed:
        raise typer.Exit(GateNotMet.exit_code)


def _print_verification(result: Any) -> None:
    if hasattr(result, "state"):
        where = f"kit {result.kit} version {result.version}" if result.kit else "unknown origin"
        alone = " (checked on its own)" if result.checked == "alone" else ""
        out.say(f"{out.esc(result.path)}: {out.esc(where)}, {result.state}{alone}")
        for note in result.notes:
            out.say(f"  {out.esc(note)}")
    else:
        released = f", released: {', '.join(result.released)}" if result.released else ""
        out.say(f"{result.kit}: {len(result.versions)} version(s), {result.records} "
                f"sign-off record(s){released}")
    for problem in result.problems:
        out.say(f"  [red]FAIL[/] {out.esc(str(problem))}")
    if not hasattr(result, "state"):  # a kit's notes; a PDF's were printed above
        for note in result.notes:
            out.say(f"  note: {out.esc(str(note))}")
    if not result.problems:
        since = "built" if getattr(result, "state", "") == "draft" else "built and signed"
        out.say(f"  [green]ok[/]: nothing changed since it was {since}")


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
    from kitgen.diff import diff_documents, diff_requirements
    from kitgen.ledger import KitLedger

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

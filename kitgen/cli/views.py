"""How results are shown: text for people, JSON for machines. Values come from the core; this
module only words and shapes them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kitgen.cli import console as out

if TYPE_CHECKING:
    from kitgen.load.negotiation import Negotiation
    from kitgen.load.positions import LoadedKit
    from kitgen.release.gate import ReleaseOutcome
    from kitgen.release.status import KitStatus
    from kitgen.signoff.approval import Review
    from kitgen.signoff.feedback import ItemFeedback
    from kitgen.signoff.identity import Identity
    from kitgen.signoff.ledger import PolicyChange
    from kitgen.verify.kit import KitReport
    from kitgen.verify.pdf import PdfReport


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- check -----------------------------------------------------------------------------------

def negotiation_json(item: LoadedKit, state: Negotiation) -> dict[str, Any]:
    def requirement(r: Any) -> dict[str, Any]:
        dumped: dict[str, Any] = r.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped

    return {
        "file": item.name,
        "kit": item.kit.kit,
        "counts": state.counts,
        "settled": state.settled,
        "proposed": [requirement(r) for r in state.proposed],
        "disputed": [requirement(r) for r in state.disputed],
        "undelivered": [requirement(r) for r in state.undelivered],
    }


def print_negotiation(item: LoadedKit, state: Negotiation) -> None:
    kit = item.kit
    counts = ", ".join(f"{n} {status}" for status, n in state.counts.items())
    out.say(f"[bold]{out.esc(kit.kit)}[/] — {out.esc(kit.title)} ({out.esc(item.name)}): valid")
    out.say(f"  requirements: {counts}")
    for r in state.disputed:
        out.say(f"  [red]disputed[/] {out.esc(r.id)}: {out.esc(r.need)}")
        assert r.positions is not None
        out.say(f"      sales says:     {out.esc(r.positions.sales)}")
        out.say(f"      marketing says: {out.esc(r.positions.marketing)}")
    for r in state.proposed:
        out.say(f"  [yellow]proposed[/] {out.esc(r.id)} (by {r.from_}): {out.esc(r.need)}")
    for r in state.undelivered:
        out.say(f"  [yellow]undelivered[/] {out.esc(r.id)}: agreed, but no content delivers it "
                "(add `delivered_by:`)")
    if state.settled:
        out.say("  [green]ready for sign-off[/]: every requirement is agreed or dropped "
                "and delivered")
    else:
        out.say("  not ready for sign-off yet")


# --- field feedback --------------------------------------------------------------------------

def feedback_lines(items: list[ItemFeedback]) -> list[str]:
    """Per item: useful / not useful counts and the latest notes."""
    lines = []
    for summary in items:
        lines.append(f"{summary.item}: {summary.useful} useful, {summary.not_useful} not useful")
        for time, useful, text in summary.latest_notes():
            lines.append(
                f"    {time[:10]} ({'useful' if useful == 'yes' else 'not useful'}): {text}"
            )
    return lines


def feedback_json(items: list[ItemFeedback]) -> list[dict[str, Any]]:
    return [
        {"item": s.item, "useful": s.useful, "not_useful": s.not_useful,
         "latest_notes": [{"time": t, "useful": u == "yes", "note": n}
                          for t, u, n in s.latest_notes()]}
        for s in items
    ]


# --- status ----------------------------------------------------------------------------------

def status_json(status: KitStatus, feedback: list[ItemFeedback]) -> dict[str, Any]:
    entry: dict[str, Any] = {"kit": status.kit, "latest_version": status.latest,
                             "requirements": status.requirements, "signoff": {},
                             "latest_released": None, "released": False,
                             "policy_change": None}
    if status.latest:
        entry["signoff"] = {
            side: {"state": s.state,
                   "by": [{"name": r.name, "email": r.email, "time": r.time,
                           "decision": r.decision} for r in s.records]}
            for side, s in status.sides.items()
        }
        entry["latest_released"] = status.latest_released
        entry["released"] = status.released
        entry["blockers"] = list(status.blockers)
        entry["policy_change"] = status.policy_change.as_json() if status.policy_change else None
    entry["feedback"] = feedback_json(feedback)
    return entry


def status_row(status: KitStatus) -> list[str]:
    counts = ", ".join(f"{n} {s}" for s, n in status.requirements.items() if n)
    sides = "; ".join(
        f"{side}: {s.state}" + (f" ({', '.join(r.name for r in s.records)})" if s.records else "")
        for side, s in status.sides.items()
    )
    return [status.kit, status.latest or "none", counts, sides, status.latest_released or "none"]


# --- approve / reject ------------------------------------------------------------------------

def show_review(review: Review, side: str, decision: str, who: Identity) -> None:
    verb = "Approving" if decision == "approve" else "Rejecting"
    out.say(f"{verb} for {side} as {out.esc(who.name)} <{out.esc(who.email)}>:")
    out.say(f"  kit:      {out.esc(review.kit)} — {out.esc(review.title)}")
    out.say(f"  version:  {review.version} (digest {review.digest[:12]})")
    out.say("  documents:")
    for name, pages in review.documents:
        out.say(f"    {out.esc(name)} ({plural(pages, 'page')})")
    if review.previous is None:
        out.say(f"  changes:  {side} has approved no earlier version")
    elif not review.changes:
        out.say(f"  changes since version {review.previous} ({side}'s last approval): "
                "no requirement changed")
    else:
        out.say(f"  changes since version {review.previous} ({side}'s last approval):")
        for change in review.changes:
            out.say(f"    {out.esc(change.describe())}")


# --- release gate ----------------------------------------------------------------------------

def policy_change_lines(kit: str, change: PolicyChange | None, released: bool) -> list[str]:
    """A change of who may sign, said loudly wherever a version's state is shown."""
    if change is None:
        return []
    then = (f"released on approvals also valid under version {change.since}'s policy"
            if released else f"each side needs an approval also valid under version "
                             f"{change.since}'s policy")
    return [f"{kit}: version {change.version}'s sign-off policy changed since released version "
            f"{change.since} ({change.describe()}); {then}"]


def release_rows(outcomes: list[ReleaseOutcome]) -> list[list[str]]:
    rows = []
    for o in outcomes:
        if o.released:
            state = "released now" if o.written else "released (already)"
            rows.append([o.kit, o.version or "", state, ""])
        else:
            rows.append([o.kit, o.version or "", "NOT releasable", "; ".join(o.reasons)])
    return rows


# --- verify ----------------------------------------------------------------------------------

def print_verification(result: KitReport | PdfReport) -> None:
    from kitgen.verify.pdf import PdfReport

    if isinstance(result, PdfReport):
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
    if not isinstance(result, PdfReport):  # a kit's notes; a PDF's were printed above
        for kit_note in result.notes:
            out.say(f"  note: {out.esc(str(kit_note))}")
    if not result.problems:
        for line in verified_lines(result):
            out.say(f"  {line}")


def verified_lines(result: KitReport | PdfReport) -> list[str]:
    """What an "ok" stands for: what was checked, and what was not."""
    from kitgen.verify.pdf import PdfReport

    if isinstance(result, PdfReport):
        return _pdf_verified_lines(result)
    if result.records:
        signoffs = f"{result.records} sign-off record(s)"
        if result.signatures:
            signoffs += f", {result.signatures} signature(s) verified against the keys in " \
                        "signoff.keys"
        if result.unsigned:
            signoffs += f", {result.unsigned} unsigned (no signature to check)"
    else:
        signoffs = "no sign-off records (nothing was signed)"
    releases = f"; {len(result.released)} release(s) and the records each relied on" \
        if result.released else ""
    since = "built and signed" if result.records else "built"
    return [f"[green]ok[/]: nothing changed since it was {since}",
            f"checked: {len(result.versions)} version(s) (PDFs, page counts, index "
            f"pages, snapshots, manifests); {signoffs}{releases}",
            "not checked: kits/index.html and feedback/ (derived, and not signed); whether "
            "the PDFs' pages follow from the snapshots (kitgen verify --rebuild does that)"]


def _pdf_verified_lines(result: PdfReport) -> list[str]:
    if result.checked == "workspace":
        since = "built and signed" if result.state == "released" else "built"
        return [f"[green]ok[/]: nothing changed since it was {since}",
                f"checked: in this workspace, against kits/{out.esc(result.kit or '')}/"
                f"{out.esc(result.version or '')} and everything its kit holds"]
    if result.state != "released":
        return ["[green]ok[/]: nothing changed since it was built",
                "checked: on its own, against the manifest it carries"]
    if result.proven:
        return ["[green]ok[/]: nothing changed since it was built and signed",
                f"checked: on its own; {result.signatures} signature(s) verified against the "
                "keys you trust"]
    why = ("its sign-off records are unsigned, so only the kit's workspace can vouch for them"
           if result.signed < result.records
           else "its signatures were not checked: give --allowed-signers FILE with the keys "
                "you trust")
    return ["consistent: not changed since kitgen wrote it, as far as what it carries shows; "
            f"who signed it is not proven ({why}; someone who knows kitgen can make such a "
            "PDF)"]


def shown(path: Path, root: Path | None = None) -> str:
    """A path as the user would type it: relative to ``root`` (default: the current folder)."""
    from kitgen.base.files import display_path

    return display_path(path, root)

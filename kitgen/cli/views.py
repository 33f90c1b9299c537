"""How results are shown: text for people, JSON for machines. Values come from the core; this
module only words and shapes them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kitgen.cli import console as out

if TYPE_CHECKING:
    from kitgen.load.brand import Brand
    from kitgen.load.negotiation import Negotiation
    from kitgen.load.positions import LoadedKit
    from kitgen.release.gate import ReleaseOutcome
    from kitgen.release.status import KitStatus
    from kitgen.signoff.approval import Review
    from kitgen.signoff.feedback import ItemFeedback
    from kitgen.signoff.identity import Identity
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
                             "latest_released": None, "released": False}
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
        since = "built" if getattr(result, "state", "") == "draft" else "built and signed"
        out.say(f"  [green]ok[/]: nothing changed since it was {since}")


def shown(path: Path, root: Path | None = None) -> str:
    """A path as the user would type it: relative to ``root`` (default: the current folder)."""
    from kitgen.base.files import display_path

    return display_path(path, root)


def brand_line(brand: Brand | None) -> str:
    """What ``check`` says it checked of a kit's brand."""
    if brand is None:
        return "none (kitgen's neutral look); add brand.yml to brand the documents"
    logos = {logo.file.name for logo in (brand.header_logo, brand.cover_logo) if logo}
    parts = [f"logo {', '.join(sorted(logos))}" if logos else "no logo",
             f"{len(brand.colors)} colour(s)",
             f"fonts {', '.join(dict.fromkeys(f.family for f in brand.fonts))}"
             if brand.fonts else "kitgen's font", f"paper {brand.paper}"]
    return f"{brand.source.name} checked ({len(brand.files)} file(s): {'; '.join(parts)})"


def brand_json(brand: Brand | None) -> dict[str, Any] | None:
    if brand is None:
        return None
    return {"file": brand.source.name, "paper": brand.paper, "colors": dict(brand.colors),
            "fonts": sorted({f.family for f in brand.fonts}),
            "files": {f.name: f.sha256 for f in brand.files}}

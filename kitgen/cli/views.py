"""How results are shown: text for people, JSON for machines. Values come from the core; this
module only words and shapes them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kitgen.cli import console as out

if TYPE_CHECKING:
    from kitgen.load.brand import Brand
    from kitgen.load.model import Side
    from kitgen.load.negotiation import Negotiation
    from kitgen.load.positions import LoadedKit
    from kitgen.load.sheet.importing import ImportPlan
    from kitgen.release.gate import ReleaseOutcome
    from kitgen.release.status import KitStatus
    from kitgen.signoff.feedback import ItemFeedback
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
                           "decision": r.decision} for r in s.records],
                   "last_approved": status.progress[side].last_approved,
                   "changes_since_last_approved": status.progress[side].changes_since}
            for side, s in status.sides.items()
        }
        entry["latest_released"] = status.latest_released
        entry["released"] = status.released
        entry["blockers"] = [{"kind": b.kind, "item": b.item, "message": b.message}
                             for b in status.blockers]
        entry["policy_change"] = status.policy_change.as_json() if status.policy_change else None
    entry["feedback"] = feedback_json(feedback)
    return entry


def status_lines(status: KitStatus) -> list[str]:
    """One kit: where it stands, what each side must do next, and what blocks the release."""
    lines = [f"[bold]{out.esc(status.kit)}[/] — {out.esc(status.title)}"]
    if status.latest is None:
        return [*lines, "  no built version yet: run `kitgen build`"]
    state = "released" if status.released else "not released"
    lines.append(f"  latest version: {status.latest} ({state}); latest released version: "
                 f"{status.latest_released or 'none yet'}")
    counts = ", ".join(f"{n} {s}" for s, n in status.requirements.items() if n)
    lines.append(f"  requirements: {counts}")
    for side in status.sides:
        lines.append(f"  {side}: {out.esc(_side_next(status, side))}")
    if status.blockers:
        lines.append("  blocking the release:")
        lines += [f"    - {out.esc(b.message)}" for b in status.blockers]
    return lines


def _side_next(status: KitStatus, side: Side) -> str:
    """What one side has done and must do next, in a sentence."""
    state, progress = status.sides[side], status.progress[side]
    latest = status.latest
    if state.state == "rejected":
        record = state.records[0]
        return (f"rejected version {latest} ({record.name}: {record.comment or 'no reason'}); "
                "it needs a new version")
    if state.state == "approved":
        names = ", ".join(f"{r.name}, {r.time[:10]}" for r in state.records)
        return f"approved version {latest} ({names})"
    waits = (f"version {latest} awaits {side}" if status.settled
             else f"version {latest} cannot be approved until its open requirements are settled")
    if progress.last_approved is None:
        return waits
    since = ""
    if progress.changes_since is not None:
        since = (f" ({plural(progress.changes_since, 'change')} since: kitgen diff {status.kit} "
                 f"{progress.last_approved} {latest})")
    return f"approved version {progress.last_approved}; {waits}{since}"


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
        out.say(f"{result.kit}: {plural(len(result.versions), 'version')}, "
                f"{plural(result.records, 'sign-off record')}{released}")
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
    rebuilt = (f"; {len(result.rebuilt)} version(s) re-rendered from their snapshots: the "
               "same bytes" if result.rebuilt else "")
    unchecked = "kits/index.html, kits/_fonts/ and feedback/ (derived, and not signed)"
    if not result.rebuilt:
        unchecked += ("; whether the PDFs' pages follow from the snapshots (kitgen verify "
                      "--rebuild does that)")
    return [f"[green]ok[/]: nothing changed since it was {since}",
            f"checked: {len(result.versions)} version(s) (PDFs, page counts, index "
            f"pages, snapshots, manifests); {signoffs}{releases}{rebuilt}",
            f"not checked: {unchecked}"]


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


# --- sheet import ----------------------------------------------------------------------------

def _shown_value(value: str | tuple[str, ...] | None) -> str:
    from kitgen.load.sheet.merge import show

    return show(value)


def print_import(plan: ImportPlan) -> None:
    """What importing a workbook changes, requirement by requirement; conflicts last."""
    from kitgen.load.sheet.layout import HEADERS

    merge, sheet = plan.merge, plan.sheet
    origin = f"exported at version {sheet.version}" if sheet.version else \
        "exported before the first build"
    out.say(f"{out.esc(plan.loaded.name)} ← workbook of kit {out.esc(sheet.kit)} ({origin})")
    if plan.file_changed_since_export:
        out.say("  the requirement file changed since the export: merged three ways")
    rows = {r.row.id: r.number for r in sheet.rows}
    for requirement in merge.changed_ids:
        out.say(f"  {out.esc(requirement)} (row {rows[requirement]}):")
        for change in (c for c in merge.changes if c.id == requirement):
            out.say(f"    {HEADERS[change.field]}: {out.esc(_shown_value(change.before))} → "
                    f"{out.esc(_shown_value(change.after))}")
    for new in merge.added:
        out.say(f"  {out.esc(new.id)} (row {rows[new.id]}): new requirement from {new.from_}, "
                f"{new.status}: {out.esc(new.need)}")
    for kept in merge.kept:
        out.say(f"  note: {out.esc(kept)} is not in the workbook; it stays in the file as it is "
                "(to take a requirement off the list, set its status to dropped)")
    if merge.conflicts:
        out.error(f"{plural(len(merge.conflicts), 'conflict')}; nothing written",
                  [c.describe() for c in merge.conflicts] + [
                      "Fix: make the workbook and the file agree on each field (edit either), "
                      "then import again."])
    elif not (merge.changes or merge.added):
        out.say(f"  {plural(len(sheet.rows), 'row')} checked, no changes: the workbook says "
                "what the file says; nothing to write")


def import_json(plan: ImportPlan, written: bool) -> dict[str, Any]:
    merge = plan.merge
    return {
        "kit": plan.sheet.kit,
        "file": plan.loaded.name,
        "exported_version": plan.sheet.version or None,
        "file_changed_since_export": plan.file_changed_since_export,
        "changes": [{"id": c.id, "field": c.field, "before": _jsonable(c.before),
                     "after": _jsonable(c.after)} for c in merge.changes],
        "added": [r.as_data() for r in merge.added],
        "conflicts": [{"id": c.id, "field": c.field, "row": c.row, "base": _jsonable(c.base),
                       "workbook": _jsonable(c.workbook), "yaml": _jsonable(c.yaml),
                       "message": c.describe()} for c in merge.conflicts],
        "kept": list(merge.kept),
        "written": written,
    }


def _jsonable(value: str | tuple[str, ...] | None) -> str | list[str] | None:
    return list(value) if isinstance(value, tuple) else value
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

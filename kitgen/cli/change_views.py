"""How changes between versions are worded — the content diff, the requirements it touches and
the approve review — for people (lines with rich markup) and machines (JSON). Values come from
the core (``version.content_diff``, ``signoff.approval``); this module only words and shapes
them.

Old values are red and new ones green, and the marks say the same without colour: ``old → new``
for short values, ``[-…-]`` and ``{+…+}`` word by word for longer texts (git's word-diff marks),
``-`` and ``+`` before the entries removed from and added to a list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import groupby
from typing import TYPE_CHECKING, Any

from kitgen.cli import console as out
from kitgen.cli.views import plural, shown
from kitgen.version.content_diff import (
    ADDED,
    REMOVED,
    REORDERED,
    FieldChange,
    TouchedRequirement,
    flatten,
    item_label,
    one_line,
    word_diff,
)

if TYPE_CHECKING:
    from kitgen.load.model import KitFile
    from kitgen.signoff.approval import Review

SHORT = 40  # texts up to this long show as "old → new"; longer ones as a word diff
CONTEXT = 6  # unchanged words kept on each side of a change in a word diff


def old(text: str) -> str:
    return f"[red]{out.esc(text)}[/]"


def new(text: str) -> str:
    return f"[green]{out.esc(text)}[/]"


# --- the content diff ------------------------------------------------------------------------

def change_lines(changes: Iterable[FieldChange], indent: str = "  ",
                 summary: bool = False) -> list[str]:
    """The changes grouped by item, each field with its old and new value (``summary``: one
    line per item naming the fields that changed)."""
    lines: list[str] = []
    for item, group in groupby(changes, key=lambda c: c.item):
        found = list(group)
        name = out.esc(item or "kit")
        whole = [c for c in found if not c.field]
        if summary:
            lines.append(f"{indent}{name}: {out.esc(_fields(found))}")
            continue
        if whole:
            lines += _item_lines(whole[0], indent)
            continue
        lines.append(f"{indent}{name}")
        for change in found:
            lines += _field_lines(change, indent + "  ")
    return lines


def _item_lines(change: FieldChange, indent: str) -> list[str]:
    name = out.esc(change.item)
    if change.change == REORDERED:
        return [f"{indent}{name}: order changed, {old(change.was)} → {new(change.now)}"]
    if change.change == REMOVED:
        return [f"{indent}{name}: removed (was {old(change.was)})"]
    return [f"{indent}{name}: new — {new(change.now)}",
            *_whole_lines(change.after, indent + "  ")]


def _whole_lines(value: Any, indent: str) -> list[str]:
    """Every field of an added item or entry, as its own line."""
    lines = []
    for field, inner in flatten(value):
        if field == "id":
            continue
        if isinstance(inner, list):
            lines.append(f"{indent}{out.esc(field)}:")
            lines += [f"{indent}  {new('+ ' + entry)}" for entry in inner]
        else:
            lines.append(f"{indent}{out.esc(field)}: {new(one_line(inner))}")
    return lines


def _field_lines(change: FieldChange, indent: str) -> list[str]:
    field = out.esc(change.field)
    if change.whole_item and change.change == ADDED:
        return [f"{indent}{field}: new", *_whole_lines(change.after, indent + "  ")]
    if change.change == ADDED:
        return [f"{indent}{field}: new: {new(change.now)}"]
    if change.change == REMOVED:
        return [f"{indent}{field}: removed (was {old(change.was)})"]
    if change.entries_added or change.entries_removed:
        return [f"{indent}{field}:",
                *[f"{indent}  {old('- ' + e)}" for e in change.entries_removed],
                *[f"{indent}  {new('+ ' + e)}" for e in change.entries_added]]
    if change.change == REORDERED:
        return [f"{indent}{field}: same entries, now in this order: {new(change.now)}"]
    before, after = change.before, change.after
    if isinstance(before, str) and isinstance(after, str) and max(len(before), len(after)) > SHORT:
        return [f"{indent}{field}:", f"{indent}  {_words(before, after)}"]
    return [f"{indent}{field}: {old(change.was)} → {new(change.now)}"]


def _words(before: str, after: str) -> str:
    runs = word_diff(before, after)
    if all(op == "=" for op, _ in runs):
        return "(only spacing or line breaks changed)"
    parts = []
    for i, (op, text) in enumerate(runs):
        if op == "-":
            parts.append(old(f"[-{text}-]"))
        elif op == "+":
            parts.append(new(f"{{+{text}+}}"))
        else:
            parts.append(out.esc(_context(text, first=i == 0, last=i == len(runs) - 1)))
    return " ".join(parts)


def _context(text: str, first: bool, last: bool) -> str:
    """An unchanged run of words, shortened to the words next to the changes."""
    words = text.split()
    if len(words) <= 2 * CONTEXT + 1:
        return text
    head = [] if first else words[:CONTEXT]
    tail = [] if last else words[-CONTEXT:]
    return " ".join([*head, "…", *tail])


def touched_lines(touched: Iterable[TouchedRequirement], indent: str = "  ") -> list[str]:
    """"REQ-3 (agreed) — delivered by battlecards.fabrikam, which changed: pricing"."""
    lines = []
    for t in touched:
        own = [c for c in t.changes if c.item == t.item]
        named = [c for c in t.changes if c.item != t.item]
        what = ("which is new" if t.new else f"which changed: {_fields(own)}" if own else "")
        for item, group in groupby(named, key=lambda c: c.item):
            what += f"{'; ' if what else ''}it names {item}, which changed: {_fields(group)}"
        lines.append(f"{indent}{out.esc(t.requirement)} ({t.status}) — delivered by "
                     f"{out.esc(t.item)}, {out.esc(what)}")
    return lines


def _fields(changes: Iterable[FieldChange]) -> str:
    """The fields that changed, named: ``pricing``, ``claims[0] (added)``."""
    return ", ".join(c.change if not c.field
                     else f"{c.field} ({c.change})" if c.change in (ADDED, REMOVED)
                     else c.field for c in changes)


def changes_json(changes: Iterable[FieldChange]) -> list[dict[str, Any]]:
    """Each change as the manifest records it, plus, for two texts, the word-by-word diff."""
    shaped = []
    for change in changes:
        data = change.as_json()
        if isinstance(change.before, str) and isinstance(change.after, str):
            data["words"] = [{"op": op, "text": text}
                             for op, text in word_diff(change.before, change.after)]
        shaped.append(data)
    return shaped


def requirement_changes_json(changes: Iterable[FieldChange]) -> list[dict[str, Any]]:
    """The changes to requirements, one entry per field: ``id``, ``field`` ("" for a whole
    requirement added or removed), ``change``, ``before``, ``after``."""
    prefix = "requirements."
    return [{"id": c.item.removeprefix(prefix), "field": c.field, "change": c.change,
             "before": c.before, "after": c.after}
            for c in changes if c.item.startswith(prefix)]


def touched_json(touched: Iterable[TouchedRequirement]) -> list[dict[str, Any]]:
    return [{"requirement": t.requirement, "status": t.status, "need": t.need, "item": t.item,
             "new": t.new, "changes": [c.path for c in t.changes]} for t in touched]


def contents_summary(kit: KitFile) -> str:
    """What a version holds, in one sentence: what a first approval agrees to."""
    counts = Counter(r.status for r in kit.requirements)
    statuses = ", ".join(f"{n} {s}" for s, n in counts.items())
    parts = [f"{plural(len(kit.requirements), 'requirement')} ({statuses})"]
    for items, word in ((kit.battlecards, "battlecard"), (kit.value_props, "value proposition"),
                        (kit.playbook.stallers, "staller"), (kit.roadmap, "roadmap item")):
        if items:
            names = ", ".join(item_label(i.model_dump()) for i in items)
            parts.append(f"{plural(len(items), word)} ({names})")
    return "; ".join(parts)


# --- the approve / reject review -------------------------------------------------------------

def review_lines(review: Review, summary: bool = False) -> list[str]:
    """Everything a signer must see before the prompt, in the order they need it."""
    verb = "Approving" if review.decision == "approve" else "Rejecting"
    who = review.signer
    lines = [f"[bold]{verb} for {review.side}[/] as {out.esc(who.name)} <{out.esc(who.email)}> "
             f"(from {who.source})"]
    if review.usual_signer is not None:
        usual = review.usual_signer
        lines.append(f"  [bold yellow]note:[/] you sign as {out.esc(who.email)} (--email), but "
                     f"{usual.source} says you are {out.esc(usual.email)}")
    lines += [
        f"  kit:       {out.esc(review.kit)} — {out.esc(review.title)}",
        f"  version:   {review.version} (digest {review.digest[:12]})",
        f"  documents: {out.esc(shown(review.folder))}/",
        *[f"    {out.esc(name)} ({plural(pages, 'page')})" for name, pages in review.documents],
        f"  the record will say: “{out.esc(review.meaning)}”",
    ]
    if review.decision == "approve" and review.comment:
        lines.append(f"  comment:   {out.esc(review.comment)}")
    if review.decision == "reject":
        lines += [f"  reason:    {out.esc(review.comment)}",
                  f"  [bold red]Rejecting blocks version {review.version} for good:[/] it can "
                  "never be approved or released; the kit needs a new version."]
    lines.append(f"  {out.esc(_other_side(review))}")
    lines += _policy_lines(review)
    lines += _changes_section(review, summary)
    if review.warnings:
        lines.append("  warnings:")
        lines += [f"    [yellow]{out.esc(w)}[/]" for w in review.warnings]
    return lines


def _other_side(review: Review) -> str:
    other = review.other
    if other.state == "pending":
        earlier = (f" (it last approved version {review.other_approved})"
                   if review.other_approved else "")
        return f"{other.side}: has not signed version {review.version} yet{earlier}"
    record = other.records[0]
    done = "approved" if other.state == "approved" else "rejected"
    why = f": {record.comment}" if other.state == "rejected" and record.comment else ""
    return (f"{other.side}: {done} version {review.version} ({record.name}, "
            f"{record.time[:10]}{why})")


def _policy_lines(review: Review) -> list[str]:
    """Who may sign, in its own block; loud when it changed, since approving agrees to it."""
    if review.previous is None:
        policy = review.contents.signoff
        keys = f"; signing keys for {', '.join(policy.keys)}" if policy.keys else ""
        return [f"  sign-off policy: marketing signers {', '.join(policy.marketing)}; sales "
                f"signers {', '.join(policy.sales)}; signed approvals "
                f"{'required' if policy.require_signatures else 'not required'}{keys}"]
    if not review.policy_changes:
        return []
    return ["",
            f"  [bold red]!! The sign-off policy changed since version {review.previous}:[/] "
            "approving this version also agrees to who may sign it",
            *change_lines(review.policy_changes, "    "), ""]


def _changes_section(review: Review, summary: bool) -> list[str]:
    if review.previous is None:
        return [f"  what changed: {review.side} has approved no earlier version, so everything "
                "in this one is new:",
                f"    {out.esc(contents_summary(review.contents))}"]
    rest = [c for c in review.changes if c.item != "signoff"]
    since = f"since version {review.previous}, the last version {review.side} approved"
    if not rest:
        return [f"  what changed {since}: no content changed"
                + (" apart from the sign-off policy" if review.policy_changes else "")]
    lines = [f"  what changed {since} ({plural(len(rest), 'change')}):",
             *change_lines(rest, "    ", summary)]
    if review.touched:
        lines.append("  requirements touched by these changes:")
        lines += touched_lines(review.touched, "    ")
    return lines


def review_json(review: Review) -> dict[str, Any]:
    def person(who: Any) -> dict[str, str] | None:
        return None if who is None else {"name": who.name, "email": who.email,
                                         "source": who.source}

    other = review.other
    return {
        "kit": review.kit, "title": review.title, "version": review.version,
        "digest": review.digest, "side": review.side, "decision": review.decision,
        "comment": review.comment,
        "folder": shown(review.folder),
        "documents": [{"file": f, "pages": p} for f, p in review.documents],
        "meaning": review.meaning, "signer": person(review.signer),
        "usual_signer": person(review.usual_signer),
        "previous_approval": review.previous,
        "changes": changes_json(review.changes),
        "policy_changes": changes_json(review.policy_changes),
        "touched": touched_json(review.touched),
        "other_side": {"side": other.side, "state": other.state,
                       "by": [{"name": r.name, "email": r.email, "time": r.time}
                              for r in other.records],
                       "last_approved": review.other_approved},
        "warnings": list(review.warnings),
        "already": review.already,
    }

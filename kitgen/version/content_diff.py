"""What changed in a kit's content, field by field: the one comparison behind ``kitgen diff``,
the approve review, a version's "What changed" and ``kitgen status``.

A change is located the way the requirement file's references are written — the item
(``battlecards.fabrikam``, ``value_props.cfo``, ``playbook.stallers.send-info``,
``requirements.REQ-3``) — then the field inside it (``pricing``, ``claims[0].proof``). So a
reviewer finds each change in the file, and a requirement's ``delivered_by`` names exactly the
items whose changes touch it. Items in a list are matched by id, never by place: moving a
battlecard is one "order changed", not a change of every card. Entries of a list without ids
(claims, objections) are matched by content and located by their place in the newer version
(a removed one by its place in the older version).
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kitgen.load.model import KitFile

# What a change did: a field or item that is new, gone, has another value, or the same entries
# in another order.
ADDED, REMOVED, CHANGED, REORDERED = "added", "removed", "changed", "reordered"

# The field of an item that names it for people, in the order tried.
_LABEL_FIELDS = ("competitor", "persona", "stall", "feature", "need", "claim", "objection", "name")


class _Missing:
    """A field that is absent (or null) on one side."""


_MISSING = _Missing()


@dataclass(frozen=True)
class FieldChange:
    """One change: ``item`` and ``field`` locate it, ``before`` and ``after`` are the values as
    the requirement file holds them (text, number, true/false, list or mapping; None when the
    field or item is absent on that side)."""

    item: str  # "" for the kit's own fields (title, launch, …)
    field: str  # "" when the whole item was added, removed or reordered
    change: str  # ADDED, REMOVED, CHANGED or REORDERED
    before: Any = None
    after: Any = None

    @property
    def path(self) -> str:
        """Where the change is, in one string: ``battlecards.fabrikam.pricing``."""
        if not self.item or not self.field:
            return self.item or self.field
        return f"{self.item}{'' if self.field.startswith('[') else '.'}{self.field}"

    @property
    def entries_added(self) -> tuple[str, ...]:
        """For a list of plain text: the entries only the newer version has."""
        return _only_in(self.after, self.before)

    @property
    def entries_removed(self) -> tuple[str, ...]:
        return _only_in(self.before, self.after)

    @property
    def was(self) -> str:
        """The old value on one line ("" when there was none); a whole item by its name."""
        return item_label(self.before) if self.whole_item else one_line(self.before)

    @property
    def now(self) -> str:
        return item_label(self.after) if self.whole_item else one_line(self.after)

    @property
    def whole_item(self) -> bool:
        """An item (or an entry of a list, such as a claim) added or removed as a whole."""
        return self.change in (ADDED, REMOVED) and isinstance(self.before or self.after, dict)

    def as_json(self) -> dict[str, Any]:
        data = {"path": self.path, "item": self.item, "field": self.field,
                "change": self.change, "before": self.before, "after": self.after}
        if _is_text_list(self.before) or _is_text_list(self.after):
            data |= {"added": list(self.entries_added), "removed": list(self.entries_removed)}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldChange:
        """A change as ``as_json`` wrote it (a manifest's record); KeyError or TypeError when
        the mapping is not one."""
        return cls(str(data["item"]), str(data["field"]), str(data["change"]),
                   data.get("before"), data.get("after"))


@dataclass(frozen=True)
class TouchedRequirement:
    """An agreed requirement whose delivering item changed (a "suspect link"): the reviewer
    should check that the item still delivers what was agreed."""

    requirement: str
    status: str
    need: str
    item: str  # the item the requirement's delivered_by names
    changes: tuple[FieldChange, ...]  # under that item, or of a roadmap entry it names

    @property
    def new(self) -> bool:
        """The delivering item did not exist in the older version."""
        return any(c.item == self.item and not c.field and c.change == ADDED for c in self.changes)


def diff_kits(old: KitFile, new: KitFile) -> tuple[FieldChange, ...]:
    """Every difference between two versions' data, in the requirement file's order: kit
    fields, owners, sign-off policy, requirements, value props, battlecards, playbook, roadmap.
    Nothing that is equal is named; every field that differs is."""
    # Fields left out (null) are absent, as in the requirement file.
    before = old.model_dump(mode="json", by_alias=True, exclude_none=True)
    after = new.model_dump(mode="json", by_alias=True, exclude_none=True)
    return tuple(_diff_mapping("", "", before, after, top=True))


def policy_changes(changes: tuple[FieldChange, ...]) -> tuple[FieldChange, ...]:
    """Changes to who may sign and how (``signoff``): a reviewer must see them apart, since an
    approval also agrees to them."""
    return tuple(c for c in changes if c.item == "signoff")


def touched_requirements(kit: KitFile,
                         changes: tuple[FieldChange, ...]) -> tuple[TouchedRequirement, ...]:
    """Per agreed requirement of ``kit`` (the newer version) and each item delivering it: the
    changes to that item, and to roadmap entries the item names (their stage decides how the
    item may sell them)."""
    data = kit.model_dump(mode="json", by_alias=True)
    touched = []
    for requirement in kit.requirements:
        if requirement.status != "agreed":
            continue
        for ref in requirement.delivered_by:
            named = _roadmap_refs(_item_data(data, ref))
            mine = tuple(c for c in changes if c.item == ref or c.item in named)
            if mine:
                touched.append(TouchedRequirement(requirement.id, requirement.status,
                                                  requirement.need, ref, mine))
    return tuple(touched)


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Two texts compared word by word: runs of ``("=", words)``, ``("-", words)`` (only in
    ``before``) and ``("+", words)`` (only in ``after``). Spacing and line breaks are not
    words: a text that only moved them compares equal here (``one_line`` shows it)."""
    old, new = before.split(), after.split()
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("=", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("-", " ".join(old[i1:i2])))
        if j2 > j1:
            runs.append(("+", " ".join(new[j1:j2])))
    return runs


def item_label(value: Any) -> str:
    """How people name an item: a battlecard by its competitor, a staller by its stall…"""
    if isinstance(value, dict):
        for key in _LABEL_FIELDS:
            if isinstance(value.get(key), str):
                return str(value[key])
    return one_line(value)


def one_line(value: Any) -> str:
    """A value as one line of text: lists joined with "; ", mappings as ``key: value``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split()) if "\n" in value else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(one_line(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {one_line(v)}" for k, v in value.items() if v not in (None, []))
    return str(value)


def flatten(value: Any, field: str = "") -> Iterator[tuple[str, Any]]:
    """An added or removed item as (field, value) pairs, so each can be shown on its own line;
    lists of text stay whole."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if inner is not None and inner != []:
                yield from flatten(inner, _join(field, key))
    elif isinstance(value, list) and not _is_text_list(value):
        for i, inner in enumerate(value):
            yield from flatten(inner, f"{field}[{i}]")
    else:
        yield field, value


# --- the walk ----------------------------------------------------------------------------------


def _diff_mapping(item: str, field: str, a: dict[str, Any], b: dict[str, Any],
                  top: bool = False) -> Iterator[FieldChange]:
    """Compare two mappings key by key. A mapping of items (the playbook, owners) is not an
    item itself: each of its members is. At the top, each member is an item too, except the
    kit's plain fields (``title``), which have no item."""
    members = all(_is_item_value(v) for v in (*a.values(), *b.values()) if v is not None)
    for key in [*b, *(k for k in a if k not in b)]:
        old, new = a.get(key, _MISSING), b.get(key, _MISSING)
        if top and not (_is_item_value(old) or _is_item_value(new)):
            yield from _diff_value("", key, old, new)
        elif top or (members and not field):
            yield from _diff_value(_join(item, key), "", old, new)
        else:
            yield from _diff_value(item, _join(field, key), old, new)


def _diff_value(item: str, field: str, a: Any, b: Any) -> Iterator[FieldChange]:
    a = _MISSING if a is None else a
    b = _MISSING if b is None else b
    if a == b:
        return
    if isinstance(a, _Missing):
        yield FieldChange(item, field, ADDED, None, b)
    elif isinstance(b, _Missing):
        yield FieldChange(item, field, REMOVED, a, None)
    elif isinstance(a, dict) and isinstance(b, dict):
        yield from _diff_mapping(item, field, a, b)
    elif isinstance(a, list) and isinstance(b, list):
        yield from _diff_list(item, field, a, b)
    else:
        yield FieldChange(item, field, CHANGED, a, b)


def _diff_list(item: str, field: str, a: list[Any], b: list[Any]) -> Iterator[FieldChange]:
    if any(_has_id(v) for v in (*a, *b)):
        yield from _diff_items(_join(item, field), a, b)
    elif all(isinstance(v, dict) for v in (*a, *b)):
        yield from _diff_entries(item, field, a, b)
    else:
        same = Counter(map(_canonical, a)) == Counter(map(_canonical, b))
        yield FieldChange(item, field, REORDERED if same else CHANGED, a, b)


def _diff_items(where: str, a: list[dict[str, Any]], b: list[dict[str, Any]]
                ) -> Iterator[FieldChange]:
    """A list of items with ids (requirements, battlecards, stallers…): matched by id."""
    old = {str(v["id"]): v for v in a}
    new = {str(v["id"]): v for v in b}
    kept_before = [i for i in old if i in new]
    kept_after = [i for i in new if i in old]
    if kept_before != kept_after:
        yield FieldChange(where, "", REORDERED, kept_before, kept_after)
    for key, value in new.items():
        if key not in old:
            yield FieldChange(f"{where}.{key}", "", ADDED, None, value)
        else:
            yield from _diff_mapping(f"{where}.{key}", "", old[key], value)
    for key, value in old.items():
        if key not in new:
            yield FieldChange(f"{where}.{key}", "", REMOVED, value, None)


def _diff_entries(item: str, field: str, a: list[Any], b: list[Any]) -> Iterator[FieldChange]:
    """A list of entries without ids (claims, objections): matched by content."""
    matcher = difflib.SequenceMatcher(None, [_canonical(v) for v in a],
                                      [_canonical(v) for v in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = _pair_entries(a[i1:i2], b[j1:j2])
        for i, j in pairs:
            yield from _diff_value(item, f"{field}[{j1 + j}]", a[i1 + i], b[j1 + j])
        paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
        for j in range(j2 - j1):
            if j not in paired_new:
                yield FieldChange(item, f"{field}[{j1 + j}]", ADDED, None, b[j1 + j])
        for i in range(i2 - i1):
            if i not in paired_old:
                yield FieldChange(item, f"{field}[{i1 + i}]", REMOVED, a[i1 + i], None)


def _pair_entries(old: list[Any], new: list[Any]) -> list[tuple[int, int]]:
    """Which old entry became which new one, in a run where they differ. As many on each side:
    edited in place. Otherwise (an entry added or removed next to an edited one) each old
    entry goes with the most alike new one still free, when they are mostly alike: a claim
    inserted before an edited claim is one claim added and one edited, not one rewritten."""
    if len(old) == len(new):
        return [(k, k) for k in range(len(old))]
    pairs: list[tuple[int, int]] = []
    free = list(range(len(new)))
    for i, entry in enumerate(old):
        scored = [(difflib.SequenceMatcher(None, _canonical(entry), _canonical(new[j]),
                                           autojunk=False).ratio(), j) for j in free]
        if scored and max(scored)[0] >= 0.5:
            best = max(scored)[1]
            pairs.append((i, best))
            free.remove(best)
    return pairs


# --- small helpers -----------------------------------------------------------------------------


def _join(left: str, right: str) -> str:
    return f"{left}.{right}" if left and right else left or right


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _has_id(value: Any) -> bool:
    return isinstance(value, dict) and "id" in value


def _is_item_value(value: Any) -> bool:
    """Mappings and lists of items are items; text, numbers and lists of text are fields."""
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(_has_id(v) for v in value)


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _only_in(value: Any, other: Any) -> tuple[str, ...]:
    if not _is_text_list(value):
        return ()
    rest = Counter(other) if _is_text_list(other) else Counter[str]()
    kept = []
    for entry in value:
        if rest[entry]:
            rest[entry] -= 1
        else:
            kept.append(entry)
    return tuple(kept)


def _item_data(data: dict[str, Any], ref: str) -> Any:
    """The data a reference such as ``playbook.stallers.send-info`` names (None if none)."""
    value: Any = data
    parts = ref.split(".")
    for i, part in enumerate(parts):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list):
            rest = ".".join(parts[i:])
            return next((v for v in value if _has_id(v) and str(v["id"]) == rest), None)
        else:
            return None
    return value


def _roadmap_refs(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value} if value.startswith("roadmap.") else set()
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(_roadmap_refs(v) for v in value))
    return set()

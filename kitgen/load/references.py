"""References between a kit's items (``delivered_by``, a staller's ``assets``, a claim's
``feature``) and item ids: every reference must name an item, every id must be unique."""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterator
from typing import Any

from kitgen.base.errors import Problem
from kitgen.load.compose import Composer
from kitgen.load.model import ITEM_ID_PATTERN, KitFile, document_file_name, split_reference
from kitgen.load.positions import LoadedKit, Loc, dotted, nearest


def iter_references(kit: KitFile) -> Iterator[tuple[Loc, str, tuple[str, ...]]]:
    """Every reference in a kit: where it sits, its text, and which prefixes it may use."""
    content = ("battlecards", "value_props", "playbook")
    for i, requirement in enumerate(kit.requirements):
        for j, ref in enumerate(requirement.delivered_by):
            yield ("requirements", i, "delivered_by", j), ref, content
    for i, staller in enumerate(kit.playbook.stallers):
        for j, ref in enumerate(staller.assets):
            yield ("playbook", "stallers", i, "assets", j), ref, ("battlecards", "value_props")
    for i, vp in enumerate(kit.value_props):
        for j, claim in enumerate(vp.claims):
            if claim.feature:
                yield ("value_props", i, "claims", j, "feature"), claim.feature, ("roadmap",)
    for i, card in enumerate(kit.battlecards):
        for j, objection in enumerate(card.objections):
            if objection.feature:
                yield (
                    ("battlecards", i, "objections", j, "feature"),
                    objection.feature,
                    ("roadmap",),
                )


def known_references(kit: KitFile) -> dict[str, str]:
    """Every item a reference may name, mapped to a human label."""
    labels: dict[str, str] = {}
    for card in kit.battlecards:
        labels[f"battlecards.{card.id}"] = f"Battlecard: {card.competitor}"
    for vp in kit.value_props:
        labels[f"value_props.{vp.id}"] = f"Value proposition: {vp.persona}"
    for staller in kit.playbook.stallers:
        labels[f"playbook.stallers.{staller.id}"] = f"Staller: “{staller.stall}”"
    labels["playbook.nay_sayer"] = "Playbook: the nay-sayer"
    labels["playbook.decision_maker"] = "Playbook: the decision maker"
    for item in kit.roadmap:
        labels[f"roadmap.{item.id}"] = f"Roadmap: {item.feature} ({item.stage})"
    return labels


def check_references(loaded: LoadedKit) -> list[Problem]:
    """Duplicate ids and references that name nothing, each located in the file."""
    kit = loaded.kit
    lists: list[tuple[Loc, list[Any]]] = [
        (("requirements",), list(kit.requirements)),
        (("value_props",), list(kit.value_props)),
        (("battlecards",), list(kit.battlecards)),
        (("playbook", "stallers"), list(kit.playbook.stallers)),
        (("roadmap",), list(kit.roadmap)),
    ]
    ids = [(loc, list(enumerate(item.id for item in items))) for loc, items in lists]
    return _reference_problems(
        loaded.name, loaded.where, ids, list(known_references(kit)), iter_references(kit)
    ) + _file_name_clashes(loaded)


def _file_name_clashes(loaded: LoadedKit) -> list[Problem]:
    """Two ids that differ only in case, `_` or `.` would write the same PDF (and, on macOS
    and Windows, `Globex` and `globex` are one file): refuse the second."""
    problems = []
    sections = (("battlecards", [card.id for card in loaded.kit.battlecards]),
                ("value_props", [vp.id for vp in loaded.kit.value_props]))
    for section, ids in sections:
        first: dict[str, str] = {}
        for i, item_id in enumerate(ids):
            name = document_file_name(section, item_id)
            other = first.setdefault(name, item_id)
            if other != item_id:
                line, column = loaded.where((section, i, "id"))
                problems.append(Problem(
                    loaded.name, line, column, dotted((section, i, "id")),
                    f"`{item_id}` and `{other}` would both be written to {name}",
                    "give one of them an id that differs in more than case, `_` or `.`"))
    return problems


_CONTENT_LISTS: dict[str, Loc] = {
    "battlecards": ("battlecards",),
    "value_props": ("value_props",),
    "playbook.stallers": ("playbook", "stallers"),
    "roadmap": ("roadmap",),
}


def raw_reference_problems(
    data: Any, name: str, builder: Composer, refused: set[Loc]
) -> list[Problem]:
    """The same checks on data the schema refused, so that broken references are reported in
    the same round as type errors. Only what can be judged is judged: a reference the schema
    refused, or one into a list that is itself malformed, is left out."""

    def raw(loc: Loc) -> Any:
        node = data
        for part in loc:
            if isinstance(part, int):
                node = node[part] if isinstance(node, list) and part < len(node) else None
            else:
                node = node.get(part) if isinstance(node, dict) else None
        return node

    def raw_list(loc: Loc) -> list[Any]:
        node = raw(loc)
        return node if isinstance(node, list) else []

    def ids(loc: Loc) -> list[tuple[int, str]]:
        # Only ids the schema accepts: a fix never suggests `battlecards.../../x`.
        return [
            (i, x["id"]) for i, x in enumerate(raw_list(loc))
            if isinstance(x, dict) and isinstance(x.get("id"), str)
            and re.fullmatch(ITEM_ID_PATTERN, x["id"]) and len(x["id"]) <= 64
        ]

    malformed = {p for p, loc in _CONTENT_LISTS.items() if not isinstance(raw(loc), list)}
    labels = [f"{p}.{i}" for p, loc in _CONTENT_LISTS.items() for _, i in ids(loc)]
    labels += ["playbook.nay_sayer", "playbook.decision_maker"]

    refs: list[tuple[Loc, Any, tuple[str, ...]]] = []
    content = ("battlecards", "value_props", "playbook")
    for i, _ in enumerate(raw_list(("requirements",))):
        for j, ref in enumerate(raw_list(("requirements", i, "delivered_by"))):
            refs.append((("requirements", i, "delivered_by", j), ref, content))
    for i, _ in enumerate(raw_list(("playbook", "stallers"))):
        for j, ref in enumerate(raw_list(("playbook", "stallers", i, "assets"))):
            asset: Loc = ("playbook", "stallers", i, "assets", j)
            refs.append((asset, ref, ("battlecards", "value_props")))
    for top, key in (("value_props", "claims"), ("battlecards", "objections")):
        for i, _ in enumerate(raw_list((top,))):
            for j, _ in enumerate(raw_list((top, i, key))):
                feature: Loc = (top, i, key, j, "feature")
                if raw(feature) is not None:
                    refs.append((feature, raw(feature), ("roadmap",)))
    judged = [
        (loc, ref, prefixes) for loc, ref, prefixes in refs
        if isinstance(ref, str) and loc not in refused and split_reference(ref)[0] not in malformed
    ]
    lists = [(loc, ids(loc)) for loc in (("requirements",), *_CONTENT_LISTS.values())]
    return _reference_problems(
        name, lambda loc: nearest(builder.positions, loc), lists, labels, judged
    )


def _reference_problems(
    name: str,
    where: typing.Callable[[Loc], tuple[int | None, int | None]],
    lists: typing.Iterable[tuple[Loc, list[tuple[int, str]]]],
    labels: list[str],
    refs: typing.Iterable[tuple[Loc, str, tuple[str, ...]]],
) -> list[Problem]:
    problems: list[Problem] = []

    def add(loc: Loc, message: str, fix: str) -> None:
        line, column = where(loc)
        problems.append(Problem(name, line, column, dotted(loc), message, fix))

    for loc, item_ids in lists:
        seen: dict[str, int] = {}
        for i, item_id in item_ids:
            if item_id in seen:
                add(
                    (*loc, i, "id"),
                    f"duplicate id `{item_id}` (also item {seen[item_id] + 1})",
                    "give each item its own id",
                )
            seen.setdefault(item_id, i)

    for loc, ref, prefixes in refs:
        if ref in labels and ref.split(".")[0] in prefixes:
            continue
        candidates = [r for r in labels if r.split(".")[0] in prefixes]
        # References match exactly; one that differs only in case is surely that item.
        near = [r for r in candidates if r.casefold() == ref.casefold()]
        near = near or difflib.get_close_matches(ref, candidates, n=1, cutoff=0.6)
        if near:
            fix = f"did you mean `{near[0]}`?"
        elif candidates:
            fix = f"refer to one of: {', '.join(candidates)}"
        else:
            fix = "add the item it refers to"
        add(loc, f"`{ref}` does not refer to anything in this kit", fix)
    return problems

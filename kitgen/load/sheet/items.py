"""The items a requirement can be delivered by, named as people read them, and read back from
what a person typed: a title, a reference, or both as kitgen wrote them."""

from __future__ import annotations

import difflib
import re

from kitgen.load.model import KitFile
from kitgen.load.references import known_references

_WRITTEN = re.compile(r"^(?P<label>.*?)\s*\((?P<ref>[^()]+)\)$")


def deliverable_items(kit: KitFile) -> dict[str, tuple[str, str]]:
    """reference → (title, audience) of every item a requirement may name in ``delivered_by``."""
    audience = {f"value_props.{vp.id}": vp.audience for vp in kit.value_props}
    return {
        ref: (label, audience.get(ref, "internal"))
        for ref, label in known_references(kit).items()
        if not ref.startswith("roadmap.")
    }


def describe_reference(ref: str, items: dict[str, tuple[str, str]]) -> str:
    """How a cell shows one reference: ``Battlecard: Contoso BI (battlecards.contoso-bi)``."""
    label = items.get(ref, ("", ""))[0]
    return f"{label} ({ref})" if label else ref


def parse_reference(line: str, items: dict[str, tuple[str, str]]) -> str | tuple[str, str]:
    """The reference a line of a Delivered-by cell names, or (message, fix) when it names none.

    Accepted: the line as kitgen wrote it, the reference alone, or the title alone (any case).
    """
    text = " ".join(line.split())
    written = _WRITTEN.match(text)
    if written and written.group("ref").strip() in items:
        return written.group("ref").strip()
    if text in items:
        return text
    by_title = {label.casefold(): ref for ref, (label, _) in items.items()}
    if text.casefold() in by_title:
        return by_title[text.casefold()]
    choices = [describe_reference(ref, items) for ref in items]
    near = difflib.get_close_matches(text, choices, n=1, cutoff=0.5)
    fix = (f"did you mean `{near[0]}`?" if near else
           "name an item of the Items sheet, one per line, as its title or its reference")
    return f"`{text}` is not an item of this kit", fix

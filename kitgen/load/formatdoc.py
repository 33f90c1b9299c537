"""The file format reference (``docs/file-format.md``), written from the models themselves, so
it cannot drift from what kitgen accepts: ``kitgen schema --markdown`` prints it, and a test
fails when the committed copy is stale.

One section per part of the file, in the order a file is written; each lists its keys with
what they hold, whether they are required, and an example taken from the field's own
``examples`` (the ones editors show on hover).
"""

from __future__ import annotations

import functools
import re
import types
import typing
from typing import Any

import yaml
from pydantic import BaseModel, StrictBool, StrictInt
from pydantic.fields import FieldInfo

from kitgen.load.model import (
    ITEM_ID_PATTERN,
    SEMVER_PATTERN,
    SLUG_PATTERN,
    TEXT_RULES,
    Battlecard,
    Claim,
    DecisionMaker,
    KitFile,
    NaySayer,
    Objection,
    Owners,
    Person,
    Playbook,
    Positions,
    Requirement,
    RoadmapItem,
    Signoff,
    Staller,
    ValueProp,
)

DOC_PATH = "docs/file-format.md"

# Each part of the file: its section title, and where it is written.
SECTIONS: dict[type[BaseModel], tuple[str, str]] = {
    KitFile: ("Top level", "the file itself"),
    Owners: ("Owners", "`owners:`"),
    Person: ("Person", "`owners.marketing:` and `owners.sales:`"),
    Signoff: ("Sign-off", "`signoff:`"),
    Requirement: ("Requirement", "each item of `requirements:`"),
    Positions: ("Positions", "`positions:` of a disputed requirement"),
    ValueProp: ("Value proposition", "each item of `value_props:`"),
    Claim: ("Claim", "each item of a value proposition's `claims:`"),
    Battlecard: ("Battlecard", "each item of `battlecards:`"),
    Objection: ("Objection", "each item of a battlecard's `objections:`"),
    Playbook: ("Playbook", "`playbook:`"),
    Staller: ("Staller", "each item of `playbook.stallers:`"),
    NaySayer: ("Nay-sayer", "`playbook.nay_sayer:`"),
    DecisionMaker: ("Decision maker", "`playbook.decision_maker:`"),
    RoadmapItem: ("Roadmap feature", "each item of `roadmap:`"),
}

INTRODUCTION = """\
# The requirement file

<!-- Written by `kitgen schema --markdown` from kitgen's models: change the models
     (kitgen/load/model.py), then run `kitgen schema --markdown > docs/file-format.md`. -->

One file per kit, `requirements/<kit>.yaml`: the list of requirements sales and marketing
negotiated, and the content that answers it. `kitgen new KIT` writes a commented one to start
from; `kitgen schema` prints the same rules as a JSON Schema, which editors use to complete
keys and explain each one on hover.

- **Keys** are exactly the ones below: an unknown key is an error, so a typo never passes
  silently. Keys marked *optional* may be left out.
- **Text** is plain text, shown as written (no HTML, no formatting). Put text in quotes when it
  contains `: ` or ` #`, or starts with a character YAML treats specially (`[`, `{`, `*`, `&`,
  `!`, `|`, `>`, `'`, `"`, `%`, `@`, a backtick); otherwise YAML reads it as something else.
- **Dates** are written `YYYY-MM-DD`, e.g. `2027-03-01`.
- **Ids** of requirements, battlecards, value propositions, stallers and roadmap features are
  written as people write them: letters of either case, digits, `-`, `_` and `.`, starting
  with a letter or digit (`REQ-1`, `Contoso_BI`, `v2.1`). Each is unique in its list. A
  battlecard's or value proposition's PDF is named after its id in lower case, with `_` and
  `.` as `-` (`battlecard-contoso-bi.pdf`), so two ids that differ only in that are refused.
- **The kit id** (`kit:`) names the kit's folder, `kits/<kit>/`: lowercase letters, digits and
  `-` only.
- **References** name an item of the kit: `battlecards.<id>`, `value_props.<id>`,
  `playbook.stallers.<id>`, `playbook.nay_sayer`, `playbook.decision_maker` and
  `roadmap.<id>`. They match the id exactly, case included; every reference must name an item.
- **Statuses**: `proposed` (asked, not discussed yet), `disputed` (the sides disagree; needs
  `positions`), `agreed` (both accept; needs `delivered_by`), `dropped` (decided against).
  Sign-off waits until nothing is proposed or disputed and every agreed requirement is
  delivered.
- **Placeholders** left exactly as `kitgen new` wrote them (texts starting with "REPLACE" and
  its example owner addresses) are warnings; `kitgen check --strict` and `kitgen approve`
  refuse them.
"""


def file_format_markdown() -> str:
    """The whole reference, as committed in ``docs/file-format.md``."""
    sections = all_sections()
    parts = [INTRODUCTION, "## Contents\n"]
    parts.append("".join(f"- [{title}](#{anchor(title)})\n" for title, _ in sections.values()))
    for model, (title, where) in sections.items():
        parts.append(_section(model, title, where))
    return "\n".join(parts)


@functools.cache
def all_sections() -> dict[type[BaseModel], tuple[str, str]]:
    """SECTIONS, then any model the file may hold that it does not name yet (a field added
    later gets a section of its own, titled by its class, rather than none)."""
    sections = dict(SECTIONS)
    pending: list[type[BaseModel]] = [KitFile]
    while pending:
        model = pending.pop(0)
        for name, info in model.model_fields.items():
            for found in _models_in(info.annotation):
                if found not in sections:
                    title = re.sub(r"(?<!^)(?=[A-Z])", " ", found.__name__).capitalize()
                    sections[found] = (title, f"`{info.alias or name}:`")
                    pending.append(found)
    return sections


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def anchor(title: str) -> str:
    """The anchor GitHub and most Markdown viewers give a heading."""
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c == "-")


def section_of(model: type[BaseModel]) -> str:
    """``docs/file-format.md#battlecard``: where a model's keys are explained."""
    return f"{DOC_PATH}#{anchor(all_sections()[model][0])}"


def _section(model: type[BaseModel], title: str, where: str) -> str:
    lines = [f"## {title}\n", f"{(model.__doc__ or '').strip()} Written in {where}.\n",
             "| key | holds | required | what it is | example |",
             "| --- | --- | --- | --- | --- |"]
    for name, info in model.model_fields.items():
        key = info.alias or name
        required = "yes" if info.is_required() else "optional"
        lines.append(f"| `{key}` | {_cell(_holds(info.annotation, info.metadata))} | {required} "
                     f"| {_cell(info.description or '')} | {_cell(_example(info))} |")
    return "\n".join(lines) + "\n"


def _holds(annotation: Any, metadata: list[Any]) -> str:
    """What a field holds, in words: text, an id, a list of claims…"""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *more = typing.get_args(annotation)
        return _holds(inner, [*metadata, *more])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _holds(options[0], metadata)
    if origin is typing.Literal:
        return " or ".join(f"`{v}`" for v in typing.get_args(annotation))
    if origin is list:
        return "list of " + _plural(_holds(typing.get_args(annotation)[0], []))
    if origin is dict:
        key, value = typing.get_args(annotation)
        return f"mapping of {_holds(key, [])} → {_holds(value, [])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        title = all_sections()[annotation][0]
        return f"[{title.lower()}](#{anchor(title)})"
    return _scalar_words(annotation, metadata)


def _scalar_words(annotation: Any, metadata: list[Any]) -> str:
    patterns = {getattr(m, "pattern", None) for m in metadata}
    if TEXT_RULES in metadata:
        return "text"
    if ITEM_ID_PATTERN in patterns:
        return "id"
    if SLUG_PATTERN in patterns:
        return "kit id"
    if SEMVER_PATTERN in patterns:
        return "version"
    if any(p and "@" in p for p in patterns):
        return "email"
    if any(p and p.startswith("^[a-z_]+") for p in patterns):
        return "reference"
    if annotation in (bool, StrictBool):
        return "true or false"
    if annotation in (int, StrictInt):
        low = next((m.ge for m in metadata if getattr(m, "ge", None) is not None), None)
        high = next((m.le for m in metadata if getattr(m, "le", None) is not None), None)
        return f"whole number {low}–{high}" if low is not None else "whole number"
    name = getattr(annotation, "__name__", str(annotation))
    return {"date": "date"}.get(name, name)


def _plural(words: str) -> str:
    if words.startswith("["):
        title, link = words[1:].split("](", 1)
        return f"[{title}s]({link}"
    return {"text": "texts", "id": "ids", "email": "emails",
            "reference": "references"}.get(words, words)


def _example(info: FieldInfo) -> str:
    examples = info.examples or []
    if not examples:
        return ""
    value = examples[0]
    if isinstance(value, dict | list) and _holds(info.annotation, info.metadata).count("](#"):
        return "see its section"
    if isinstance(value, str):
        return f"`{value}`"
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True,
                          width=10_000).strip().removesuffix("...").strip()
    return f"`{text}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

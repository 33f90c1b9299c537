"""The requirement file, as pydantic models.

Every model forbids unknown keys so that a typo is an error, never a silently ignored field.
Text fields are plain ``str``: pydantic's lax mode does not turn YAML's ``no`` (a boolean) or
``1.10`` (a float) into text, so the YAML 1.1 coercions surface as type errors with a place.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kitgen.base.errors import InputError

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# Item ids are written as people write them (`REQ-1`, `Contoso_BI`, `v2.1`); only the kit id,
# which names a folder, is a slug. The first character is a letter or digit, so an id is never
# `.`, `..` or something a shell would read as an option.
ITEM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
SEMVER_PATTERN = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
ItemId = Annotated[str, StringConstraints(pattern=ITEM_ID_PATTERN, max_length=64)]
# One instance, so the loader can tell a text field from an id or an email (load/explain.py).
TEXT_RULES = StringConstraints(min_length=1, max_length=4000, pattern=r"\S")
Text = Annotated[str, TEXT_RULES]
# No spaces, control codes, zero-width or direction-changing characters: an address that
# looks like a listed signer's but is another string must not pass review unnoticed.
_EMAIL_CHAR = (r"[^@\s<>\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e"
               r"\u2060-\u2064\u2066-\u2069\ufeff]")
Email = Annotated[
    str,
    StringConstraints(pattern=rf"^{_EMAIL_CHAR}+@{_EMAIL_CHAR}+\.{_EMAIL_CHAR}+$", max_length=254),
]


def _date_as_text(value: Any) -> Any:
    """A date is written YYYY-MM-DD. pydantic would read a number as seconds since 1970
    (``launch: 86400`` as 1970-01-02): refuse it instead, with the field's place."""
    if isinstance(value, bool | int | float):
        raise PydanticCustomError("date_type", "Input should be a valid date")
    return value


Date = Annotated[dt.date, BeforeValidator(_date_as_text)]
# The shape only (a section, then whatever id follows): whether it names an item is checked
# against the kit (references.py), which can say "did you mean".
Reference = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[A-Za-z0-9_.-]+)?$",
                                             max_length=200)]
# Sections whose references end in an item id. Ids may hold dots, so a reference is split by
# these known prefixes, never at its last dot.
ITEM_SECTIONS = ("playbook.stallers", "battlecards", "value_props", "roadmap")


def split_reference(reference: str) -> tuple[str, str]:
    """``battlecards.Contoso.v2`` → ``("battlecards", "Contoso.v2")``; a reference without an
    item id (``playbook.nay_sayer``) → ``(reference, "")``."""
    for section in ITEM_SECTIONS:
        if reference.startswith(section + "."):
            return section, reference[len(section) + 1:]
    return reference, ""


def slug_form(text: str) -> str:
    """What a kit id written as ``Acme Launch 2.0`` would be as a slug: ``acme-launch-2-0``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:64].rstrip("-")
    return slug or "my-launch"


_FILE_PREFIX = {"battlecards": "battlecard", "value_props": "value-prop"}


def document_file_name(section: str, item_id: str) -> str:
    """The PDF an item of ``section`` (battlecards, value_props) is written to: its id in lower
    case with `_` and `.` as `-` (`Contoso_BI` → `battlecard-contoso-bi.pdf`), a name that is
    safe and the same on every file system. A slug id is kept as it is, so names stay stable."""
    safe = item_id.lower().replace("_", "-").replace(".", "-")
    return f"{_FILE_PREFIX[section]}-{safe}.pdf"

Side = Literal["sales", "marketing"]
SIDES: tuple[Side, ...] = ("marketing", "sales")


def parse_side(value: str) -> Side:
    """A side named on the command line or in a record."""
    for side in SIDES:
        if value == side:
            return side
    raise InputError(f"--side must be sales or marketing, not {value!r}")


def other_side(side: Side) -> Side:
    return "sales" if side == "marketing" else "marketing"
Status = Literal["proposed", "disputed", "agreed", "dropped"]
STATUSES: tuple[Status, ...] = ("proposed", "disputed", "agreed", "dropped")
Stage = Literal["concept", "development", "launch-ready", "shipped"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(Model):
    name: Text
    email: Email


class Owners(Model):
    marketing: Person
    sales: Person


class Signoff(Model):
    marketing: list[Email] = Field(min_length=1)
    sales: list[Email] = Field(min_length=1)
    keys: dict[Email, Text] = Field(default_factory=dict)
    require_signatures: StrictBool = False

    @model_validator(mode="after")
    def _one_person_one_side(self) -> Signoff:
        # ``at`` (below the model's own place) and ``fix`` let the loader point at the second
        # listing of the address and say what to do, like any other problem.
        # Emails compare without case, as everywhere in sign-off.
        sales = [e.lower() for e in self.sales]
        both = sorted({e.lower() for e in self.marketing} & set(sales))
        if both:
            raise PydanticCustomError(
                "signer_on_both_sides",
                "{emails} may sign for both sides; one person counts for one side only",
                {
                    "emails": ", ".join(both),
                    "at": ("sales", sales.index(both[0])),
                    "fix": "list each address under `marketing:` or `sales:`, not both",
                },
            )
        return self


class Positions(Model):
    sales: Text
    marketing: Text


class Requirement(Model):
    id: ItemId
    from_: Side = Field(alias="from")
    need: Text
    status: Status
    positions: Positions | None = None
    resolution: Text | None = None
    delivered_by: list[Reference] = Field(default_factory=list)

    @model_validator(mode="after")
    def _disputed_needs_positions(self) -> Requirement:
        if self.status == "disputed" and self.positions is None:
            raise PydanticCustomError(
                "disputed_without_positions",
                "a disputed requirement needs `positions:` with what sales and marketing each want",
                {
                    "at": ("status",),
                    "fix": "add `positions:` with `sales:` and `marketing:`, each side's view "
                    "in its own words",
                },
            )
        return self


class Claim(Model):
    claim: Text
    proof: Text
    source: Text
    feature: Reference | None = None
    internal: StrictBool = False  # never shown on a customer-facing sheet


class ValueProp(Model):
    id: ItemId
    persona: Text
    audience: Literal["internal", "customer"] = "internal"
    pains: list[Text] = Field(min_length=1)
    claims: list[Claim] = Field(min_length=1)
    differentiators: list[Text] = Field(default_factory=list)


class Objection(Model):
    objection: Text
    response: Text
    feature: Reference | None = None


class Battlecard(Model):
    id: ItemId
    competitor: Text
    verified_on: Date
    summary: Text
    why_we_win: list[Text] = Field(min_length=1)
    where_they_win: list[Text] = Field(default_factory=list)
    landmines: list[Text] = Field(default_factory=list)
    objections: list[Objection] = Field(default_factory=list)
    proof_points: list[Text] = Field(default_factory=list)
    pricing: Text | None = None
    review_every_days: StrictInt | None = Field(default=None, ge=1, le=3650)


class Staller(Model):
    id: ItemId
    stall: Text
    who: Text
    really_means: Text
    responses: list[Text] = Field(min_length=1)
    assets: list[Reference] = Field(default_factory=list)
    next_step: Text
    escalate_after_days: StrictInt = Field(ge=0, le=365)


class NaySayer(Model):
    concerns: list[Text] = Field(min_length=1)
    approach: list[Text] = Field(min_length=1)


class DecisionMaker(Model):
    cares_about: list[Text] = Field(min_length=1)
    approach: list[Text] = Field(min_length=1)


class Playbook(Model):
    stallers: list[Staller] = Field(min_length=1)
    nay_sayer: NaySayer
    decision_maker: DecisionMaker


class RoadmapItem(Model):
    id: ItemId
    feature: Text
    stage: Stage


class KitFile(Model):
    """One requirement file: the negotiated list and the kit's content."""

    kit: Slug
    title: Text
    product: Text
    launch: Date
    version: Annotated[str, StringConstraints(pattern=SEMVER_PATTERN)] | None = None
    owners: Owners
    signoff: Signoff
    requirements: list[Requirement] = Field(min_length=1)
    value_props: list[ValueProp]
    battlecards: list[Battlecard]
    playbook: Playbook
    roadmap: list[RoadmapItem] = Field(default_factory=list)
    review_every_days: StrictInt = Field(default=90, ge=1, le=3650)

"""The requirement file, as pydantic models.

Every model forbids unknown keys so that a typo is an error, never a silently ignored field.
Text fields are plain ``str``: pydantic's lax mode does not turn YAML's ``no`` (a boolean) or
``1.10`` (a float) into text, so the YAML 1.1 coercions surface as type errors with a place.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
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

from kitgen.base.emails import canonical_email, look_alike_problem
from kitgen.base.errors import InputError

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
SEMVER_PATTERN = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=r"\S")]
# No spaces, control codes, zero-width or direction-changing characters: an address that
# looks like a listed signer's but is another string must not pass review unnoticed.
_EMAIL_CHAR = (r"[^@\s<>\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e"
               r"\u2060-\u2064\u2066-\u2069\ufeff]")


def _one_script(address: str) -> str:
    """Letters that could pass for another person's (a Cyrillic ``а`` among Latin ones) are
    refused at their place: no comparison could tell whose address it is."""
    problem = look_alike_problem(address)
    if problem is not None:
        raise PydanticCustomError("look_alike_email", "{problem}", {
            "problem": problem,
            "fix": "write the address in plain Latin letters, as the mail system spells it"})
    return address


Email = Annotated[
    str,
    StringConstraints(pattern=rf"^{_EMAIL_CHAR}+@{_EMAIL_CHAR}+\.{_EMAIL_CHAR}+$", max_length=254),
    AfterValidator(_one_script),
]


def _date_as_text(value: Any) -> Any:
    """A date is written YYYY-MM-DD. pydantic would read a number as seconds since 1970
    (``launch: 86400`` as 1970-01-02): refuse it instead, with the field's place."""
    if isinstance(value, bool | int | float):
        raise PydanticCustomError("date_type", "Input should be a valid date")
    return value


Date = Annotated[dt.date, BeforeValidator(_date_as_text)]
Reference = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z_]+)?(\.[a-z0-9-]+)?$")]

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
        # listing of the address and say what to do, like any other problem. Addresses compare
        # as one mailbox (base/emails.py): case, a trailing dot or a +tag make no other person.
        marketing = {canonical_email(e) for e in self.marketing}
        sales = [canonical_email(e) for e in self.sales]
        both = [e for e in self.sales if canonical_email(e) in marketing]
        if both:
            raise PydanticCustomError(
                "signer_on_both_sides",
                "{emails} may sign for both sides (as the same mailbox); one person counts for "
                "one side only",
                {
                    "emails": ", ".join(both),
                    "at": ("sales", sales.index(canonical_email(both[0]))),
                    "fix": "list each person under `marketing:` or `sales:`, not both",
                },
            )
        keyed = [canonical_email(e) for e in self.keys]
        twice = next((e for e in self.keys if keyed.count(canonical_email(e)) > 1), None)
        if twice is not None:
            raise PydanticCustomError(
                "key_listed_twice",
                "{email} has more than one key (spelled as another address of the same mailbox)",
                {"email": twice, "at": ("keys", twice),
                 "fix": "list one key per person under `keys:`"},
            )
        return self


class Positions(Model):
    sales: Text
    marketing: Text


class Requirement(Model):
    id: Slug
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
    id: Slug
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
    id: Slug
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
    id: Slug
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
    id: Slug
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

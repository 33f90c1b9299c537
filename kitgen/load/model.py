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


# Every field carries a description and an example: editors show them on hover, and
# docs/file-format.md is generated from them (`kitgen schema --markdown`).


class Person(Model):
    """A person accountable for one side of the kit."""

    name: Text = Field(description="Their name, as it appears on the kit.",
                       examples=["Priya Shah"])
    email: Email = Field(description="Their email address.",
                         examples=["priya.shah@northwind.example"])


class Owners(Model):
    """The accountable owner of each side."""

    marketing: Person = Field(description="Marketing's owner of the kit.",
                              examples=[{"name": "Priya Shah",
                                         "email": "priya.shah@northwind.example"}])
    sales: Person = Field(description="Sales' owner of the kit.",
                          examples=[{"name": "Marcus Bell",
                                     "email": "marcus.bell@northwind.example"}])


class Signoff(Model):
    """Who may sign the kit off for each side, and whether sign-offs must be SSH-signed."""

    marketing: list[Email] = Field(
        min_length=1, description="Emails allowed to approve or reject for marketing "
        "(at least one; one person signs for one side only).",
        examples=[["priya.shah@northwind.example"]])
    sales: list[Email] = Field(
        min_length=1, description="Emails allowed to approve or reject for sales (at least one).",
        examples=[["marcus.bell@northwind.example"]])
    keys: dict[Email, Text] = Field(
        default_factory=dict, description="Optional: per signer's email, the SSH public key "
        "line their signatures are checked with.",
        examples=[{"marcus.bell@northwind.example": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… "
                   "marcus"}])
    require_signatures: StrictBool = Field(
        default=False, description="Optional (default false): when true, an approval counts "
        "only with a valid SSH signature by the key listed in `keys`.", examples=[True])

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
    """Each side's view of a disputed requirement, in its own words."""

    sales: Text = Field(description="What sales wants, in the sales team's words.",
                        examples=["Name Contoso's per-seat price on the card: reps get asked."])
    marketing: Text = Field(description="What marketing wants, in the marketing team's words.",
                            examples=["Compare value, not list prices that change monthly."])


ID_HELP = ("letters of either case, digits, `-`, `_` and `.`, starting with a letter or digit; "
           "at most 64 characters")


class Requirement(Model):
    """One thing sales needs from the kit (or marketing commits to), and where it stands."""

    id: ItemId = Field(description=f"The requirement's id: {ID_HELP}.",
                       examples=["REQ-1", "battlecard-contoso"])
    from_: Side = Field(alias="from", description="Who asked for it: `sales` or `marketing`.",
                        examples=["sales"])
    need: Text = Field(description="What is needed, in the words of whoever asked.",
                       examples=["A one-page battlecard against Contoso BI."])
    status: Status = Field(
        description="`proposed` (asked, not discussed yet), `disputed` (the sides disagree: "
        "write `positions`), `agreed` (both accept: `delivered_by` names the content) or "
        "`dropped` (decided against; keep it, with a `resolution`).", examples=["agreed"])
    positions: Positions | None = Field(
        default=None, description="Required when `disputed`: each side's view in its own words.",
        examples=[{"sales": "Name the per-seat price.",
                   "marketing": "Compare value, not list prices."}])
    resolution: Text | None = Field(
        default=None, description="Optional: how an argued requirement was settled.",
        examples=["Agreed in the 12 Nov call: value comparison, pricing note for reps only."])
    delivered_by: list[Reference] = Field(
        default_factory=list, description="The content that answers it: `battlecards.<id>`, "
        "`value_props.<id>`, `playbook.stallers.<id>`, `playbook.nay_sayer`, "
        "`playbook.decision_maker`. Every `agreed` requirement needs at least one.",
        examples=[["battlecards.contoso"]])

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
    """What we promise a persona, and the proof behind it."""

    claim: Text = Field(description="The promise, in the buyer's terms.",
                        examples=["Month-end reporting in two days instead of five."])
    proof: Text = Field(description="The evidence, e.g. a customer result with numbers.",
                        examples=["Initech cut its month-end pack from 5 days to 2."])
    source: Text = Field(description="Where the proof comes from: something a buyer could check.",
                         examples=["Customer case study: Initech, 2026"])
    feature: Reference | None = Field(
        default=None, description="Optional: the `roadmap.<id>` feature the claim rests on. "
        "Features before `launch-ready` are shown only on internal sheets, marked as roadmap.",
        examples=["roadmap.ai-narratives"])
    internal: StrictBool = Field(
        default=False, description="Optional (default false): true keeps the claim off "
        "customer-facing sheets.", examples=[True])


class ValueProp(Model):
    """A value-proposition sheet for one buyer persona."""

    id: ItemId = Field(description=f"The sheet's id: {ID_HELP}. Its PDF is "
                       "`value-prop-<id>.pdf`.", examples=["cfo", "Head_of_Data"])
    persona: Text = Field(description="The buyer persona the sheet speaks to.",
                          examples=["CFO"])
    audience: Literal["internal", "customer"] = Field(
        default="internal", description="Optional (default `internal`): `customer` means the "
        "sheet may be sent to buyers, so it never shows internal text.", examples=["customer"])
    pains: list[Text] = Field(min_length=1, description="What hurts this persona, in their "
                              "words (at least one).",
                              examples=[["Month-end waits on reconciling three tools."]])
    claims: list[Claim] = Field(min_length=1, description="What we promise, each with its proof "
                                "(at least one).",
                                examples=[[{"claim": "Month-end in two days.",
                                            "proof": "Initech: from 5 days to 2.",
                                            "source": "Case study: Initech, 2026"}]])
    differentiators: list[Text] = Field(
        default_factory=list, description="Optional: what only we offer.",
        examples=[["Certified metrics every team reads the same way."]])


class Objection(Model):
    """What buyers say in a competitor's favour, and how the rep answers."""

    objection: Text = Field(description="What the buyer says.",
                            examples=["Contoso is cheaper."])
    response: Text = Field(description="How the rep answers.",
                           examples=["For ten users, yes; price it at next year's head count."])
    feature: Reference | None = Field(
        default=None, description="Optional: the `roadmap.<id>` feature the response rests on.",
        examples=["roadmap.offline-mode"])


class Battlecard(Model):
    """One page per competitor, for the sales team only."""

    id: ItemId = Field(description=f"The card's id: {ID_HELP}. Its PDF is "
                       "`battlecard-<id>.pdf`.", examples=["contoso", "Contoso_BI"])
    competitor: Text = Field(description="The competitor's name.", examples=["Contoso BI"])
    verified_on: Date = Field(
        description="The day someone last checked this intelligence (YYYY-MM-DD); kitgen warns "
        "once it is older than `review_every_days`.", examples=["2026-11-02"])
    summary: Text = Field(description="Who they are, in one or two sentences.",
                          examples=["Dashboard-first BI that charges for every viewer."])
    why_we_win: list[Text] = Field(min_length=1, description="Why we win against them "
                                   "(at least one).",
                                   examples=[["Unlimited viewers per workspace."]])
    where_they_win: list[Text] = Field(default_factory=list, description="Optional: where they "
                                       "are honestly stronger.",
                                       examples=[["A lower entry price for tiny teams."]])
    landmines: list[Text] = Field(default_factory=list, description="Optional: questions that "
                                  "expose their weak spots.",
                                  examples=[["What will it cost when every rep needs it?"]])
    objections: list[Objection] = Field(
        default_factory=list, description="Optional: objections and the answers to them.",
        examples=[[{"objection": "Contoso is cheaper.",
                    "response": "For ten users; price it at next year's head count."}]])
    proof_points: list[Text] = Field(default_factory=list, description="Optional: wins and "
                                     "numbers that back us up.",
                                     examples=[["Initech moved 300 viewers from Contoso."]])
    pricing: Text | None = Field(default=None, description="Optional: a pricing note for reps.",
                                 examples=["List price is per viewer; discounts start at 50."])
    review_every_days: StrictInt | None = Field(
        default=None, ge=1, le=3650, description="Optional: how many days this card's "
        "intelligence stays fresh (default: the kit's `review_every_days`).", examples=[60])


class Staller(Model):
    """One stall reps hear, and how to handle it."""

    id: ItemId = Field(description=f"The stall's id: {ID_HELP}.",
                       examples=["send-info", "not_now"])
    stall: Text = Field(description="What the buyer says.",
                        examples=["Just send me some information."])
    who: Text = Field(description="Who typically says it.",
                      examples=["An analyst with no budget."])
    really_means: Text = Field(description="What they mean by it.",
                               examples=["Not convinced it is worth another meeting."])
    responses: list[Text] = Field(min_length=1, description="What the rep answers "
                                  "(at least one).",
                                  examples=[["Happy to: which problem should the page answer?"]])
    assets: list[Reference] = Field(
        default_factory=list, description="Optional: what to send or read first: "
        "`value_props.<id>` or `battlecards.<id>`.", examples=[["value_props.cfo"]])
    next_step: Text = Field(description="The next step the rep proposes.",
                            examples=["Book 20 minutes with their manager."])
    escalate_after_days: StrictInt = Field(
        ge=0, le=365, description="After how many days without an answer to escalate.",
        examples=[7])


class NaySayer(Model):
    """The person on the buyer's side who says no."""

    concerns: list[Text] = Field(min_length=1, description="What worries them (at least one).",
                                 examples=[["The security review."]])
    approach: list[Text] = Field(min_length=1, description="How to address it (at least one).",
                                 examples=[["Bring the SOC 2 report to the first meeting."]])


class DecisionMaker(Model):
    """The person on the buyer's side who decides."""

    cares_about: list[Text] = Field(min_length=1, description="What they care about "
                                    "(at least one).", examples=[["One set of numbers."]])
    approach: list[Text] = Field(min_length=1, description="How to reach them (at least one).",
                                 examples=[["Lead with the month-end saving."]])


class Playbook(Model):
    """The staller-handling playbook: the stallers, the nay-sayer and the decision maker."""

    stallers: list[Staller] = Field(min_length=1, description="One entry per stall reps hear "
                                    "(at least one).",
                                    examples=[[{"id": "send-info",
                                                "stall": "Just send me some information.",
                                                "who": "An analyst with no budget.",
                                                "really_means": "Not convinced yet.",
                                                "responses": ["Which problem should it answer?"],
                                                "next_step": "Book 20 minutes.",
                                                "escalate_after_days": 7}]])
    nay_sayer: NaySayer = Field(description="The person who says no: their concerns and how "
                                "to win them over.",
                                examples=[{"concerns": ["The security review."],
                                           "approach": ["Bring the SOC 2 report."]}])
    decision_maker: DecisionMaker = Field(description="The person who decides: what they care "
                                          "about and how to reach them.",
                                          examples=[{"cares_about": ["One set of numbers."],
                                                     "approach": ["Lead with ROI."]}])


class RoadmapItem(Model):
    """A feature the content may name, and how far along it is."""

    id: ItemId = Field(description=f"The feature's id: {ID_HELP}.",
                       examples=["ai-narratives", "v2.1"])
    feature: Text = Field(description="The feature's name.", examples=["AI narratives"])
    stage: Stage = Field(
        description="`concept` (about 50% likely), `development` (about 60%), `launch-ready` "
        "or `shipped`. Only `launch-ready` and `shipped` features may be sold as fact.",
        examples=["development"])


class KitFile(Model):
    """One requirement file: the negotiated list and the kit's content."""

    kit: Slug = Field(description="The kit's id, which names its folder `kits/<kit>/`: "
                      "lowercase letters, digits and `-`, at most 64 characters.",
                      examples=["northwind-analytics"])
    title: Text = Field(description="The kit's title, on every document.",
                        examples=["Northwind Analytics 3.0 launch kit"])
    product: Text = Field(description="The product being launched.",
                          examples=["Northwind Analytics 3.0"])
    launch: Date = Field(description="The launch date (YYYY-MM-DD).", examples=["2027-03-01"])
    version: Annotated[str, StringConstraints(pattern=SEMVER_PATTERN)] | None = Field(
        default=None, description="Optional: a semantic version the team pins, in quotes; "
        "without it versions are numbered 1, 2, 3….", examples=["3.0.0"])
    brand: Text | None = Field(
        default=None,
        description="Optional: another brand file than the workspace's `brand.yml`, by its path "
        "relative to the workspace folder.",
        examples=["brands/emea.yml"],
    )
    owners: Owners = Field(description="Who answers for the kit on each side: a name and an "
                           "email for marketing and for sales.",
                           examples=[{"marketing": {"name": "Priya Shah",
                                                    "email": "priya.shah@northwind.example"},
                                      "sales": {"name": "Marcus Bell",
                                                "email": "marcus.bell@northwind.example"}}])
    signoff: Signoff = Field(description="Who may sign the kit off for each side.",
                             examples=[{"marketing": ["priya.shah@northwind.example"],
                                        "sales": ["marcus.bell@northwind.example"]}])
    requirements: list[Requirement] = Field(
        min_length=1, description="The negotiated list (at least one requirement).",
        examples=[[{"id": "REQ-1", "from": "sales", "need": "A battlecard against Contoso.",
                    "status": "agreed", "delivered_by": ["battlecards.contoso"]}]])
    value_props: list[ValueProp] = Field(description="Value-proposition sheets, one per buyer "
                                         "persona (may be empty: `[]`).", examples=[[]])
    battlecards: list[Battlecard] = Field(description="Battlecards, one per competitor (may be "
                                          "empty: `[]`).", examples=[[]])
    playbook: Playbook = Field(description="The staller-handling playbook.",
                               examples=[{"stallers": [{"id": "send-info",
                                                        "stall": "Just send me information.",
                                                        "who": "An analyst.",
                                                        "really_means": "Not convinced yet.",
                                                        "responses": ["Which problem first?"],
                                                        "next_step": "Book 20 minutes.",
                                                        "escalate_after_days": 7}],
                                          "nay_sayer": {"concerns": ["Security."],
                                                        "approach": ["Bring the SOC 2 report."]},
                                          "decision_maker": {"cares_about": ["ROI."],
                                                             "approach": ["Lead with ROI."]}}])
    roadmap: list[RoadmapItem] = Field(
        default_factory=list, description="Optional: roadmap features the content may name.",
        examples=[[{"id": "ai-narratives", "feature": "AI narratives", "stage": "development"}]])
    review_every_days: StrictInt = Field(
        default=90, ge=1, le=3650, description="Optional (default 90): how many days "
        "battlecard intelligence stays fresh before kitgen warns.", examples=[60])

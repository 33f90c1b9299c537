"""The shape of ``kitgen export --json``: one model per audience, and the JSON Schema published
for them (``kitgen export --schema``, committed as ``kitgen/export.schema.json``).

The customer model has no field that could hold internal content — no battlecards, playbook,
roadmap, requirements, internal claims or sign-off names — so a document that validates
against the customer branch of the schema cannot carry them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

EXPORT_FORMAT: Literal[1] = 1
DRAFT_NOTICE = "DRAFT: not signed off; do not use it with customers"


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Document(Part):
    file: str
    title: str
    path: str = Field(description="Where the PDF is, from the workspace's folder.")
    pages: int
    sha256: str = Field(description="Of the PDF as rendered (see the README).")


class CustomerClaim(Part):
    claim: str
    proof: str
    source: str


class CustomerValueProp(Part):
    id: str
    persona: str
    pains: list[str]
    claims: list[CustomerClaim]
    differentiators: list[str]


class CustomerSignoff(Part):
    side: Literal["sales", "marketing"]
    time: str


class Common(Part):
    format: Literal[1] = EXPORT_FORMAT
    kit: str
    title: str
    product: str
    launch: str
    version: str
    digest: str = Field(description="The version's digest, as its manifest and PDFs carry it.")
    state: Literal["released", "draft"]
    released: bool
    notice: str | None = Field(description=f"`{DRAFT_NOTICE}` for a draft, else null.")
    kitgen_version: str
    documents: list[Document]


class CustomerExport(Common):
    """What may go to customers: the customer-facing value propositions, with the claims their
    sheets show, and which sides approved when."""

    audience: Literal["customer"]
    signoffs: list[CustomerSignoff]
    value_props: list[CustomerValueProp]


class Feature(Part):
    id: str
    feature: str
    stage: Literal["concept", "development", "launch-ready", "shipped"]
    sellable: bool = Field(description="launch-ready or shipped: may be sold as fact.")


class InternalClaim(CustomerClaim):
    internal: bool
    feature: Feature | None


class InternalValueProp(CustomerValueProp):
    audience: Literal["internal", "customer"]
    claims: list[InternalClaim]  # type: ignore[assignment]


class Objection(Part):
    objection: str
    response: str
    feature: Feature | None


class Battlecard(Part):
    id: str
    competitor: str
    verified_on: str
    summary: str
    why_we_win: list[str]
    where_they_win: list[str]
    landmines: list[str]
    objections: list[Objection]
    proof_points: list[str]
    pricing: str | None


class Staller(Part):
    id: str
    stall: str
    who: str
    really_means: str
    responses: list[str]
    assets: list[str]
    next_step: str
    escalate_after_days: int


class Playbook(Part):
    stallers: list[Staller]
    nay_sayer: dict[str, list[str]]
    decision_maker: dict[str, list[str]]


class InternalSignoff(Part):
    side: Literal["sales", "marketing"]
    decision: Literal["approve", "reject"]
    name: str
    email: str
    time: str
    meaning: str
    signed: bool


class Requirement(Part):
    id: str
    from_: Literal["sales", "marketing"] = Field(alias="from")
    need: str
    status: Literal["proposed", "disputed", "agreed", "dropped"]
    resolution: str | None
    delivered_by: list[str]


class InternalExport(Common):
    """Everything the version holds, for internal tools: all items, roadmap stages, the
    negotiated requirements and who signed."""

    audience: Literal["internal"]
    signoffs: list[InternalSignoff]
    value_props: list[InternalValueProp]
    battlecards: list[Battlecard]
    playbook: Playbook
    roadmap: list[Feature]
    requirements: list[Requirement]


Export = Annotated[CustomerExport | InternalExport, Field(discriminator="audience")]


def export_schema() -> dict[str, Any]:
    schema = TypeAdapter(Export).json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kitgen export of a kit version"
    schema["description"] = (
        "A kit version's content as `kitgen export KIT --json` writes it. `audience: customer` "
        "holds only what customer-facing documents may show; `state: draft` marks a version "
        "that is not signed off."
    )
    return schema

"""Starting points: ``kitgen init DIR`` (a workspace holding the worked example) and
``kitgen new KIT`` (a requirement file to start a kit from, explained for a marketer).

The scaffold is itself a valid kit (``kitgen check`` passes and ``kitgen build`` builds it) so a
marketer edits something that works from the first save. Every placeholder starts with
``REPLACE`` and shows in the drafts as written; the open (disputed and proposed) example
requirements mean a kit still holding placeholders can never be signed off.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

import yaml

from kitgen.base.errors import InputError
from kitgen.base.files import display_path, write_file_new
from kitgen.load.model import KitFile, slug_form
from kitgen.load.positions import Loc
from kitgen.load.schema import SCHEMA_COPY, refresh_schema_copy

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")

# Plain scalars below never contain ": " or " #", so no value needs quotes; str.format fills
# the fields in braces, so the text holds no other braces.
SCAFFOLD = """\
# yaml-language-server: $schema={schema}
#
# Requirement file of the {kit} kit: the list sales and marketing agreed on, and the content
# that answers it. Replace every text starting with REPLACE, then run
#   kitgen check    is the file valid, and where does the negotiation stand?
#   kitgen build    a new draft of the kit's PDFs, under kits/{kit}/
# Editors with YAML support check this file as you type: the first line names the schema,
# kit.schema.json beside this file (commit it; `kitgen build` keeps it up to date).
# Write plain text as you would say it: no HTML, no formatting.

# The kit's id (lowercase letters, digits, dashes); the kit is built into kits/{kit}/.
kit: {kit}
title: REPLACE with the kit's title, e.g. Acme 2.0 launch kit
product: REPLACE with the product being launched
# REPLACE with the launch date, written YYYY-MM-DD.
launch: {launch}

# One accountable owner per side, with the email they sign with.
owners:
  marketing:
    name: REPLACE with the marketing owner's name
    email: marketing.owner@example.com
  sales:
    name: REPLACE with the sales owner's name
    email: sales.owner@example.com

# Who may sign the kit off for each side (at least one email each; one person signs for one
# side only). A version is released once someone from each list approved it, e.g.
#   kitgen approve {kit} --side sales
signoff:
  marketing:
    - marketing.owner@example.com
  sales:
    - sales.owner@example.com

# The negotiated list. A requirement is one thing sales needs from the kit (or marketing
# commits to): who asked for it (from: sales or marketing), the need in their words, and a
# status:
#   proposed  asked for, not discussed yet
#   disputed  the two sides see it differently: write each side's view under positions
#   agreed    both sides accept it: delivered_by names the content that answers it
#   dropped   decided against: keep it, with a resolution, so the next launch knows why
# A resolution says how an argued item was settled. delivered_by lists content from further
# down: battlecards.<id>, value_props.<id>, playbook.stallers.<id>, playbook.nay_sayer,
# playbook.decision_maker. Sign-off waits until nothing is proposed or disputed and every
# agreed requirement is delivered.
requirements:
  - id: battlecard-first-competitor
    from: sales
    need: REPLACE with what sales asked for, in their words
    status: agreed
    delivered_by:
      - battlecards.first-competitor
  - id: replace-disputed-example
    from: marketing
    need: REPLACE with a need the two sides see differently
    status: disputed
    positions:
      sales: REPLACE with what sales wants, in the sales team's own words
      marketing: REPLACE with what marketing wants, in the marketing team's own words
  - id: replace-proposed-example
    from: sales
    need: REPLACE with a need asked for but not discussed yet
    status: proposed

# Value-proposition sheets, one per buyer persona: their pains, what we claim, the proof of
# each claim and where that proof comes from (a source someone can check). audience customer
# means reps may send the sheet to buyers; internal sheets stay with the team (and a sheet that
# does not say is internal). A claim resting on a roadmap feature names it, e.g.
# feature: roadmap.first-feature.
value_props:
  - id: first-persona
    persona: REPLACE with the buyer persona, e.g. CFO
    audience: customer
    pains:
      - REPLACE with a pain this persona has, in their words
    claims:
      - claim: REPLACE with what we promise this persona
        proof: REPLACE with the evidence, e.g. a customer result with numbers
        source: REPLACE with where the proof comes from, e.g. a named case study
    differentiators:
      - REPLACE with something only we offer

# Battlecards: one page per competitor, for the sales team only. verified_on is the day someone
# last checked this intelligence: kitgen warns once it is more than 90 days old (set
# review_every_days to change that), and the card shows the date to reps.
battlecards:
  - id: first-competitor
    competitor: REPLACE with the competitor's name
    verified_on: {today}
    summary: REPLACE with who they are, in one or two sentences
    why_we_win:
      - REPLACE with a reason we win against them
    where_they_win:
      - REPLACE with where they are honestly stronger
    landmines:
      - REPLACE with a question that exposes their weak spot
    objections:
      - objection: REPLACE with what buyers say in their favour
        response: REPLACE with how the rep answers
    proof_points:
      - REPLACE with a win or a number that backs us up

# The staller-handling playbook. Most people on the buyer's side stall; one says no (the
# nay-sayer); one decides (the decision maker).
playbook:
  # Stallers: one entry per stall reps hear. Who says it, what it really means, what to
  # answer, which assets help (value_props.<id> with audience customer: to send the buyer;
  # battlecards.<id> and internal sheets: for the rep to read first), the next step, and after
  # how many days without an answer to escalate.
  stallers:
    - id: send-info
      stall: Just send me some information.
      who: REPLACE with who says it, e.g. an analyst with no budget
      really_means: REPLACE with what they mean by it
      responses:
        - REPLACE with what the rep answers
      assets:
        - value_props.first-persona
      next_step: REPLACE with the next step the rep proposes
      escalate_after_days: 7
  # The nay-sayer: the person who says no, what worries them, how to win them over.
  nay_sayer:
    concerns:
      - REPLACE with what worries them, e.g. the security review
    approach:
      - REPLACE with how to address it
  # The decision maker: the person who decides, what they care about, how to reach them.
  decision_maker:
    cares_about:
      - REPLACE with what they care about
    approach:
      - REPLACE with how to reach them

# Roadmap features the content may name. stage is concept, development, launch-ready or
# shipped. Only launch-ready and shipped features may be sold as fact; concept and development
# ones appear only in internal documents, marked as roadmap with their stage.
roadmap:
  - id: first-feature
    feature: REPLACE with a feature's name
    stage: development
"""


PLACEHOLDER_EMAILS = ("marketing.owner@example.com", "sales.owner@example.com")


@functools.cache
def _placeholder_texts() -> frozenset[str]:
    """Every text of the scaffold that starts with REPLACE, exactly as it writes them."""
    data = yaml.safe_load(SCAFFOLD.format(kit="kit", schema="", launch="", today=""))
    return frozenset(t for t in _texts(data) if t.startswith("REPLACE"))


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def find_placeholders(kit: KitFile) -> list[tuple[Loc, str]]:
    """Where a kit still holds text or an address exactly as ``kitgen new`` wrote it.

    Only the scaffold's own placeholders count: a real kit may use any domain, ``.example``
    included, and may write "REPLACE" in a sentence of its own.
    """
    texts = _placeholder_texts()
    found: list[tuple[Loc, str]] = []

    def walk(value: Any, loc: Loc) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*loc, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*loc, index))
        elif isinstance(value, str) and (value in texts or value in PLACEHOLDER_EMAILS):
            found.append((loc, value))

    walk(kit.model_dump(mode="json", by_alias=True, exclude_defaults=True), ())
    return found


def check_kit_id(kit: str) -> str:
    if len(kit) > 64 or not SLUG.fullmatch(kit):
        raise InputError(
            f"{kit!r} is not a kit id",
            details=["A kit id names its folder under kits/: lowercase letters, digits and "
                     "dashes, starting with a letter or digit, at most 64 characters.",
                     f"Try: kitgen new {slug_form(kit)}"],
        )
    return kit


def scaffold_text(kit: str, schema: str, today: dt.date) -> str:
    launch = today + dt.timedelta(days=90)
    return SCAFFOLD.format(
        kit=check_kit_id(kit), schema=schema, launch=launch.isoformat(), today=today.isoformat()
    )


def scaffold_kit(root: Path, kit: str, today: dt.date) -> Path:
    """Write ``requirements/<kit>.yaml`` under ``root``; refuse when the kit's file exists."""
    check_kit_id(kit)
    requirements = root / "requirements"
    target = requirements / f"{kit}.yaml"
    for existing in (target, target.with_suffix(".yml")):
        if existing.exists():
            raise InputError(
                f"{display_path(existing, root)} already exists",
                details=["kitgen new never overwrites a requirement file; pick another kit id "
                         "or edit the file."],
            )
    requirements.mkdir(parents=True, exist_ok=True)
    refresh_schema_copy(requirements, create=True)
    text = scaffold_text(kit, SCHEMA_COPY, today)
    if not write_file_new(target, text.encode("utf-8")):
        raise InputError(f"{display_path(target, root)} already exists")
    return target


EXAMPLE_DIR = Path(__file__).parent.parent / "example"

TEMPLATES_README = """\
# templates/

A file here overrides kitgen's built-in template of the same name, e.g. `battlecard.html.j2`
or `kitgen.css`. Templates are Jinja2, sandboxed and autoescaped: data is always shown as
plain text. Files here may also be referenced from CSS (images, fonts); nothing outside this
folder and kitgen's own assets can be read while rendering.
"""


def init_workspace(directory: Path) -> list[Path]:
    """Copy the worked example into ``directory``; never overwrite a file that exists."""
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory} is a file, not a folder",
                         details=["Give a folder to make the workspace in."])
    sources = sorted((EXAMPLE_DIR / "requirements").glob("*.yaml"))
    planned = {directory / "requirements" / s.name: s.read_bytes() for s in sources}
    planned[directory / "templates" / "README.md"] = TEMPLATES_README.encode()
    # The example brand: brand.yml and the logo it names.
    for source in [EXAMPLE_DIR / "brand.yml", *sorted((EXAMPLE_DIR / "brand").iterdir())]:
        planned[directory / source.relative_to(EXAMPLE_DIR)] = source.read_bytes()
    clashes = [p for p in planned if p.exists()]
    if clashes:
        raise InputError(
            f"{directory} already holds {', '.join(str(p) for p in clashes)}",
            details=["kitgen init never overwrites files; pick an empty folder."],
        )
    written = []
    try:
        for path, data in planned.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            if write_file_new(path, data):
                written.append(path)
        (directory / "kits").mkdir(exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot make a workspace in {directory}: {error.strerror}") from None
    return written

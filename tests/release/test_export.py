"""`kitgen export KIT --json`: a released version's content as data, with a published schema;
the customer variant holds nothing a customer-facing PDF may not show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import helpers
import pytest
from helpers import REPO, battlecard, minimal_kit, requirement, run_kitgen, value_prop
from jsonschema import Draft202012Validator

pytestmark = pytest.mark.slow  # builds and releases a kit (shared by the module)

KIT = "acme-launch"
SECRET_CLAIM = "Our margin on the enterprise tier is 71 percent."
SIGNERS = (("sales", "Sam Ortega", "sam@acme.example"),
           ("marketing", "Mara Quinn", "mara@acme.example"))
# What no customer may read, in a customer-facing PDF or in the customer export alike.
# The sales owner (Sam Ortega) is the buyer's contact on a customer sheet, by design; the
# marketing owner, who signs, is never named to a customer.
CUSTOMER_NEVER_SEES = (
    "Narratives write themselves", "AI narratives", SECRET_CLAIM, "Internal", "Roadmap",
    "Globex discounts", "quarter end", "landmine", "What will it cost", "Mara Quinn",
    "mara@acme.example",
)


def leaks(text: str) -> list[str]:
    """The customer-facing leak test: every internal phrase found in ``text`` (without case,
    since a stylesheet may set labels in capitals)."""
    flat = helpers.squash(text).lower()
    return [phrase for phrase in CUSTOMER_NEVER_SEES if phrase.lower() in flat]


def field_kit() -> dict[str, Any]:
    """A customer-facing sheet with one claim of each kind a customer must never see, an
    internal sheet, and a battlecard with pricing and a roadmap objection."""
    return minimal_kit(
        requirements=[
            requirement(),
            requirement(id="cfo-sheet", need="A CFO sheet.", delivered_by=["value_props.cfo"]),
            requirement(id="cio-sheet", need="A CIO sheet.", delivered_by=["value_props.cio"]),
        ],
        battlecards=[battlecard(
            pricing="Globex discounts 30 percent at quarter end; hold list price.",
            objections=[{"objection": "Globex has AI summaries.",
                         "response": "Ours are in development; sell certified metrics today.",
                         "feature": "roadmap.ai-narratives"}])],
        value_props=[
            value_prop(claims=[
                {"claim": "Dashboards load from live data.", "proof": "Median 1.8 s load.",
                 "source": "Benchmark BM-2026-04", "feature": "roadmap.live-query"},
                {"claim": "Narratives write themselves.", "proof": "Prototype demo.",
                 "source": "Product team", "feature": "roadmap.ai-narratives"},
                {"claim": SECRET_CLAIM, "proof": "Finance model.", "source": "Finance",
                 "internal": True},
            ]),
            value_prop(id="cio", persona="CIO", audience="internal"),
        ],
        roadmap=[
            {"id": "live-query", "feature": "Live query on cloud warehouses", "stage": "shipped"},
            {"id": "ai-narratives", "feature": "AI narratives", "stage": "development"},
        ],
    )


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The field kit built as version 1 and released, then built again as draft version 2."""
    root = helpers.make_workspace(tmp_path_factory.mktemp("export") / "ws", field_kit())
    assert run_kitgen("build", cwd=root).code == 0
    for side, name, email in SIGNERS:
        approved = run_kitgen("approve", KIT, "--side", side, "--name", name, "--email", email,
                              "--yes", cwd=root)
        assert approved.code == 0, approved.stderr
    release = run_kitgen("build", "--release", cwd=root)
    assert release.code == 0, release.stdout + release.stderr
    changed = field_kit()
    changed["requirements"][0]["need"] = "A one-page battlecard against Globex, with pricing."
    helpers.write_kit(root / "requirements", changed)
    assert run_kitgen("build", cwd=root).code == 0
    return root


def export(root: Path, *args: str) -> tuple[int, Any, str]:
    result = run_kitgen("export", KIT, "--json", *args, cwd=root)
    data = json.loads(result.stdout) if result.code == 0 else None
    return result.code, data, result.stderr


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    result = run_kitgen("export", "--schema", cwd=REPO)
    assert result.code == 0, result.stderr
    assert (REPO / "kitgen" / "export.schema.json").read_text() == result.stdout, (
        "kitgen/export.schema.json is stale: run `kitgen export --schema > "
        "kitgen/export.schema.json`")
    schema = json.loads(result.stdout)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_the_latest_released_version_exports_for_both_audiences_and_validates(
    released: Path, validator: Draft202012Validator,
) -> None:
    code, internal, _ = export(released)
    assert code == 0
    assert list(validator.iter_errors(internal)) == []
    assert (internal["version"], internal["state"], internal["released"]) == ("1", "released",
                                                                             True)
    assert internal["notice"] is None
    manifest = json.loads((released / "kits" / KIT / "1" / "manifest.json").read_text())
    assert internal["digest"] == manifest["digest"]
    assert {(s["side"], s["name"], s["decision"]) for s in internal["signoffs"]} == {
        ("sales", "Sam Ortega", "approve"), ("marketing", "Mara Quinn", "approve")}
    card = internal["battlecards"][0]
    assert card["pricing"].startswith("Globex discounts")
    assert card["objections"][0]["feature"] == {
        "id": "ai-narratives", "feature": "AI narratives", "stage": "development",
        "sellable": False}
    claims = internal["value_props"][0]["claims"]
    assert [c["internal"] for c in claims] == [False, False, True]
    assert internal["playbook"]["stallers"][0]["id"] == "send-info"
    assert {r["id"] for r in internal["requirements"]} == {"card-globex", "cfo-sheet",
                                                          "cio-sheet"}
    for document in internal["documents"]:
        pdf = released / document["path"]
        assert "/released/" in document["path"]
        assert helpers.rendered_sha256(pdf) == document["sha256"]

    code, customer, _ = export(released, "--audience", "customer")
    assert code == 0
    assert list(validator.iter_errors(customer)) == []
    assert customer["audience"] == "customer"
    assert [vp["id"] for vp in customer["value_props"]] == ["cfo"]  # not the internal sheet
    assert [d["file"] for d in customer["documents"]] == ["value-prop-cfo.pdf"]
    assert {(s["side"]) for s in customer["signoffs"]} == {"sales", "marketing"}
    assert set(customer) == {"format", "kit", "title", "product", "launch", "version", "digest",
                             "state", "released", "notice", "kitgen_version", "documents",
                             "audience", "signoffs", "value_props"}


def test_the_customer_export_passes_the_same_leak_test_as_the_customer_pdf(
    released: Path,
) -> None:
    code, customer, _ = export(released, "--audience", "customer")
    assert code == 0
    exported = json.dumps(customer, ensure_ascii=False)
    version = released / "kits" / KIT / "1"
    for pdf in (version / "value-prop-cfo.pdf", version / "released" / "value-prop-cfo.pdf"):
        shown = helpers.pdf_text(pdf)
        assert leaks(shown) == [], pdf
        assert "dashboards load from live data." in helpers.squash(shown).lower()
    assert leaks(exported) == []
    claims = [c["claim"] for c in customer["value_props"][0]["claims"]]
    assert claims == ["Dashboards load from live data."]  # what the customer PDF shows


def test_an_unreleased_version_needs_draft_and_says_it_is_one(
    released: Path, validator: Draft202012Validator,
) -> None:
    code, _, stderr = export(released, "--version", "2")
    assert code == 1
    assert "version 2 of kit 'acme-launch' is not released" in stderr and "--draft" in stderr
    code, draft, _ = export(released, "--draft")
    assert code == 0 and list(validator.iter_errors(draft)) == []
    assert (draft["version"], draft["state"], draft["released"]) == ("2", "draft", False)
    assert draft["notice"] == "DRAFT: not signed off; do not use it with customers"
    assert draft["signoffs"] == []
    assert "/released/" not in draft["documents"][0]["path"]


def test_a_kit_never_released_is_refused_without_draft(workspace: Path) -> None:
    helpers.write_kit(workspace / "requirements", minimal_kit())
    assert run_kitgen("build", cwd=workspace).code == 0
    result = run_kitgen("export", KIT, "--json", cwd=workspace)
    assert result.code == 1
    assert "has no released version to export" in result.stderr
    failure = json.loads(result.stdout)  # with --json, the failure as a document, no export
    assert failure["ok"] is False and "has no released version to export" in failure["error"]


def test_customer_text_naming_an_unshipped_feature_has_no_customer_export(
    workspace: Path,
) -> None:
    kit = field_kit()
    kit["value_props"][0]["differentiators"] = ["AI narratives explain every number."]
    helpers.write_kit(workspace / "requirements", kit)
    assert run_kitgen("build", cwd=workspace).code == 0
    result = run_kitgen("export", KIT, "--draft", "--audience", "customer", "--json",
                        cwd=workspace)
    assert result.code == 1
    assert "names unshipped features in customer-facing text" in result.stderr
    failure = json.loads(result.stdout)
    assert failure["ok"] is False and "kit" not in failure


def test_usage_errors(released: Path) -> None:
    assert run_kitgen("export", KIT, "--json", "--audience", "partners",
                      cwd=released).code == 2
    no_output = run_kitgen("export", KIT, cwd=released)
    assert no_output.code == 2 and "--json" in no_output.stderr
    written = run_kitgen("export", KIT, "-o", "kit.json", cwd=released)
    assert written.code == 0, written.stderr
    assert json.loads((released / "kit.json").read_text())["version"] == "1"

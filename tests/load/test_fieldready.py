"""Field-ready kits: fresh, honest about the roadmap, right audience, brief,
with what changed and field feedback. Everything through the CLI, PDFs read back as text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import helpers
import pytest
from helpers import Ran, battlecard, minimal_kit, requirement, run_kitgen, value_prop

ROADMAP = [
    {"id": "live-query", "feature": "Live query on cloud warehouses", "stage": "shipped"},
    {"id": "ai-narratives", "feature": "AI narratives", "stage": "development"},
    {"id": "voice-search", "feature": "Voice search", "stage": "concept"},
]
SECRET_CLAIM = "Our margin on the enterprise tier is 71 percent."


def field_kit(**overrides: Any) -> dict[str, Any]:
    """A kit with an internal battlecard naming a roadmap item, and a customer-facing sheet
    holding one claim of each kind a customer must never see."""
    data = minimal_kit(
        requirements=[
            requirement(),
            requirement(id="cfo-sheet", need="A CFO sheet.", delivered_by=["value_props.cfo"]),
        ],
        battlecards=[battlecard(
            pricing="Globex discounts 30 percent at quarter end; hold list price.",
            objections=[{
                "objection": "Globex has AI summaries.",
                "response": "Ours are in development; sell certified metrics today.",
                "feature": "roadmap.ai-narratives",
            }],
        )],
        value_props=[value_prop(claims=[
            {"claim": "Dashboards load from live data.", "proof": "Median 1.8 s load.",
             "source": "Benchmark BM-2026-04", "feature": "roadmap.live-query"},
            {"claim": "Narratives write themselves.", "proof": "Prototype demo.",
             "source": "Product team", "feature": "roadmap.ai-narratives"},
            {"claim": SECRET_CLAIM, "proof": "Finance model.", "source": "Internal",
             "internal": True},
        ])],
        roadmap=ROADMAP,
    )
    data.update(overrides)
    return data


def build(root: Path, *args: str, **env: str) -> Ran:
    return run_kitgen("build", *args, cwd=root, env={"KITGEN_CACHE": "off", **env})


def check(root: Path, *args: str, **env: str) -> Ran:
    return run_kitgen("check", *args, cwd=root, env=env)


def test_stale_battlecard_warns_with_days_overdue_and_strict_fails(workspace: Path) -> None:
    helpers.write_kit(workspace / "requirements", minimal_kit(
        battlecards=[battlecard(verified_on="2026-01-01", review_every_days=30)]))
    fresh = check(workspace, KITGEN_TODAY="2026-01-20")
    assert fresh.code == 0 and "overdue" not in fresh.stderr
    stale = check(workspace, KITGEN_TODAY="2026-03-02")
    assert stale.code == 0
    assert "battlecards.globex" in stale.stderr and "30 days overdue" in stale.stderr
    assert check(workspace, "--strict", KITGEN_TODAY="2026-03-02").code == 1


def test_kit_wide_review_period_defaults_to_90_days(workspace: Path) -> None:
    helpers.write_kit(workspace / "requirements", minimal_kit(
        battlecards=[battlecard(verified_on="2026-01-01")]))
    assert "overdue" not in check(workspace, KITGEN_TODAY="2026-04-01").stderr
    late = check(workspace, KITGEN_TODAY="2026-04-11")
    assert "10 days overdue" in late.stderr


@pytest.mark.slow
def test_freshness_never_changes_the_digest_or_the_pdfs(workspace: Path, tmp_path: Path) -> None:
    helpers.write_kit(workspace / "requirements", minimal_kit())
    first = build(workspace, KITGEN_TODAY="2026-11-03")
    assert first.code == 0, first.stderr
    before = helpers.tree(workspace / "kits")
    again = build(workspace, KITGEN_TODAY="2028-01-01")
    assert again.code == 0 and "unchanged" in again.stdout
    assert "overdue" in again.stderr  # it warns, yet writes nothing
    assert helpers.tree(workspace / "kits") == before
    other = helpers.make_workspace(tmp_path / "other", minimal_kit())
    assert build(other, KITGEN_TODAY="2028-01-01").code == 0
    pdf = Path("kits/acme-launch/1/battlecard-globex.pdf")
    assert helpers.sha256(other / pdf) == helpers.sha256(workspace / pdf)


def test_battlecard_shows_its_verification_date(workspace: Path) -> None:
    helpers.write_kit(workspace / "requirements", minimal_kit())
    assert build(workspace).code == 0
    text = helpers.pdf_text(workspace / "kits/acme-launch/1/battlecard-globex.pdf")
    assert "2026-11-02" in text and "verified" in text.lower()


@pytest.mark.slow
def test_roadmap_and_audience_rules_hold_in_the_pdfs(workspace: Path) -> None:
    helpers.write_kit(workspace / "requirements", field_kit())
    checked = check(workspace, KITGEN_TODAY="2026-11-20")
    assert checked.code == 0, checked.stderr
    # check lists each claim or response that names a feature not yet launch-ready
    assert "battlecards.globex.objections[0]" in checked.stdout
    assert "value_props.cfo.claims[1]" in checked.stdout and "development" in checked.stdout
    assert build(workspace).code == 0
    version = workspace / "kits/acme-launch/1"

    # Labels may be set in capitals by the stylesheet: compare without case.
    card = helpers.squash(helpers.pdf_text(version / "battlecard-globex.pdf")).lower()
    assert "roadmap" in card and "development" in card and "60% likely" in card
    for document in ("battlecard-globex.pdf", "playbook.pdf"):
        for page in helpers.pdf_pages(version / document):
            assert "Internal — do not share with customers" in helpers.squash(page)

    customer = helpers.squash(helpers.pdf_text(version / "value-prop-cfo.pdf")).lower()
    assert "dashboards load from live data." in customer  # shipped: may be sold
    for internal in ("Narratives write themselves", "AI narratives", SECRET_CLAIM, "Internal",
                     "Roadmap", "Globex discounts", "quarter end"):
        assert internal.lower() not in customer, internal


@pytest.mark.slow
def test_customer_text_naming_a_roadmap_item_fails_strict_check_and_release(
    workspace: Path,
) -> None:
    kit = field_kit()
    kit["value_props"][0]["differentiators"] = ["AI narratives explain every number."]
    helpers.write_kit(workspace / "requirements", kit)
    strict = check(workspace, "--strict", KITGEN_TODAY="2026-11-20")
    assert strict.code == 1 and "AI narratives" in strict.stderr
    assert build(workspace).code == 0
    for side, email in (("sales", "sam@acme.example"), ("marketing", "mara@acme.example")):
        approved = run_kitgen("approve", "acme-launch", "--side", side, "--email", email, "--yes",
                              cwd=workspace)
        assert approved.code == 0, approved.stderr
    release = build(workspace, "--release")
    assert release.code == 1
    assert "customer-facing" in release.stdout and "AI narratives" in release.stdout
    assert not (workspace / "kits/acme-launch/1/released").exists()


@pytest.mark.slow
def test_a_battlecard_over_one_page_is_warned_and_strict_fails(workspace: Path) -> None:
    long_card = battlecard(
        why_we_win=[f"Reason {i}: " + "certified metrics and live queries " * 6 for i in range(12)],
        objections=[{"objection": f"Objection {i}?", "response": "A long answer. " * 20}
                    for i in range(6)],
    )
    helpers.write_kit(workspace / "requirements", minimal_kit(battlecards=[long_card]))
    result = build(workspace, KITGEN_TODAY="2026-11-20")
    assert result.code == 0
    pages = json.loads((workspace / "kits/acme-launch/1/manifest.json").read_text())
    count = next(d["pages"] for d in pages["documents"] if d["file"] == "battlecard-globex.pdf")
    assert count > 1
    assert "battlecards.globex" in result.stderr
    assert f"runs to {count} pages, {count - 1} page" in result.stderr
    (workspace / "kits").rename(workspace / "kits-first")
    assert build(workspace, "--strict", KITGEN_TODAY="2026-11-20").code == 1


@pytest.mark.slow
def test_each_version_after_the_first_says_what_changed(workspace: Path) -> None:
    kit = minimal_kit(requirements=[requirement(), requirement(
        id="pricing-page", need="A pricing page.", status="proposed", delivered_by=[])])
    path = helpers.write_kit(workspace / "requirements", kit)
    assert build(workspace).code == 0
    first_index = helpers.squash(helpers.pdf_text(workspace / "kits/acme-launch/1/index.pdf"))
    assert "what changed" not in first_index.lower()
    kit["requirements"][1]["status"] = "dropped"
    path.write_text(helpers.dump(kit))
    assert build(workspace).code == 0
    index = helpers.squash(helpers.pdf_text(workspace / "kits/acme-launch/2/index.pdf"))
    assert "what changed" in index.lower()
    assert "Since the previous version (version 1)" in index
    # Where, was, now; a narrow column may break the place at a hyphen.
    assert "requirements.pricing-page.status proposed dropped" in index.replace("- ", "-")
    diff = json.loads(run_kitgen("diff", "acme-launch", "--json", cwd=workspace).stdout)
    assert {"id": "pricing-page", "field": "status", "change": "changed", "before": "proposed",
            "after": "dropped"} in diff["requirements"]


@pytest.mark.slow
def test_field_feedback_is_counted_shown_and_never_changes_a_version(workspace: Path) -> None:
    helpers.write_kit(workspace / "requirements", minimal_kit())
    assert build(workspace).code == 0
    before = helpers.tree(workspace / "kits" / "acme-launch" / "1")
    rep = {"KITGEN_NAME": "Dana Reyes", "KITGEN_EMAIL": "dana@acme.example"}
    for useful, note in (("yes", "Got the meeting"), ("yes", ""), ("no", "Too long for email")):
        recorded = run_kitgen("feedback", "acme-launch", "playbook.stallers.send-info",
                              "--useful", useful, "--note", note, cwd=workspace, env=rep)
        assert recorded.code == 0, recorded.stderr
    bad = run_kitgen("feedback", "acme-launch", "playbook.stallers.sendinfo", "--useful", "yes",
                     cwd=workspace, env=rep)
    assert bad.code == 2 and "playbook.stallers.send-info" in bad.stderr

    checked = run_kitgen("check", cwd=workspace)
    assert "playbook.stallers.send-info: 2 useful, 1 not useful" in checked.stdout
    assert "Too long for email" in checked.stdout
    status = json.loads(run_kitgen("status", "--json", cwd=workspace).stdout)
    item = status[0]["feedback"][0]
    assert (item["item"], item["useful"], item["not_useful"]) == (
        "playbook.stallers.send-info", 2, 1)
    assert "unchanged" in build(workspace).stdout
    assert helpers.tree(workspace / "kits" / "acme-launch" / "1") == before
    assert run_kitgen("verify", cwd=workspace).code == 0

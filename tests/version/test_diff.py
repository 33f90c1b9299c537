"""``kitgen diff`` and ``kitgen status``: their JSON shapes and what they say.

One small kit is built four times: version 2 changes requirements one of each kind and one
battlecard, version 3 adds a battlecard, version 4 only adds a workspace template.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import (
    MARA,
    MONA,
    SAM,
    approve,
    copy_workspace,
    make_workspace,
    reject,
    run_kitgen,
    small_kit,
)

pytestmark = pytest.mark.slow

KIT = "acme-launch"
OLD_NEED = "A one-page battlecard against Globex."
NEW_NEED = "A one-page battlecard against Globex, with its 2027 pricing."


def version_1() -> dict:
    data = small_kit()
    data["requirements"] += [
        {"id": "roi-sheet", "from": "sales", "need": "An ROI sheet.", "status": "proposed"},
        {"id": "old-ask", "from": "marketing", "need": "A poster.", "status": "dropped"},
    ]
    return data


def version_2() -> dict:
    data = version_1()
    data["requirements"][0]["need"] = NEW_NEED
    data["requirements"][2]["status"] = "dropped"
    del data["requirements"][3]
    data["requirements"].append({"id": "pricing-page", "from": "sales",
                                 "need": "A pricing page.", "status": "dropped"})
    data["battlecards"][0]["summary"] = "Dashboard-first BI; every viewer is a paid seat."
    return data


def version_3() -> dict:
    data = version_2()
    card = dict(data["battlecards"][0], id="initech", competitor="Initech BI")
    data["battlecards"].append(card)
    data["requirements"].append({"id": "card-initech", "from": "sales",
                                 "need": "A battlecard against Initech.", "status": "agreed",
                                 "delivered_by": ["battlecards.initech"]})
    return data


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("diff") / "ws"
    for data in (version_1(), version_2(), version_3()):
        make_workspace(root, data)
        result = run_kitgen("build", cwd=root)
        assert result.code == 0, result.text
    (root / "templates").mkdir()
    (root / "templates" / "kitgen.css").write_text("@page { margin: 2cm; }\n")
    assert run_kitgen("build", cwd=root).code == 0
    return root


def diff_json(root: Path, *versions: str) -> dict:
    result = run_kitgen("diff", KIT, *versions, "--json", cwd=root)
    assert result.code == 0, result.text
    return json.loads(result.stdout)


def test_diff_requirement_by_requirement(built: Path) -> None:
    data = diff_json(built, "1", "2")
    assert (data["kit"], data["from"], data["to"]) == (KIT, "1", "2")
    added = {"id": "pricing-page", "from": "sales", "need": "A pricing page.",
             "status": "dropped", "delivered_by": []}
    removed = {"id": "old-ask", "from": "marketing", "need": "A poster.", "status": "dropped",
               "delivered_by": []}
    assert data["requirements"] == [
        {"id": "card-globex", "field": "need", "change": "changed", "before": OLD_NEED,
         "after": NEW_NEED},
        {"id": "roi-sheet", "field": "status", "change": "changed", "before": "proposed",
         "after": "dropped"},
        {"id": "pricing-page", "field": "", "change": "added", "before": None, "after": added},
        {"id": "old-ask", "field": "", "change": "removed", "before": removed, "after": None},
    ]


def test_diff_document_by_document(built: Path) -> None:
    documents = {d["file"]: d for d in diff_json(built, "1", "2")["documents"]}
    assert documents.keys() == {"index.pdf", "battlecard-globex.pdf", "playbook.pdf"}
    assert documents["battlecard-globex.pdf"]["change"] == "changed"
    assert documents["battlecard-globex.pdf"]["reason"] == "content"
    assert documents["index.pdf"]["change"] == "changed"  # it lists every requirement
    # Every page shows its version, so the bytes always differ; what it says did not.
    assert documents["playbook.pdf"]["change"] == "unchanged"
    assert documents["playbook.pdf"]["reason"] == ""
    for doc in documents.values():
        assert isinstance(doc["pages_before"], int) and isinstance(doc["pages_after"], int)


def test_diff_added_and_removed_documents(built: Path) -> None:
    forward = {d["file"]: d for d in diff_json(built, "2", "3")["documents"]}
    assert forward["battlecard-initech.pdf"]["change"] == "added"
    assert forward["battlecard-initech.pdf"]["pages_before"] is None
    assert forward["battlecard-globex.pdf"]["change"] == "unchanged"
    backward = {d["file"]: d for d in diff_json(built, "3", "2")["documents"]}
    assert backward["battlecard-initech.pdf"]["change"] == "removed"
    assert backward["battlecard-initech.pdf"]["pages_after"] is None
    requirements = diff_json(built, "3", "2")["requirements"]
    assert [(r["id"], r["change"], r["before"]["status"]) for r in requirements] == [
        ("card-initech", "removed", "agreed")]


def test_diff_when_only_templates_changed(built: Path) -> None:
    data = diff_json(built)  # default: the latest against the one before it
    assert (data["from"], data["to"]) == ("3", "4")
    assert data["requirements"] == []
    assert {d["change"] for d in data["documents"]} == {"changed"}
    assert {d["reason"] for d in data["documents"]} == {"templates or kitgen"}


def test_diff_text(built: Path) -> None:
    result = run_kitgen("diff", KIT, "1", "2", cwd=built)
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"{KIT}: version 1 → 2"
    for expected in ("what changed (5 changes):", "  requirements.card-globex", "    need:",
                     "      A one-page battlecard against [-Globex.-] {+Globex, with its 2027 "
                     "pricing.+}",
                     "  requirements.roi-sheet", "    status: proposed → dropped",
                     "  requirements.pricing-page: new — A pricing page.",
                     "  requirements.old-ask: removed (was A poster.)",
                     "  battlecards.globex", "    summary:",
                     "  playbook.pdf: unchanged"):
        assert expected in lines, lines
    assert "requirements touched by these changes:" in lines
    assert ("  card-globex (agreed) — delivered by battlecards.globex, which changed: summary"
            in lines)
    assert any(line.startswith("  battlecard-globex.pdf: changed (content;") for line in lines)
    same = run_kitgen("diff", KIT, "2", "2", cwd=built)
    assert "what changed: the content is the same" in same.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [(["9"], "has no version 9"), (["1", "9"], "has no version 9")],
)
def test_diff_of_a_missing_version_is_bad_input(built: Path, args: list[str], message: str) -> None:
    result = run_kitgen("diff", KIT, *args, cwd=built)
    assert result.code == 2
    assert message in result.text and "Versions: 1, 2, 3, 4." in result.text


def test_diff_of_a_first_version_has_nothing_to_compare(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    make_workspace(root, small_kit())
    assert run_kitgen("build", cwd=root).code == 0
    result = run_kitgen("diff", KIT, cwd=root)
    assert result.code == 2
    assert "has only version 1; nothing to compare it with" in result.text


# --- status -----------------------------------------------------------------------------------


@pytest.fixture
def settled(built: Path, tmp_path: Path) -> Path:
    """A copy whose latest version (5) is settled and ready for sign-off."""
    root = copy_workspace(built, tmp_path / "ws")
    make_workspace(root, small_kit())
    assert run_kitgen("build", cwd=root).code == 0
    return root


def status_json(root: Path) -> dict:
    result = run_kitgen("status", KIT, "--json", cwd=root)
    assert result.code == 0, result.text
    (entry,) = json.loads(result.stdout)
    return entry


def test_status_shape_before_any_signoff(built: Path) -> None:
    entry = status_json(built)
    assert entry["kit"] == KIT and entry["latest_version"] == "4"
    assert entry["requirements"] == {"proposed": 0, "disputed": 0, "agreed": 3, "dropped": 2}
    nobody = {"state": "pending", "by": [], "last_approved": None,
              "changes_since_last_approved": None}
    assert entry["signoff"] == {"marketing": nobody, "sales": nobody}
    assert entry["latest_released"] is None and entry["released"] is False
    assert {"kind": "approval-missing", "item": "marketing",
            "message": "no marketing approval of version 4"} in entry["blockers"]


def test_status_shows_each_side(settled: Path) -> None:
    assert approve(settled, KIT, "sales", SAM).code == 0
    entry = status_json(settled)
    assert entry["latest_version"] == "5"
    assert entry["signoff"]["marketing"] == {"state": "pending", "by": [], "last_approved": None,
                                             "changes_since_last_approved": None}
    sales = entry["signoff"]["sales"]
    assert sales["state"] == "approved"
    assert [(b["name"], b["email"], b["decision"]) for b in sales["by"]] == [
        ("Sam Ortega", "sam@acme.example", "approve")]
    assert entry["blockers"] == [{"kind": "approval-missing", "item": "marketing",
                                  "message": "no marketing approval of version 5"}]

    assert reject(settled, KIT, "marketing", MONA, "Pricing is wrong").code == 0
    entry = status_json(settled)
    assert entry["signoff"]["marketing"]["state"] == "rejected"
    assert (entry["blockers"][0]["kind"], entry["blockers"][0]["item"]) == ("rejected",
                                                                           "marketing")
    assert entry["blockers"][0]["message"].startswith("rejected by Mona Reyes (marketing)")

    text = run_kitgen("status", cwd=settled).stdout
    assert f"{KIT} — Acme 1.0 launch kit\n" in text
    assert "  latest version: 5 (not released); latest released version: none yet\n" in text
    assert "  marketing: rejected version 5 (Mona Reyes: Pricing is wrong); it needs a new " \
        "version\n" in text
    assert "  sales: approved version 5 (Sam Ortega, " in text
    assert "  blocking the release:\n    - rejected by Mona Reyes (marketing) on " in text


def test_status_shows_latest_released(settled: Path) -> None:
    assert approve(settled, KIT, "sales", SAM).code == 0
    assert approve(settled, KIT, "marketing", MARA).code == 0
    assert run_kitgen("build", "--release", cwd=settled).code == 0
    entry = status_json(settled)
    assert entry["released"] is True and entry["latest_released"] == "5"
    assert {s: v["state"] for s, v in entry["signoff"].items()} == {
        "marketing": "approved", "sales": "approved"}


def test_status_of_unknown_kit_is_bad_input(built: Path) -> None:
    result = run_kitgen("status", "no-such-kit", cwd=built)
    assert result.code == 2
    assert "no kit 'no-such-kit' in kits/" in result.text and f"Kits: {KIT}." in result.text

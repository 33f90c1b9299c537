"""Placeholders never pass: text and addresses left exactly as `kitgen new` wrote them are
warnings, `check --strict` fails on them and `approve` refuses them. Real kits may use any
domain, `.example` ones included: only the scaffold's own placeholders count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers import (
    MARA,
    approve,
    locate,
    make_workspace,
    minimal_kit,
    records,
    run_kitgen,
    sendable,
    small_kit,
    write_kit,
)

TODAY = "2026-11-20"
TITLE = "REPLACE with the kit's title, e.g. Acme 2.0 launch kit"


@pytest.fixture
def scaffolded(workspace: Path) -> Path:
    result = run_kitgen("new", "acme-launch", cwd=workspace, env={"KITGEN_TODAY": TODAY})
    assert result.code == 0, result.output
    return workspace / "requirements" / "acme-launch.yaml"


def test_a_fresh_scaffold_lists_every_placeholder(
    workspace: Path, scaffolded: Path
) -> None:
    result = run_kitgen("check", "--json", cwd=workspace, env={"KITGEN_TODAY": TODAY})
    assert result.code == 0, result.output
    [report] = json.loads(result.stdout)
    text = scaffolded.read_text(encoding="utf-8")
    warnings = {w["item"]: w for w in report["warnings"]}
    assert warnings["title"] == {
        "item": "title",
        "message": "still the placeholder `kitgen new` wrote: replace it with the real text",
        "line": locate(text, "title: REPLACE")[0],
    }
    assert warnings["owners.sales.email"]["message"] == (
        "still the placeholder address `kitgen new` wrote: write the real address")
    assert warnings["signoff.marketing[0]"]["message"] == (
        "still the placeholder address `kitgen new` wrote: write the real address")
    replace_texts = [v for v in _strings(yaml.safe_load(text)) if v.startswith("REPLACE")]
    assert len(report["warnings"]) == len(replace_texts) + 4


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_strict_check_fails_on_placeholders_and_says_why(
    workspace: Path, scaffolded: Path
) -> None:
    # Settle the negotiation, so that only the placeholders stand in the way.
    data = yaml.safe_load(scaffolded.read_text(encoding="utf-8"))
    data["requirements"] = data["requirements"][:1]
    write_kit(workspace / "requirements", data, "acme-launch.yaml")
    result = run_kitgen("check", "--strict", cwd=workspace, env={"KITGEN_TODAY": TODAY})
    assert result.code == 1, result.output
    assert "title: still the placeholder `kitgen new` wrote" in result.stderr
    assert "error: --strict: not ready for sign-off:" in result.stderr


def test_a_real_kit_on_an_example_domain_has_no_placeholder(
    workspace: Path
) -> None:
    data = sendable(minimal_kit(title="REPLACE the old pricing slide: a kit about that"))
    data["owners"]["sales"]["email"] = "sales.owner@example.org"
    write_kit(workspace / "requirements", data)
    result = run_kitgen("check", "--json", "--strict", cwd=workspace)
    assert result.code == 0, result.output
    assert json.loads(result.stdout)[0]["warnings"] == []


@pytest.mark.slow
def test_approve_refuses_a_version_that_holds_placeholders(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    make_workspace(root, small_kit(title=TITLE))
    assert run_kitgen("build", cwd=root).code == 0
    refused = approve(root, "acme-launch", "marketing", MARA)
    assert refused.code == 1, refused.text
    assert "cannot be approved: it still holds 1 placeholder `kitgen new` wrote" in refused.stderr
    assert f"title: {TITLE}" in refused.stderr
    assert records(root, "acme-launch") == []

"""Placeholders never pass: text and addresses left exactly as `kitgen new` wrote them are
warnings, `check --strict` fails on them and `approve` refuses them. Real kits may use any
domain, `.example` ones included: only the scaffold's own placeholders count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import Kitgen
from helpers import locate, minimal_kit, sendable, write_kit
from signoff_helpers import MARA, approve, cli, records, small_kit
from signoff_helpers import write_kit as write_signoff_kit

TODAY = "2026-11-20"
TITLE = "REPLACE with the kit's title, e.g. Acme 2.0 launch kit"


@pytest.fixture
def scaffolded(kitgen: Kitgen, workspace: Path) -> Path:
    result = kitgen("new", "acme-launch", cwd=workspace, env={"KITGEN_TODAY": TODAY})
    assert result.exit_code == 0, result.output
    return workspace / "requirements" / "acme-launch.yaml"


def test_a_fresh_scaffold_lists_every_placeholder(
    kitgen: Kitgen, workspace: Path, scaffolded: Path
) -> None:
    result = kitgen("check", "--json", cwd=workspace, env={"KITGEN_TODAY": TODAY})
    assert result.exit_code == 0, result.output
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
    kitgen: Kitgen, workspace: Path, scaffolded: Path
) -> None:
    # Settle the negotiation, so that only the placeholders stand in the way.
    data = yaml.safe_load(scaffolded.read_text(encoding="utf-8"))
    data["requirements"] = data["requirements"][:1]
    write_kit(workspace / "requirements", data, "acme-launch.yaml")
    result = kitgen("check", "--strict", cwd=workspace, env={"KITGEN_TODAY": TODAY})
    assert result.exit_code == 1, result.output
    assert "title: still the placeholder `kitgen new` wrote" in result.stderr
    assert "error: --strict: not ready for sign-off:" in result.stderr


def test_a_real_kit_on_an_example_domain_has_no_placeholder(
    kitgen: Kitgen, workspace: Path
) -> None:
    data = sendable(minimal_kit(title="REPLACE the old pricing slide: a kit about that"))
    data["owners"]["sales"]["email"] = "sales.owner@example.org"
    write_kit(workspace / "requirements", data)
    result = kitgen("check", "--json", "--strict", cwd=workspace)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["warnings"] == []


@pytest.mark.slow
def test_approve_refuses_a_version_that_holds_placeholders(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_signoff_kit(root, small_kit(title=TITLE))
    assert cli("build", cwd=root).code == 0
    refused = approve(root, "acme-launch", "marketing", MARA)
    assert refused.code == 1, refused.text
    assert "cannot be approved: it still holds 1 placeholder `kitgen new` wrote" in refused.stderr
    assert f"title: {TITLE}" in refused.stderr
    assert records(root, "acme-launch") == []

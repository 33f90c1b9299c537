"""Ids as people write them: item ids take letters of either case, digits, `-`, `_` and `.`
(`REQ-1`, `Contoso_BI`, `v2.1`); references match them exactly; kit ids stay slugs, and the
error for one suggests the slug form of what was written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    battlecard,
    make_workspace,
    minimal_kit,
    pdf_text,
    playbook,
    requirement,
    run_kitgen,
    staller,
    value_prop,
    write_kit,
)

from kitgen.base.errors import InvalidKitFile
from kitgen.load.reader import load_kit


def people_kit(**overrides: Any) -> dict[str, Any]:
    """A kit whose ids are written the way teams write them in spreadsheets and tickets."""
    claim = {"claim": "Works offline.", "proof": "Pilot at Initech.", "source": "Pilot notes",
             "feature": "roadmap.v2.1"}
    data = minimal_kit(
        requirements=[
            requirement(id="REQ-1", delivered_by=["battlecards.Contoso_BI"]),
            requirement(id="REQ-2", delivered_by=["value_props.CFO.v2"]),
            requirement(id="req_3.a", delivered_by=["playbook.stallers.send_info"]),
        ],
        battlecards=[battlecard(id="Contoso_BI", competitor="Contoso BI")],
        value_props=[value_prop(id="CFO.v2", audience="internal", claims=[claim])],
        playbook=playbook(stallers=[staller(id="send_info", assets=["battlecards.Contoso_BI"])]),
        roadmap=[{"id": "v2.1", "feature": "Offline mode", "stage": "development"}],
    )
    data.update(overrides)
    return data


def problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidKitFile) as caught:
        load_kit(write_kit(tmp_path, data), tmp_path)
    return [str(p) for p in caught.value.problems]


def test_item_ids_as_people_write_them_pass_check(workspace: Path) -> None:
    write_kit(workspace / "requirements", people_kit())
    result = run_kitgen("check", "--json", cwd=workspace)
    assert result.code == 0, result.output
    [report] = json.loads(result.stdout)
    assert report["counts"]["agreed"] == 3
    assert report["undelivered"] == []


@pytest.mark.slow
def test_item_ids_as_people_write_them_build(workspace: Path) -> None:
    write_kit(workspace / "requirements", people_kit())
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 0, result.output
    version = workspace / "kits" / "acme-launch" / "1"
    # File names are safe on every file system and stable: lower case, `_` and `.` as `-`.
    assert sorted(p.name for p in version.glob("*.pdf")) == [
        "battlecard-contoso-bi.pdf", "index.pdf", "playbook.pdf", "value-prop-cfo-v2.pdf",
    ]
    index = pdf_text(version / "index.pdf")
    assert "REQ-1" in index and "REQ-2" in index and "req_3.a" in index
    # The claim's roadmap feature is found by its dotted id and shown with its stage.
    sheet = pdf_text(version / "value-prop-cfo-v2.pdf")
    assert "ROADMAP — NOT FOR CUSTOMERS Offline mode: development, about 60% likely" in sheet


def test_a_reference_differing_only_in_case_gets_did_you_mean(tmp_path: Path) -> None:
    data = people_kit(requirements=[requirement(id="REQ-1",
                                                delivered_by=["battlecards.contoso_bi"])])
    [problem] = problems(tmp_path, data)
    assert "`battlecards.contoso_bi` does not refer to anything in this kit" in problem
    assert "Fix: did you mean `battlecards.Contoso_BI`?" in problem


def test_a_reference_to_a_dotted_id_is_not_cut_at_its_dots(tmp_path: Path) -> None:
    data = people_kit(requirements=[requirement(id="REQ-1", delivered_by=["value_props.CFO"])])
    [problem] = problems(tmp_path, data)
    assert "`value_props.CFO` does not refer to anything" in problem
    assert "did you mean `value_props.CFO.v2`?" in problem


def test_ids_that_would_share_a_file_name_are_refused(tmp_path: Path) -> None:
    data = minimal_kit(battlecards=[battlecard(id="globex"), battlecard(id="Globex")])
    [problem] = problems(tmp_path, data)
    assert "battlecards[1].id" in problem
    assert "`Globex` and `globex` would both be written to battlecard-globex.pdf" in problem


@pytest.mark.parametrize("item_id", ["REQ 1", "req/1", "../x", ".hidden", "-x", "a" * 65, "é"])
def test_item_ids_refuse_what_is_not_a_name(tmp_path: Path, item_id: str) -> None:
    data = minimal_kit(requirements=[requirement(id=item_id)])
    [problem] = problems(tmp_path, data)
    assert "requirements[0].id" in problem
    assert ("letters, digits, `-`, `_` and `.`" in problem
            or "at most 64 characters" in problem)


@pytest.mark.parametrize(
    "written, slug",
    [("Acme Launch", "acme-launch"), ("Acme_2.0", "acme-2-0"), ("../../etc", "etc")],
)
def test_the_kit_id_error_suggests_its_slug_form(tmp_path: Path, written: str, slug: str) -> None:
    [problem] = problems(tmp_path, minimal_kit(kit=written))
    assert f"Fix: a kit id names its folder under kits/: write `kit: {slug}`" in problem


def test_new_suggests_the_slug_form_of_a_kit_id(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    result = run_kitgen("new", "Acme_Launch", cwd=root)
    assert result.code == 2
    assert "'Acme_Launch' is not a kit id" in result.stderr
    assert "kitgen new acme-launch" in result.stderr

"""Audience in `kitgen check`, before anything is rendered: a value prop that does not say who may
read it, and a stall that leaves a rep nothing to send the buyer, are warnings at their place in
the file (``--strict`` fails on them); a kit that says both is quiet."""

from __future__ import annotations

from pathlib import Path

import helpers
from helpers import battlecard, minimal_kit, requirement, run_kitgen, staller, value_prop

TODAY = {"KITGEN_TODAY": "2026-11-20"}


def kit_with(**overrides: object) -> dict[str, object]:
    sheet = value_prop(id="roi", persona="Finance team")
    del sheet["audience"]
    data = minimal_kit(
        requirements=[requirement(), requirement(id="roi-sheet", need="A sheet.",
                                                 delivered_by=["value_props.roi"])],
        battlecards=[battlecard()],
        value_props=[sheet],
        playbook=helpers.playbook(stallers=[staller(assets=["battlecards.globex",
                                                            "value_props.roi"])]),
    )
    data.update(overrides)
    return data


def test_check_warns_where_the_file_leaves_a_rep_nothing_to_send(workspace: Path) -> None:
    path = helpers.write_kit(workspace / "requirements", kit_with())
    text = path.read_text()
    result = run_kitgen("check", cwd=workspace, env=TODAY)
    assert result.code == 0, result.stderr

    line, column = helpers.locate(text, "- id: roi\n")
    assert (f"requirements/acme-launch.yaml:{line}:{column + 2}: value_props.roi: no "
            "`audience:`") in result.stderr
    assert "add `audience: customer`" in result.stderr

    line, column = helpers.locate(text, "- battlecards.globex", 2)
    assert (f"requirements/acme-launch.yaml:{line}:{column}: playbook.stallers.send-info: "
            "nothing a rep may send the buyer") in result.stderr
    assert "battlecards.globex, value_props.roi) are internal" in result.stderr
    assert run_kitgen("check", "--strict", cwd=workspace, env=TODAY).code == 1


def test_a_stall_with_no_assets_at_all_is_warned_too(workspace: Path) -> None:
    kit = kit_with(playbook=helpers.playbook(stallers=[staller(assets=[])]))
    helpers.write_kit(workspace / "requirements", kit)
    result = run_kitgen("check", cwd=workspace, env=TODAY)
    assert "playbook.stallers.send-info: nothing a rep may send" in result.stderr
    assert "it lists no assets" in result.stderr


def test_a_kit_that_says_who_may_read_what_is_quiet(workspace: Path) -> None:
    kit = kit_with()
    kit["value_props"][0]["audience"] = "customer"  # type: ignore[index]
    helpers.write_kit(workspace / "requirements", kit)
    result = run_kitgen("check", "--strict", cwd=workspace, env=TODAY)
    assert result.code == 0, result.stderr
    assert "warning" not in result.stderr


def test_an_explicitly_internal_sheet_is_no_warning_but_cannot_be_sent(workspace: Path) -> None:
    kit = kit_with()
    kit["value_props"][0]["audience"] = "internal"  # type: ignore[index]
    helpers.write_kit(workspace / "requirements", kit)
    result = run_kitgen("check", cwd=workspace, env=TODAY)
    assert "no `audience:`" not in result.stderr
    assert "nothing a rep may send the buyer" in result.stderr


def test_check_names_characters_the_fonts_cannot_draw(workspace: Path) -> None:
    kit = kit_with()
    kit["battlecards"] = [battlecard(competitor="Tokyo Analytics 東京")]
    path = helpers.write_kit(workspace / "requirements", kit)
    line, column = helpers.locate_value(path.read_text(), "competitor")
    result = run_kitgen("check", cwd=workspace, env=TODAY)
    assert (f"requirements/acme-launch.yaml:{line}:{column}: battlecards.globex.competitor: the "
            "fonts cannot draw 東 (U+6771) 京 (U+4EAC)") in result.stderr
    assert "add a font that has these characters" in result.stderr

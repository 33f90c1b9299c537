"""The requirement file's models: what is valid, and what is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from helpers import (
    EXAMPLES,
    battlecard,
    minimal_kit,
    playbook,
    requirement,
    staller,
    value_prop,
)
from pydantic import ValidationError

from kitgen.load.model import KitFile


def errors(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        KitFile.model_validate(data)
    return [(tuple(e["loc"]), e["type"]) for e in caught.value.errors()]


def test_minimal_kit_is_valid() -> None:
    kit = KitFile.model_validate(minimal_kit())
    assert kit.kit == "acme-launch"
    assert kit.launch == dt.date(2027, 3, 1)
    assert kit.version is None
    assert kit.roadmap == []


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_are_valid(path: Any) -> None:
    kit = KitFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert kit.kit == path.stem


def test_requirement_from_is_read_from_its_yaml_name() -> None:
    kit = KitFile.model_validate(minimal_kit(requirements=[requirement(**{"from": "marketing"})]))
    assert kit.requirements[0].from_ == "marketing"
    assert kit.model_dump(by_alias=True)["requirements"][0]["from"] == "marketing"


@pytest.mark.parametrize(
    "where, overrides",
    [
        ("top level", {"summry": "x"}),
        ("battlecard", {"battlecards": [battlecard(notes="x")]}),
        (
            "owner",
            {
                "owners": {
                    "marketing": {"name": "M", "email": "m@a.example", "phone": "1"},
                    "sales": {"name": "S", "email": "s@a.example"},
                }
            },
        ),
    ],
)
def test_unknown_keys_are_errors(where: str, overrides: dict[str, Any]) -> None:
    assert any(kind == "extra_forbidden" for _, kind in errors(minimal_kit(**overrides)))


@pytest.mark.parametrize(
    "field, value",
    [("title", False), ("product", True), ("version", 1.1), ("title", 7)],
)
def test_yaml_coerced_scalars_are_not_text(field: str, value: Any) -> None:
    assert errors(minimal_kit(**{field: value})) == [((field,), "string_type")]


@pytest.mark.parametrize(
    "kit_id",
    ["Acme", "acme launch", "../etc", "acme/launch", "-acme", "", "a" * 65, "acme_launch"],
)
def test_kit_id_must_be_a_slug(kit_id: str) -> None:
    assert [loc for loc, _ in errors(minimal_kit(kit=kit_id))] == [("kit",)]


def test_kit_id_may_be_64_characters() -> None:
    assert KitFile.model_validate(minimal_kit(kit="a" * 64)).kit == "a" * 64


@pytest.mark.parametrize("version", ["1.0.0", "2.10.3", "1.0.0-rc.1"])
def test_pinned_version_is_semver(version: str) -> None:
    assert KitFile.model_validate(minimal_kit(version=version)).version == version


@pytest.mark.parametrize("version", ["1", "1.0", "v1.0.0", "01.0.0", "1.0.0 "])
def test_pinned_version_that_is_not_semver_is_refused(version: str) -> None:
    assert [loc for loc, _ in errors(minimal_kit(version=version))] == [("version",)]


@pytest.mark.parametrize("launch", ["2026-02-30", "next spring", "2026-13-01"])
def test_launch_must_be_a_real_date(launch: str) -> None:
    assert [loc for loc, _ in errors(minimal_kit(launch=launch))] == [("launch",)]


def test_status_is_one_of_four() -> None:
    data = minimal_kit(requirements=[requirement(status="approved")])
    assert errors(data) == [(("requirements", 0, "status"), "literal_error")]


def test_disputed_requirement_needs_positions() -> None:
    data = minimal_kit(requirements=[requirement(status="disputed")])
    assert [loc for loc, _ in errors(data)] == [("requirements", 0)]


def test_disputed_requirement_with_both_positions_is_valid() -> None:
    positions = {"sales": "Say it works offline.", "marketing": "Say what is cached."}
    kit = KitFile.model_validate(
        minimal_kit(requirements=[requirement(status="disputed", positions=positions)])
    )
    assert kit.requirements[0].positions is not None
    assert kit.requirements[0].positions.sales == "Say it works offline."


def test_positions_need_both_sides() -> None:
    data = minimal_kit(
        requirements=[requirement(status="disputed", positions={"sales": "Say it works offline."})]
    )
    assert errors(data) == [(("requirements", 0, "positions", "marketing"), "missing")]


def test_one_person_cannot_sign_for_both_sides() -> None:
    signoff = {
        "marketing": ["mara@acme.example"],
        "sales": ["sam@acme.example", "mara@acme.example"],
    }
    with pytest.raises(ValidationError, match="mara@acme.example"):
        KitFile.model_validate(minimal_kit(signoff=signoff))


@pytest.mark.parametrize("side", ["marketing", "sales"])
def test_each_side_needs_a_signer(side: str) -> None:
    signoff = {"marketing": ["mara@acme.example"], "sales": ["sam@acme.example"], side: []}
    assert errors(minimal_kit(signoff=signoff)) == [(("signoff", side), "too_short")]


def test_signer_must_be_an_email() -> None:
    signoff = {"marketing": ["Mara Quinn"], "sales": ["sam@acme.example"]}
    assert [loc for loc, _ in errors(minimal_kit(signoff=signoff))] == [("signoff", "marketing", 0)]


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_text_must_not_be_blank(text: str) -> None:
    assert [loc for loc, _ in errors(minimal_kit(title=text))] == [("title",)]


@pytest.mark.parametrize("days", ["7", 7.5, -1, 366, True])
def test_escalate_after_days_is_a_whole_number_of_days(days: Any) -> None:
    data = minimal_kit(playbook=playbook(stallers=[staller(escalate_after_days=days)]))
    assert [loc for loc, _ in errors(data)] == [("playbook", "stallers", 0, "escalate_after_days")]


@pytest.mark.parametrize("stage", ["concept", "development", "launch-ready", "shipped"])
def test_roadmap_stages(stage: str) -> None:
    roadmap = [{"id": "offline", "feature": "Offline mode", "stage": stage}]
    assert KitFile.model_validate(minimal_kit(roadmap=roadmap)).roadmap[0].stage == stage


def test_roadmap_stage_outside_the_four_is_refused() -> None:
    roadmap = [{"id": "offline", "feature": "Offline mode", "stage": "beta"}]
    assert errors(minimal_kit(roadmap=roadmap)) == [(("roadmap", 0, "stage"), "literal_error")]


def test_value_prop_needs_pains_and_claims_with_sources() -> None:
    claim = {"claim": "Faster.", "proof": "Initech benchmark."}
    data = minimal_kit(value_props=[value_prop(pains=[], claims=[claim])])
    assert sorted(loc for loc, _ in errors(data)) == [
        ("value_props", 0, "claims", 0, "source"),
        ("value_props", 0, "pains"),
    ]


def test_playbook_needs_a_staller_and_both_roles() -> None:
    data = minimal_kit(playbook={"stallers": []})
    assert sorted(loc for loc, _ in errors(data)) == [
        ("playbook", "decision_maker"),
        ("playbook", "nay_sayer"),
        ("playbook", "stallers"),
    ]


def test_models_are_frozen() -> None:
    kit = KitFile.model_validate(minimal_kit())
    with pytest.raises(ValidationError):
        kit.title = "changed"  # type: ignore[misc]

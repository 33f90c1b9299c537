"""The worked example: what `kitgen init` ships must be the example in the repository, and it
must show both states of a negotiation (issue 2, "A worked example")."""

from __future__ import annotations

from collections import Counter

import pytest
from helpers import EXAMPLES, OPEN_EXAMPLE, PACKAGED_EXAMPLES, READY_EXAMPLE

from kitgen.load.model import KitFile
from kitgen.load.reader import load_kit


def load_example(name: str) -> KitFile:
    return load_kit(EXAMPLES / f"{name}.yaml", EXAMPLES.parent).kit


def test_repository_and_packaged_examples_are_identical() -> None:
    repo = {p.name: p.read_bytes() for p in EXAMPLES.glob("*.yaml")}
    packaged = {p.name: p.read_bytes() for p in PACKAGED_EXAMPLES.glob("*.yaml")}
    assert set(repo) == {f"{READY_EXAMPLE}.yaml", f"{OPEN_EXAMPLE}.yaml"}
    assert repo == packaged


@pytest.mark.parametrize("name", [READY_EXAMPLE, OPEN_EXAMPLE])
def test_example_file_is_named_after_its_kit(name: str) -> None:
    assert load_example(name).kit == name


def test_ready_example_is_fully_negotiated() -> None:
    kit = load_example(READY_EXAMPLE)
    statuses = Counter(r.status for r in kit.requirements)
    assert len(kit.requirements) >= 6
    assert set(statuses) <= {"agreed", "dropped"}
    # At least one item was argued out: both positions kept, and how it was settled.
    settled = [r for r in kit.requirements if r.positions is not None and r.resolution]
    assert settled
    assert all(r.delivered_by for r in kit.requirements if r.status == "agreed")


def test_ready_example_has_the_content_the_issue_asks_for() -> None:
    kit = load_example(READY_EXAMPLE)
    assert len({card.competitor for card in kit.battlecards}) == 2
    assert len({vp.persona for vp in kit.value_props}) == 2
    assert len(kit.playbook.stallers) >= 4
    assert kit.playbook.nay_sayer.concerns and kit.playbook.nay_sayer.approach
    assert kit.playbook.decision_maker.cares_about and kit.playbook.decision_maker.approach


def test_open_example_is_mid_negotiation() -> None:
    kit = load_example(OPEN_EXAMPLE)
    disputed = [r for r in kit.requirements if r.status == "disputed"]
    proposed = [r for r in kit.requirements if r.status == "proposed"]
    assert disputed and proposed
    for requirement in disputed:
        assert requirement.positions is not None
        assert requirement.positions.sales.strip() and requirement.positions.marketing.strip()
        assert requirement.positions.sales != requirement.positions.marketing


def test_examples_use_every_kind_of_reference() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in EXAMPLES.glob("*.yaml"))
    for prefix in (
        "battlecards.",
        "value_props.",
        "playbook.stallers.",
        "playbook.nay_sayer",
        "playbook.decision_maker",
        "roadmap.",
    ):
        assert prefix in text, prefix

"""The content diff behind `diff`, the approve review, a version's "What changed" and `status`:
for any edits to a kit it names every field that changed, with its old and new value, and
nothing else; changes are located as the requirement file's references are written."""

from __future__ import annotations

import copy
import string
from typing import Any

import helpers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kitgen.load.model import KitFile
from kitgen.version.content_diff import FieldChange, diff_kits, touched_requirements


def base_kit() -> dict[str, Any]:
    """A kit with something in every part the diff walks: two of each item, claims,
    objections, a pricing note, keys, a roadmap."""
    claims = [
        {"claim": "Cut month-end by 40 percent.", "proof": "Initech: 5 days to 3.",
         "source": "Case study 2026", "feature": "roadmap.live-query"},
        {"claim": "Costs do not grow per viewer.", "proof": "Tailspin: 80 to 620 viewers.",
         "source": "Case study 2025"},
    ]
    return helpers.minimal_kit(
        signoff={"marketing": ["mara@acme.example"], "sales": ["sam@acme.example"],
                 "keys": {"sam@acme.example": "ssh-ed25519 AAAAsam sam"}},
        requirements=[
            helpers.requirement(),
            helpers.requirement(id="stall-send-info", need="A talk track for 'send info'.",
                                delivered_by=["playbook.stallers.send-info"]),
            helpers.requirement(id="cfo-sheet", need="A CFO sheet.",
                                delivered_by=["value_props.cfo"]),
            helpers.requirement(id="old-ask", need="A poster.", status="dropped",
                                delivered_by=[]),
        ],
        value_props=[helpers.value_prop(claims=claims)],
        battlecards=[helpers.battlecard(pricing="List price $500k for 500 seats."),
                     helpers.battlecard(id="contoso", competitor="Contoso BI")],
        playbook=helpers.playbook(stallers=[helpers.staller(),
                                            helpers.staller(id="not-now", stall="Not now.")]),
        roadmap=[{"id": "live-query", "feature": "Live query", "stage": "development"}],
    )


def at(data: Any, *keys: Any) -> Any:
    for key in keys:
        data = data[key]
    return data


WORDS = st.text(alphabet=string.ascii_letters + " ,.$", min_size=1, max_size=60).filter(
    lambda t: t.strip() != "")
EMAILS = st.from_regex(r"[a-z]{1,12}@acme\.example", fullmatch=True).filter(
    lambda e: e not in ("mara@acme.example", "sam@acme.example"))
SET, APPEND = "set", "append"

# Where the diff must say the change is; the keys of the value in the file; whether the edit
# replaces it or appends to it; the values it may take.
EDITS: list[tuple[str, tuple[Any, ...], str, st.SearchStrategy[Any]]] = [
    ("title", ("title",), SET, WORDS),
    ("launch", ("launch",), SET, st.sampled_from(["2027-03-02", "2027-04-01"])),
    ("owners.sales.name", ("owners", "sales", "name"), SET, WORDS),
    ("signoff.sales", ("signoff", "sales"), APPEND, EMAILS),
    ("signoff.keys.sam@acme.example", ("signoff", "keys", "sam@acme.example"), SET,
     WORDS.map(lambda t: f"ssh-ed25519 AAAA{t.replace(' ', '')}x sam")),
    ("signoff.require_signatures", ("signoff", "require_signatures"), SET, st.just(True)),
    ("requirements.card-globex.need", ("requirements", 0, "need"), SET, WORDS),
    ("requirements.card-globex.status", ("requirements", 0, "status"), SET,
     st.sampled_from(["proposed", "dropped"])),
    ("requirements.stall-send-info.delivered_by", ("requirements", 1, "delivered_by"), APPEND,
     st.just("playbook.nay_sayer")),
    ("value_props.cfo.claims[0].proof", ("value_props", 0, "claims", 0, "proof"), SET, WORDS),
    ("value_props.cfo.claims[1].source", ("value_props", 0, "claims", 1, "source"), SET, WORDS),
    ("value_props.cfo.audience", ("value_props", 0, "audience"), SET, st.just("internal")),
    ("battlecards.globex.pricing", ("battlecards", 0, "pricing"), SET, WORDS),
    ("battlecards.globex.why_we_win", ("battlecards", 0, "why_we_win"), APPEND, WORDS),
    ("battlecards.globex.objections[0].response",
     ("battlecards", 0, "objections", 0, "response"), SET, WORDS),
    ("battlecards.contoso.verified_on", ("battlecards", 1, "verified_on"), SET,
     st.sampled_from(["2026-12-01", "2027-01-15"])),
    ("battlecards.contoso.pricing", ("battlecards", 1, "pricing"), SET, WORDS),  # new field
    ("playbook.stallers.send-info.next_step", ("playbook", "stallers", 0, "next_step"), SET,
     WORDS),
    ("playbook.stallers.not-now.escalate_after_days",
     ("playbook", "stallers", 1, "escalate_after_days"), SET, st.integers(8, 365)),
    ("playbook.nay_sayer.concerns", ("playbook", "nay_sayer", "concerns"), APPEND, WORDS),
    ("playbook.decision_maker.approach", ("playbook", "decision_maker", "approach"), APPEND,
     WORDS),
    ("roadmap.live-query.stage", ("roadmap", 0, "stage"), SET,
     st.sampled_from(["concept", "launch-ready", "shipped"])),
    ("battlecards.initech", ("battlecards",), APPEND,
     st.just(helpers.battlecard(id="initech", competitor="Initech BI"))),
]


@st.composite
def edited(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    """A kit, the same kit after random edits, and where the edits changed something."""
    before = base_kit()
    after = copy.deepcopy(before)
    expected = set()
    for number in draw(st.lists(st.sampled_from(range(len(EDITS))), unique=True, max_size=8)):
        where, keys, how, values = EDITS[number]
        value = draw(values)
        parent = at(after, *keys[:-1])
        if how == APPEND:
            at(after, *keys).append(value)
            expected.add(where)
        elif parent.get(keys[-1]) != value:
            parent[keys[-1]] = value
            expected.add(where)
    if draw(st.booleans()):  # a whole item removed (no edit above touches it)
        after["requirements"] = [r for r in after["requirements"] if r["id"] != "old-ask"]
        expected.add("requirements.old-ask")
    return before, after, expected


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(edited())
def test_the_diff_names_every_changed_field_and_nothing_else(
    case: tuple[dict[str, Any], dict[str, Any], set[str]],
) -> None:
    before, after, expected = case
    old, new = KitFile.model_validate(before), KitFile.model_validate(after)
    changes = diff_kits(old, new)
    assert {c.path for c in changes} == expected
    for change in changes:
        assert change.before != change.after
        assert FieldChange.from_json(change.as_json()) == change  # as a manifest records it
    assert diff_kits(new, new) == ()
    assert {c.path for c in diff_kits(new, old)} == expected


def test_old_and_new_values_of_a_text_a_list_and_a_whole_item() -> None:
    before = base_kit()
    after = copy.deepcopy(before)
    after["battlecards"][0]["pricing"] = "List price $750k for 500 seats."
    after["battlecards"][0]["why_we_win"] = ["Live query.", "Unlimited viewers per workspace."]
    after["value_props"][0]["claims"].insert(0, {"claim": "New.", "proof": "P.", "source": "S."})
    after["battlecards"].append(helpers.battlecard(id="initech", competitor="Initech BI"))
    changes = {c.path: c for c in diff_kits(KitFile.model_validate(before),
                                             KitFile.model_validate(after))}
    # In the file's order: value props before battlecards, a battlecard's fields as listed.
    assert list(changes) == ["value_props.cfo.claims[0]", "battlecards.globex.why_we_win",
                             "battlecards.globex.pricing", "battlecards.initech"]
    pricing = changes["battlecards.globex.pricing"]
    assert (pricing.item, pricing.field, pricing.change) == ("battlecards.globex", "pricing",
                                                             "changed")
    assert (pricing.before, pricing.after) == ("List price $500k for 500 seats.",
                                               "List price $750k for 500 seats.")
    listed = changes["battlecards.globex.why_we_win"]
    assert (listed.entries_added, listed.entries_removed) == (("Live query.",), ())
    assert changes["value_props.cfo.claims[0]"].change == "added"  # the others kept their place
    assert changes["battlecards.initech"].now == "Initech BI"


def test_a_claim_inserted_before_an_edited_one_is_one_added_and_one_edited() -> None:
    before = base_kit()
    after = copy.deepcopy(before)
    after["value_props"][0]["claims"][0]["proof"] = "Initech: 5 days to 2."
    after["value_props"][0]["claims"].insert(0, {"claim": "Audit-ready numbers.",
                                                 "proof": "SOC 2 Type II, 2026.",
                                                 "source": "Trust centre"})
    changes = diff_kits(KitFile.model_validate(before), KitFile.model_validate(after))
    assert [(c.path, c.change, c.before) for c in changes] == [
        ("value_props.cfo.claims[1].proof", "changed", "Initech: 5 days to 3."),
        ("value_props.cfo.claims[0]", "added", None)]


def test_moving_items_is_one_change_of_order() -> None:
    before = base_kit()
    after = copy.deepcopy(before)
    after["battlecards"].reverse()
    after["playbook"]["stallers"].reverse()
    changes = diff_kits(KitFile.model_validate(before), KitFile.model_validate(after))
    assert [(c.path, c.change, c.before, c.after) for c in changes] == [
        ("battlecards", "reordered", ["globex", "contoso"], ["contoso", "globex"]),
        ("playbook.stallers", "reordered", ["send-info", "not-now"], ["not-now", "send-info"]),
    ]


def test_requirements_touched_by_a_change_of_what_delivers_them() -> None:
    before = base_kit()
    after = copy.deepcopy(before)
    after["battlecards"][0]["pricing"] = "List price $750k."
    after["roadmap"][0]["stage"] = "shipped"  # named by a claim of value_props.cfo
    after["battlecards"][1]["summary"] = "Changed, but delivers no agreed requirement."
    new = KitFile.model_validate(after)
    touched = touched_requirements(new, diff_kits(KitFile.model_validate(before), new))
    assert [(t.requirement, t.item, [c.path for c in t.changes]) for t in touched] == [
        ("card-globex", "battlecards.globex", ["battlecards.globex.pricing"]),
        ("cfo-sheet", "value_props.cfo", ["roadmap.live-query.stage"]),
    ]

"""Loading a requirement file: every problem at once, each at its line and column, with a fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import (
    EXAMPLES,
    READY_EXAMPLE,
    battlecard,
    dump,
    locate,
    locate_value,
    minimal_kit,
    playbook,
    requirement,
    staller,
    value_prop,
    write_kit,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kitgen.base.errors import InvalidKitFile, Problem
from kitgen.load.reader import load_kit, load_kits


def problems_of(tmp_path: Path, data: Any, name: str = "kit.yaml") -> list[Problem]:
    path = write_kit(tmp_path, data, name)
    with pytest.raises(InvalidKitFile) as caught:
        load_kit(path, tmp_path)
    return caught.value.problems


def only_problem(tmp_path: Path, data: Any) -> Problem:
    problems = problems_of(tmp_path, data)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_example_loads_and_knows_where_each_value_is() -> None:
    path = EXAMPLES / f"{READY_EXAMPLE}.yaml"
    loaded = load_kit(path, EXAMPLES.parent)
    text = path.read_text(encoding="utf-8")
    assert loaded.name == f"requirements/{READY_EXAMPLE}.yaml"
    assert loaded.raw == path.read_bytes()
    assert loaded.kit.kit == READY_EXAMPLE
    assert loaded.where(("battlecards", 1, "competitor")) == locate_value(text, "competitor", 2)
    assert loaded.where(("requirements", 3, "id")) == locate_value(text, "- id", 4)


def test_valid_minimal_kit_loads(tmp_path: Path) -> None:
    loaded = load_kit(write_kit(tmp_path, minimal_kit()), tmp_path)
    assert loaded.kit.title == "Acme 1.0 launch kit"
    assert loaded.name == "acme-launch.yaml"


def test_every_problem_in_a_file_is_reported_at_once_each_at_its_place(tmp_path: Path) -> None:
    text = dump(
        minimal_kit(
            title="TITLE-PLACEHOLDER",
            launch="2026-02-30",
            requirements=[requirement(status="agred")],
            battlecards=[battlecard(summry="Dashboard-first BI.")],
        )
    ).replace("TITLE-PLACEHOLDER", "no")
    problems = problems_of(tmp_path, text)
    assert [(p.path, p.line, p.column) for p in problems] == [
        ("title", *locate_value(text, "title")),
        ("launch", *locate_value(text, "launch")),
        ("requirements[0].status", *locate_value(text, "status")),
        ("battlecards[0].summry", *locate(text, "summry")),
    ]
    assert all(p.file == "kit.yaml" and p.message and p.fix for p in problems)


def test_broken_references_come_with_type_errors(tmp_path: Path) -> None:
    text = dump(
        minimal_kit(
            title=7,
            requirements=[requirement(delivered_by=["battlecards.globx"])],
            battlecards=[battlecard(), battlecard(competitor="Globex again", verified_on="soon")],
        )
    )
    problems = problems_of(tmp_path, text)
    assert [(p.path, p.line) for p in problems] == [
        ("title", locate_value(text, "title")[0]),
        ("requirements[0].delivered_by[0]", locate(text, "battlecards.globx")[0]),
        ("battlecards[1].id", locate(text, "id: globex", 2)[0]),
        ("battlecards[1].verified_on", locate(text, "soon")[0]),
    ]
    assert problems[1].fix == "did you mean `battlecards.globex`?"


def test_reference_into_a_malformed_list_is_not_judged(tmp_path: Path) -> None:
    # `battlecards` is broken, so whether `battlecards.globex` exists cannot be known yet.
    problems = problems_of(tmp_path, minimal_kit(battlecards={"id": "globex"}))
    assert [p.path for p in problems] == ["battlecards"]


def test_problems_from_reading_and_from_the_schema_come_together(tmp_path: Path) -> None:
    text = dump(minimal_kit(tagline="Faster BI")) + "title: Acme again\n"
    problems = problems_of(tmp_path, text)
    assert sorted((p.path, p.line) for p in problems) == [
        ("tagline", locate(text, "tagline")[0]),
        ("title", locate(text, "title: Acme again")[0]),
    ]


def test_problem_reads_as_file_line_column_path_message_fix(tmp_path: Path) -> None:
    text = dump(minimal_kit(battlecards=[battlecard(summry="x")]))
    line, column = locate(text, "summry")
    assert str(only_problem(tmp_path, text)) == (
        f"kit.yaml:{line}:{column}: battlecards[0].summry: unknown key `summry`. "
        "Fix: did you mean `summary`?"
    )


@pytest.mark.parametrize(
    "typo, where, suggestion",
    [
        ("summry", {"battlecards": [battlecard(summry="x")]}, "summary"),
        ("requirments", {"requirments": []}, "requirements"),
        ("form", {"requirements": [requirement(form="sales")]}, "from"),
        (
            "respnse",
            {
                "battlecards": [
                    battlecard(
                        objections=[
                            {
                                "objection": "Too dear.",
                                "response": "Price it per year.",
                                "respnse": "x",
                            }
                        ]
                    )
                ]
            },
            "response",
        ),
        (
            "escalate_after",
            {"playbook": playbook(stallers=[staller(escalate_after=3)])},
            "escalate_after_days",
        ),
    ],
)
def test_unknown_key_suggests_the_nearest_valid_key(
    tmp_path: Path, typo: str, where: dict[str, Any], suggestion: str
) -> None:
    text = dump(minimal_kit(**where))
    problems = [p for p in problems_of(tmp_path, text) if p.message == f"unknown key `{typo}`"]
    assert len(problems) == 1
    assert problems[0].fix == f"did you mean `{suggestion}`?"
    assert (problems[0].line, problems[0].column) == locate(text, f"{typo}:")


def test_unknown_key_with_no_near_match_lists_the_valid_keys(tmp_path: Path) -> None:
    problem = only_problem(tmp_path, minimal_kit(zzz=1))
    assert "kit, title, product, launch" in problem.fix


@pytest.mark.parametrize(
    "line, written",
    [("title: no", "no"), ("product: on", "on"), ("title: yes", "yes")],
)
def test_yaml_11_coercions_are_type_errors_with_a_quote_it_fix(
    tmp_path: Path, line: str, written: str
) -> None:
    key = line.split(":")[0]
    text = dump({k: v for k, v in minimal_kit().items() if k != key}) + line + "\n"
    problem = only_problem(tmp_path, text)
    assert problem.path == key
    assert "expected text" in problem.message
    assert f'"{written}"' in problem.fix and "quote" in problem.fix
    assert (problem.line, problem.column) == locate_value(text, key)


def test_yaml_11_float_version_gets_the_version_it_means(tmp_path: Path) -> None:
    text = dump({k: v for k, v in minimal_kit().items() if k != "version"}) + "version: 1.10\n"
    problem = only_problem(tmp_path, text)
    assert problem.message == "1.10 is not a semantic version (YAML reads it as a number)"
    assert problem.fix == 'write version: "1.10.0"'
    assert (problem.line, problem.column) == locate_value(text, "version")


def test_disputed_requirement_without_positions_is_located(tmp_path: Path) -> None:
    text = dump(minimal_kit(requirements=[requirement(status="disputed")]))
    problem = only_problem(tmp_path, text)
    assert problem.path == "requirements[0].status"
    assert (problem.line, problem.column) == locate(text, "disputed")
    assert "positions" in problem.message
    assert "positions:" in problem.fix


def test_duplicate_ids_are_located_at_the_second(tmp_path: Path) -> None:
    stallers = [staller(id="send-info"), staller(id="send-info", stall="Not now.")]
    text = dump(minimal_kit(playbook=playbook(stallers=stallers)))
    problem = only_problem(tmp_path, text)
    assert problem.path == "playbook.stallers[1].id"
    assert (problem.line, problem.column) == locate(text, "send-info", 2)
    assert "duplicate id `send-info`" in problem.message


def test_duplicate_requirement_ids(tmp_path: Path) -> None:
    text = dump(minimal_kit(requirements=[requirement(), requirement(need="Again.")]))
    problem = only_problem(tmp_path, text)
    assert problem.path == "requirements[1].id"
    assert problem.line == locate(text, "id: card-globex", 2)[0]


@pytest.mark.parametrize(
    "overrides, bad_ref, path, suggestion",
    [
        (
            {"requirements": [requirement(delivered_by=["battlecards.globx"])]},
            "battlecards.globx",
            "requirements[0].delivered_by[0]",
            "battlecards.globex",
        ),
        (
            {"requirements": [requirement(delivered_by=["playbook.stallers.send-inf"])]},
            "playbook.stallers.send-inf",
            "requirements[0].delivered_by[0]",
            "playbook.stallers.send-info",
        ),
        (
            {
                "playbook": playbook(stallers=[staller(assets=["value_props.cfoo"])]),
                "value_props": [value_prop()],
            },
            "value_props.cfoo",
            "playbook.stallers[0].assets[0]",
            "value_props.cfo",
        ),
        (
            {
                "value_props": [
                    value_prop(
                        claims=[
                            {
                                "claim": "Fast.",
                                "proof": "Benchmark.",
                                "source": "BM-1",
                                "feature": "roadmap.ofline",
                            }
                        ]
                    )
                ],
                "roadmap": [{"id": "offline", "feature": "Offline mode", "stage": "shipped"}],
            },
            "roadmap.ofline",
            "value_props[0].claims[0].feature",
            "roadmap.offline",
        ),
        (
            {
                "battlecards": [
                    battlecard(
                        objections=[
                            {
                                "objection": "No AI.",
                                "response": "On the roadmap.",
                                "feature": "roadmap.ai",
                            }
                        ]
                    )
                ]
            },
            "roadmap.ai",
            "battlecards[0].objections[0].feature",
            None,
        ),
    ],
    ids=[
        "delivered_by",
        "delivered_by-staller",
        "staller-assets",
        "claim-feature",
        "objection-feature",
    ],
)
def test_unresolved_references_are_located(
    tmp_path: Path, overrides: dict[str, Any], bad_ref: str, path: str, suggestion: str | None
) -> None:
    text = dump(minimal_kit(**overrides))
    problem = only_problem(tmp_path, text)
    assert problem.path == path
    assert (problem.line, problem.column) == locate(text, bad_ref)
    assert f"`{bad_ref}` does not refer to anything" in problem.message
    if suggestion:
        assert problem.fix == f"did you mean `{suggestion}`?"
    else:
        assert problem.fix


def test_reference_to_the_wrong_kind_of_item_is_refused(tmp_path: Path) -> None:
    # A staller's asset is something to send; the nay-sayer page is not.
    text = dump(minimal_kit(playbook=playbook(stallers=[staller(assets=["playbook.nay_sayer"])])))
    problem = only_problem(tmp_path, text)
    assert problem.path == "playbook.stallers[0].assets[0]"
    assert problem.line == locate(text, "- playbook.nay_sayer")[0]


def test_every_reference_kind_resolves(tmp_path: Path) -> None:
    data = minimal_kit(
        requirements=[
            requirement(
                delivered_by=[
                    "battlecards.globex",
                    "value_props.cfo",
                    "playbook.stallers.send-info",
                    "playbook.nay_sayer",
                    "playbook.decision_maker",
                ]
            ),
        ],
        value_props=[
            value_prop(
                claims=[
                    {
                        "claim": "Fast.",
                        "proof": "Benchmark.",
                        "source": "BM-1",
                        "feature": "roadmap.offline",
                    }
                ]
            )
        ],
        playbook=playbook(stallers=[staller(assets=["battlecards.globex", "value_props.cfo"])]),
        roadmap=[{"id": "offline", "feature": "Offline mode", "stage": "shipped"}],
    )
    assert load_kit(write_kit(tmp_path, data), tmp_path).kit.requirements[0].delivered_by


def test_signer_listed_for_both_sides_is_located_at_the_second_listing(tmp_path: Path) -> None:
    signoff = {
        "marketing": ["mara@acme.example"],
        "sales": ["sam@acme.example", "mara@acme.example"],
    }
    text = dump(minimal_kit(signoff=signoff))
    problem = only_problem(tmp_path, text)
    assert "mara@acme.example" in problem.message
    assert problem.path == "signoff.sales[1]"
    assert (problem.line, problem.column) == locate(text, "mara@acme.example", 3)
    assert problem.fix


def test_missing_key_is_named(tmp_path: Path) -> None:
    data = minimal_kit()
    del data["launch"]
    problem = only_problem(tmp_path, data)
    assert problem.path == "launch"
    assert "`launch` is required" in problem.message
    assert problem.line == 1


def test_wrong_type_says_what_was_expected(tmp_path: Path) -> None:
    text = dump(minimal_kit(battlecards=[battlecard(why_we_win="Unlimited viewers.")]))
    problem = only_problem(tmp_path, text)
    assert problem.path == "battlecards[0].why_we_win"
    assert "expected a list" in problem.message
    assert (problem.line, problem.column) == locate(text, "Unlimited viewers.")


@pytest.mark.parametrize("date", ["2026-02-30", "2026-13-01", "16/02/2027", "'2026-02-30'"])
def test_bad_date_is_located(tmp_path: Path, date: str) -> None:
    # Written unquoted, as people write dates; YAML would read 2026-02-30 as a timestamp.
    text = dump(minimal_kit(battlecards=[battlecard(verified_on="DATE")])).replace("DATE", date)
    problem = only_problem(tmp_path, text)
    assert problem.path == "battlecards[0].verified_on"
    assert "not a valid date" in problem.message
    assert (problem.line, problem.column) == locate_value(text, "verified_on")


@pytest.mark.parametrize("kit_id", ["../../etc", "Acme Launch", "acme/launch"])
def test_bad_kit_id_is_located(tmp_path: Path, kit_id: str) -> None:
    problem = only_problem(tmp_path, minimal_kit(kit=kit_id))
    assert (problem.path, problem.line) == ("kit", 1)
    assert "not a valid id" in problem.message


def test_duplicate_key_is_located_and_names_the_first(tmp_path: Path) -> None:
    text = dump(minimal_kit()) + "title: Acme again\n"
    problem = only_problem(tmp_path, text)
    assert (problem.line, problem.column) == locate(text, "title: Acme again")
    assert f"first at line {locate(text, 'title:')[0]}" in problem.message


def test_python_tag_is_refused_and_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = dump(minimal_kit()).replace(
        "title: Acme 1.0 launch kit",
        f"title: !!python/object/apply:os.system ['touch {marker}']",
    )
    problem = only_problem(tmp_path, text)
    assert "!!python/object/apply:os.system" in problem.message
    assert (problem.line, problem.column) == locate(text, "!!python")
    assert not marker.exists()


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object:os.system",
        "!!python/name:os.system",
        "!!python/object/new:os.system",
        "!!binary",
        "!!set",
        "!custom",
    ],
)
def test_every_non_plain_tag_is_refused(tmp_path: Path, tag: str) -> None:
    text = dump(minimal_kit()).replace("product: Acme 1.0", f"product: {tag} Acme 1.0")
    problem = only_problem(tmp_path, text)
    assert problem.path == "product"
    assert "tag" in problem.message and "not allowed" in problem.message
    assert (problem.line, problem.column) == locate_value(text, "product")


def test_merge_keys_are_refused(tmp_path: Path) -> None:
    text = dump(minimal_kit(owners=None)).replace(
        "owners: null",
        "owners:\n  marketing: &m {name: Mara Quinn, email: mara@acme.example}\n"
        "  sales:\n    <<: *m\n    name: Sam Ortega",
    )
    [problem] = [p for p in problems_of(tmp_path, text) if "merge keys" in p.message]
    assert (problem.line, problem.column) == locate(text, "<<")


def test_alias_bomb_stops_early(tmp_path: Path) -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    problem = only_problem(tmp_path, "\n".join(lines) + "\n")
    assert "aliases" in problem.message
    assert problem.line is not None


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    problem = only_problem(tmp_path, "kit: " + "[" * 60 + "]" * 60 + "\n")
    assert "nested" in problem.message


def test_tab_indentation_is_located(tmp_path: Path) -> None:
    text = dump(minimal_kit()).replace("    name: Mara", "  \tname: Mara", 1)
    problem = only_problem(tmp_path, text)
    assert (problem.line, problem.column) == locate(text, "\t")
    assert "tabs" in problem.fix


def test_not_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "kit.yaml"
    path.write_bytes(b"kit: acme\ntitle: caf\xe9\n")
    with pytest.raises(InvalidKitFile) as caught:
        load_kit(path, tmp_path)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (2, 11)
    assert "UTF-8" in problem.fix


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def paths_in(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths_in(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += paths_in(item, (*prefix, i))
    return found


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), replacement=json_values)
@pytest.mark.slow
def test_any_damage_is_reported_as_problems_never_a_crash(
    tmp_path: Path, data: st.DataObject, replacement: Any
) -> None:
    kit = minimal_kit(
        value_props=[value_prop()],
        roadmap=[{"id": "offline", "feature": "Offline mode", "stage": "shipped"}],
    )
    path = data.draw(st.sampled_from(paths_in(kit)))
    target = kit
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = replacement
    file = write_kit(tmp_path, kit, "damaged.yaml")
    try:
        load_kit(file, tmp_path)
    except InvalidKitFile as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file == "damaged.yaml"
            assert problem.message
            assert problem.line is None or problem.line >= 1


def test_two_files_with_one_kit_id(tmp_path: Path) -> None:
    first = write_kit(tmp_path, minimal_kit(), "first.yaml")
    second = write_kit(tmp_path, minimal_kit(title="Another"), "second.yaml")
    with pytest.raises(InvalidKitFile) as caught:
        load_kits([first, second], tmp_path)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.path) == ("second.yaml", 1, "kit")
    assert "first.yaml" in problem.message


def test_problems_of_every_file_are_collected(tmp_path: Path) -> None:
    good = write_kit(tmp_path, minimal_kit(), "good.yaml")
    bad_one = write_kit(tmp_path, minimal_kit(kit="one", title=None), "one.yaml")
    bad_two = write_kit(tmp_path, minimal_kit(kit="two", launch="soon"), "two.yaml")
    with pytest.raises(InvalidKitFile) as caught:
        load_kits([good, bad_one, bad_two], tmp_path)
    assert sorted(p.file for p in caught.value.problems) == ["one.yaml", "two.yaml"]
    assert "one.yaml" in caught.value.message and "two.yaml" in caught.value.message

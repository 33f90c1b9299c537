"""Bad input through the CLI (issue 2, "Bad input"): each gets a clear message naming the file
(and line:column where the problem has a place), exit 2, no traceback, and nothing written under
kits/ — for `check` and for `build` alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    battlecard,
    dump,
    locate,
    locate_value,
    minimal_kit,
    requirement,
    run_kitgen,
    tree,
    write_kit,
)

BAD = "requirements/bad.yaml"


@dataclass(frozen=True)
class Case:
    """What to write as requirements/bad.yaml (None: write nothing) and where the problem is."""

    text: str | None
    place: tuple[int, int] | None
    says: str  # a phrase the message must contain


def billion_laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def case_missing() -> Case:
    return Case(None, None, "no such file")


def case_empty() -> Case:
    return Case("", None, "empty")


def case_comments_only() -> Case:
    return Case("# nothing here yet\n\n", None, "no YAML document")


def case_not_yaml() -> Case:
    text = "kit: acme-launch\ntitle: [Acme launch\nproduct: Acme\n"
    # The parser notices the unclosed `[` at the first `:` inside it; the writer acts at the `[`.
    return Case(text, locate(text, "[Acme"), "never closed")


def case_tabs() -> Case:
    text = dump(minimal_kit()).replace("    name: Mara", "  \tname: Mara", 1)
    return Case(text, locate(text, "\t"), "tabs")


def case_list_at_top_level() -> Case:
    text = dump([minimal_kit()])
    return Case(text, (1, 1), "mapping")


def case_duplicate_keys() -> Case:
    text = dump(minimal_kit()) + "kit: acme-launch-2\n"
    return Case(text, locate(text, "kit: acme-launch-2"), "duplicate key `kit`")


def case_unknown_key() -> Case:
    text = dump(minimal_kit(battlecards=[battlecard(summry="Dashboard-first BI.")]))
    return Case(text, locate(text, "summry"), "summary")


def case_wrong_type() -> Case:
    text = dump(minimal_kit(battlecards=[battlecard(why_we_win="Unlimited viewers.")]))
    return Case(text, locate_value(text, "why_we_win"), "expected a list")


def case_bad_date() -> Case:
    text = dump(minimal_kit(launch="LAUNCH")).replace("LAUNCH", "2026-02-30")
    return Case(text, locate_value(text, "launch"), "not a valid date")


def case_bad_slug() -> Case:
    text = dump(minimal_kit(kit="Acme Launch"))
    return Case(text, locate_value(text, "kit"), "not a valid id")


def case_dotdot_kit_id() -> Case:
    text = dump(minimal_kit(kit="../../outside"))
    return Case(text, locate_value(text, "kit"), "not a valid id")


def case_unresolved_reference() -> Case:
    text = dump(minimal_kit(requirements=[requirement(delivered_by=["battlecards.globx"])]))
    return Case(text, locate(text, "battlecards.globx"), "battlecards.globex")


def case_duplicate_ids() -> Case:
    text = dump(minimal_kit(battlecards=[battlecard(), battlecard(competitor="Globex Mobile")]))
    return Case(text, locate_value(text, "- id", 3), "duplicate id `globex`")


def case_python_tag() -> Case:
    text = dump(minimal_kit()).replace(
        "title: Acme 1.0 launch kit",
        "title: !!python/object/apply:os.system ['touch PWNED']",
    )
    return Case(text, locate(text, "!!python"), "not allowed")


def case_alias_bomb() -> Case:
    return Case(billion_laughs(), None, "aliases")


def case_twenty_megabytes() -> Case:
    text = dump(minimal_kit()) + ("# " + "x" * 1022 + "\n") * (20 * 1024)
    return Case(text, None, "limited to")


def case_not_utf8() -> Case:
    return Case("kit: acme-launch\ntitle: caf\udce9\n", (2, 11), "UTF-8")


CASES: dict[str, Callable[[], Case]] = {
    name.removeprefix("case_"): fn for name, fn in globals().items() if name.startswith("case_")
}


def write_case(workspace: Path, case: Case) -> None:
    if case.text is not None:
        path = workspace / BAD
        path.write_bytes(case.text.encode("utf-8", "surrogateescape"))


def seed_kits(workspace: Path) -> None:
    """Something already under kits/, so "unchanged" means more than "still empty"."""
    (workspace / "kits" / "README.md").write_text("Built kits live here.\n")
    (workspace / "kits" / "acme-launch").mkdir()
    (workspace / "kits" / "acme-launch" / "notes.txt").write_text("kept\n")


def assert_refused(code: int, output: str, case: Case) -> None:
    assert code == 2, output
    assert "Traceback" not in output
    if case.place is None:
        assert BAD in output
    else:
        assert f"{BAD}:{case.place[0]}:{case.place[1]}" in output, output
    assert case.says in output


@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_is_refused_with_a_located_message(
    workspace: Path, name: str, command: str
) -> None:
    case = CASES[name]()
    write_case(workspace, case)
    seed_kits(workspace)
    before = tree(workspace / "kits")
    result = run_kitgen(command, BAD, cwd=workspace)
    assert_refused(result.code, result.output, case)
    assert tree(workspace / "kits") == before
    assert not (workspace / "PWNED").exists()


@pytest.mark.parametrize("command", ["check", "build"])
def test_python_tag_runs_nothing_in_a_real_process(workspace: Path, command: str) -> None:
    marker = workspace / "PWNED"
    case = case_python_tag()
    write_case(
        workspace,
        Case(
            case.text.replace("touch PWNED", f"touch {marker}"),  # type: ignore[union-attr]
            case.place,
            case.says,
        ),
    )
    result = run_kitgen(command, BAD, cwd=workspace, real_process=True)
    assert_refused(result.code, result.output, case)
    assert not marker.exists()
    assert tree(workspace / "kits") == {}


def test_twenty_megabyte_file_is_refused_in_a_real_process(workspace: Path) -> None:
    case = case_twenty_megabytes()
    write_case(workspace, case)
    result = run_kitgen("build", BAD, cwd=workspace, real_process=True)
    assert_refused(result.code, result.output, case)
    assert tree(workspace / "kits") == {}


def test_a_folder_is_not_a_requirement_file(workspace: Path) -> None:
    result = run_kitgen("build", "requirements", cwd=workspace)
    assert result.code == 2
    assert "not a regular file" in result.output
    assert tree(workspace / "kits") == {}


@pytest.mark.parametrize("command", ["check", "build"])
def test_one_bad_file_among_good_ones_stops_them_all(workspace: Path, command: str) -> None:
    write_kit(workspace / "requirements", minimal_kit(kit="alpha"))
    write_kit(workspace / "requirements", minimal_kit(kit="omega"))
    write_kit(workspace / "requirements", minimal_kit(kit="middle", launch="2026-02-30"))
    result = run_kitgen(command, cwd=workspace)
    assert result.code == 2
    assert "requirements/middle.yaml:" in result.output
    assert "alpha" not in result.output.split("error:", 1)[-1]
    assert tree(workspace / "kits") == {}


def test_problems_in_several_files_are_all_reported(workspace: Path) -> None:
    write_kit(workspace / "requirements", minimal_kit(kit="alpha", title=False))
    write_kit(workspace / "requirements", minimal_kit(kit="omega", launch="2026-02-30"))
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 2
    assert "requirements/alpha.yaml:" in result.output
    assert "requirements/omega.yaml:" in result.output
    assert tree(workspace / "kits") == {}


def test_two_files_claiming_one_kit(workspace: Path) -> None:
    write_kit(workspace / "requirements", minimal_kit(), "first.yaml")
    write_kit(workspace / "requirements", minimal_kit(title="Other"), "second.yaml")
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 2
    assert "requirements/second.yaml:1:" in result.output
    assert "requirements/first.yaml" in result.output
    assert tree(workspace / "kits") == {}


def test_no_workspace(tmp_path: Path) -> None:
    result = run_kitgen("build", cwd=tmp_path)
    assert result.code == 2
    assert "requirements" in result.output and "kitgen init" in result.output
    assert list(tmp_path.iterdir()) == []


def test_empty_requirements_folder(workspace: Path) -> None:
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 2
    assert "no requirement files" in result.output
    assert tree(workspace / "kits") == {}


def test_symlinked_kit_folder_is_not_followed(workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    write_kit(workspace / "requirements", minimal_kit())
    (workspace / "kits" / "acme-launch").symlink_to(outside, target_is_directory=True)
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 2
    assert "symbolic link" in result.output
    assert list(outside.iterdir()) == []

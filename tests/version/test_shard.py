"""``kitgen build --shard I/N``: a stable split of the kits over N CI jobs, which together build
exactly what one build would, byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import make_workspace, minimal_kit, run_kitgen, tree
from hypothesis import given
from hypothesis import strategies as st

from kitgen.version.shard import in_shard

NO_CACHE = {"KITGEN_CACHE": "off"}
KITS = ["alpha", "bravo", "charlie", "delta", "echo"]

kit_ids = st.from_regex(r"[a-z0-9][a-z0-9-]{0,63}", fullmatch=True)


@given(kit=kit_ids, count=st.integers(min_value=1, max_value=16))
def test_every_kit_is_in_exactly_one_shard(kit: str, count: int) -> None:
    assert sum(in_shard(kit, index, count) for index in range(1, count + 1)) == 1


def test_the_split_is_stable_across_versions_and_machines() -> None:
    # Pinned: a kit that moved to another shard would move to another CI job.
    def shard(kit: str, count: int) -> int:
        return next(index for index in range(1, count + 1) if in_shard(kit, index, count))

    assert [shard(kit, 2) for kit in KITS] == [1, 1, 1, 1, 2]
    assert [shard(kit, 3) for kit in KITS] == [2, 2, 1, 1, 2]
    assert [shard(kit, 4) for kit in KITS] == [1, 3, 1, 1, 2]


@pytest.fixture
def five_kits(tmp_path: Path) -> Path:
    kits = [minimal_kit(kit=name, title=f"{name.title()} launch kit") for name in KITS]
    return make_workspace(tmp_path / "ws", *kits)


def built_kits(output: str) -> set[str]:
    return {line.split()[0] for line in output.splitlines()
            if line.split()[:1] and line.split()[0] in KITS and "written" in line}


@pytest.mark.slow
def test_shards_built_one_after_another_equal_one_build(five_kits: Path) -> None:
    whole = run_kitgen("build", "--jobs", "1", cwd=five_kits, env=NO_CACHE)
    assert whole.code == 0, whole.output
    assert built_kits(whole.output) == set(KITS)
    expected = tree(five_kits / "kits")
    shutil.rmtree(five_kits / "kits")
    (five_kits / "kits").mkdir()

    seen: list[set[str]] = []
    for index in (1, 2, 3):
        result = run_kitgen("build", "--shard", f"{index}/3", "--jobs", "1", cwd=five_kits,
                            env=NO_CACHE)
        assert result.code == 0, result.output
        seen.append(built_kits(result.output))
        assert seen[-1] == {kit for kit in KITS if in_shard(kit, index, 3)}
    assert set().union(*seen) == set(KITS)
    assert sum(len(s) for s in seen) == len(KITS)
    assert tree(five_kits / "kits") == expected


def test_a_shard_with_no_kits_builds_nothing(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", minimal_kit(kit="alpha"))
    empty = next(i for i in (1, 2) if not in_shard("alpha", i, 2))
    result = run_kitgen("build", "--shard", f"{empty}/2", cwd=root)
    assert result.code == 0, result.output
    assert [p for p in (root / "kits").iterdir() if p.is_dir()] == []


def test_every_file_is_validated_in_every_shard(tmp_path: Path) -> None:
    bad = minimal_kit(kit="bravo", launch="2027-02-30")
    root = make_workspace(tmp_path / "ws", minimal_kit(kit="alpha"), bad)
    for index in (1, 2):
        result = run_kitgen("build", "--shard", f"{index}/2", cwd=root)
        assert result.code == 2
        assert "bravo.yaml" in result.output
    assert list((root / "kits").iterdir()) == []


@pytest.mark.parametrize("shard", ["0/2", "3/2", "1/0", "2", "a/b", "1/2/3", "-1/2", ""])
def test_a_bad_shard_is_bad_usage(five_kits: Path, shard: str) -> None:
    result = run_kitgen("build", "--shard", shard, cwd=five_kits)
    assert result.code == 2
    assert "I/N" in result.output
    assert "Traceback" not in result.output
    assert list((five_kits / "kits").iterdir()) == []

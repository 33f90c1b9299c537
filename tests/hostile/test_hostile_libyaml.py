"""Requirement files are composed with libyaml when PyYAML has it: every hostile file, and the
valid ones, must load to exactly what the pure-Python loader gives — the same data at the same
line and column, or the same problems at the same places — so that what a user is told never
depends on whether libyaml is installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import EXAMPLES

from hostile.support import DATA, VALID_KIT
from hostile.test_hostile_input import GENERATED, bad_file
from kitgen.base.errors import InvalidKitFile
from kitgen.load import compose
from kitgen.load.reader import load_kit

pytestmark = pytest.mark.skipif(compose.LIBYAML is None, reason="PyYAML without libyaml")

FILES = sorted(p.stem for p in DATA.glob("*.yaml")) + sorted(GENERATED)


def outcome(path: Path) -> Any:
    """What loading tells: the data and where each value is, or every problem with its place."""
    try:
        loaded = load_kit(path, path.parent)
    except InvalidKitFile as error:
        return "refused", error.message, [str(problem) for problem in error.problems]
    return "loaded", loaded.kit.model_dump(mode="json"), sorted(loaded.positions.items())


def both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    with_libyaml = outcome(path)
    with monkeypatch.context() as patch:
        patch.setattr(compose, "LIBYAML", None)
        pure_python = outcome(path)
    return with_libyaml, pure_python


@pytest.mark.parametrize("name", FILES)
def test_libyaml_and_pure_python_tell_the_same_of_every_hostile_file(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(bad_file(name))
    with_libyaml, pure_python = both_ways(path, monkeypatch)
    assert with_libyaml == pure_python
    assert with_libyaml[0] == "refused"  # each is hostile: the comparison is of problems


@pytest.mark.parametrize("path", [VALID_KIT, *sorted(EXAMPLES.glob("*.yaml"))],
                         ids=lambda p: p.stem)
def test_libyaml_and_pure_python_load_the_same_valid_kit(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_libyaml, pure_python = both_ways(path, monkeypatch)
    assert with_libyaml == pure_python
    assert with_libyaml[0] == "loaded"
    assert len(with_libyaml[2]) > 50  # positions of every value, not an empty comparison

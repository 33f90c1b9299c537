"""Settings from the environment (``kitgen/base/settings.py``): a value kitgen cannot understand
is bad input — exit 2, the variable named with what it should hold, no traceback, nothing
written — never a silent fallback and never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_workspace, minimal_kit, run_kitgen, tree

BAD = [
    (("build",), "KITGEN_RENDER_TIMEOUT", "abc", "a number of seconds"),
    (("build",), "KITGEN_RENDER_TIMEOUT", "-1", "a number of seconds"),
    (("build", "--jobs", "1"), "KITGEN_MAX_PAGES", "many", "a whole number of pages"),
    # Read in a render worker when the build renders on two processes: carried back as bad input.
    (("build", "--jobs", "2"), "KITGEN_MAX_PAGES", "many", "a whole number of pages"),
    (("build",), "KITGEN_CACHE", "maybe", "on or off"),
    (("build",), "KITGEN_CACHE_MAX_MB", "lots", "a number of megabytes"),
    (("build",), "SOURCE_DATE_EPOCH", "soon", "a number of seconds since 1970"),
    (("check",), "KITGEN_TODAY", "yesterday", "a date written YYYY-MM-DD"),
]


def case_id(value: object) -> str | None:
    return " ".join(value) if isinstance(value, tuple) else None


@pytest.mark.parametrize(("args", "name", "value", "wants"), BAD, ids=case_id)
def test_a_setting_that_cannot_be_understood_is_bad_input(
    tmp_path: Path, args: tuple[str, ...], name: str, value: str, wants: str
) -> None:
    root = make_workspace(tmp_path / "ws", minimal_kit())
    result = run_kitgen(*args, cwd=root, env={name: value})
    assert result.code == 2, result.text
    assert name in result.text and wants in result.text, result.text
    assert "Traceback" not in result.text and "internal error" not in result.text
    assert tree(root / "kits") == {}

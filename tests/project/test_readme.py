"""The README's commands stay true: the role sections run, in order, as a person would type them,
and every command of the CLI is documented there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kitgen.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
ROLES = ("For marketers", "For sales leaders", "For CI", "For reps")


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def test_set_up_gives_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    blocks = shell_blocks(section("Set up (fresh machine)"))
    assert blocks == [
        "python -m pip install -e . && kitgen build\n",
        "python -m pip install -e '.[test]' && python -m pytest -q\n",
    ]
    assert blocks[1].strip() in (ROOT / ".ci" / "run").read_text()


def test_every_command_is_in_the_readme() -> None:
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names += [g.name for g in app.registered_groups if g.name]
    missing = [n for n in names if f"kitgen {n}" not in README]
    assert not missing


@pytest.mark.skipif(shutil.which("script") is None, reason="needs script(1) for a terminal")
@pytest.mark.slow
def test_role_sections_run_in_order_on_a_fresh_workspace(tmp_path: Path) -> None:
    """Run every role's commands in one shell, in a pseudo-terminal (so `approve` asks, and is
    answered "y" like a person would), and check the launch ends released and verified."""
    commands = "".join(block for title in ROLES for block in shell_blocks(section(title)))
    script = tmp_path / "readme.sh"
    script.write_text("set -euo pipefail\n" + commands)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KITGEN_", "NO_COLOR"))}
    # PAGER=cat: a long approve review would open `less`, which would take the typed answers.
    # A document cache of its own, not the machine's: nothing from earlier runs.
    env.update(KITGEN_TODAY="2026-12-01", COLUMNS="120", TERM="xterm", PAGER="cat",
               XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = subprocess.run(
        ["script", "-qec", f"bash {script}", "/dev/null"],
        cwd=tmp_path, env=env, input="y\n" * 4, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    kit = tmp_path / "launch-kits" / "kits" / "northwind-analytics"
    assert (kit / "1" / "released" / "release.json").is_file()
    assert len(list((kit / "signoffs").glob("*.txt"))) == 2
    assert len(list((kit / "feedback").glob("*.txt"))) == 1
    assert (tmp_path / "launch-kits" / "requirements" / "acme-launch.yaml").is_file()
    assert "Traceback" not in result.stdout

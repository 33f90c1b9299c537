"""The CI workflow and the pre-commit hook kitgen ships: both parse, and the workflow's own
commands, run in order on the worked example, gate exactly as its header comment says."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import OPEN_EXAMPLE, READY_EXAMPLE, REPO, ExampleBuilds, clean_env, run_kitgen

WORKFLOW = REPO / ".github" / "workflows" / "kits.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
# The example's intelligence was verified in November 2026: a launch a few weeks later.
LAUNCH_DAY = "2026-12-01"
SIGNERS = {"marketing": ("Priya Shah", "priya.shah@northwind.example"),
           "sales": ("Marcus Bell", "marcus.bell@northwind.example")}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def steps() -> list[dict[str, Any]]:
    workflow = load_yaml(WORKFLOW)
    [job] = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    return list(job["steps"])


def kitgen_steps(steps: list[dict[str, Any]]) -> list[str]:
    return [s["run"].strip() for s in steps if s.get("run", "").lstrip().startswith("kitgen ")]


def choose_step(steps: list[dict[str, Any]]) -> dict[str, Any]:
    [step] = [s for s in steps if "GITHUB_ENV" in s.get("run", "")]
    return step


def test_workflow_runs_on_launch_tags_and_by_hand() -> None:
    workflow = load_yaml(WORKFLOW)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"] == {"tags": ["launch-*"]}
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read"}


def test_workflow_installs_what_kitgen_needs(steps: list[dict[str, Any]]) -> None:
    runs = "\n".join(s.get("run", "") for s in steps)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
        assert package in runs
    assert "pip install ." in runs
    assert kitgen_steps(steps) == [
        "kitgen doctor",
        "kitgen check --strict $KIT_FILES",
        "kitgen build --release $KIT_FILES",
        "kitgen verify $KITS",
    ]
    [upload] = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["with"]["path"] == "kits/**/released/**"
    assert upload["with"]["if-no-files-found"] == "error"


def test_pre_commit_hook_runs_kitgen_check_on_requirement_files(tmp_path: Path) -> None:
    [hook] = load_yaml(HOOKS)
    assert hook["id"] == "kitgen-check"
    assert hook["entry"] == "kitgen check"
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    assert files.search("requirements/northwind-analytics.yaml")
    assert files.search("requirements/acme.yml")
    assert not files.search("templates/battlecard.html.j2")
    assert not files.search("kits/acme/1/requirements.yaml")

    # What pre-commit runs: the entry with the staged files the pattern selects.
    assert run_kitgen("init", str(tmp_path / "ws"), cwd=tmp_path).code == 0
    root = tmp_path / "ws"
    staged = [p.relative_to(root).as_posix() for p in sorted(root.rglob("*")) if p.is_file()]
    selected = [name for name in staged if files.search(name)]
    assert selected == [f"requirements/{READY_EXAMPLE}.yaml", f"requirements/{OPEN_EXAMPLE}.yaml"]
    *command, = hook["entry"].split()
    result = run_kitgen(*command[1:], *selected, cwd=root)
    assert result.code == 0, result.output


@pytest.fixture
def signed_example(example_builds: ExampleBuilds, copy_of: Callable[[Path], Path]) -> Path:
    """The worked example, built, with both sides' approval of the fully negotiated kit."""
    root = copy_of(example_builds.first)
    for side, (name, email) in SIGNERS.items():
        result = run_kitgen("approve", READY_EXAMPLE, "--side", side, "--yes",
                            "--name", name, "--email", email, cwd=root)
        assert result.code == 0, result.output
    return root


class Runner:
    """Runs workflow steps as GitHub's ubuntu runner does: `bash -eo pipefail`, in the
    checkout, with what earlier steps wrote to $GITHUB_ENV."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        shims = tmp / "bin"
        shims.mkdir(exist_ok=True)
        # `kitgen` on the PATH is this checkout run by this interpreter, like `pip install .`.
        shim = shims / "kitgen"
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kitgen "$@"\n', encoding="utf-8")
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
        self.env = clean_env(KITGEN_TODAY=LAUNCH_DAY)
        self.env["PATH"] = f"{shims}{os.pathsep}{self.env.get('PATH', '')}"
        self.env_file = tmp / "github_env"

    def run(self, step: str, **env: str) -> subprocess.CompletedProcess[str]:
        self.env_file.touch()
        lines = self.env_file.read_text().splitlines()
        exported = dict(line.split("=", 1) for line in lines if line)
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step],
            cwd=self.root, capture_output=True, text=True, timeout=600,
            env={**self.env, **exported, "GITHUB_ENV": str(self.env_file), **env},
        )

    def choose(self, steps: list[dict[str, Any]], tag: str = "", requested: str = "") -> None:
        self.env_file.write_text("")
        step = choose_step(steps)
        assert set(step["env"]) == {"TAG", "REQUESTED"}
        result = self.run(step["run"], TAG=tag, REQUESTED=requested)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_workflow_gates_the_example_as_documented(
    steps: list[dict[str, Any]], signed_example: Path, tmp_path: Path
) -> None:
    runner = Runner(signed_example, tmp_path)
    doctor, check, release, verify = kitgen_steps(steps)

    # A tag that names no kit gates every kit: the mid-negotiation one fails the run at the
    # first gate, and the release gate would refuse it too.
    runner.choose(steps, tag="launch-2027-q1")
    failed = runner.run(check)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "disputed" in failed.stdout
    refused = runner.run(release)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert OPEN_EXAMPLE in refused.stdout + refused.stderr

    # A tag naming the signed-off kit gates it alone: every step passes.
    runner.choose(steps, tag=f"launch-{READY_EXAMPLE}")
    assert f"KITS={READY_EXAMPLE}" in runner.env_file.read_text()
    for step in (doctor, check, release, verify):
        result = runner.run(step)
        assert result.returncode == 0, f"{step}:\n{result.stdout}\n{result.stderr}"
    released = sorted((signed_example / "kits").glob("*/*/released/*"))
    assert released and {p.parts[-4] for p in released} == {READY_EXAMPLE}
    assert any(p.suffix == ".pdf" for p in released)


def test_a_manual_run_gates_the_kits_it_names(steps: list[dict[str, Any]], tmp_path: Path) -> None:
    assert run_kitgen("init", str(tmp_path / "ws"), cwd=tmp_path).code == 0
    runner = Runner(tmp_path / "ws", tmp_path)
    runner.choose(steps, requested=f"{READY_EXAMPLE} {OPEN_EXAMPLE}")
    exported = runner.env_file.read_text()
    files = f"requirements/{READY_EXAMPLE}.yaml requirements/{OPEN_EXAMPLE}.yaml"
    assert f"KIT_FILES={files}" in exported

    bad = runner.run(choose_step(steps)["run"], TAG="", REQUESTED="../etc")
    assert bad.returncode == 2 and "is not a kit id" in bad.stdout
    missing = runner.run(choose_step(steps)["run"], TAG="", REQUESTED="no-such-kit")
    assert missing.returncode == 2 and "no requirement file" in missing.stdout

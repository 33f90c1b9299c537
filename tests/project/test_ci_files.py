"""The CI workflow and the pre-commit hook kitgen ships: both parse, and the workflow's own
commands, run job by job as GitHub would (the release job once per shard of its matrix), gate
exactly as its header comment says, and fail with a reason GitHub shows for every gate."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import (
    MARA,
    OPEN_EXAMPLE,
    READY_EXAMPLE,
    REPO,
    SAM,
    ExampleBuilds,
    approve,
    clean_env,
    make_workspace,
    run_kitgen,
    sendable,
    small_kit,
    tree,
)

import kitgen as kitgen_package

WORKFLOW = REPO / ".github" / "workflows" / "kits.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
# The example's intelligence was verified in November 2026: a launch a few weeks later.
LAUNCH_DAY = "2026-12-01"
SIGNERS = {"marketing": ("Priya Shah", "priya.shah@northwind.example"),
           "sales": ("Marcus Bell", "marcus.bell@northwind.example")}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = load_yaml(WORKFLOW)
    return loaded


def kitgen_steps(job: dict[str, Any]) -> list[str]:
    runs = [s.get("run", "").strip() for s in job["steps"]]
    return [run for run in runs if run.startswith("kitgen ")]


def test_workflow_runs_on_launch_tags_and_by_hand(workflow: dict[str, Any]) -> None:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"] == {"tags": ["launch-*"]}
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read"}


def test_workflow_checks_then_releases_in_shards_then_gates_in_one_job(
    workflow: dict[str, Any]
) -> None:
    jobs = workflow["jobs"]
    assert list(jobs) == ["check", "release", "gate"]
    assert jobs["release"]["needs"] == "check"
    assert jobs["release"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert jobs["gate"]["needs"] == ["check", "release"]
    assert kitgen_steps(jobs["check"]) == ["kitgen check --strict $KIT_FILES"]
    assert kitgen_steps(jobs["release"]) == [
        "kitgen doctor",
        "kitgen release --shard ${{ matrix.shard }}/${{ strategy.job-total }} $KIT_FILES",
    ]
    assert kitgen_steps(jobs["gate"]) == ["kitgen release $KIT_FILES", "kitgen verify $KITS"]
    every_run = "\n".join(s.get("run", "") for job in jobs.values() for s in job["steps"])
    assert "kitgen build" not in every_run  # the gate never builds
    for name in ("release", "gate"):
        runs = "\n".join(s.get("run", "") for s in jobs[name]["steps"])
        for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
            assert package in runs
    [keep] = [s for s in jobs["release"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert keep["with"] == {"name": "released-shard-${{ matrix.shard }}",
                            "path": "kits/**/released/**", "if-no-files-found": "ignore"}
    [collect] = [s for s in jobs["gate"]["steps"] if "download-artifact" in s.get("uses", "")]
    assert collect["with"] == {"pattern": "released-shard-*", "merge-multiple": True,
                               "path": "kits"}
    [upload] = [s for s in jobs["gate"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["with"]["path"] == "kits/**/released/**"
    assert upload["with"]["if-no-files-found"] == "error"


@pytest.mark.slow
def test_workflow_pins_the_kitgen_the_kits_are_built_with(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    assert workflow["env"]["KITGEN_VERSION"] == kitgen_package.__version__
    for job in workflow["jobs"].values():
        [install] = [s for s in job["steps"] if s.get("name") == "Install kitgen"]
        assert install["run"].startswith("python -m pip install .\n")
        # The check after the install, with this checkout's kitgen as the one installed.
        check = install["run"].removeprefix("python -m pip install .\n")
        runner = Runner(tmp_path, tmp_path)
        assert runner.run(check, KITGEN_VERSION=kitgen_package.__version__).returncode == 0
        other = runner.run(check, KITGEN_VERSION="9.9.9")
        assert other.returncode == 2
        assert other.stdout.startswith("::error::installed kitgen ")


def test_pre_commit_hook_runs_kitgen_check_on_requirement_files(tmp_path: Path) -> None:
    [hook] = load_yaml(HOOKS)
    assert hook["id"] == "kitgen-check"
    assert hook["entry"] == "kitgen check"
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    assert files.search("requirements/northwind-analytics.yaml")
    assert files.search("requirements/acme.yml")
    assert not files.search("requirements/kit.schema.json")
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


class Runner:
    """Runs workflow steps as GitHub's ubuntu runner does: `bash -eo pipefail`, in a checkout,
    with the expressions the workflow uses filled in and GITHUB_OUTPUT read back."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        shims = tmp / "bin"
        shims.mkdir(exist_ok=True)
        # `kitgen` on the PATH is this checkout run by this interpreter, like `pip install .`.
        shim = shims / "kitgen"
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kitgen "$@"\n', encoding="utf-8")
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
        self.env = clean_env(KITGEN_TODAY=LAUNCH_DAY, GITHUB_ACTIONS="true")
        self.env["PATH"] = f"{shims}{os.pathsep}{self.env.get('PATH', '')}"
        self.output_file = tmp / "github_output"
        self.values: dict[str, str] = {}  # expression → value, e.g. "matrix.shard" → "2"

    def fill(self, text: str) -> str:
        return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: self.values.get(m.group(1), ""),
                      text)

    def run(self, step: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", self.fill(step)],
            cwd=self.root, capture_output=True, text=True, timeout=600,
            env={**self.env, "GITHUB_OUTPUT": str(self.output_file), **env},
        )

    def run_job(self, job: dict[str, Any], **values: str) -> list[subprocess.CompletedProcess[str]]:
        """Every `kitgen` step of ``job`` in order, stopping at the first that fails."""
        self.values.update(values)
        env = {k: self.fill(str(v)) for k, v in job.get("env", {}).items()}
        results = []
        for step in job["steps"]:
            if step.get("run", "").lstrip().startswith("kitgen "):
                step_env = {k: self.fill(str(v)) for k, v in step.get("env", {}).items()}
                results.append(self.run(step["run"], **env, **step_env))
                if results[-1].returncode != 0:
                    break
        return results

    def choose(self, workflow: dict[str, Any], tag: str = "", requested: str = "") -> None:
        """The check job's choice of kits, whose outputs the other jobs read."""
        self.output_file.write_text("")
        [step] = [s for s in workflow["jobs"]["check"]["steps"] if s.get("id") == "choose"]
        assert set(step["env"]) == {"TAG", "REQUESTED"}
        result = self.run(step["run"], TAG=tag, REQUESTED=requested)
        assert result.returncode == 0, result.stdout + result.stderr
        outputs = dict(line.split("=", 1) for line in self.output_file.read_text().splitlines())
        for name, value in outputs.items():
            self.values[f"steps.choose.outputs.{name}"] = value
            self.values[f"needs.check.outputs.{name}"] = value


def shards(workflow: dict[str, Any]) -> list[int]:
    return list(workflow["jobs"]["release"]["strategy"]["matrix"]["shard"])


def released(root: Path) -> dict[str, bytes]:
    """What a shard's artifact holds: kits/**/released/**, relative to kits/."""
    return {name: data for name, data in tree(root / "kits").items()
            if "/released/" in name and not name.endswith("/")}


def run_workflow(workflow: dict[str, Any], checkout: Callable[[], Path], tmp: Path,
                 tag: str) -> tuple[Path, dict[int, dict[str, bytes]]]:
    """The whole workflow for ``tag``, each job (and each shard) on a fresh checkout, the
    shards' artifacts merged into the gate's kits/ as download-artifact does."""
    checkouts = iter(range(100))

    def runner() -> Runner:
        number = next(checkouts)
        folder = tmp / f"runner-{number}"
        folder.mkdir()
        made = Runner(checkout(), folder)
        made.choose(workflow, tag=tag)
        return made

    for result in runner().run_job(workflow["jobs"]["check"]):
        assert result.returncode == 0, result.stdout + result.stderr
    artifacts = {}
    total = str(len(shards(workflow)))
    for shard in shards(workflow):
        job = runner()
        for result in job.run_job(workflow["jobs"]["release"], **{
                "matrix.shard": str(shard), "strategy.job-total": total}):
            assert result.returncode == 0, f"shard {shard}: {result.stdout}{result.stderr}"
        artifacts[shard] = released(job.root)
    gate = runner()
    for shard_files in artifacts.values():
        for name, data in shard_files.items():
            (gate.root / "kits" / name).parent.mkdir(parents=True, exist_ok=True)
            (gate.root / "kits" / name).write_bytes(data)
    for result in gate.run_job(workflow["jobs"]["gate"]):
        assert result.returncode == 0, result.stdout + result.stderr
    return gate.root, artifacts


@pytest.fixture
def signed_example(example_builds: ExampleBuilds, copy_of: Callable[[Path], Path]) -> Path:
    """The worked example, built, with both sides' approval of the fully negotiated kit."""
    root = copy_of(example_builds.first)
    for side, (name, email) in SIGNERS.items():
        result = run_kitgen("approve", READY_EXAMPLE, "--side", side, "--yes",
                            "--name", name, "--email", email, cwd=root)
        assert result.code == 0, result.output
    return root


@pytest.mark.slow
def test_the_workflow_gates_the_example_as_documented(
    workflow: dict[str, Any], signed_example: Path, copy_of: Callable[[Path], Path],
    tmp_path: Path
) -> None:
    # A tag that names no kit gates every kit: the mid-negotiation one fails the run at the
    # first gate, saying why on the run.
    runner = Runner(copy_of(signed_example), tmp_path)
    runner.choose(workflow, tag="launch-2027-q1")
    [failed] = runner.run_job(workflow["jobs"]["check"])
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "disputed" in failed.stdout
    assert (f"::error::--strict: not ready for sign-off: {OPEN_EXAMPLE} has 1 proposed, "
            "1 disputed requirements") in failed.stdout

    # A tag naming the signed-off kit gates it alone: every job passes.
    gate, _ = run_workflow(workflow, lambda: copy_of(signed_example), tmp_path,
                           f"launch-{READY_EXAMPLE}")
    found = sorted((gate / "kits").glob("*/*/released/*"))
    assert found and {p.parts[-4] for p in found} == {READY_EXAMPLE}
    assert any(p.suffix == ".pdf" for p in found)


@pytest.fixture(scope="module")
def many_signed_kits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kits repository with five small kits, each built and approved by both sides."""
    root = tmp_path_factory.mktemp("many") / "kits-repo"
    for name in ("alpha", "bravo", "charlie", "delta", "echo"):
        # A stall with a sheet to send: `check --strict` in the workflow finds nothing to warn of.
        make_workspace(root, sendable(small_kit(kit=f"{name}-launch",
                                                title=f"{name.title()} kit")))
    built = run_kitgen("build", cwd=root)
    assert built.code == 0, built.text
    for name in ("alpha", "bravo", "charlie", "delta", "echo"):
        for side, who in (("marketing", MARA), ("sales", SAM)):
            assert approve(root, f"{name}-launch", side, who).code == 0
    return root


@pytest.mark.slow
def test_the_shards_add_up_to_one_release(
    workflow: dict[str, Any], many_signed_kits: Path, tmp_path: Path
) -> None:
    copies = iter(range(100))

    def checkout() -> Path:
        return Path(shutil.copytree(many_signed_kits, tmp_path / f"checkout-{next(copies)}",
                                    symlinks=True))

    gate, artifacts = run_workflow(workflow, checkout, tmp_path, "launch-2027-q1")
    # Every kit released by exactly one shard, and more than one shard did some of the work.
    names = [name for files in artifacts.values() for name in files]
    assert len(names) == len(set(names))
    kits_by_shard = {shard: {name.split("/")[0] for name in files}
                     for shard, files in artifacts.items()}
    assert sum(1 for kits in kits_by_shard.values() if kits) > 1
    assert sorted(k for kits in kits_by_shard.values() for k in kits) == [
        f"{n}-launch" for n in ("alpha", "bravo", "charlie", "delta", "echo")]
    # The same bytes one unsharded release writes.
    whole = checkout()
    (tmp_path / "single").mkdir()
    single = Runner(whole, tmp_path / "single")
    assert single.run("kitgen release").returncode == 0
    assert {n: d for files in artifacts.values() for n, d in files.items()} == released(whole)
    assert released(gate) == released(whole)


def test_a_manual_run_gates_the_kits_it_names(workflow: dict[str, Any], tmp_path: Path) -> None:
    assert run_kitgen("init", str(tmp_path / "ws"), cwd=tmp_path).code == 0
    runner = Runner(tmp_path / "ws", tmp_path)
    runner.choose(workflow, requested=f"{READY_EXAMPLE} {OPEN_EXAMPLE}")
    files = f"requirements/{READY_EXAMPLE}.yaml requirements/{OPEN_EXAMPLE}.yaml"
    assert runner.values["needs.check.outputs.files"] == files

    [step] = [s for s in workflow["jobs"]["check"]["steps"] if s.get("id") == "choose"]
    bad = runner.run(step["run"], TAG="", REQUESTED="../etc")
    assert bad.returncode == 2 and "is not a kit id" in bad.stdout
    missing = runner.run(step["run"], TAG="", REQUESTED="no-such-kit")
    assert missing.returncode == 2 and "no requirement file" in missing.stdout


def edit_after_signoff(root: Path) -> None:
    path = root / "requirements" / f"{READY_EXAMPLE}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: agreed", "status: proposed",
                                                             1), encoding="utf-8")


def change_a_template(root: Path) -> None:
    (root / "templates" / "kitgen.css").write_text("body { color: red }\n", encoding="utf-8")


def reject_by_sales(root: Path) -> None:
    for record in (root / "kits" / READY_EXAMPLE / "signoffs").glob("*sales*"):
        record.unlink()
    reason = ["--reason", "Pricing is out of date"]
    result = run_kitgen("reject", READY_EXAMPLE, "--side", "sales", "--yes",
                        "--name", SIGNERS["sales"][0], "--email", SIGNERS["sales"][1], *reason,
                        cwd=root)
    assert result.code == 0, result.stderr


def tamper_with_a_pdf(root: Path) -> None:
    pdf = root / "kits" / READY_EXAMPLE / "1" / "playbook.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 1
    pdf.write_bytes(bytes(data))


@pytest.mark.slow
@pytest.mark.parametrize(
    "spoil, job, says",
    [(edit_after_signoff, "release",
      f"::error file=requirements/{READY_EXAMPLE}.yaml::{READY_EXAMPLE} is not releasable: the "
      "requirement file's data differs from version 1's snapshot"),
     (change_a_template, "release",
      f"::error file=requirements/{READY_EXAMPLE}.yaml::{READY_EXAMPLE} is not releasable: "
      "templates/kitgen.css was added since version 1 was built"),
     (reject_by_sales, "release",
      f"::error file=requirements/{READY_EXAMPLE}.yaml::{READY_EXAMPLE} is not releasable: "
      "rejected by Marcus Bell (sales)"),
     (tamper_with_a_pdf, "verify", f"::error::verify: kits/{READY_EXAMPLE}/1/playbook.pdf: ")],
    ids=["edited after sign-off", "template changed", "rejected", "tampered"],
)
def test_each_way_a_gate_fails_is_annotated(
    workflow: dict[str, Any], signed_example: Path, copy_of: Callable[[Path], Path],
    tmp_path: Path, spoil: Callable[[Path], None], job: str, says: str
) -> None:
    root = copy_of(signed_example)
    spoil(root)
    runner = Runner(root, tmp_path)
    runner.choose(workflow, tag=f"launch-{READY_EXAMPLE}")
    if job == "verify":
        [*_, result] = runner.run_job(workflow["jobs"]["gate"])
    else:
        [*_, result] = runner.run_job(workflow["jobs"]["release"],
                                      **{"matrix.shard": "1", "strategy.job-total": "1"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(line.startswith(says) for line in result.stdout.splitlines()), result.stdout

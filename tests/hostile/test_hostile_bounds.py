"""Inputs that must stay inside their bounds (issue 12): pinned versions that are not above the
latest, links out of the workspace and special files, and arguments that used to crash.

Each is bad input: exit 2 with a message naming the file or the argument, no traceback, and
``kits/`` exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import Ran, clean_env, kitgen_command, run_kitgen, tree

from hostile.support import CATALOG, KIT, Sentinel, Stages, staged_kit_text, workspace_with

pytestmark = pytest.mark.hostile_input

NEED = "need: A one-page battlecard against Globex."


def refused(result: Ran, *says: str) -> None:
    assert result.code == 2, result.text
    assert "Traceback" not in result.text and "internal error" not in result.text, result.text
    for phrase in says:
        assert phrase in result.text, result.text


# --- hole 5: a pinned version that is not above the latest -------------------------------------


@pytest.mark.parametrize("pin", ["0.9.0", "1.0.0", "2.0.0"])
def test_a_pinned_version_not_above_the_latest_is_refused(
    stages: Stages, copy_of: Callable[[Path], Path], pin: str,
) -> None:
    """The released stage holds versions 1 (released) and 2: a pin at or below 2, with content
    nobody approved, must not become a version (the gate once called it released)."""
    root = copy_of(stages.released)
    workspace_with(root, staged_kit_text(stages.policy, **{
        "kit: hostile-kit\n": f'kit: hostile-kit\nversion: "{pin}"\n',
        NEED: "need: A one-page battlecard against Globex, nobody approved this."}))
    before = tree(root / "kits", leave_out={CATALOG})
    for command in (["build"], ["build", "--release"]):
        refused(run_kitgen(*command, cwd=root), f"version {pin}",
                "is not above the latest version 2", '"2.0.1"')
    assert tree(root / "kits", leave_out={CATALOG}) == before


# --- hole 7: links out of the workspace and special files -------------------------------------


def test_a_requirements_folder_linked_out_of_the_workspace_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "someone-elses-files"
    outside.mkdir()
    (outside / "notes.yaml").write_text("kitgen_secret_token_4711: 1\n")
    root = tmp_path / "ws"
    (root / "kits").mkdir(parents=True)
    (root / "requirements").symlink_to(outside, target_is_directory=True)
    for command in ("check", "build"):
        result = run_kitgen(command, cwd=root)
        refused(result, "requirements", "outside the workspace")
        assert "kitgen_secret_token_4711" not in result.text
        assert "someone-elses-files" not in result.text


def test_a_kits_folder_linked_out_of_the_workspace_is_refused(
    stages: Stages, copy_of: Callable[[Path], Path], tmp_path: Path,
) -> None:
    root = copy_of(stages.built)
    outside = tmp_path / "someone-elses-kits"
    shutil.move(root / "kits", outside)
    (root / "kits").symlink_to(outside, target_is_directory=True)
    before = tree(outside, leave_out={CATALOG})
    for command in (["build"], ["status"], ["verify"], ["approve", KIT, "--side", "sales",
                                                        "--name", "Sue", "--email",
                                                        "sue@acme.example", "--yes"]):
        refused(run_kitgen(*command, cwd=root), "kits/", "outside the workspace")
    assert tree(outside, leave_out={CATALOG}) == before


def test_a_template_linked_to_a_machine_file_is_refused(
    stages: Stages, copy_of: Callable[[Path], Path], sentinel: Sentinel,
) -> None:
    root = copy_of(stages.built)
    (root / "templates").mkdir()
    (root / "templates" / "brand.css").symlink_to(sentinel.path)
    before = tree(root / "kits", leave_out={CATALOG})
    refused(run_kitgen("build", cwd=root), "templates/brand.css", "outside the workspace")
    assert tree(root / "kits", leave_out={CATALOG}) == before
    secret = hashlib.sha256(sentinel.path.read_bytes()).hexdigest().encode()
    assert not any(secret in data for data in tree(root / "kits", leave_out={CATALOG}).values())


def _fifo_outside(tmp_path: Path) -> Path:
    fifo = tmp_path / "outside.fifo"
    os.mkfifo(fifo)
    return fifo


SPECIAL: dict[str, Callable[[Path, Path], None]] = {
    "a FIFO named as a template": lambda templates, tmp: os.mkfifo(
        templates / "battlecard.html.j2"),
    "a link to a FIFO outside": lambda templates, tmp: (
        templates / "battlecard.html.j2").symlink_to(_fifo_outside(tmp)),
    "a link to /proc/kmsg": lambda templates, tmp: (
        templates / "kmsg.css").symlink_to("/proc/kmsg"),
}


@pytest.mark.parametrize("case", SPECIAL)
def test_special_files_are_refused_without_hanging(
    stages: Stages, copy_of: Callable[[Path], Path], tmp_path: Path, case: str,
) -> None:
    if "kmsg" in case and not os.path.exists("/proc/kmsg"):
        pytest.skip("no /proc/kmsg here")
    root = copy_of(stages.built)
    workspace_with(root, staged_kit_text(stages.policy, **{
        NEED: "need: A one-page battlecard against Globex, shorter."}))
    (root / "templates").mkdir()
    SPECIAL[case](root / "templates", tmp_path)
    before = tree(root / "kits", leave_out={CATALOG})
    for command in ("check", "build"):
        # A real process with a time limit: a hang fails the test instead of the suite.
        result = run_kitgen(command, cwd=root, timeout=90, real_process=True)
        if command == "check" and result.code == 0:
            continue  # check renders nothing and may not need to read the templates at all
        refused(result, "templates/")
        assert "not a regular file" in result.text or "outside the workspace" in result.text
    assert tree(root / "kits", leave_out={CATALOG}) == before


# --- hole 10: unbounded and unhandled arguments ----------------------------------------------


@pytest.mark.slow
def test_jobs_are_capped_at_the_documents_and_the_cores(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(stages.built)
    workspace_with(root, staged_kit_text(stages.policy, **{
        NEED: "need: A one-page battlecard against Globex, in parallel."}))
    result = run_kitgen("build", "--jobs", "200", cwd=root)
    assert result.code == 0, result.text
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    expected = min(3, cores or 1)  # three documents: index, battlecard, playbook
    assert f"--jobs 200: rendering 3 document(s) on {expected} process(es)" in result.text


@pytest.mark.parametrize("shard", ["²/3", "１/３", "1/³", "٣/٣"])
def test_a_shard_in_other_digits_is_bad_input(stages: Stages, shard: str) -> None:
    refused(run_kitgen("build", "--shard", shard, cwd=stages.built), "--shard", "is not I/N")


LONG = "a" * 5000


@pytest.mark.parametrize("command", [
    ["approve", LONG, "--side", "sales", "--name", "Sue", "--email", "sue@acme.example", "--yes"],
    ["reject", LONG, "--side", "sales", "--reason", "no", "--name", "Sue", "--email",
     "sue@acme.example", "--yes"],
    ["diff", LONG],
    ["feedback", LONG, "battlecards.globex", "--useful", "yes", "--name", "Dana", "--email",
     "dana@acme.example"],
    ["status", LONG],
    ["verify", LONG],
], ids=lambda c: c[0])
def test_a_5000_character_kit_name_is_bad_input(stages: Stages, command: list[str]) -> None:
    result = run_kitgen(*command, cwd=stages.built)
    refused(result)
    assert "File name too long" not in result.text


def test_an_unreadable_requirement_file_is_bad_input(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(stages.built)
    (root / "requirements" / f"{KIT}.yaml").chmod(0)
    prefix: list[str] = []
    if os.geteuid() == 0:  # root reads anything: drop the capabilities that let it
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    for command in ("check", "build"):
        ran = subprocess.run([*prefix, *kitgen_command(command)], cwd=root,
                             env=clean_env(), capture_output=True, text=True, timeout=600)
        refused(Ran(ran.returncode, ran.stdout, ran.stderr), f"requirements/{KIT}.yaml",
                "permission denied")

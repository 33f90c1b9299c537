"""Concurrency (issue 5, item 5): 20 processes approving, rejecting and recording feedback at
once, 20 rounds, lose no record and corrupt none.

A real `kitgen` process costs about 0.35 s of start-up, so 400 of them would take over a minute
on two cores. The 20 rounds therefore fork the test process (kitgen already imported) into 20
real processes that wait at a gate and then run the command through the CLI together; one more
round runs 20 genuine `python -m kitgen` processes. Each round checks every process against the
files: a process that succeeded has its record, whole and saying what it was asked to; a process
that was refused (an approval that found a rejection already there) left nothing; there is no
stray or temporary file; and `verify` passes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import copy_workspace, run_kitgen, start_kitgen

from hostile.support import KIT, MARKETERS, SELLERS, Stages
from kitgen.base.workspace import Workspace
from kitgen.signoff.feedback import FEEDBACK_DIR, read_feedback
from kitgen.signoff.records import SIGNOFF_DIR, parse_record
from kitgen.verify.kit import verify_kit

pytestmark = pytest.mark.hostile_concurrency

ROUNDS = 20
ITEMS = ["battlecards.globex", "playbook.stallers.send-info", "playbook.nay_sayer",
         "playbook.decision_maker"]


@dataclass(frozen=True)
class Job:
    kind: str  # approve, reject, feedback
    who: tuple[str, str]
    side: str = ""
    text: str = ""  # comment, reason or note: unique per job and round

    def args(self) -> list[str]:
        identity = ["--name", self.who[0], "--email", self.who[1]]
        if self.kind == "feedback":
            return ["feedback", KIT, self.side, "--useful", "yes", "--note", self.text,
                    *identity]
        extra = ["--comment", self.text] if self.kind == "approve" else ["--reason", self.text]
        return [self.kind, KIT, "--side", self.side, "--yes", *extra, *identity]


def jobs_for(round_: int) -> list[Job]:
    """8 approvals and 4 rejections by 12 different people (one side each), 8 feedback."""
    jobs = []
    for n in range(4):
        jobs.append(Job("approve", MARKETERS[n], "marketing", f"r{round_} approve m{n}"))
        jobs.append(Job("approve", SELLERS[n], "sales", f"r{round_} approve s{n}"))
    for n in range(4, 6):
        jobs.append(Job("reject", MARKETERS[n], "marketing", f"r{round_} reject m{n}"))
        jobs.append(Job("reject", SELLERS[n], "sales", f"r{round_} reject s{n}"))
    for n in range(8):
        jobs.append(Job("feedback", (f"Rep {n}", f"rep{n}@acme.example"), ITEMS[n % 4],
                        f"r{round_} note {n}"))
    return jobs


def run_forked(root: Path, jobs: list[Job], results: Path) -> list[int]:
    """Fork one process per job; all wait at a gate, then run at once. Exit codes, in order."""
    gate_read, gate_write = os.pipe()
    pids = []
    for number, job in enumerate(jobs):
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 70
            try:
                os.close(gate_write)
                os.read(gate_read, 1)
                result = run_kitgen(*job.args(), cwd=root)
                (results / f"{number}.out").write_text(result.output)
                code = result.code
            finally:
                os._exit(code)
        pids.append(pid)
    os.close(gate_read)
    os.write(gate_write, b"x" * len(jobs))
    os.close(gate_write)
    codes = []
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        codes.append(os.waitstatus_to_exitcode(status))
    return codes


def run_real(root: Path, jobs: list[Job]) -> list[int]:
    processes = [start_kitgen(*job.args(), cwd=root, stderr=subprocess.STDOUT) for job in jobs]
    for process in processes:
        process.communicate(timeout=600)
    return [process.returncode for process in processes]


def check_round(root: Path, jobs: list[Job], codes: list[int]) -> dict[str, int]:
    kit_dir = root / "kits" / KIT
    for job, code in zip(jobs, codes, strict=True):
        # An approval may be refused (exit 1) when a rejection got there first; nothing else.
        allowed = (0, 1) if job.kind == "approve" else (0,)
        assert code in allowed, (job, code)
    records = {}
    for path in sorted((kit_dir / SIGNOFF_DIR).iterdir()) if (kit_dir / SIGNOFF_DIR).exists() \
            else []:
        assert path.suffix == ".txt", f"stray file {path.name}"
        record = parse_record(path.read_bytes())  # whole and canonical, or this raises
        records[record.comment] = record
    signed = {job.text: job for job, code in zip(jobs, codes, strict=True)
              if job.kind != "feedback" and code == 0}
    assert set(records) == set(signed), "a record was lost, or written by a refused run"
    for text, record in records.items():
        job = signed[text]
        assert (record.email, record.side, record.decision) == (job.who[1], job.side, job.kind)
    entries, bad = read_feedback(kit_dir)
    assert bad == []
    assert sorted(p.name for p in (kit_dir / FEEDBACK_DIR).iterdir()) == sorted(
        e.file_name for e in entries), "stray or temporary file among feedback"
    asked = {job.text: job for job in jobs if job.kind == "feedback"}
    assert {e.note: (e.email, e.item) for e in entries} == {
        text: (job.who[1], job.side) for text, job in asked.items()}
    report = verify_kit(Workspace(root), KIT)
    assert report.problems == [], report.problems
    return {"records": len(records), "feedback": len(entries),
            "refused": sum(1 for j, c in zip(jobs, codes, strict=True) if c == 1)}


@pytest.fixture(scope="module")
def workspace(stages: Stages, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_workspace(stages.built, tmp_path_factory.mktemp("concurrency") / "ws")


def reset(root: Path) -> None:
    for folder in (SIGNOFF_DIR, FEEDBACK_DIR):
        shutil.rmtree(root / "kits" / KIT / folder, ignore_errors=True)


def test_twenty_processes_at_once_twenty_rounds(workspace: Path, tmp_path: Path) -> None:
    totals = {"records": 0, "feedback": 0, "refused": 0}
    for round_ in range(ROUNDS):
        reset(workspace)
        jobs = jobs_for(round_)
        assert len(jobs) == 20
        results = tmp_path / f"round-{round_}"
        results.mkdir()
        codes = run_forked(workspace, jobs, results)
        outcome = check_round(workspace, jobs, codes)
        for key, value in outcome.items():
            totals[key] += value
    print(f"concurrency totals over {ROUNDS} rounds: {totals}")
    # Every round recorded all 8 feedback and every rejection; approvals only lose races.
    assert totals["feedback"] == 8 * ROUNDS
    assert totals["records"] + totals["refused"] == 12 * ROUNDS


def test_twenty_real_kitgen_processes_at_once(workspace: Path) -> None:
    reset(workspace)
    jobs = jobs_for(99)
    check_round(workspace, jobs, run_real(workspace, jobs))
    status = json.loads(run_kitgen("status", KIT, "--json", cwd=workspace).stdout)
    assert status[0]["signoff"]["marketing"]["state"] == "rejected"


def test_the_same_person_racing_themselves_counts_once(workspace: Path, tmp_path: Path) -> None:
    """Ten identical approvals at once: one record per second the runs took (never two in one
    second, however busy the machine), all whole, and the person counts once."""
    reset(workspace)
    job = Job("approve", SELLERS[7], "sales", "same")
    codes = run_forked(workspace, [job] * 10, tmp_path)
    assert codes == [0] * 10
    paths = list((workspace / "kits" / KIT / SIGNOFF_DIR).iterdir())
    assert paths and all(p.suffix == ".txt" for p in paths)
    seconds = [parse_record(p.read_bytes()).time for p in paths]
    assert len(set(seconds)) == len(seconds), seconds
    from kitgen.signoff.ledger import KitLedger

    assert len({r.email for r in KitLedger.open(Workspace(workspace), KIT)
                .counting("1", "approve")}) == 1


def test_concurrent_builds_and_sign_offs_leave_a_verifiable_kit(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    """A build of a new version racing approvals of the current one."""
    from hostile.support import staged_kit_text, workspace_with

    root = copy_of(stages.built)
    workspace_with(root, staged_kit_text(stages.policy, **{
        "need: A one-page battlecard against Globex.": "need: A Globex battlecard, v2."}))
    jobs = jobs_for(7)[:8]
    build = start_kitgen("build", cwd=root, stderr=subprocess.STDOUT)
    codes = run_real(root, jobs)
    output, _ = build.communicate(timeout=600)
    assert build.returncode == 0, output
    assert codes == [0] * 8  # approvals of version 1, the latest when they started or not
    assert run_kitgen("verify", cwd=root).code == 0

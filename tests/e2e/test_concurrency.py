"""Concurrent `kitgen approve` runs lose no record."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import kit_dir, make_workspace, records, run_kitgen, small_kit, start_kitgen

from kitgen.base.workspace import Workspace
from kitgen.signoff.ledger import KitLedger
from kitgen.signoff.records import parse_record

pytestmark = pytest.mark.slow

KIT = "acme-launch"
MARKETING = [f"marketer{n}@acme.example" for n in range(5)]
SALES = [f"seller{n}@acme.example" for n in range(5)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("concurrency") / "ws"
    make_workspace(root, small_kit(signoff={"marketing": MARKETING, "sales": SALES}))
    result = run_kitgen("build", cwd=root)
    assert result.code == 0, result.text
    return root


def test_ten_approvals_at_once_lose_no_record(built: Path) -> None:
    signers = [("marketing", email) for email in MARKETING] + [("sales", e) for e in SALES]
    processes = [
        start_kitgen("approve", KIT, "--side", side, "--email", email, "--name", f"Signer {n}",
                     "--comment", f"run {n}", "--yes", cwd=built)
        for n, (side, email) in enumerate(signers)
    ]
    outcomes = [(p.communicate(timeout=600), p.returncode) for p in processes]
    for (stdout, stderr), code in outcomes:
        assert code == 0, stdout + stderr
        assert "recorded kits/acme-launch/signoffs/" in stdout

    paths = records(built, KIT)
    assert len(paths) == 10
    parsed = [parse_record(p.read_bytes()) for p in paths]
    assert sorted(r.email for r in parsed) == sorted(MARKETING + SALES)
    assert sorted(r.comment for r in parsed) == sorted(f"run {n}" for n in range(10))
    # No temporary file is left behind by any writer.
    assert sorted(p.name for p in (kit_dir(built, KIT) / "signoffs").iterdir()) == \
        sorted(p.name for p in paths)

    ledger = KitLedger.open(Workspace(built), KIT)
    assert len(ledger.counting("1", "approve")) == 10
    assert ledger.blockers("1") == []
    verified = run_kitgen("verify", cwd=built)
    assert verified.code == 0, verified.text
    assert "10 sign-off records" in verified.stdout


def test_the_same_approval_started_at_once_is_recorded_once_per_second(
    tmp_path: Path, built: Path
) -> None:
    """Identical runs in the same second make identical bytes, hence the same file name: one
    writes it and the others find it there. Every run succeeds; no file is torn or doubled."""
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(built, root)
    for path in records(root, KIT):
        path.unlink()
    args = ("approve", KIT, "--side", "sales", "--email", SALES[0], "--name", "Signer",
            "--yes")
    processes = [start_kitgen(*args, cwd=root) for _ in range(4)]
    for process in processes:
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stdout + stderr
    paths = records(root, KIT)
    assert 1 <= len(paths) <= 4  # runs in different seconds make different records
    for path in paths:
        assert parse_record(path.read_bytes()).email == SALES[0]
    assert run_kitgen("verify", cwd=root).code == 0

"""Two sign-offs on two git branches merge without a conflict, and both count.

Real git, with its identity from the environment and no global or system config, so the
developer's own git setup can neither help nor break the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import git, git_env, kit_dir, records, run_kitgen

pytestmark = pytest.mark.slow

KIT = "northwind-analytics"
MARCUS = ("Marcus Bell", "marcus.bell@northwind.example")
PRIYA = ("Priya Shah", "priya.shah@northwind.example")


def ok(result: object) -> None:
    assert getattr(result, "returncode", 0) == 0, (getattr(result, "stdout", ""),
                                                  getattr(result, "stderr", ""))


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example (ready kit only) built and committed on `main`."""
    root = tmp_path_factory.mktemp("git") / "launch-kits"
    assert run_kitgen("init", str(root), cwd=root.parent).code == 0
    (root / "requirements" / "northwind-mobile.yaml").unlink()  # still being negotiated
    built = run_kitgen("build", cwd=root)
    assert built.code == 0, built.text
    ok(git("init", "-q", "-b", "main", cwd=root))
    ok(git("add", "-A", cwd=root))
    ok(git("commit", "-q", "-m", "Build northwind-analytics version 1", cwd=root))
    return root


def test_sign_offs_on_two_branches_merge_cleanly_and_both_count(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "clone"
    ok(git("clone", "-q", str(repo), str(root), cwd=tmp_path))

    # Branch A: the sales leader approves and commits.
    marcus = git_env(*MARCUS)
    ok(git("switch", "-q", "-c", "sales-signoff", "main", cwd=root, env=marcus))
    approved = run_kitgen("approve", KIT, "--side", "sales", "--yes", cwd=root,
                          env={"KITGEN_NAME": MARCUS[0], "KITGEN_EMAIL": MARCUS[1]})
    assert approved.code == 0, approved.text
    ok(git("add", "-A", cwd=root, env=marcus))
    ok(git("commit", "-q", "-m", "Sales sign-off", cwd=root, env=marcus))

    # Branch B, from the same base: a marketer approves and commits.
    priya = git_env(*PRIYA)
    ok(git("switch", "-q", "-c", "marketing-signoff", "main", cwd=root, env=priya))
    assert records(root, KIT) == []  # B does not see A's record
    approved = run_kitgen("approve", KIT, "--side", "marketing", "--yes", cwd=root,
                          env={"KITGEN_NAME": PRIYA[0], "KITGEN_EMAIL": PRIYA[1]})
    assert approved.code == 0, approved.text
    ok(git("add", "-A", cwd=root, env=priya))
    ok(git("commit", "-q", "-m", "Marketing sign-off", cwd=root, env=priya))

    # Merge B into A: no conflict, no markers, nothing left to resolve.
    ok(git("switch", "-q", "sales-signoff", cwd=root, env=marcus))
    merged = git("merge", "--no-edit", "marketing-signoff", cwd=root, env=marcus)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "CONFLICT" not in merged.stdout + merged.stderr
    assert git("status", "--porcelain", cwd=root).stdout == ""
    assert git("diff", "--name-only", "--diff-filter=U", cwd=root).stdout == ""
    signoffs = records(root, KIT)
    assert len(signoffs) == 2
    assert {p.name.split("--")[2] for p in signoffs} == {"sales", "marketing"}
    for path in kit_dir(root, KIT).rglob("*"):
        if path.is_file() and path.suffix in (".txt", ".json", ".yaml"):
            text = path.read_text()
            assert "<<<<<<<" not in text and ">>>>>>>" not in text, path

    # CI on the merged branch: both records count and the kit is released.
    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 0, gate.text
    assert "released now" in gate.stdout
    release = json.loads((kit_dir(root, KIT) / "1" / "released" / "release.json").read_text())
    assert {(s["side"], s["email"]) for s in release["signoffs"]} == {
        ("sales", MARCUS[1]), ("marketing", PRIYA[1])}
    assert sorted(s["file"] for s in release["signoffs"]) == sorted(p.name for p in signoffs)
    verified = run_kitgen("verify", cwd=root)
    assert verified.code == 0, verified.text


def test_the_same_approval_on_two_branches_merges_too(repo: Path, tmp_path: Path) -> None:
    """Two people of one side on two branches, and a rejection on a third: still no conflict,
    and the rejection blocks the release after the merge."""
    root = tmp_path / "clone"
    ok(git("clone", "-q", str(repo), str(root), cwd=tmp_path))
    env = git_env("CI", "ci@example.invalid")
    people = [("a", "sales", MARCUS, "approve"),
              ("b", "sales", ("Dana Whitfield", "dana.whitfield@northwind.example"), "approve"),
              ("c", "marketing", ("Lena Ortiz", "lena.ortiz@northwind.example"), "reject")]
    for branch, side, who, decision in people:
        ok(git("switch", "-q", "-c", branch, "main", cwd=root, env=env))
        extra = ["--reason", "Contoso pricing is out of date"] if decision == "reject" else []
        result = run_kitgen(decision, KIT, "--side", side, "--name", who[0], "--email", who[1],
                            "--yes", *extra, cwd=root)
        assert result.code == 0, result.text
        ok(git("add", "-A", cwd=root, env=env))
        ok(git("commit", "-q", "-m", f"{decision} by {who[0]}", cwd=root, env=env))
    ok(git("switch", "-q", "a", cwd=root, env=env))
    merged = git("merge", "--no-edit", "b", "c", cwd=root, env=env)  # an octopus merge
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert len(records(root, KIT)) == 3
    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 1
    assert "rejected by Lena Ortiz (marketing)" in gate.stdout

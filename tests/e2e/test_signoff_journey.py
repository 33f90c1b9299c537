"""End to end, each person through the CLI in their own environment, as they would work:

a marketer makes the workspace and builds; CI gates and says why not; the sales leader checks
the status and approves at a terminal, answering the confirmation; the marketer approves from
a script with their git identity; CI gates again and releases; a rep checks a PDF they got.
"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import time
from pathlib import Path

import pytest
from helpers import Ran, kit_dir, pdf_pages, records, run_kitgen, start_kitgen

pytestmark = pytest.mark.slow

KIT = "northwind-analytics"


def run(*args: str, cwd: Path, env: dict[str, str]) -> Ran:
    """A command as the person types it: a real process, in their own environment."""
    return run_kitgen(*args, cwd=cwd, env=env, real_process=True)


def at_terminal(args: list[str], cwd: Path, env: dict[str, str], answer: str) -> Ran:
    """Run kitgen with a terminal as its stdin; answer the confirmation when it is asked."""
    main, secondary = pty.openpty()
    process = start_kitgen(*args, cwd=cwd, env=env, stdin=secondary, text=False)
    os.close(secondary)
    assert process.stdout is not None
    seen = b""
    deadline = time.monotonic() + 120
    while b"? [y/N]" not in seen:
        assert time.monotonic() < deadline, seen
        ready, _, _ = select.select([process.stdout], [], [], 1)
        if ready:
            chunk = os.read(process.stdout.fileno(), 4096)
            assert chunk, (seen, process.stderr.read() if process.stderr else b"")
            seen += chunk
    os.write(main, answer.encode() + b"\n")
    stdout, stderr = process.communicate(timeout=600)
    os.close(main)
    return Ran(process.returncode, (seen + stdout).decode(), stderr.decode())


def person(tmp_path: Path, who: str, name: str, email: str, *, via: str) -> dict[str, str]:
    """A person's shell: their own HOME and git config; identity from KITGEN_* or git."""
    home = tmp_path / who
    home.mkdir()
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(f"[user]\n\tname = {name}\n\temail = {email}\n" if via == "git" else "")
    env = {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(gitconfig)}
    if via == "env":
        env.update(KITGEN_NAME=name, KITGEN_EMAIL=email)
    return env


def test_marketer_builds_sales_approves_marketing_approves_ci_releases(tmp_path: Path) -> None:
    priya = person(tmp_path, "priya", "Priya Shah", "priya.shah@northwind.example", via="git")
    marcus = person(tmp_path, "marcus", "Marcus Bell", "marcus.bell@northwind.example",
                    via="env")
    ci: dict[str, str] = {}
    root = tmp_path / "launch-kits"

    # The marketer makes the workspace, checks it and builds.
    assert run("init", str(root), cwd=tmp_path, env=priya).code == 0
    checked = run("check", cwd=root, env=priya)
    assert checked.code == 0 and "ready for sign-off" in checked.stdout
    built = run("build", cwd=root, env=priya)
    assert built.code == 0, built.text
    assert "written (draft)" in built.stdout

    # CI refuses: nobody signed, and northwind-mobile is still being negotiated.
    gate = run("build", "--release", cwd=root, env=ci)
    assert gate.code == 1
    assert "unchanged, nothing written" in gate.stdout
    lines = {line.split()[0]: line for line in gate.stdout.splitlines()
             if "NOT releasable" in line}
    assert "no marketing approval of version 1; no sales approval of version 1" in lines[KIT]
    assert "requirement mdm-one-pager is proposed" in lines["northwind-mobile"]
    assert "2 of 2 kit(s) not releasable" in gate.stderr

    # The sales leader sees what waits for them, then reviews and confirms at a terminal.
    status = json.loads(run("status", "--json", cwd=root, env=marcus).stdout)
    assert status[0]["kit"] == KIT and status[0]["signoff"]["sales"]["state"] == "pending"
    declined = at_terminal(["approve", KIT, "--side", "sales"], root, marcus, "n")
    assert declined.code == 1 and "nothing recorded" in declined.stdout
    assert records(root, KIT) == []
    approved = at_terminal(["approve", KIT, "--side", "sales", "--comment",
                            "Reviewed with the mid-market AEs"], root, marcus, "y")
    assert approved.code == 0, approved.text
    review = approved.stdout
    assert "Approving for sales as Marcus Bell <marcus.bell@northwind.example>" in review
    assert "kit:       northwind-analytics — Northwind Analytics 3.0 launch kit" in review
    assert "battlecard-contoso-bi.pdf (1 page)" in review
    assert "Record this approval for sales? [y/N]" in review
    assert "recorded kits/northwind-analytics/signoffs/1--" in review

    # The marketer approves from a script; their identity comes from git.
    marketing = run("approve", KIT, "--side", "marketing", "--yes", cwd=root, env=priya)
    assert marketing.code == 0, marketing.text
    assert "as Priya Shah <priya.shah@northwind.example>" in marketing.stdout

    # CI: the ready kit is released; the whole gate still fails on the other kit.
    gate = run("build", "--release", cwd=root, env=ci)
    assert gate.code == 1
    assert f"{KIT}" in gate.stdout and "released now" in gate.stdout
    assert "1 of 2 kit(s) not releasable: northwind-mobile" in gate.stderr
    only = run("build", f"requirements/{KIT}.yaml", "--release", cwd=root, env=ci)
    assert only.code == 0 and "released (already)" in only.stdout
    verified = run("verify", cwd=root, env=ci)
    assert verified.code == 0, verified.text

    released = kit_dir(root, KIT) / "1" / "released" / "battlecard-contoso-bi.pdf"
    (page,) = pdf_pages(released)
    assert "Marcus Bell Sales" in page and "Priya Shah Marketing" in page
    assert "DRAFT" not in page

    # A rep checks the PDF they were emailed.
    downloads = tmp_path / "rep" / "Downloads"
    downloads.mkdir(parents=True)
    shutil.copy2(released, downloads / "contoso.pdf")
    rep = run("verify", str(downloads / "contoso.pdf"), cwd=root, env=ci)
    assert rep.code == 0
    assert "kit northwind-analytics version 1, released" in rep.stdout

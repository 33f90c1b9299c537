"""The sales leader sees exactly what they sign: in a real terminal, every change between two
versions is on the approve screen before the question, as old → new, and nothing else is.

One kit is changed five times in turn — a battlecard's pricing, a claim's proof, a staller's
next step, a signer's key, a requirement's status — and built after each change; after each
build the sales leader runs `kitgen approve` in a pseudo-terminal (through `script`, with a
pager, as at a desk) and answers "y". `diff --json` must say the same.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    MARA,
    MONA,
    SAM,
    SUE,
    approve,
    clean_env,
    copy_workspace,
    kitgen_command,
    make_workspace,
    records,
    run_kitgen,
    small_kit,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("script") is None, reason="needs script(1) for a terminal"),
]

KIT = "acme-launch"
OLD_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOldKeyOfSue sue@laptop"
NEW_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINewKeyOfSue sue@laptop"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def first_version() -> dict[str, Any]:
    data = small_kit()
    data["signoff"]["keys"] = {SUE[1]: OLD_KEY}
    data["battlecards"][0]["pricing"] = "List price $500k for 500 seats; discounts in Q4."
    data["value_props"] = [{
        "id": "cfo", "persona": "CFO", "pains": ["Month-end takes a week."],
        "claims": [{"claim": "Cut month-end reporting by 40 percent.",
                    "proof": "Initech cut its month-end pack from 5 days to 3.",
                    "source": "Case study: Initech, 2026"}]}]
    data["requirements"].append({"id": "cfo-sheet", "from": "sales", "need": "A CFO sheet.",
                                 "status": "agreed", "delivered_by": ["value_props.cfo"]})
    return data


@dataclass(frozen=True)
class Step:
    """One edit of the requirement file, and what the approve screen must show for it."""

    name: str
    edit: Callable[[dict[str, Any]], None]
    path: str  # where `diff --json` locates it
    before: Any
    after: Any
    screen: tuple[str, ...]  # lines the approve screen must show, in this order


def _set(*keys: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        target = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


STEPS = (
    Step("pricing",
         _set("battlecards", 0, "pricing",
              value="List price $750k for 500 seats; discounts in Q4."),
         "battlecards.globex.pricing",
         "List price $500k for 500 seats; discounts in Q4.",
         "List price $750k for 500 seats; discounts in Q4.",
         ("    battlecards.globex", "      pricing:",
          "        List price [-$500k-] {+$750k+} for 500 seats; discounts in Q4.",
          "    card-globex (agreed) — delivered by battlecards.globex, which changed: "
          "pricing")),
    Step("claim proof",
         _set("value_props", 0, "claims", 0, "proof",
              value="Initech cut its month-end pack from 5 days to 2."),
         "value_props.cfo.claims[0].proof",
         "Initech cut its month-end pack from 5 days to 3.",
         "Initech cut its month-end pack from 5 days to 2.",
         ("    value_props.cfo", "      claims[0].proof:",
          "        Initech cut its month-end pack from 5 days to [-3.-] {+2.+}",
          "    cfo-sheet (agreed) — delivered by value_props.cfo, which changed: "
          "claims[0].proof")),
    Step("staller next step",
         _set("playbook", "stallers", 0, "next_step", value="Book 30 minutes with their VP."),
         "playbook.stallers.send-info.next_step",
         "Book 20 minutes with their manager.",
         "Book 30 minutes with their VP.",
         ("    playbook.stallers.send-info",
          "      next_step: Book 20 minutes with their manager. → Book 30 minutes with their "
          "VP.",
          "    stall-send-info (agreed) — delivered by playbook.stallers.send-info, which "
          "changed: next_step")),
    Step("signer key",
         _set("signoff", "keys", SUE[1], value=NEW_KEY),
         f"signoff.keys.{SUE[1]}", OLD_KEY, NEW_KEY,
         ("  !! The sign-off policy changed since version 4: approving this version also "
          "agrees to who may sign it",
          "    signoff", f"      keys.{SUE[1]}:",
          "        ssh-ed25519 [-AAAAC3NzaC1lZDI1NTE5AAAAIOldKeyOfSue-] "
          "{+AAAAC3NzaC1lZDI1NTE5AAAAINewKeyOfSue+} sue@laptop",
          "  what changed since version 4, the last version sales approved: no content "
          "changed apart from the sign-off policy")),
    Step("requirement status",
         _set("requirements", 1, "status", value="dropped"),
         "requirements.stall-send-info.status", "agreed", "dropped",
         ("    requirements.stall-send-info", "      status: agreed → dropped")),
)


def at_terminal(args: list[str], cwd: Path, env: dict[str, str], answer: str) -> tuple[int, str]:
    """Run kitgen in a pseudo-terminal (stdin and stdout), type ``answer`` and Enter; return
    the exit code and the screen as text."""
    command = shlex.join(kitgen_command(*args))
    result = subprocess.run(["script", "-qec", command, "/dev/null"], cwd=cwd, env=env,
                            input=answer + "\n", capture_output=True, text=True, timeout=180)
    return result.returncode, ANSI.sub("", result.stdout)


def desk(who: tuple[str, str], **extra: str) -> dict[str, str]:
    """A person at a terminal: colour on, a short screen so long reviews go to the pager
    (``cat`` here, so the test need not press space), a wide one so nothing wraps."""
    env = clean_env(KITGEN_NAME=who[0], KITGEN_EMAIL=who[1], TERM="xterm", COLUMNS="250",
                    LINES="12", PAGER="cat", NO_COLOR=None, **extra)
    return env


@dataclass(frozen=True)
class Walk:
    root: Path
    screens: tuple[tuple[int, str], ...]  # per step: exit code and approve screen
    diffs: tuple[dict[str, Any], ...]  # per step: `diff --json` of the version before and it


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Walk:
    root = tmp_path_factory.mktemp("review") / "ws"
    data = first_version()
    make_workspace(root, data)
    assert run_kitgen("build", cwd=root).code == 0
    assert approve(root, KIT, "sales", SAM).code == 0
    screens, diffs = [], []
    for number, step in enumerate(STEPS, start=2):
        step.edit(data)
        make_workspace(root, data)
        built = run_kitgen("build", cwd=root)
        assert built.code == 0 and f"{number}  " in built.stdout, built.text
        if number == 2:  # marketing signs the second version and then waits
            assert approve(root, KIT, "marketing", MARA).code == 0
        screens.append(at_terminal(["approve", KIT, "--side", "sales"], root, desk(SAM), "y"))
        result = run_kitgen("diff", KIT, str(number - 1), str(number), "--json", cwd=root)
        assert result.code == 0, result.text
        diffs.append(json.loads(result.stdout))
    return Walk(root, tuple(screens), tuple(diffs))


@pytest.mark.parametrize("number", range(len(STEPS)), ids=[s.name for s in STEPS])
def test_the_approve_screen_shows_the_change_before_the_question(walk: Walk,
                                                                  number: int) -> None:
    step = STEPS[number]
    code, screen = walk.screens[number]
    assert code == 0, screen
    version = number + 2
    review, _, after = screen.partition("Record this approval for sales? [y/N]")
    assert after, screen  # it asked, after showing the review
    assert f"recorded kits/{KIT}/signoffs/{version}--" in after
    lines = review.splitlines()
    assert f"Approving for sales as {SAM[0]} <{SAM[1]}> (from KITGEN_NAME/KITGEN_EMAIL)" in lines
    assert f"  version:   {version} (digest " in review
    assert f"  documents: kits/{KIT}/{version}/" in lines
    assert f"  the record will say: “Approved by sales: version {version} delivers" in review
    where = [lines.index(line) for line in step.screen if line in lines]
    assert len(where) == len(step.screen), "\n".join(
        [*(line for line in step.screen if line not in lines), "--- screen:", review])
    assert where == sorted(where)
    if step.name != "signer key":
        assert f"since version {version - 1}, the last version sales approved (1 change):" \
            in review
        assert "sign-off policy" not in review
    # Nothing that did not change is shown as changed: one item, one field.
    shown_items = [line for line in lines if re.match(r"^    [a-z_]+[.][^ ]+$", line)]
    assert len(shown_items) <= 1, shown_items


@pytest.mark.parametrize("number", range(len(STEPS)), ids=[s.name for s in STEPS])
def test_diff_json_gives_the_change_old_and_new(walk: Walk, number: int) -> None:
    step = STEPS[number]
    data = walk.diffs[number]
    assert [(c["path"], c["change"], c["before"], c["after"]) for c in data["changes"]] == [
        (step.path, "changed", step.before, step.after)]
    words = data["changes"][0]["words"]
    assert " ".join(w["text"] for w in words if w["op"] != "+") == step.before
    assert " ".join(w["text"] for w in words if w["op"] != "-") == step.after


def test_diff_json_of_a_requirement_change_says_old_and_new(walk: Walk) -> None:
    (change,) = walk.diffs[-1]["requirements"]
    assert change == {"id": "stall-send-info", "field": "status", "change": "changed",
                      "before": "agreed", "after": "dropped"}


def test_status_says_what_each_side_must_do_next(walk: Walk) -> None:
    text = run_kitgen("status", KIT, cwd=walk.root).stdout
    assert ("  marketing: approved version 2; version 6 awaits marketing (4 changes since: "
            f"kitgen diff {KIT} 2 6)\n") in text
    assert f"  sales: approved version 6 ({SAM[0]}, " in text
    assert "  blocking the release:\n    - no marketing approval of version 6 (approvals only "\
        "on older version 2)\n" in text
    (entry,) = json.loads(run_kitgen("status", KIT, "--json", cwd=walk.root).stdout)
    assert entry["signoff"]["marketing"]["last_approved"] == "2"
    assert entry["signoff"]["marketing"]["changes_since_last_approved"] == 4
    assert entry["blockers"] == [{"kind": "approval-missing", "item": "marketing",
                                  "message": "no marketing approval of version 6 (approvals "
                                             "only on older version 2)"}]


def test_marketing_sees_every_change_since_its_last_approval(walk: Walk, tmp_path: Path) -> None:
    root = copy_workspace(walk.root, tmp_path / "ws")
    code, screen = at_terminal(["approve", KIT, "--side", "marketing"], root, desk(MONA), "n")
    assert code == 1 and "nothing recorded" in screen
    review = screen.partition("Record this approval for marketing?")[0]
    assert "what changed since version 2, the last version marketing approved (3 changes):" \
        in review
    assert "!! The sign-off policy changed since version 2" in review
    lines = review.splitlines()
    for item in ("    signoff", "    value_props.cfo", "    playbook.stallers.send-info",
                 "    requirements.stall-send-info"):
        assert item in lines, review
    changes = review.partition("  warnings:")[0]
    assert "battlecards.globex" not in changes  # changed before version 2: already approved
    assert "sales: approved version 6 (Sam Ortega, " in review
    assert [p.name.split("--")[2] for p in records(root, KIT)].count("marketing") == 1


def test_reject_says_it_blocks_for_good_repeats_the_reason_and_asks(walk: Walk,
                                                                    tmp_path: Path) -> None:
    root = copy_workspace(walk.root, tmp_path / "ws")
    before = records(root, KIT)
    args = ["reject", KIT, "--side", "marketing", "--reason", "The Q4 discount note is wrong"]
    code, screen = at_terminal(args, root, desk(MONA), "n")
    review, _, after = screen.partition("Record this rejection for marketing? [y/N]")
    assert code == 1 and "nothing recorded" in after and records(root, KIT) == before
    assert "Rejecting for marketing as Mona Reyes <mona@acme.example>" in review
    assert "  reason:    The Q4 discount note is wrong" in review
    assert "  Rejecting blocks version 6 for good: it can never be approved or released; the " \
        "kit needs a new version." in review
    assert ("  the record will say: “Changes requested by marketing: version 6 must not be "
            "released.”") in review
    code, screen = at_terminal(args, root, desk(MONA), "y")
    assert code == 0 and "recorded kits/" in screen
    again = run_kitgen("reject", KIT, "--side", "marketing", "--reason", "Still wrong", "--yes",
                       cwd=root, env={"KITGEN_NAME": MONA[0], "KITGEN_EMAIL": MONA[1]})
    assert f"{MONA[0]} <{MONA[1]}> already rejected version 6 for marketing; nothing recorded" \
        in again.text
    status = run_kitgen("status", KIT, cwd=root).stdout
    assert "  marketing: rejected version 6 (Mona Reyes: The Q4 discount note is wrong); it " \
        "needs a new version\n" in status


def test_approve_json_shows_the_review_and_records_only_with_yes(walk: Walk,
                                                                 tmp_path: Path) -> None:
    root = copy_workspace(walk.root, tmp_path / "ws")
    before = records(root, KIT)
    look = run_kitgen("approve", KIT, "--side", "marketing", "--json", cwd=root,
                      env={"KITGEN_NAME": MARA[0], "KITGEN_EMAIL": MARA[1]})
    assert look.code == 0, look.text
    review = json.loads(look.stdout)
    assert records(root, KIT) == before and review["recorded"] is None
    assert (review["version"], review["previous_approval"], review["side"]) == ("6", "2",
                                                                                 "marketing")
    assert [c["path"] for c in review["changes"]] == [  # in the file's order
        STEPS[3].path, STEPS[4].path, STEPS[1].path, STEPS[2].path]
    assert [c["path"] for c in review["policy_changes"]] == [f"signoff.keys.{SUE[1]}"]
    assert [(t["requirement"], t["item"]) for t in review["touched"]] == [
        ("cfo-sheet", "value_props.cfo")]  # stall-send-info is dropped now
    assert review["other_side"]["state"] == "approved"
    signed = run_kitgen("approve", KIT, "--side", "marketing", "--json", "--yes", cwd=root,
                        env={"KITGEN_NAME": MARA[0], "KITGEN_EMAIL": MARA[1]})
    assert signed.code == 0 and json.loads(signed.stdout)["recorded"].startswith(
        f"kits/{KIT}/signoffs/6--")
    assert len(records(root, KIT)) == len(before) + 1


def test_signing_with_another_address_than_git_says_so(walk: Walk, tmp_path: Path) -> None:
    root = copy_workspace(walk.root, tmp_path / "ws")
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f"[user]\n\tname = {SAM[0]}\n\temail = {SAM[1]}\n")
    result = run_kitgen("approve", KIT, "--side", "sales", "--name", SUE[0], "--email", SUE[1],
                        "--yes", cwd=root, env={"GIT_CONFIG_GLOBAL": str(gitconfig)})
    assert result.code == 0, result.text
    assert (f"  note: you sign as {SUE[1]} (--email), but git config says you are {SAM[1]}"
            in result.stdout.splitlines())
    same = run_kitgen("approve", KIT, "--side", "marketing", "--name", MONA[0], "--email", MONA[1],
                      "--yes", cwd=root, env={"KITGEN_NAME": MONA[0], "KITGEN_EMAIL": MONA[1]})
    assert same.code == 0 and "note:" not in same.stdout


@pytest.mark.parametrize("command", [["diff"], ["status"], ["verify"],
                                     ["feedback", "battlecards.globex", "--useful", "yes"],
                                     ["approve", "--side", "sales", "--yes"]])
def test_an_unknown_kit_gets_did_you_mean_everywhere(walk: Walk, command: list[str]) -> None:
    args = [command[0], "acme-lunch", *command[1:]]
    result = run_kitgen(*args, cwd=walk.root, env={"KITGEN_NAME": SAM[0], "KITGEN_EMAIL": SAM[1]})
    assert result.code == 2, result.text
    assert "Did you mean acme-launch?" in result.text and "Kits: acme-launch." in result.text
    assert "Traceback" not in result.text


@pytest.mark.parametrize("command", [["diff", "9"], ["diff", "1", "9"],
                                     ["approve", "--side", "sales", "--version", "9", "--yes"],
                                     ["reject", "--side", "sales", "--version", "9",
                                      "--reason", "No", "--yes"]])
def test_an_unknown_version_is_bad_input_everywhere(walk: Walk, command: list[str]) -> None:
    result = run_kitgen(command[0], KIT, *command[1:], cwd=walk.root,
                        env={"KITGEN_NAME": SAM[0], "KITGEN_EMAIL": SAM[1]})
    assert result.code == 2, result.text
    assert "has no version 9" in result.text and "Versions: 1, 2, 3, 4, 5, 6." in result.text


def test_the_version_index_says_what_changed_field_by_field(walk: Walk) -> None:
    from helpers import pdf_text, squash

    text = squash(pdf_text(walk.root / "kits" / KIT / "2" / "index.pdf"))
    assert "Since the previous version (version 1)" in text
    for expected in ("battlecards.globex.pricing", STEPS[0].before, STEPS[0].after):
        assert squash(expected) in text, text


def test_summary_names_the_fields_per_item(walk: Walk, tmp_path: Path) -> None:
    lines = run_kitgen("diff", KIT, "2", "6", "--summary", cwd=walk.root).stdout.splitlines()
    assert lines[1:6] == ["what changed (4 changes):", f"  signoff: keys.{SUE[1]}",
                          "  requirements.stall-send-info: status",
                          "  value_props.cfo: claims[0].proof",
                          "  playbook.stallers.send-info: next_step"]
    root = copy_workspace(walk.root, tmp_path / "ws")
    review = run_kitgen("approve", KIT, "--side", "marketing", "--summary", "--yes", cwd=root,
                        env={"KITGEN_NAME": MONA[0], "KITGEN_EMAIL": MONA[1]})
    assert "    value_props.cfo: claims[0].proof" in review.stdout.splitlines()
    # The policy block is never shortened: who may sign is shown in full.
    assert "        ssh-ed25519 [-AAAAC3NzaC1lZDI1NTE5AAAAIOldKeyOfSue-] " in review.stdout

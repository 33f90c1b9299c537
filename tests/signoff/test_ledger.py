"""Which sign-offs count and whether a version is released: the release truth table.

Each row writes sign-off records into a copy of one built workspace, then asks the ledger
(``KitLedger.blockers``) and the CI gate (``kitgen build FILE --release``) the same question.
The gate must exit 0 exactly when the ledger finds nothing in the way, and its table must say
why not.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    EVE,
    MARA,
    MONA,
    SAM,
    SUE,
    copy_workspace,
    damage_signature,
    kit_dir,
    make_key,
    make_workspace,
    manifest_digest,
    run_kitgen,
    small_kit,
    ssh_sign,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kitgen.base.workspace import Workspace
from kitgen.signoff.ledger import KitLedger
from kitgen.signoff.records import Record, meaning_of, write_record

PLAIN = "acme-launch"  # versions 1 and 2; signatures optional
SIGNED = "acme-signed"  # version 1; signoff.require_signatures: true


@dataclass(frozen=True)
class Built:
    root: Path
    keys: dict[str, Path]  # email -> private key listed in acme-signed's signoff.keys
    stray: Path  # a key listed nowhere


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("ledger") / "ws"
    folder = tmp_path_factory.mktemp("keys")
    keys, public = {}, {}
    for who in (MARA, MONA, SAM):
        keys[who[1]], public[who[1]] = make_key(folder, who[1].split("@")[0])
    stray, _ = make_key(folder, "stray")

    make_workspace(root, small_kit())
    assert run_kitgen("build", cwd=root).code == 0
    changed = small_kit()
    changed["requirements"][0]["need"] = "A one-page battlecard against Globex, with pricing."
    make_workspace(root, changed)
    assert run_kitgen("build", cwd=root).code == 0
    # Sue is listed for sales but has no key: her approvals can never count here.
    make_workspace(root, small_kit(kit=SIGNED, signoff={
        "marketing": [MARA[1], MONA[1]], "sales": [SAM[1], SUE[1]],
        "keys": public, "require_signatures": True}))
    result = run_kitgen("build", f"requirements/{SIGNED}.yaml", cwd=root)
    assert result.code == 0, result.text
    assert sorted(p.name for p in kit_dir(root, PLAIN).iterdir()) == ["1", "2"]
    return Built(root, keys, stray)


@dataclass(frozen=True)
class Step:
    decision: str
    version: str
    side: str
    who: tuple[str, str]
    signed: str = "no"  # no, good, stray-key, flipped, own-unlisted-key


def A(version: str, side: str, who: tuple[str, str], signed: str = "no") -> Step:  # noqa: N802
    return Step("approve", version, side, who, signed)


def R(version: str, side: str, who: tuple[str, str], signed: str = "no") -> Step:  # noqa: N802
    return Step("reject", version, side, who, signed)


@dataclass(frozen=True)
class Row:
    kit: str
    steps: tuple[Step, ...]
    releasable: bool
    reasons: tuple[str, ...] = ()  # each must appear in the blockers and in the gate's table
    not_counting: tuple[str, ...] = ()  # why the records that do not count, do not


ROWS = {
    "nobody signed": Row(PLAIN, (), False,
                         ("no marketing approval of version 2", "no sales approval of version 2")),
    "sales only": Row(PLAIN, (A("2", "sales", SAM),), False,
                      ("no marketing approval of version 2",)),
    "marketing only": Row(PLAIN, (A("2", "marketing", MARA),), False,
                          ("no sales approval of version 2",)),
    "both sides": Row(PLAIN, (A("2", "sales", SAM), A("2", "marketing", MARA)), True),
    "both sides, then a sales rejection": Row(
        PLAIN, (A("2", "sales", SAM), A("2", "marketing", MARA), R("2", "sales", SUE)), False,
        ("rejected by Sue Park (sales)",)),
    "both sides, then a marketing rejection": Row(
        PLAIN, (A("2", "sales", SAM), A("2", "marketing", MARA), R("2", "marketing", MONA)),
        False, ("rejected by Mona Reyes (marketing)",)),
    "a rejection alone": Row(PLAIN, (R("2", "sales", SAM),), False,
                             ("rejected by Sam Ortega (sales)", "no marketing approval")),
    "a rejection of the older version only": Row(
        PLAIN, (R("1", "sales", SUE), A("2", "sales", SAM), A("2", "marketing", MARA)), True),
    "approvals on the older version only": Row(
        PLAIN, (A("1", "sales", SAM), A("1", "marketing", MARA)), False,
        ("no marketing approval of version 2 (approvals only on older version 1)",
         "no sales approval of version 2 (approvals only on older version 1)")),
    "one side approved only the older version": Row(
        PLAIN, (A("1", "sales", SAM), A("2", "marketing", MARA)), False,
        ("no sales approval of version 2 (approvals only on older version 1)",)),
    "one person on both sides": Row(
        PLAIN, (A("2", "sales", SAM), A("2", "marketing", SAM)), False,
        ("no marketing approval of version 2",), ("sam@acme.example",)),
    "an unlisted signer": Row(
        PLAIN, (A("2", "sales", SAM), A("2", "marketing", EVE)), False,
        ("no marketing approval of version 2",),
        ("eve@acme.example is not listed to sign for marketing",)),
    "signatures required, both signed": Row(
        SIGNED, (A("1", "sales", SAM, "good"), A("1", "marketing", MARA, "good")), True),
    "signatures required, one missing": Row(
        SIGNED, (A("1", "sales", SAM, "good"), A("1", "marketing", MARA)), False,
        ("no marketing approval of version 1",), ("unsigned",)),
    "signatures required, signed by another key": Row(
        SIGNED, (A("1", "sales", SAM, "good"), A("1", "marketing", MARA, "stray-key")), False,
        ("no marketing approval of version 1",), ("bad signature",)),
    "signatures required, signature damaged": Row(
        SIGNED, (A("1", "sales", SAM, "good"), A("1", "marketing", MARA, "flipped")), False,
        ("no marketing approval of version 1",), ("bad signature",)),
    "signatures required, signer has no listed key": Row(
        SIGNED, (A("1", "marketing", MARA, "good"), A("1", "sales", SUE, "own-unlisted-key")),
        False, ("no sales approval of version 1",), ("no key for sue@acme.example",)),
    "signatures required, an unsigned rejection still blocks": Row(
        SIGNED, (A("1", "sales", SAM, "good"), A("1", "marketing", MARA, "good"),
                 R("1", "sales", SUE)), False, ("rejected by Sue Park (sales)",)),
    "signatures optional, a signature no listed key can check does not count": Row(
        PLAIN, (A("2", "sales", SAM), A("2", "marketing", MARA, "good")), False,
        ("no marketing approval of version 2",), ("no key for mara@acme.example",)),
}


def write_steps(built: Built, root: Path, row: Row, hour: str = "2025-12-01T09") -> None:
    """Write each step's record by hand, a minute apart from ``hour`` on (UTC)."""
    for n, step in enumerate(row.steps):
        record = Record(
            kit=row.kit, version=step.version, digest=manifest_digest(root, row.kit, step.version),
            side=step.side, name=step.who[0], email=step.who[1], decision=step.decision,
            meaning=meaning_of(step.decision, step.side, step.version),
            comment="needs work" if step.decision == "reject" else "",
            time=f"{hour}:{n:02d}:00Z",
        )
        data = record.to_bytes()
        signature = None
        if step.signed == "good":
            signature = ssh_sign(data, built.keys[step.who[1]])
        elif step.signed in ("stray-key", "own-unlisted-key"):
            signature = ssh_sign(data, built.stray)
        elif step.signed == "flipped":
            signature = damage_signature(ssh_sign(data, built.keys[step.who[1]]))
        write_record(kit_dir(root, row.kit), record, signature)


@pytest.mark.parametrize("case", list(ROWS), ids=list(ROWS))
@pytest.mark.slow
def test_release_truth_table(built: Built, tmp_path: Path, case: str) -> None:
    row = ROWS[case]
    root = copy_workspace(built.root, tmp_path / "ws")
    write_steps(built, root, row)

    ledger = KitLedger.open(Workspace(root), row.kit)
    latest = ledger.latest
    assert latest is not None
    blockers = ledger.blockers(latest)
    assert (blockers == []) is row.releasable, blockers
    for reason in row.reasons:
        assert any(reason in b.message for b in blockers), (reason, blockers)
    reasons_given = [j.reason for j in ledger.judged if not j.counts]
    for why in row.not_counting:
        assert any(why in r for r in reasons_given), (why, reasons_given)
    if not row.not_counting:
        assert reasons_given == [], "every record written in this row should count"

    gate = run_kitgen("build", f"requirements/{row.kit}.yaml", "--release", cwd=root)
    released = kit_dir(root, row.kit) / latest / "released" / "release.json"
    if row.releasable:
        assert gate.code == 0, gate.text
        assert "released now" in gate.stdout
        assert released.is_file()
    else:
        assert gate.code == 1, gate.text
        line = next(x for x in gate.stdout.splitlines() if row.kit in x and "NOT releasable" in x)
        for reason in row.reasons:
            assert reason in line, (reason, line)
        assert f"not releasable: {row.kit}" in gate.stderr
        assert not released.exists()


@pytest.mark.slow
def test_ledger_lists_open_requirements_as_a_blocker(tmp_path: Path) -> None:
    """A version built while the negotiation is open is never releasable, even if signed."""
    open_kit = small_kit()
    open_kit["requirements"].append({
        "id": "pricing-sheet", "from": "sales", "need": "A pricing one-pager.",
        "status": "disputed", "positions": {"sales": "We need it.", "marketing": "Not now."}})
    root = tmp_path / "ws"
    make_workspace(root, open_kit)
    assert run_kitgen("build", cwd=root).code == 0
    # Records written by hand: `kitgen approve` refuses an unsettled version.
    write_steps(Built(root, {}, root), root,
                Row(PLAIN, (A("1", "sales", SAM), A("1", "marketing", MARA)), False))
    ledger = KitLedger.open(Workspace(root), PLAIN)
    assert [(b.kind, b.item, b.message) for b in ledger.blockers("1")] == [
        ("open-requirement", "pricing-sheet",
         "requirement pricing-sheet is disputed: A pricing one-pager.")]
    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 1
    assert "requirement pricing-sheet is disputed" in gate.stdout


@pytest.mark.slow
def test_same_person_listed_on_both_sides_in_different_case(built: Built, tmp_path: Path) -> None:
    """Emails compare without case, so listing ``Sam@`` for marketing and ``sam@`` for sales
    must not let Sam count twice: either the file is refused, or only one side counts."""
    root = copy_workspace(built.root, tmp_path / "ws")
    both = small_kit(kit="acme-both", signoff={"marketing": [MARA[1], "Sam@acme.example"],
                                               "sales": [SAM[1]]})
    make_workspace(root, both)
    build = run_kitgen("build", "requirements/acme-both.yaml", cwd=root)
    if build.code == 2:  # the loader refuses the policy outright: also correct
        assert "both sides" in build.text
        return
    assert build.code == 0, build.text
    assert run_kitgen("approve", "acme-both", "--side", "sales", "--email", SAM[1], "--yes",
                      cwd=root).code == 0
    second = run_kitgen("approve", "acme-both", "--side", "marketing", "--email",
                        "SAM@acme.example", "--yes", cwd=root)
    assert second.code == 1
    assert "already counts for sales" in second.text
    # A record written by hand for marketing, dated after his sales approval, counts neither.
    later = Row("acme-both", (A("1", "marketing", ("Sam Ortega", SAM[1])),), False)
    write_steps(built, root, later, hour="2999-12-31T23")
    ledger = KitLedger.open(Workspace(root), "acme-both")
    assert [r.side for r in ledger.counting("1", "approve")] == ["sales"]
    assert any("already counts for sales" in j.reason for j in ledger.judged)
    assert "no marketing approval of version 1" in [b.message for b in ledger.blockers("1")]


PEOPLE = (MARA, MONA, SAM, SUE, EVE)


@st.composite
def histories(draw: st.DrawFn) -> tuple[Step, ...]:
    """Any sequence of up to eight sign-offs of acme-launch, listed signers or not."""
    step = st.builds(Step, st.sampled_from(["approve", "approve", "reject"]),
                     st.sampled_from(["1", "2"]), st.sampled_from(["sales", "marketing"]),
                     st.sampled_from(PEOPLE))
    return tuple(draw(st.lists(step, max_size=8)))


@pytest.fixture(scope="module")
def scratch(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_workspace(built.root, tmp_path_factory.mktemp("scratch") / "ws")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=histories())
@pytest.mark.slow
def test_ledger_invariants_hold_for_any_history(built: Built, scratch: Path,
                                                steps: tuple[Step, ...]) -> None:
    shutil.rmtree(kit_dir(scratch, PLAIN) / "signoffs", ignore_errors=True)
    write_steps(built, scratch, Row(PLAIN, steps, False))
    ledger = KitLedger.open(Workspace(scratch), PLAIN)
    listed = {"marketing": {MARA[1], MONA[1]}, "sales": {SAM[1], SUE[1]}}
    for version in ("1", "2"):
        counted = [j.record for j in ledger.judged if j.counts and j.record.version == version]
        sides_of: dict[str, set[str]] = {}
        for record in counted:
            assert record.email in listed[record.side]  # only listed signers count
            sides_of.setdefault(record.email, set()).add(record.side)
        assert all(len(sides) == 1 for sides in sides_of.values())  # one person, one side
        blockers = ledger.blockers(version)
        rejected = any(r.decision == "reject" for r in counted)
        both = {r.side for r in counted if r.decision == "approve"} == {"sales", "marketing"}
        assert (blockers == []) is (both and not rejected), (steps, blockers)
    # Every written record is judged exactly once, in time order, by the rule of README.md:
    # listed for its side, and not already counting for the other side of that version.
    assert len(ledger.judged) == len(ledger.records) == len(steps)
    first_side: dict[tuple[str, str], str] = {}
    for judged, step in zip(ledger.judged, steps, strict=True):
        assert (judged.record.email, judged.record.side) == (step.who[1], step.side)
        key = (step.version, step.who[1])
        expected = step.who[1] in listed[step.side] and first_side.get(key, step.side) == step.side
        assert judged.counts is expected, (steps, judged)
        if expected:
            first_side[key] = step.side

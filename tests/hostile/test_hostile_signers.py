"""Who may sign, and who may change that (issue 12): one person counts for one side under any
spelling of their address, in the workspace and in a PDF checked on its own; look-alike
addresses are refused; and a new version that changes the sign-off policy is approved under the
policy of the last released version too, so nobody approves their own change of who may approve.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARA, MONA, SAM, SUE, Ran, manifest_digest, must, run_kitgen, ssh_sign

from hostile.support import KIT, Stages, kit_text, staged_kit_text, workspace_with
from kitgen.signoff.records import Record, meaning_of

pytestmark = pytest.mark.hostile_trust

MALLORY = ("Mallory Vance", "mallory@acme.example")
SUE_LINE = "    - sue@acme.example\n"


def kit(root: Path) -> Path:
    return root / "kits" / KIT


def located(result: Ran, text: str, needle: str) -> str:
    """``file:line:column`` of ``needle`` in the requirement file, as kitgen prints it."""
    before = text[: text.index(needle)]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    place = f"requirements/{KIT}.yaml:{line}:{column}"
    assert place in result.text, result.text
    return place


# --- hole 4: look-alike addresses ------------------------------------------------------------

# Each of these is Mara's marketing address, written so that comparing text says it is not.
SAME_MAILBOX = {
    "trailing dot": "mara@acme.example.",
    "plus tag": "mara+sales@acme.example",
    "fullwidth letters": "\uff4d\uff41\uff52\uff41@acme.example",
    "plus tag, capitals and a dot": "Mara+Deals@ACME.Example.",
}


@pytest.mark.parametrize("spelling", SAME_MAILBOX)
def test_one_person_cannot_be_listed_for_both_sides_under_another_spelling(
    tmp_path: Path, spelling: str,
) -> None:
    address = SAME_MAILBOX[spelling]
    text = kit_text(**{SUE_LINE: f"    - {address}\n"})
    root = workspace_with(tmp_path / "ws", text)
    result = run_kitgen("check", cwd=root)
    assert result.code == 2, result.text
    located(result, text, address)
    assert "one person counts for one side only" in result.text


# A Cyrillic а, a Cyrillic е in the domain, a dotted capital I, Greek letters.
LOOK_ALIKES = {
    "cyrillic a": "m\u0430ra@acme.example",
    "cyrillic e in the domain": "sue@acm\u0435.example",
    "dotted capital I": "\u0130nes@acme.example",
    "greek omicron": "m\u03bfna@acme.example",
}


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_a_mixed_script_or_confusable_address_is_refused_at_its_place(
    tmp_path: Path, spelling: str,
) -> None:
    address = LOOK_ALIKES[spelling]
    text = kit_text(**{SUE_LINE: f"    - {address}\n"})
    root = workspace_with(tmp_path / "ws", text)
    result = run_kitgen("check", cwd=root)
    assert result.code == 2, result.text
    located(result, text, address)
    assert "looks like" in result.text and "Fix:" in result.text


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_a_look_alike_signer_is_refused_before_anything_is_written(
    stages: Stages, copy_of: Callable[[Path], Path], spelling: str,
) -> None:
    root = copy_of(stages.built)
    result = run_kitgen("approve", KIT, "--side", "sales", "--name", "Sue", "--email",
                        LOOK_ALIKES[spelling], "--yes", cwd=root)
    assert result.code == 2, result.text
    assert "looks like" in result.text
    assert not (kit(root) / "signoffs").exists()


# --- hole 3: one person, both sides, in a PDF checked on its own ------------------------------


def record(root: Path, side: str, who: tuple[str, str]) -> Record:
    return Record(kit=KIT, version="1", digest=manifest_digest(root, KIT, "1"), side=side,
                  name=who[0], email=who[1], decision="approve",
                  meaning=meaning_of("approve", side, "1"), comment="",
                  time="2025-12-01T09:00:00Z")


def forge_released_pdf(root: Path, records: list[tuple[Record, bytes | None]],
                       target: Path) -> Path:
    """What someone who knows kitgen's scheme can make with kitgen's own code: version 1's
    released battlecard resting on ``records``, consistent in every byte it carries."""
    from kitgen.base.workspace import Workspace
    from kitgen.release.publish import render_release
    from kitgen.signoff.ledger import KitLedger
    from kitgen.signoff.records import StoredRecord, release_entry
    from kitgen.version import carry
    from kitgen.version.manifest import make_release_manifest

    ledger = KitLedger.open(Workspace(root), KIT)
    stored = [StoredRecord(Path(r.file_name), r.to_bytes(), r, sig) for r, sig in records]
    built = render_release(ledger, "1", stored)
    entries = [release_entry(s.path.name, s.raw, r, s.signature)
               for s, (r, _) in zip(stored, records, strict=True)]
    release = make_release_manifest(ledger.manifest("1"), entries, [b for b, _, _ in built])
    (pdf,) = [pdf for item, pdf, _ in built if item.document.kind == "battlecard"]
    target.write_bytes(carry.append(pdf, "release.json", release))
    return target


@pytest.mark.slow
def test_a_marketing_signer_signing_for_sales_too_fails_on_its_own(
    stages: Stages, tmp_path: Path,
) -> None:
    """Mara approves for marketing, and for sales with her own key and address: every
    signature verifies against keys the reader trusts, yet one person signed for both sides."""
    marketing, sales = record(stages.built, "marketing", MARA), record(stages.built, "sales", MARA)
    mara_key = stages.keys["mara"]
    pdf = forge_released_pdf(stages.built, [
        (marketing, ssh_sign(marketing.to_bytes(), mara_key)),
        (sales, ssh_sign(sales.to_bytes(), mara_key)),
    ], tmp_path / "card.pdf")
    trusted = tmp_path / "allowed_signers"
    trusted.write_text(f'{MARA[1]} namespaces="kitgen" {stages.public["mara"]}\n'
                       f'{SAM[1]} namespaces="kitgen" {stages.public["sam"]}\n')
    result = run_kitgen("verify", "--json", "--allowed-signers", str(trusted), str(pdf),
                        cwd=tmp_path)
    (report,) = json.loads(result.stdout)
    assert result.code == 1, result.text
    assert any(f"{MARA[1]} counts for both sides" in p for p in report["problems"]), report


@pytest.mark.slow
def test_a_look_alike_address_on_the_other_side_fails_on_its_own(
    stages: Stages, tmp_path: Path,
) -> None:
    pdf = forge_released_pdf(stages.built, [
        (record(stages.built, "marketing", MARA), None),
        (record(stages.built, "sales", ("Mara Q.", "MARA+Deals@acme.example.")), None),
    ], tmp_path / "card.pdf")
    result = run_kitgen("verify", "--json", str(pdf), cwd=tmp_path)
    (report,) = json.loads(result.stdout)
    assert result.code == 1, result.text
    assert any("counts for both sides" in p for p in report["problems"]), report


# --- hole 8: a change of the sign-off policy is anchored in the released one -------------------


def build_with_policy(root: Path, policy: str, need: str) -> Ran:
    workspace_with(root, staged_kit_text(
        policy, **{"need: A one-page battlecard against Globex.": f"need: {need}"}))
    return must(run_kitgen("build", cwd=root))


def approve(root: Path, side: str, who: tuple[str, str], *extra: str) -> Ran:
    return must(run_kitgen("approve", KIT, "--side", side, "--name", who[0], "--email", who[1],
                           "--yes", *extra, cwd=root))


@pytest.mark.slow
def test_a_swapped_key_or_an_added_signer_cannot_approve_their_own_policy_change(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    """Mallory replaces Sam's key with hers and lists herself for sales in version 3. Under
    version 3's own policy her approvals hold; under released version 1's, neither does."""
    root = copy_of(stages.released)
    policy = (stages.policy.replace(stages.public["sam"], stages.public["stray"])
              .replace("  sales:\n", f"  sales:\n    - {MALLORY[1]}\n", 1))
    build_with_policy(root, policy, "A one-page battlecard against Globex, updated.")
    manifest = json.loads((kit(root) / "3" / "manifest.json").read_text())
    assert manifest["signoff_policy"]["keys"][SAM[1]] == stages.public["stray"]
    change = manifest["policy_change"]
    assert change["since"] == "1", change
    assert {d["field"] for d in change["differences"]} == {"signoff.sales",
                                                           f"signoff.keys.{SAM[1]}"}, change

    approve(root, "marketing", MARA, "--sign-key", str(stages.keys["mara"]))
    approve(root, "sales", SAM, "--sign-key", str(stages.keys["stray"]))  # Mallory, as Sam
    approve(root, "sales", MALLORY)

    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 1, gate.text
    assert "sign-off policy changed since released version 1" in gate.text
    assert "no sales approval that is also valid under version 1's policy" in gate.text
    status = json.loads(run_kitgen("status", "--json", cwd=root).stdout)[0]
    assert status["released"] is False and status["policy_change"]["since"] == "1", status
    assert "sign-off policy changed since released version 1" in run_kitgen("status", cwd=root).text
    verify = run_kitgen("verify", cwd=root)
    assert verify.code == 0, verify.text  # nothing was tampered with: the rule holds, and says so
    assert "version 3 changes the sign-off policy of released version 1" in verify.text

    # Sue is listed for sales under both policies: her approval anchors the change.
    approve(root, "sales", SUE)
    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 0, gate.text
    assert "released now" in gate.stdout and "sign-off policy changed" in gate.text


@pytest.mark.slow
def test_turning_signatures_off_needs_approvals_signed_as_the_released_policy_requires(
    stages: Stages, tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    strict = stages.policy + "  require_signatures: true\n"
    build_with_policy(root, strict, "A one-page battlecard against Globex.")
    approve(root, "sales", SAM, "--sign-key", str(stages.keys["sam"]))
    approve(root, "marketing", MARA, "--sign-key", str(stages.keys["mara"]))
    assert must(run_kitgen("build", "--release", cwd=root)).code == 0

    build_with_policy(root, stages.policy, "A one-page battlecard against Globex, cheaper.")
    approve(root, "sales", SUE)
    approve(root, "marketing", MONA)
    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 1, gate.text
    assert "require_signatures: true → false" in gate.text

    approve(root, "sales", SAM, "--sign-key", str(stages.keys["sam"]))
    approve(root, "marketing", MARA, "--sign-key", str(stages.keys["mara"]))
    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 0, gate.text


def test_a_released_kit_without_a_policy_change_needs_no_anchor(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    """The released stage's version 2 keeps version 1's policy: nothing to anchor."""
    root = copy_of(stages.released)
    manifest = json.loads((kit(root) / "2" / "manifest.json").read_text())
    assert manifest["policy_change"] is None
    assert manifest["signoff_policy"]["sales"][:2] == [SAM[1], SUE[1]]
    status = json.loads(run_kitgen("status", "--json", cwd=root).stdout)[0]
    assert status["policy_change"] is None

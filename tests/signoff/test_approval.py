"""``kitgen approve`` and ``kitgen reject``: the record, who may sign, what they see, signatures."""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    MARA,
    MONA,
    RECORD_NAME,
    SAM,
    SUE,
    approve,
    copy_workspace,
    craft_record,
    damage_signature,
    kit_dir,
    make_key,
    make_workspace,
    manifest_digest,
    name_for,
    records,
    reject,
    run_kitgen,
    small_kit,
    ssh_sign,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from kitgen.base.workspace import Workspace
from kitgen.signoff.ledger import KitLedger
from kitgen.signoff.records import Record, meaning_of, parse_record, read_records

pytestmark = pytest.mark.slow

KIT = "acme-launch"
MARCUS = ("Marcus Bell", "marcus.bell@northwind.example")  # sales, northwind example kits
PRIYA = ("Priya Shah", "priya.shah@northwind.example")  # marketing


@dataclass(frozen=True)
class Built:
    small: Path  # acme-launch, versions 1 and 2 (2 changes one requirement and drops another)
    example: Path  # `kitgen init`, then northwind-mobile (mid-negotiation) built


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    small = tmp_path_factory.mktemp("small") / "ws"
    make_workspace(small, small_kit())
    assert run_kitgen("build", cwd=small).code == 0
    changed = small_kit()
    changed["requirements"][0]["need"] = "A one-page battlecard against Globex, with pricing."
    changed["requirements"][1]["status"] = "dropped"
    changed["requirements"].append({"id": "nay-sayer-page", "from": "marketing",
                                    "need": "A page for the nay-sayer.", "status": "agreed",
                                    "delivered_by": ["playbook.nay_sayer"]})
    make_workspace(small, changed)
    assert run_kitgen("build", cwd=small).code == 0

    example = tmp_path_factory.mktemp("example") / "ws"
    assert run_kitgen("init", str(example), cwd=example.parent).code == 0
    result = run_kitgen("build", "requirements/northwind-mobile.yaml", cwd=example)
    assert result.code == 0, result.text
    return Built(small, example)


@pytest.fixture
def small(built: Built, tmp_path: Path) -> Path:
    return copy_workspace(built.small, tmp_path / "ws")


@pytest.fixture
def example(built: Built, tmp_path: Path) -> Path:
    return copy_workspace(built.example, tmp_path / "example")


# --- the record ------------------------------------------------------------------------------


def test_record_is_one_text_file_named_by_the_hash_of_its_bytes(small: Path) -> None:
    result = approve(small, KIT, "sales", SAM, "--version", "1",
                     "--comment", "Reviewed  with\nthe team")
    assert result.code == 0, result.text
    (path,) = records(small, KIT)
    raw = path.read_bytes()
    match = RECORD_NAME.match(path.name)
    assert match, path.name
    assert match["version"] == "1" and match["side"] == "sales" and match["decision"] == "approve"
    assert match["hash"] == hashlib.sha256(raw).hexdigest()[:16]
    lines = raw.decode().splitlines()
    assert lines[0] == "kitgen-signoff 1"
    fields = dict(line.split(": ", 1) for line in lines[1:])
    assert fields == {
        "kit": KIT,
        "version": "1",
        "digest": manifest_digest(small, KIT, "1"),
        "side": "sales",
        "name": "Sam Ortega",
        "email": "sam@acme.example",
        "decision": "approve",
        "meaning": fields["meaning"],
        "comment": "Reviewed with the team",  # one line: the file stays one field per line
        "time": fields["time"],
    }
    assert "Approved by sales" in fields["meaning"] and "version 1" in fields["meaning"]
    assert match["time"] == fields["time"].replace("-", "").replace(":", "")
    assert raw.endswith(b"\n") and b" \n" not in raw and b"\r" not in raw
    assert f"recorded kits/{KIT}/signoffs/{path.name}" in result.stdout


@settings(max_examples=150, deadline=None)
@given(
    name=st.text(max_size=40), email=st.emails(), comment=st.text(max_size=200),
    side=st.sampled_from(["sales", "marketing"]), decision=st.sampled_from(["approve", "reject"]),
    version=st.from_regex(r"[1-9][0-9]{0,2}|[0-9]\.[0-9]\.[0-9](-rc\.[0-9])?", fullmatch=True),
)
def test_any_record_round_trips_and_is_named_by_its_hash(
    name: str, email: str, comment: str, side: str, decision: str, version: str
) -> None:
    record = Record(kit=KIT, version=version, digest="ab" * 32, side=side, name=name,
                    email=email, decision=decision, meaning=meaning_of(decision, side, version),
                    comment=comment, time="2025-12-01T09:30:00Z")
    raw = record.to_bytes()
    parsed = parse_record(raw)
    assert parsed.to_bytes() == raw  # canonical: parsing and writing again changes nothing
    assert parsed.comment == " ".join(comment.split())  # one line, whatever was typed
    assert parsed.name == " ".join(name.split())
    assert (parsed.kit, parsed.version, parsed.side, parsed.decision) == (KIT, version, side,
                                                                          decision)
    assert record.file_name == name_for(raw, version, record.time, side, decision)
    assert raw.count(b"\n") == 11


def test_a_record_written_by_hand_in_the_documented_format_counts(small: Path) -> None:
    """The format is the contract: no kitgen code is needed to write or read a record."""
    digest = manifest_digest(small, KIT, "2")
    text = (
        "kitgen-signoff 1\n"
        f"kit: {KIT}\nversion: 2\ndigest: {digest}\nside: marketing\nname: Mona Reyes\n"
        "email: mona@acme.example\ndecision: approve\n"
        "meaning: Approved by marketing: version 2 delivers the requirements sales and "
        "marketing agreed, and may go to the field.\n"
        "comment:\ntime: 2025-12-01T10:00:00Z\n"
    ).encode()
    folder = kit_dir(small, KIT) / "signoffs"
    folder.mkdir()
    (folder / name_for(text, "2", "2025-12-01T10:00:00Z", "marketing", "approve")).write_bytes(text)
    ledger = KitLedger.open(Workspace(small), KIT)
    assert [(r.name, r.side) for r in ledger.counting("2", "approve")] == [
        ("Mona Reyes", "marketing")]
    assert parse_record(text).email == "mona@acme.example"


@pytest.mark.parametrize("edit", ["trailing space", "crlf", "field order", "unknown field"])
def test_a_record_not_in_canonical_form_is_refused(small: Path, edit: str) -> None:
    path = craft_record(small, KIT, "2", "sales", SAM)
    text = path.read_text()
    if edit == "trailing space":
        text = text.replace("comment:", "comment: ")
    elif edit == "crlf":
        text = text.replace("\n", "\r\n")
    elif edit == "field order":
        lines = text.splitlines()
        lines[1], lines[2] = lines[2], lines[1]
        text = "\n".join(lines) + "\n"
    else:
        text += "extra: yes\n"
    path.write_bytes(text.encode())
    (stored,) = read_records(kit_dir(small, KIT))
    assert stored.record is None and stored.problem.startswith("unreadable record")
    result = run_kitgen("verify", KIT, cwd=small)
    assert result.code == 1
    assert f"kits/{KIT}/signoffs/{path.name}: sign-off record does not hold: unreadable" \
        in result.text


# --- who may sign -----------------------------------------------------------------------------


def test_refused_when_the_email_is_not_listed_for_the_side(small: Path) -> None:
    result = approve(small, KIT, "sales", MARA)  # Mara signs for marketing
    assert result.code == 1
    assert "mara@acme.example is not listed to sign for sales" in result.text
    assert "signoff.sales lists: sam@acme.example, sue@acme.example" in result.text
    assert "you sign as mara@acme.example (from --name/--email)" in result.text
    assert "ask Sam Ortega <sam@acme.example> to add you to signoff.sales" in result.text
    assert "sign with --email" not in result.text  # never invite signing as someone else
    assert records(small, KIT) == []


def test_refused_when_the_person_already_counts_for_the_other_side(small: Path) -> None:
    """One person, two sides: only possible when emails differ in case (a loophole the loader
    may close; then the file is refused at build, which is as good)."""
    both = small_kit(signoff={"marketing": [MARA[1], "Sam@Acme.example"], "sales": [SAM[1]]})
    make_workspace(small, both)
    built = run_kitgen("build", cwd=small)
    if built.code == 2:
        assert "both sides" in built.text
        pytest.skip("the loader refuses an email listed for both sides in another case")
    assert built.code == 0, built.text
    assert approve(small, KIT, "marketing", ("Sam Ortega", "Sam@Acme.example")).code == 0
    result = approve(small, KIT, "sales", SAM)
    assert result.code == 1
    assert "sam@acme.example already counts for marketing on version 3" in result.text
    assert "one person signs for one side only" in result.text
    assert "Ask another person listed in signoff.sales" in result.text
    assert len(records(small, KIT)) == 1


def test_refused_when_the_negotiation_is_open(example: Path) -> None:
    result = run_kitgen("approve", "northwind-mobile", "--side", "sales", "--email", MARCUS[1],
                        "--yes", cwd=example)
    assert result.code == 1
    assert "version 1 of 'northwind-mobile' cannot be approved: the negotiation is not settled" \
        in result.text
    assert "mdm-one-pager: proposed, not yet agreed" in result.text
    assert "offline-claim: disputed" in result.text
    assert "settle these, build, then approve" in result.text
    assert records(example, "northwind-mobile") == []
    # Rejecting is how a side asks for changes, open items or not.
    refused = run_kitgen("reject", "northwind-mobile", "--side", "sales", "--email", MARCUS[1],
                         "--yes", "--reason", "Settle the offline claim first", cwd=example)
    assert refused.code == 0, refused.text


def test_undelivered_requirement_is_listed_when_approval_is_refused(small: Path) -> None:
    undelivered = small_kit()
    undelivered["requirements"].append({"id": "roi-sheet", "from": "sales",
                                        "need": "An ROI sheet.", "status": "agreed"})
    make_workspace(small, undelivered)
    assert run_kitgen("build", cwd=small).code == 0
    result = approve(small, KIT, "sales", SAM)
    assert result.code == 1
    assert "roi-sheet: agreed but no content delivers it" in result.text


def test_refused_for_a_rejected_version(small: Path) -> None:
    assert reject(small, KIT, "marketing", MONA, "Globex pricing is out of date").code == 0
    result = approve(small, KIT, "sales", SAM)
    assert result.code == 1
    assert "version 2 of 'acme-launch' was rejected by Mona Reyes (marketing)" in result.text
    assert "can never be approved" in result.text
    assert "Reason: Globex pricing is out of date" in result.text
    assert "build a new version" in result.text
    # The older version is not touched by a rejection of the newer one.
    assert approve(small, KIT, "sales", SAM, "--version", "1").code == 0


@pytest.mark.parametrize("version", ["7", "1.0.0", "../1"])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_version_that_does_not_exist_is_bad_input(small: Path, version: str,
                                                    decision: str) -> None:
    sign = approve if decision == "approve" else reject
    result = sign(small, KIT, "sales", SAM, *(["Wrong"] if decision == "reject" else []),
                  "--version", version)
    assert result.code == 2
    assert f"kit 'acme-launch' has no version {version}" in result.text
    assert "Versions: 1, 2." in result.text
    assert records(small, KIT) == []


def test_an_unknown_kit_gets_the_nearest_kit_and_the_list(small: Path) -> None:
    result = approve(small, "acme-lanch", "sales", SAM)
    assert result.code == 2
    assert "no kit 'acme-lanch' in kits/" in result.text
    assert "Did you mean acme-launch?" in result.text and "Kits: acme-launch." in result.text
    far = approve(small, "no-such-kit", "sales", SAM)
    assert far.code == 2 and "Did you mean" not in far.text and "Kits: acme-launch." in far.text


def test_a_kit_not_built_yet_says_to_build_it(small: Path) -> None:
    make_workspace(small, small_kit(kit="acme-next"))
    result = approve(small, "acme-next", "sales", SAM)
    assert result.code == 2
    assert "kit 'acme-next' has no built version yet" in result.text
    assert "kitgen build" in result.text


def test_reject_needs_a_reason(small: Path) -> None:
    result = reject(small, KIT, "sales", SAM, "   ")
    assert result.code == 2
    assert "--reason must say what has to change" in result.text
    assert records(small, KIT) == []


def test_bad_side_is_a_usage_error(small: Path) -> None:
    result = run_kitgen("approve", KIT, "--side", "finance", "--email", SAM[1], "--yes", cwd=small)
    assert result.code == 2
    assert "--side must be sales or marketing" in result.text


def test_approving_twice_records_nothing_the_second_time(small: Path) -> None:
    assert approve(small, KIT, "sales", SAM).code == 0
    again = approve(small, KIT, "sales", SAM)
    assert again.code == 0
    assert "already approved version 2 for sales; nothing recorded" in again.text
    assert len(records(small, KIT)) == 1


def test_without_a_terminal_and_without_yes_approve_never_waits(small: Path) -> None:
    result = run_kitgen("approve", KIT, "--side", "sales", "--email", SAM[1], cwd=small,
                        real_process=True)
    assert result.code == 2
    assert "no terminal to confirm on; pass --yes" in result.text
    assert records(small, KIT) == []


# --- identity -----------------------------------------------------------------------------------


@pytest.fixture
def git_identity(tmp_path: Path) -> Path:
    """A private global git config naming Sue (sales), never the real one."""
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Sue Park\n\temail = Sue@Acme.example\n")
    return config


@pytest.mark.parametrize(
    ("flags", "env", "expected"),
    [
        (["--name", "Sam Ortega", "--email", "sam@acme.example"],
         {"KITGEN_NAME": "Mona Reyes", "KITGEN_EMAIL": "mona@acme.example"},
         ("Sam Ortega", "sam@acme.example")),
        ([], {"KITGEN_NAME": "Sam Ortega", "KITGEN_EMAIL": "SAM@acme.example"},
         ("Sam Ortega", "sam@acme.example")),
        ([], {}, ("Sue Park", "sue@acme.example")),  # git config
        (["--email", "sam@acme.example"], {"KITGEN_NAME": "Mona Reyes"},
         ("sam@acme.example", "sam@acme.example")),  # never another source's name
        (["--name", "Samuel Ortega"], {"KITGEN_NAME": "Sam O.", "KITGEN_EMAIL": SAM[1]},
         ("Samuel Ortega", "sam@acme.example")),  # --name wins over KITGEN_NAME
        (["--name", "Susan Park"], {}, ("Susan Park", "sue@acme.example")),  # and over git
    ],
    ids=["flags over env and git", "env over git", "git config", "email alone",
         "--name over KITGEN_NAME", "--name over git"],
)
def test_identity_precedence(small: Path, git_identity: Path, flags: list[str],
                             env: dict[str, str], expected: tuple[str, str]) -> None:
    result = run_kitgen("approve", KIT, "--side", "sales", "--yes", *flags, cwd=small,
                        env={"GIT_CONFIG_GLOBAL": str(git_identity), **env})
    assert result.code == 0, result.text
    (path,) = records(small, KIT)
    fields = dict(line.split(": ", 1) for line in path.read_text().splitlines()[1:] if ": " in line)
    assert (fields["name"], fields["email"]) == expected
    assert f"as {expected[0]} <{expected[1]}>" in result.stdout


def test_no_identity_anywhere_is_a_usage_error(small: Path) -> None:
    result = run_kitgen("approve", KIT, "--side", "sales", "--yes", cwd=small,
                        env={"HOME": str(small)}, real_process=True)
    assert result.code == 2
    assert "who is signing? no identity found" in result.text
    assert "--name and --email" in result.text and "KITGEN_EMAIL" in result.text


# --- what the signer sees ---------------------------------------------------------------------


def test_review_shows_kit_version_digest_documents_and_changes_since_last_approval(
    small: Path,
) -> None:
    first = approve(small, KIT, "sales", SAM, "--version", "1")
    assert first.code == 0
    assert "sales has approved no earlier version, so everything in this one is new" \
        in first.stdout
    assert "2 requirements (2 agreed); 1 battlecard (Globex Analytics); 1 staller" in first.stdout

    result = approve(small, KIT, "sales", SUE, "--comment", "Checked with the team")
    assert result.code == 0, result.text
    out = result.stdout
    digest = manifest_digest(small, KIT, "2")
    assert "Approving for sales as Sue Park <sue@acme.example> (from --name/--email)" in out
    assert f"kit:       {KIT} — Acme 1.0 launch kit" in out
    assert f"version:   2 (digest {digest[:12]})" in out
    assert digest not in out  # a prefix, not the whole digest
    assert f"documents: kits/{KIT}/2/" in out
    manifest = json.loads((kit_dir(small, KIT) / "2" / "manifest.json").read_text())
    assert [d["file"] for d in manifest["documents"]] == [
        "index.pdf", "battlecard-globex.pdf", "playbook.pdf"]
    for doc in manifest["documents"]:
        pages = doc["pages"]
        assert f"    {doc['file']} ({pages} page{'s' if pages != 1 else ''})\n" in out
    assert f"the record will say: “{meaning_of('approve', 'sales', '2')}”" in out
    assert "comment:   Checked with the team" in out
    assert "marketing: has not signed version 2 yet" in out
    assert "what changed since version 1, the last version sales approved (3 changes):" in out
    assert "  requirements.card-globex\n      need:\n" in out
    assert "A one-page battlecard against [-Globex.-] {+Globex, with pricing.+}" in out
    assert "  requirements.stall-send-info\n      status: agreed → dropped\n" in out
    assert "  requirements.nay-sayer-page: new — A page for the nay-sayer." in out
    # Marketing approved nothing before, whatever sales did.
    other = approve(small, KIT, "marketing", MARA)
    assert "marketing has approved no earlier version" in other.stdout
    assert "sales: approved version 2 (Sue Park, " in other.stdout


# --- signatures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    root: Path
    sam_key: Path
    sam_public: str
    stray_key: Path


@pytest.fixture(scope="module")
def signed_built(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    keys = tmp_path_factory.mktemp("keys")
    sam_key, sam_public = make_key(keys, "sam")
    mara_key, mara_public = make_key(keys, "mara")
    stray_key, _ = make_key(keys, "stray")
    root = tmp_path_factory.mktemp("signed") / "ws"
    make_workspace(root, small_kit(signoff={
        "marketing": [MARA[1]], "sales": [SAM[1], SUE[1]],
        "keys": {SAM[1]: sam_public, MARA[1]: mara_public}, "require_signatures": True}))
    assert run_kitgen("build", cwd=root).code == 0
    return Signed(root, sam_key, sam_public, stray_key)


@pytest.fixture
def signed(signed_built: Signed, tmp_path: Path) -> Signed:
    root = copy_workspace(signed_built.root, tmp_path / "ws")
    return Signed(root, signed_built.sam_key, signed_built.sam_public, signed_built.stray_key)


def test_signed_record_verifies_with_stock_ssh_keygen(signed: Signed, tmp_path: Path) -> None:
    result = approve(signed.root, KIT, "sales", SAM, "--sign-key", str(signed.sam_key))
    assert result.code == 0, result.text
    (record,) = records(signed.root, KIT)
    sig = record.with_name(record.name + ".sig")
    assert sig.read_bytes().startswith(b"-----BEGIN SSH SIGNATURE-----")
    # Exactly the auditor's commands from README.md, run in the workspace, without kitgen.
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'{SAM[1]} namespaces="kitgen" {signed.sam_public}\n')
    relative = f"kits/{KIT}/signoffs/{record.name}"
    with open(signed.root / relative, "rb") as data:
        check = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", SAM[1], "-n", "kitgen",
             "-s", relative + ".sig"],
            stdin=data, cwd=signed.root, capture_output=True, text=True, timeout=600)
    assert check.returncode == 0, check.stderr
    assert f'Good "kitgen" signature for {SAM[1]}' in check.stdout
    # The same command fails for another namespace: the signature is bound to kitgen's.
    with open(signed.root / relative, "rb") as data:
        other = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", SAM[1], "-n", "git",
             "-s", relative + ".sig"], stdin=data, cwd=signed.root, capture_output=True,
            timeout=600)
    assert other.returncode != 0
    ledger = KitLedger.open(Workspace(signed.root), KIT)
    assert [r.email for r in ledger.counting("1", "approve", "sales")] == [SAM[1]]


def test_unsigned_approval_is_refused_when_signatures_are_required(signed: Signed) -> None:
    result = approve(signed.root, KIT, "sales", SAM)
    assert result.code == 1
    assert "requires signed approvals" in result.text and "--sign-key" in result.text
    assert records(signed.root, KIT) == []


def test_signing_with_a_key_not_listed_is_refused_before_recording(signed: Signed) -> None:
    wrong = approve(signed.root, KIT, "sales", SAM, "--sign-key", str(signed.stray_key))
    assert wrong.code == 1
    assert "is not the key signoff.keys lists for sam@acme.example; nothing recorded" in wrong.text
    # Sue is listed for sales but has no key in signoff.keys.
    unlisted = approve(signed.root, KIT, "sales", SUE, "--sign-key", str(signed.stray_key))
    assert unlisted.code == 1
    assert "lists no key for sue@acme.example" in unlisted.text
    assert records(signed.root, KIT) == []
    assert list((kit_dir(signed.root, KIT) / "signoffs").glob("*.sig")) == []


def test_missing_signing_key_file_is_a_usage_error(signed: Signed) -> None:
    result = approve(signed.root, KIT, "sales", SAM, "--sign-key", str(signed.root / "nope"))
    assert result.code == 2
    assert "does not exist" in result.text


@pytest.mark.parametrize("how", ["another key", "flipped byte", "record edited after signing"])
def test_a_bad_signature_does_not_count(signed: Signed, how: str) -> None:
    assert approve(signed.root, KIT, "sales", SAM, "--sign-key", str(signed.sam_key)).code == 0
    (record,) = records(signed.root, KIT)
    sig = record.with_name(record.name + ".sig")
    if how == "another key":
        sig.write_bytes(ssh_sign(record.read_bytes(), signed.stray_key))
    elif how == "flipped byte":
        sig.write_bytes(damage_signature(sig.read_bytes()))
    else:
        # A careful forger: the comment changes and the file is renamed to its new hash.
        from helpers import rename_to_content

        record.write_text(record.read_text().replace("comment:", "comment: forged"))
        record = rename_to_content(record)
    ledger = KitLedger.open(Workspace(signed.root), KIT)
    assert ledger.counting("1", "approve", "sales") == []
    (judged,) = ledger.judged
    assert judged.reason.startswith("bad signature"), judged.reason
    result = run_kitgen("verify", KIT, cwd=signed.root)
    assert result.code == 1
    assert f"kits/{KIT}/signoffs/{record.name}: sign-off record does not hold: bad signature" \
        in result.text


def test_signature_is_optional_when_not_required(small: Path, tmp_path: Path) -> None:
    key, public = make_key(tmp_path / "keys", "sam")
    with_key = small_kit(signoff={"marketing": [MARA[1]], "sales": [SAM[1]],
                                  "keys": {SAM[1]: public}})
    make_workspace(small, with_key)
    assert run_kitgen("build", cwd=small).code == 0
    assert approve(small, KIT, "marketing", MARA).code == 0  # unsigned: fine
    assert approve(small, KIT, "sales", SAM, "--sign-key", str(key)).code == 0  # signed: fine
    ledger = KitLedger.open(Workspace(small), KIT)
    assert {r.side for r in ledger.counting("3", "approve")} == {"marketing", "sales"}
    assert run_kitgen("verify", KIT, cwd=small).code == 0



def test_writing_the_same_record_twice_is_one_record(small: Path) -> None:
    """Same bytes, same name: a second writer (a racing process) finds it already there.
    A file under that name with other bytes was edited, and is never overwritten."""
    from kitgen.base.errors import InputError

    first = craft_record(small, KIT, "2", "sales", SAM)
    assert craft_record(small, KIT, "2", "sales", SAM) == first
    assert records(small, KIT) == [first]
    first.write_text(first.read_text().replace("comment:", "comment: edited"))
    edited = first.read_bytes()
    with pytest.raises(InputError, match="already exists with other content"):
        craft_record(small, KIT, "2", "sales", SAM)
    assert first.read_bytes() == edited

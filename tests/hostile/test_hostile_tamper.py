"""Tampering after the fact (issue 5, item 3), beyond tests/verify/test_kit.py.

Each case edits a copy of the ``released`` stage — version 1 released on Sam's (sales) and
Mara's (marketing) signed approvals, version 2 built and rejected by Sue, one feedback record —
and `kitgen verify` must exit 1 naming the file and what changed. A few cases are the other
way round and say so in their name: changes verify must *not* fail on (feedback is not part of
what was signed; an orphan signature nothing relied on is what a crash leaves), and one limit
SECURITY.md states (a record deleted before any release relied on it).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import SUE, flip_byte, rename_to_content, run_kitgen

from hostile.support import KIT, Stages

pytestmark = pytest.mark.hostile_tamper

K = f"kits/{KIT}"


@dataclass(frozen=True)
class Expect:
    """`verify` exits 1 with a FAIL line for ``path`` containing ``says`` — or, with
    ``fails=False``, exits 0 (``says`` then names a note it must print, if any)."""

    path: str
    says: str
    fails: bool = True


Tamper = Callable[[Path, Stages], list[Expect]]


def kit(root: Path) -> Path:
    return root / "kits" / KIT


def release_json(root: Path) -> Path:
    return kit(root) / "1" / "released" / "release.json"


def edit_json(path: Path, change: Callable[[dict], None], *, canonical: bool = True) -> None:
    data = json.loads(path.read_text())
    change(data)
    if canonical:  # as kitgen writes it, so only the edited value can give it away
        path.write_text(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n")
    else:
        path.write_text(json.dumps(data))


def entry_of(release: dict, side: str) -> dict:
    """A side's entry in release.json's ``signoffs``, which are in the order of their file
    names: by time, then side — so which comes first depends on whether both approvals landed
    in the same second. Select by side, never by position."""
    (entry,) = [e for e in release["signoffs"] if e["side"] == side]
    return entry


def relied(root: Path, side: str) -> Path:
    entry = entry_of(json.loads(release_json(root).read_text()), side)
    return kit(root) / "signoffs" / entry["file"]


def rejection(root: Path) -> Path:
    (path,) = (kit(root) / "signoffs").glob("2--*--reject--*.txt")
    return path


# --- the release --------------------------------------------------------------------------


def released_document_hash_edited(root: Path, s: Stages) -> list[Expect]:
    edit_json(release_json(root), lambda r: r["documents"][1].update(sha256="0" * 64))
    return [Expect(f"{K}/1/released/battlecard-globex.pdf", "released PDF differs")]


def released_document_pages_edited(root: Path, s: Stages) -> list[Expect]:
    edit_json(release_json(root), lambda r: r["documents"][2].update(pages=9))
    return [Expect(f"{K}/1/released/release.json",
                   "release manifest says playbook.pdf has 9 page(s)")]


def released_document_dropped_with_its_entry(root: Path, s: Stages) -> list[Expect]:
    (kit(root) / "1" / "released" / "playbook.pdf").unlink()
    edit_json(release_json(root), lambda r: r["documents"].pop(2))
    return [Expect(f"{K}/1/released/release.json",
                   "release manifest does not list the version's documents: playbook.pdf")]


def release_relied_record_hash_edited(root: Path, s: Stages) -> list[Expect]:
    record = relied(root, "sales")
    edit_json(release_json(root), lambda r: entry_of(r, "sales").update(sha256="f" * 64))
    return [Expect(f"{K}/signoffs/{record.name}",
                   "sign-off record this release relied on was changed")]


def release_signer_name_edited(root: Path, s: Stages) -> list[Expect]:
    edit_json(release_json(root), lambda r: entry_of(r, "sales").update(name="Someone Senior"))
    return [Expect(f"{K}/1/released/release.json",
                   "release manifest says name 'Someone Senior'")]


def release_signed_flag_edited(root: Path, s: Stages) -> list[Expect]:
    edit_json(release_json(root), lambda r: entry_of(r, "marketing").update(signed=False))
    return [Expect(f"{K}/1/released/release.json", "release manifest says signed False")]


def release_kitgen_version_edited(root: Path, s: Stages) -> list[Expect]:
    edit_json(release_json(root), lambda r: r.update(kitgen_version="9.9.9"))
    return [Expect(f"{K}/1/released/release.json", "release manifest says kitgen 9.9.9")]


def release_manifest_reformatted(root: Path, s: Stages) -> list[Expect]:
    edit_json(release_json(root), lambda r: None, canonical=False)
    return [Expect(f"{K}/1/released/release.json", "release.json is not as kitgen wrote it")]


def release_manifest_removed(root: Path, s: Stages) -> list[Expect]:
    release_json(root).unlink()
    return [Expect(f"{K}/1/released/release.json", "unreadable release manifest")]


def release_copied_to_the_unreleased_version(root: Path, s: Stages) -> list[Expect]:
    shutil.copytree(kit(root) / "1" / "released", kit(root) / "2" / "released")
    return [Expect(f"{K}/2/released/release.json",
                   "release manifest names another kit or version")]


# --- versions: folders, manifests, snapshots --------------------------------------------------


def snapshot_replaced_with_another_valid_kit(root: Path, s: Stages) -> list[Expect]:
    shutil.copy2(kit(root) / "2" / "requirements.yaml", kit(root) / "1" / "requirements.yaml")
    return [Expect(f"{K}/1/requirements.yaml", "snapshot differs from the one built")]


def version_folder_renamed(root: Path, s: Stages) -> list[Expect]:
    (kit(root) / "2").rename(kit(root) / "3")
    return [Expect(f"{K}/3/manifest.json", "manifest names kit 'hostile-kit' version '2', "
                                           "not this folder"),
            Expect(f"{K}/signoffs/{rejection(root).name}",
                   "it names version 2, which does not exist")]


def version_folder_hidden_by_a_dot(root: Path, s: Stages) -> list[Expect]:
    (kit(root) / "2").rename(kit(root) / ".2")
    return [Expect(f"{K}/.2", "a version folder hidden by renaming it")]


def earlier_version_deleted(root: Path, s: Stages) -> list[Expect]:
    shutil.rmtree(kit(root) / "1")
    return [Expect(f"{K}/1", "version 1 is missing: version 2 was numbered after it")]


def manifest_of_v1_copied_to_v2(root: Path, s: Stages) -> list[Expect]:
    shutil.copy2(kit(root) / "1" / "manifest.json", kit(root) / "2" / "manifest.json")
    return [Expect(f"{K}/2/manifest.json", "manifest names kit 'hostile-kit' version '1', "
                                           "not this folder")]


def manifest_removed(root: Path, s: Stages) -> list[Expect]:
    (kit(root) / "2" / "manifest.json").unlink()
    return [Expect(f"{K}/2", "folder without manifest.json")]


def manifest_reformatted(root: Path, s: Stages) -> list[Expect]:
    edit_json(kit(root) / "2" / "manifest.json", lambda m: None, canonical=False)
    return [Expect(f"{K}/2/manifest.json", "manifest.json is not as kitgen wrote it")]


def manifest_structure_broken(root: Path, s: Stages) -> list[Expect]:
    edit_json(kit(root) / "2" / "manifest.json", lambda m: m.update(documents={"a": 1}))
    return [Expect(f"{K}/2/manifest.json", "malformed: `documents` is not a list")]


def manifest_forged_consistently(root: Path, s: Stages) -> list[Expect]:
    """A careful forger edits the snapshot and recomputes every hash of the manifest; only the
    records bound to the old digest can give it away (the PDFs would need a re-render)."""
    from kitgen.load.reader import load_kit
    from kitgen.version.digest import compute_digest, data_digest
    from kitgen.version.manifest import manifest_bytes

    folder = kit(root) / "2"
    snapshot = folder / "requirements.yaml"
    snapshot.write_text(snapshot.read_text().replace("Globex is cheaper.", "Globex is dear."))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["snapshot"]["sha256"] = hashlib.sha256(snapshot.read_bytes()).hexdigest()
    manifest["inputs"]["data"] = data_digest(load_kit(snapshot).kit)
    inputs = {k: v for k, v in manifest["inputs"].items() if k != "data"}
    manifest["digest"] = compute_digest(manifest["inputs"]["data"], inputs,
                                        manifest["kitgen_version"])
    (folder / "manifest.json").write_bytes(manifest_bytes(manifest))
    return [Expect(f"{K}/signoffs/{rejection(root).name}", "its digest is not version 2's")]


def pdf_swapped_for_the_same_document_of_another_version(root: Path, s: Stages) -> list[Expect]:
    shutil.copy2(kit(root) / "2" / "battlecard-globex.pdf",
                 kit(root) / "1" / "battlecard-globex.pdf")
    return [Expect(f"{K}/1/battlecard-globex.pdf", "PDF differs from the one built")]


# --- links and strays ---------------------------------------------------------------------


def symlink_planted_in_the_kit_folder(root: Path, s: Stages) -> list[Expect]:
    (kit(root) / "3").symlink_to(kit(root) / "1", target_is_directory=True)
    return [Expect(f"{K}/3", "a symbolic link")]


def replace_by_link_to_copy(path: Path, copy: Path) -> None:
    """The same bytes, reached through a symbolic link."""
    shutil.copy2(path, copy)
    path.unlink()
    path.symlink_to(copy)


def pdf_replaced_by_a_link_to_an_identical_copy(root: Path, s: Stages) -> list[Expect]:
    replace_by_link_to_copy(kit(root) / "2" / "playbook.pdf", root / "elsewhere.pdf")
    return [Expect(f"{K}/2/playbook.pdf", "a symbolic link")]


def snapshot_replaced_by_a_link(root: Path, s: Stages) -> list[Expect]:
    replace_by_link_to_copy(kit(root) / "2" / "requirements.yaml", root / "snapshot-copy.yaml")
    return [Expect(f"{K}/2/requirements.yaml", "a symbolic link")]


def signoffs_folder_replaced_by_a_link(root: Path, s: Stages) -> list[Expect]:
    folder = kit(root) / "signoffs"
    moved = root / "moved-signoffs"
    folder.rename(moved)
    folder.symlink_to(moved, target_is_directory=True)
    return [Expect(f"{K}/signoffs", "a symbolic link")]


def kit_linked_in_beside_the_real_one(root: Path, s: Stages) -> list[Expect]:
    (root / "kits" / "shadow-kit").symlink_to(kit(root), target_is_directory=True)
    return [Expect("kits/shadow-kit", "a symbolic link")]


def stray_file_in_the_kit_folder(root: Path, s: Stages) -> list[Expect]:
    (kit(root) / "APPROVED-BY-CFO.txt").write_text("trust me\n")
    return [Expect(f"{K}/APPROVED-BY-CFO.txt", "unexpected file in the kit folder")]


def stray_version_like_folder(root: Path, s: Stages) -> list[Expect]:
    shutil.copytree(kit(root) / "2", kit(root) / "3", ignore=shutil.ignore_patterns("*.json"))
    return [Expect(f"{K}/3", "folder without manifest.json")]


# --- records and signatures ---------------------------------------------------------------


def signature_files_swapped(root: Path, s: Stages) -> list[Expect]:
    sales, marketing = relied(root, "sales"), relied(root, "marketing")
    a, b = sales.with_name(sales.name + ".sig"), marketing.with_name(marketing.name + ".sig")
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    return [Expect(f"{K}/signoffs/{sales.name}", "bad signature"),
            Expect(f"{K}/signoffs/{marketing.name}", "bad signature")]


def signature_planted_beside_an_unsigned_record(root: Path, s: Stages) -> list[Expect]:
    sales = relied(root, "sales")
    target = rejection(root)
    shutil.copy2(sales.with_name(sales.name + ".sig"), target.with_name(target.name + ".sig"))
    return [Expect(f"{K}/signoffs/{target.name}", f"has no key for {SUE[1]}")]


def record_duplicated_under_another_name(root: Path, s: Stages) -> list[Expect]:
    source = relied(root, "sales")
    copy = source.with_name(source.name.rsplit("--", 1)[0] + "--0123456789abcdef.txt")
    shutil.copy2(source, copy)
    return [Expect(f"{K}/signoffs/{copy.name}", "its content does not match its file name")]


def record_forged_with_terminal_escapes(root: Path, s: Stages) -> list[Expect]:
    """A record made by hand, correctly named, whose name would clear the screen of whoever
    runs `kitgen status`: it does not count, and verify shows it escaped."""
    path = rejection(root)
    path.write_bytes(path.read_bytes().replace(b"name: Sue Park", b"name: \x1b[2JSue Park"))
    renamed = rename_to_content(path)
    return [Expect(f"{K}/signoffs/{renamed.name}", "holds the control character U+001B")]


def record_planted_under_a_name_with_escapes(root: Path, s: Stages) -> list[Expect]:
    (kit(root) / "signoffs" / "\x1b[2J.txt").write_text("hello\n")
    return [Expect(f"{K}/signoffs/\\x1b[2J.txt", "unreadable record")]


def approval_edited_and_renamed_by_a_careful_forger(root: Path, s: Stages) -> list[Expect]:
    path = relied(root, "marketing")
    path.write_bytes(path.read_bytes().replace(b"comment:\n", b"comment: only for EMEA\n"))
    renamed = rename_to_content(path)
    return [Expect(f"{K}/signoffs/{path.name}", "relied on is missing"),
            Expect(f"{K}/signoffs/{renamed.name}", "bad signature")]


def released_pdf_byte_flipped_in_an_attachment_free_spot(root: Path, s: Stages) -> list[Expect]:
    flip_byte(kit(root) / "1" / "released" / "index.pdf", 20)
    return [Expect(f"{K}/1/released/index.pdf", "released PDF differs")]


# --- what verify must not fail on, and a stated limit ----------------------------------------


def feedback_junk_is_not_verifys_business(root: Path, s: Stages) -> list[Expect]:
    folder = kit(root) / "feedback"
    (folder / "junk.txt").write_text("not a record\n")
    (folder / "notes.md").write_text("# notes\n")
    (folder / "sub").mkdir()
    (next(folder.glob("2*--*.txt"))).write_text("edited\n")
    return [Expect("", "", fails=False)]


def orphan_signature_nothing_relied_on_is_only_a_note(root: Path, s: Stages) -> list[Expect]:
    """What a crash between writing a signature and its record leaves (see SECURITY.md)."""
    sales = relied(root, "sales")
    name = "2--20261201T090000Z--sales--approve--0123456789abcdef.txt.sig"
    orphan = kit(root) / "signoffs" / name
    shutil.copy2(sales.with_name(sales.name + ".sig"), orphan)
    return [Expect(f"{K}/signoffs/{orphan.name}", "signature without its record", fails=False)]


def limit_rejection_deleted_before_any_release(root: Path, s: Stages) -> list[Expect]:
    """Stated in SECURITY.md: a record no release relied on can be deleted without trace in
    kits/; only git history shows it. (Verify still passes: the kit is merely not rejected.)"""
    rejection(root).unlink()
    return [Expect("", "", fails=False)]


TAMPERS: list[Tamper] = [
    released_document_hash_edited, released_document_pages_edited,
    released_document_dropped_with_its_entry, release_relied_record_hash_edited,
    release_signer_name_edited, release_signed_flag_edited, release_kitgen_version_edited,
    release_manifest_reformatted, release_manifest_removed,
    release_copied_to_the_unreleased_version, snapshot_replaced_with_another_valid_kit,
    version_folder_renamed, version_folder_hidden_by_a_dot, earlier_version_deleted,
    manifest_of_v1_copied_to_v2, manifest_removed, manifest_reformatted,
    manifest_structure_broken, manifest_forged_consistently,
    pdf_swapped_for_the_same_document_of_another_version, symlink_planted_in_the_kit_folder,
    pdf_replaced_by_a_link_to_an_identical_copy, snapshot_replaced_by_a_link,
    signoffs_folder_replaced_by_a_link, kit_linked_in_beside_the_real_one,
    stray_file_in_the_kit_folder, stray_version_like_folder, signature_files_swapped,
    signature_planted_beside_an_unsigned_record, record_duplicated_under_another_name,
    record_forged_with_terminal_escapes, record_planted_under_a_name_with_escapes,
    approval_edited_and_renamed_by_a_careful_forger,
    released_pdf_byte_flipped_in_an_attachment_free_spot,
    feedback_junk_is_not_verifys_business, orphan_signature_nothing_relied_on_is_only_a_note,
    limit_rejection_deleted_before_any_release,
]


def test_the_released_stage_verifies_untouched(stages: Stages) -> None:
    result = run_kitgen("verify", cwd=stages.released)
    assert result.code == 0, result.text
    assert f"{KIT}: 2 versions, 3 sign-off records, released: 1" in result.stdout


@pytest.mark.parametrize("tamper", TAMPERS, ids=[t.__name__ for t in TAMPERS])
def test_tampering_is_caught_and_named(stages: Stages, copy_of: Callable[[Path], Path],
                                       tamper: Tamper) -> None:
    root = copy_of(stages.released)
    expected = tamper(root, stages)
    result = run_kitgen("verify", cwd=root)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    assert "\x1b" not in output  # a planted escape sequence is shown escaped, never sent
    fails = [line.strip() for line in result.stdout.splitlines() if "FAIL" in line]
    if all(not e.fails for e in expected):
        assert result.code == 0, output
        for e in expected:
            if e.says:
                assert f"note: {e.path}: {e.says}" in result.stdout, output
        return
    assert result.code == 1, output
    for e in expected:
        assert any(line.startswith(f"FAIL {e.path}: ") and e.says in line for line in fails), \
            "\n".join(fails)
    as_json = json.loads(run_kitgen("verify", "--json", cwd=root).stdout)
    assert not all(report["ok"] for report in as_json)


def test_enough_named_cases() -> None:
    caught = [t for t in TAMPERS if not t.__name__.startswith(("feedback_", "orphan_", "limit_"))]
    assert len(caught) >= 25


def test_a_forged_record_never_reaches_the_terminal_through_status(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(stages.released)
    record_forged_with_terminal_escapes(root, stages)
    status = run_kitgen("status", cwd=root)
    assert "\x1b" not in status.stdout + status.stderr
    assert "Sue Park" not in status.stdout  # the record does not count, so it is not listed
    check = run_kitgen("check", cwd=root)
    assert "\x1b" not in check.stdout + check.stderr


def test_approve_still_works_beside_a_crash_leftover_signature(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(stages.released)
    orphan_signature_nothing_relied_on_is_only_a_note(root, stages)
    result = run_kitgen("approve", KIT, "--side", "sales", "--name", SUE[0], "--email", SUE[1],
                        "--yes", "--version", "1", cwd=root)
    assert result.code == 0 and "recorded" in result.stdout, result.text
    assert run_kitgen("verify", cwd=root).code == 0

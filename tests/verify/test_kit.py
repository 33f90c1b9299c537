"""``kitgen verify``: every change made after a build or a sign-off is caught and named.

One workspace is built and released once per module: ``acme-launch`` (signatures required)
with version 1 released on Sam's and Mara's signed approvals and a draft version 2, and a
second kit ``acme-other``. Each tamper case edits a copy, and `kitgen verify` must exit 1 with
a message naming the file and what differs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    MARA,
    MONA,
    SAM,
    SUE,
    approve,
    copy_workspace,
    craft_record,
    damage_signature,
    flip_byte,
    kit_dir,
    make_key,
    make_workspace,
    records,
    rename_to_content,
    run_kitgen,
    small_kit,
    ssh_sign,
)

pytestmark = pytest.mark.slow

KIT = "acme-launch"
OTHER = "acme-other"


@dataclass(frozen=True)
class Built:
    root: Path
    keys: dict[str, Path]


def signed_kit(**overrides: object) -> dict[str, object]:
    return small_kit(**overrides)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("keys")
    keys, public = {}, {}
    for who in ("sam", "mara", "stray", "sue"):
        keys[who], public[who] = make_key(folder, who)
    policy = {"marketing": [MARA[1], MONA[1]], "sales": [SAM[1], SUE[1]],
              "keys": {SAM[1]: public["sam"], MARA[1]: public["mara"]},
              "require_signatures": True}
    root = tmp_path_factory.mktemp("verify") / "ws"
    make_workspace(root, small_kit(signoff=policy))
    make_workspace(root, small_kit(kit=OTHER))
    assert run_kitgen("build", cwd=root).code == 0
    assert approve(root, KIT, "sales", SAM, "--sign-key", str(keys["sam"])).code == 0
    assert approve(root, KIT, "marketing", MARA, "--sign-key", str(keys["mara"])).code == 0
    release = run_kitgen("build", f"requirements/{KIT}.yaml", "--release", cwd=root)
    assert release.code == 0, release.text
    changed = small_kit(signoff=policy)
    changed["requirements"][0]["need"] = "A one-page battlecard against Globex, with pricing."
    make_workspace(root, changed)
    assert run_kitgen("build", cwd=root).code == 0
    return Built(root, keys)


@pytest.fixture
def ws(built: Built, tmp_path: Path) -> Path:
    return copy_workspace(built.root, tmp_path / "ws")


def relied_on(root: Path) -> list[Path]:
    release = json.loads((kit_dir(root, KIT) / "1" / "released" / "release.json").read_text())
    return [kit_dir(root, KIT) / "signoffs" / s["file"] for s in release["signoffs"]]


def record_of(root: Path, side: str) -> Path:
    (path,) = [p for p in relied_on(root) if f"--{side}--" in p.name]
    return path


def edit_field(path: Path, field: str, value: str) -> None:
    lines = path.read_text().splitlines()
    lines = [f"{field}: {value}" if line.startswith(f"{field}:") else line for line in lines]
    path.write_text("\n".join(lines) + "\n")


def test_untampered_workspace_verifies(ws: Path) -> None:
    result = run_kitgen("verify", cwd=ws)
    assert result.code == 0, result.text
    assert f"{KIT}: 2 versions, 2 sign-off records, released: 1" in result.stdout
    assert "ok: nothing changed since it was built and signed" in result.stdout
    data = json.loads(run_kitgen("verify", "--json", cwd=ws).stdout)
    assert [(r["kit"], r["ok"], r["released"], r["problems"]) for r in data] == [
        (KIT, True, ["1"], []), (OTHER, True, [], [])]


def test_a_signed_release_carries_the_signatures(ws: Path) -> None:
    from pypdf import PdfReader

    release = json.loads((kit_dir(ws, KIT) / "1" / "released" / "release.json").read_text())
    assert [s["signed"] for s in release["signoffs"]] == [True, True]
    expected = {"manifest.json", "release.json"} | {p.name for p in relied_on(ws)}
    expected |= {p.name + ".sig" for p in relied_on(ws)}
    for pdf in (kit_dir(ws, KIT) / "1" / "released").glob("*.pdf"):
        attachments = PdfReader(pdf).attachments
        assert set(attachments) == expected
        for path in relied_on(ws):
            sig = path.with_name(path.name + ".sig")
            assert attachments[sig.name][0] == sig.read_bytes()


# Each tamper returns (the path verify must name, relative to the workspace, what it must say).
Tamper = Callable[[Path, Built], tuple[str, str]]


def draft_pdf_byte(root: Path, built: Built) -> tuple[str, str]:
    flip_byte(kit_dir(root, KIT) / "1" / "battlecard-globex.pdf")
    return (f"kits/{KIT}/1/battlecard-globex.pdf",
            "PDF differs from the one built (sha256 does not match the manifest)")


def released_pdf_byte(root: Path, built: Built) -> tuple[str, str]:
    flip_byte(kit_dir(root, KIT) / "1" / "released" / "playbook.pdf")
    return (f"kits/{KIT}/1/released/playbook.pdf",
            "released PDF differs from the one released (sha256 does not match)")


def snapshot(root: Path, built: Built) -> tuple[str, str]:
    path = kit_dir(root, KIT) / "1" / "requirements.yaml"
    path.write_text(path.read_text().replace("Globex is cheaper.", "Globex is dearer."))
    return f"kits/{KIT}/1/requirements.yaml", "snapshot differs from the one built"


def snapshot_comment_only(root: Path, built: Built) -> tuple[str, str]:
    path = kit_dir(root, KIT) / "1" / "requirements.yaml"
    path.write_text("# harmless?\n" + path.read_text())
    return f"kits/{KIT}/1/requirements.yaml", "snapshot differs from the one built"


def manifest_digest(root: Path, built: Built) -> tuple[str, str]:
    path = kit_dir(root, KIT) / "2" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["digest"] = "0" * 64
    path.write_text(json.dumps(manifest, indent=2))
    return (f"kits/{KIT}/2/manifest.json",
            "manifest's digest does not follow from its inputs: the manifest was edited")


def manifest_document_sha(root: Path, built: Built) -> tuple[str, str]:
    path = kit_dir(root, KIT) / "2" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["documents"][1]["sha256"] = "f" * 64
    path.write_text(json.dumps(manifest, indent=2))
    return f"kits/{KIT}/2/battlecard-globex.pdf", "sha256 does not match the manifest"


def manifest_pages(root: Path, built: Built) -> tuple[str, str]:
    path = kit_dir(root, KIT) / "2" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["documents"][1]["pages"] += 1
    path.write_text(json.dumps(manifest, indent=2))
    return f"kits/{KIT}/2/manifest.json", "battlecard-globex.pdf"


def manifest_document_dropped(root: Path, built: Built) -> tuple[str, str]:
    """A document and its manifest entry removed together, so no sha256 is left to differ."""
    path = kit_dir(root, KIT) / "2" / "manifest.json"
    manifest = json.loads(path.read_text())
    dropped = manifest["documents"].pop(1)
    (kit_dir(root, KIT) / "2" / dropped["file"]).unlink()
    path.write_text(json.dumps(manifest, indent=2))
    return (f"kits/{KIT}/2/manifest.json",
            "manifest's documents or title do not follow from the snapshot")


def record_field(field: str, value: str) -> Tamper:
    def tamper(root: Path, built: Built) -> tuple[str, str]:
        path = record_of(root, "sales")
        edit_field(path, field, value)
        return (f"kits/{KIT}/signoffs/{path.name}",
                "its content does not match its file name: the record was edited")

    tamper.__name__ = f"record_{field}"
    return tamper


def record_deleted(root: Path, built: Built) -> tuple[str, str]:
    path = record_of(root, "marketing")
    path.unlink()
    path.with_name(path.name + ".sig").unlink()
    return (f"kits/{KIT}/signoffs/{path.name}",
            "sign-off record this release relied on is missing")


def record_deleted_signature_left(root: Path, built: Built) -> tuple[str, str]:
    path = record_of(root, "marketing")
    path.unlink()
    return (f"kits/{KIT}/signoffs/{path.name}.sig",
            "signature without its record: the record was removed")


def signature_deleted(root: Path, built: Built) -> tuple[str, str]:
    path = record_of(root, "sales")
    path.with_name(path.name + ".sig").unlink()
    return f"kits/{KIT}/signoffs/{path.name}", "unsigned, and this kit requires signed approvals"


def copied_to_other_kit(root: Path, built: Built) -> tuple[str, str]:
    source = record_of(root, "sales")
    target = kit_dir(root, OTHER) / "signoffs"
    target.mkdir()
    shutil.copy2(source, target / source.name)
    return (f"kits/{OTHER}/signoffs/{source.name}",
            "it names kit 'acme-launch': copied from another kit")


def copied_to_other_version(root: Path, built: Built) -> tuple[str, str]:
    source = record_of(root, "sales")
    copy = source.with_name("copy.txt")
    copy.write_bytes(source.read_bytes().replace(b"version: 1\n", b"version: 2\n"))
    shutil.copy2(source.with_name(source.name + ".sig"), copy.with_name("copy.txt.sig"))
    moved = rename_to_content(copy)
    assert moved.name.startswith("2--")
    return (f"kits/{KIT}/signoffs/{moved.name}",
            "its digest is not version 2's: copied from another version or edited")


def bad_signature(root: Path, built: Built) -> tuple[str, str]:
    path = record_of(root, "sales")
    sig = path.with_name(path.name + ".sig")
    sig.write_bytes(damage_signature(sig.read_bytes()))
    return f"kits/{KIT}/signoffs/{path.name}", "sign-off record does not hold: bad signature"


def signed_by_unlisted_key(root: Path, built: Built) -> tuple[str, str]:
    path = record_of(root, "sales")
    path.with_name(path.name + ".sig").write_bytes(ssh_sign(path.read_bytes(), built.keys["stray"]))
    return (f"kits/{KIT}/signoffs/{path.name}",
            "bad signature: not made by the key signoff.keys lists for sam@acme.example")


def signer_without_listed_key(root: Path, built: Built) -> tuple[str, str]:
    from kitgen.signoff.records import Record, meaning_of

    digest = json.loads((kit_dir(root, KIT) / "2" / "manifest.json").read_text())["digest"]
    record = Record(KIT, "2", digest, "sales", SUE[0], SUE[1], "approve",
                    meaning_of("approve", "sales", "2"), "", "2025-12-02T10:00:00Z")
    path = craft_record(root, KIT, "2", "sales", SUE, time=record.time,
                        signature=ssh_sign(record.to_bytes(), built.keys["sue"]))
    return f"kits/{KIT}/signoffs/{path.name}", "has no key for sue@acme.example"


def unlisted_signer(root: Path, built: Built) -> tuple[str, str]:
    path = craft_record(root, KIT, "2", "sales", ("Eve", "eve@acme.example"), "reject",
                        comment="let me in")
    return f"kits/{KIT}/signoffs/{path.name}", "eve@acme.example is not listed to sign for sales"


def extra_file_in_version(root: Path, built: Built) -> tuple[str, str]:
    (kit_dir(root, KIT) / "2" / "notes.pdf").write_bytes(b"%PDF-1.7 not ours")
    return f"kits/{KIT}/2/notes.pdf", "file not listed in the manifest"


def extra_file_in_release(root: Path, built: Built) -> tuple[str, str]:
    shutil.copy2(kit_dir(root, KIT) / "2" / "index.pdf",
                 kit_dir(root, KIT) / "1" / "released" / "index-v2.pdf")
    return f"kits/{KIT}/1/released/index-v2.pdf", "file not listed in the release manifest"


def extra_file_in_signoffs(root: Path, built: Built) -> tuple[str, str]:
    (kit_dir(root, KIT) / "signoffs" / "approved.md").write_text("trust me\n")
    return f"kits/{KIT}/signoffs/approved.md", "unexpected file among sign-off records"


def release_manifest_edited(root: Path, built: Built) -> tuple[str, str]:
    path = kit_dir(root, KIT) / "1" / "released" / "release.json"
    release = json.loads(path.read_text())
    release["signoffs"] = [s for s in release["signoffs"] if s["side"] == "sales"]
    path.write_text(json.dumps(release, indent=2))
    return (f"kits/{KIT}/1/released/release.json",
            "release does not rest on an approval from each side")


def manifest_unchecked_field(root: Path, built: Built) -> tuple[str, str]:
    """A field no other check reads, kept as kitgen formats it: only the copy every PDF carries
    tells."""
    path = kit_dir(root, KIT) / "2" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["requirement_file"] = "requirements/elsewhere.yaml"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return f"kits/{KIT}/2/manifest.json", "differs from the copy index.pdf carries"


def release_manifest_unchecked_field(root: Path, built: Built) -> tuple[str, str]:
    path = kit_dir(root, KIT) / "1" / "released" / "release.json"
    release = json.loads(path.read_text())
    release["documents"][0]["note"] = "added later"
    path.write_text(json.dumps(release, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return f"kits/{KIT}/1/released/release.json", "release.json differs from the copy"


def draft_pdf_removed(root: Path, built: Built) -> tuple[str, str]:
    (kit_dir(root, KIT) / "2" / "playbook.pdf").unlink()
    return f"kits/{KIT}/2/playbook.pdf", "document listed in the manifest is missing"


TAMPERS: list[Tamper] = [
    draft_pdf_byte, released_pdf_byte, snapshot, snapshot_comment_only, manifest_digest,
    manifest_document_sha, manifest_pages, manifest_document_dropped, record_field("version", "2"),
    record_field("digest", "0" * 64), record_field("side", "marketing"),
    record_field("email", "sue@acme.example"), record_deleted, record_deleted_signature_left,
    signature_deleted, copied_to_other_kit, copied_to_other_version, bad_signature,
    signed_by_unlisted_key, signer_without_listed_key, unlisted_signer, extra_file_in_version,
    extra_file_in_release, extra_file_in_signoffs, release_manifest_edited, draft_pdf_removed,
    manifest_unchecked_field, release_manifest_unchecked_field,
]


@pytest.mark.parametrize("tamper", TAMPERS, ids=[t.__name__ for t in TAMPERS])
def test_tampering_is_caught_and_named(ws: Path, built: Built, tamper: Tamper) -> None:
    path, message = tamper(ws, built)
    result = run_kitgen("verify", cwd=ws)
    assert result.code == 1, result.text
    fails = [line.strip() for line in result.stdout.splitlines() if "FAIL" in line]
    assert any(line.startswith(f"FAIL {path}: ") and message in line for line in fails), fails


def test_verify_json_names_each_problem(ws: Path, built: Built) -> None:
    path, message = bad_signature(ws, built)
    result = run_kitgen("verify", "--json", cwd=ws)
    assert result.code == 1
    data = json.loads(result.stdout)
    assert [(r["kit"], r["ok"]) for r in data] == [(KIT, False), (OTHER, True)]
    problems = data[0]["problems"]
    assert any(p["path"] == path and message in p["message"] for p in problems), problems
    # The release rested on that record, so the release is named too.
    assert any(p["path"] == path and "this release relied on no longer holds" in p["message"]
               for p in problems), problems


def test_a_tampered_record_no_longer_counts_for_release(ws: Path, built: Built) -> None:
    """An edit that keeps the file parseable is still not trusted: the release was built on
    the bytes release.json names."""
    path = record_of(ws, "sales")
    edit_field(path, "comment", "approved, but only for EMEA")
    renamed = rename_to_content(path)  # a careful forger renames it to the new hash
    result = run_kitgen("verify", KIT, cwd=ws)
    assert result.code == 1
    assert f"FAIL kits/{KIT}/signoffs/{path.name}: sign-off record this release relied on is " \
        "missing" in result.stdout
    assert f"FAIL kits/{KIT}/signoffs/{renamed.name}: sign-off record does not hold: bad " \
        "signature" in result.stdout


def test_verify_one_kit_and_unknown_target(ws: Path) -> None:
    flip_byte(kit_dir(ws, OTHER) / "1" / "index.pdf")
    assert run_kitgen("verify", KIT, cwd=ws).code == 0
    assert run_kitgen("verify", OTHER, cwd=ws).code == 1
    unknown = run_kitgen("verify", "no-such-kit", cwd=ws)
    assert unknown.code == 2
    assert "'no-such-kit' is neither a kit" in unknown.text
    missing = run_kitgen("verify", "nowhere.pdf", cwd=ws)
    assert missing.code == 2 and "nowhere.pdf: no such PDF" in missing.text


# --- a single PDF, as a rep might have received it -------------------------------------------


def test_a_draft_pdf_says_kit_version_and_draft(ws: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "from-email.pdf"
    shutil.copy2(kit_dir(ws, KIT) / "2" / "battlecard-globex.pdf", pdf)
    result = run_kitgen("verify", str(pdf), cwd=ws)
    assert result.code == 0, result.text
    assert f"{pdf}: kit {KIT} version 2, draft" in result.stdout
    assert "DRAFT: not signed off; do not use it with customers" in result.stdout
    (report,) = json.loads(run_kitgen("verify", str(pdf), "--json", cwd=ws).stdout)
    assert (report["kit"], report["version"], report["state"], report["ok"]) == (
        KIT, "2", "draft", True)


def test_a_released_pdf_says_released(ws: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "playbook.pdf"
    shutil.copy2(kit_dir(ws, KIT) / "1" / "released" / "playbook.pdf", pdf)
    result = run_kitgen("verify", str(pdf), cwd=ws)
    assert result.code == 0, result.text
    assert f"{pdf}: kit {KIT} version 1, released" in result.stdout
    assert "newer" not in result.stdout and "DRAFT" not in result.stdout
    # Its draft twin points to the released one.
    draft = run_kitgen("verify", f"kits/{KIT}/1/playbook.pdf", cwd=ws)
    assert "this is the draft; the released PDFs are in kits/acme-launch/1/released/" \
        in draft.stdout


def test_an_older_released_pdf_says_a_newer_release_exists(ws: Path, built: Built,
                                                           tmp_path: Path) -> None:
    pdf = tmp_path / "old.pdf"
    shutil.copy2(kit_dir(ws, KIT) / "1" / "released" / "battlecard-globex.pdf", pdf)
    assert approve(ws, KIT, "sales", SUE).code == 1  # no key: cannot sign here
    assert approve(ws, KIT, "sales", SAM, "--sign-key", str(built.keys["sam"])).code == 0
    assert approve(ws, KIT, "marketing", MARA, "--sign-key", str(built.keys["mara"])).code == 0
    assert run_kitgen("build", f"requirements/{KIT}.yaml", "--release", cwd=ws).code == 0
    result = run_kitgen("verify", str(pdf), cwd=ws)
    assert result.code == 0, result.text
    assert f"kit {KIT} version 1, released" in result.stdout
    assert "a newer released version exists: 2" in result.stdout
    (report,) = json.loads(run_kitgen("verify", str(pdf), "--json", cwd=ws).stdout)
    assert report["notes"] == ["a newer released version exists: 2"]


def test_a_modified_pdf_matches_nothing(ws: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "edited.pdf"
    data = (kit_dir(ws, KIT) / "1" / "released" / "index.pdf").read_bytes()
    pdf.write_bytes(data + b"\n% edited\n")  # still a readable PDF, not the same bytes
    result = run_kitgen("verify", str(pdf), cwd=ws)
    assert result.code == 1
    assert "changed after kitgen wrote it" in result.text
    assert f"it says it is kit {KIT} version 1" in result.text
    flipped = tmp_path / "flipped.pdf"
    shutil.copy2(kit_dir(ws, KIT) / "2" / "playbook.pdf", flipped)
    flip_byte(flipped)
    assert run_kitgen("verify", str(flipped), cwd=ws).code == 1


def test_a_pdf_from_a_kit_with_problems_reports_them(ws: Path, tmp_path: Path) -> None:
    flip_byte(kit_dir(ws, KIT) / "1" / "index.pdf")
    pdf = tmp_path / "playbook.pdf"
    shutil.copy2(kit_dir(ws, KIT) / "1" / "released" / "playbook.pdf", pdf)
    result = run_kitgen("verify", str(pdf), cwd=ws)
    assert result.code == 1
    assert f"FAIL kits/{KIT}/1/index.pdf: PDF differs" in result.stdout
    assert records(ws, KIT)  # nothing else touched

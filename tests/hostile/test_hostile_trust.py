"""A release or an "ok" that cannot be faked (issue 12): links, PDFs checked in their
workspace, unverified files, record times, and what each "ok" claims.

Each case is a step an attacker with write access to the repository took in a hostile review;
none of them may get a release, a "released" in `status`, or an "ok" from `verify` it should
not. The stages are those of tests/hostile/conftest.py: ``built`` (version 1, nothing signed),
``approved`` (both sides signed version 1) and ``released`` (version 1 released, version 2
built and rejected).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MONA, SUE, Ran, manifest_digest, rendered_part, run_kitgen
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText

from hostile.support import KIT, Stages
from kitgen.signoff.records import Record, meaning_of
from kitgen.version import carry

pytestmark = pytest.mark.hostile_trust

K = f"kits/{KIT}"


def kit(root: Path) -> Path:
    return root / "kits" / KIT


def status_of(root: Path) -> dict[str, object]:
    result = run_kitgen("status", "--json", cwd=root)
    assert result.code == 0, result.text
    (entry,) = json.loads(result.stdout)
    return dict(entry)


def fails_naming(result: Ran, path: str, says: str) -> None:
    assert result.code == 1, result.text
    assert "Traceback" not in result.text and "internal error" not in result.text
    fails = [line.strip() for line in result.stdout.splitlines() if "FAIL" in line]
    assert any(line.startswith(f"FAIL {path}: ") and says in line for line in fails), \
        "\n".join(fails) or result.text


def ok_lines(result: Ran) -> list[str]:
    return [line.strip() for line in result.stdout.splitlines()
            if line.strip().startswith(("ok:", "checked:", "not checked:", "consistent:"))]


# --- hole 1: a link fakes a release -----------------------------------------------------------


def fake_release(root: Path, release_json: Callable[[Path], None]) -> Path:
    """What the review did: the drafts copied into released/, and release.json made by
    ``release_json`` (a link, in every case here)."""
    version = kit(root) / "1"
    released = version / "released"
    released.mkdir()
    for pdf in version.glob("*.pdf"):
        shutil.copy2(pdf, released / pdf.name)
    release_json(released)
    return released


def link_to_the_manifest(released: Path) -> None:
    (released / "release.json").symlink_to("../manifest.json")


def assert_never_released(root: Path) -> None:
    entry = status_of(root)
    assert (entry["released"], entry["latest_released"]) == (False, None), entry
    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 1, gate.text
    assert "released (already)" not in gate.stdout and "NOT releasable" in gate.stdout
    catalog = (root / "kits" / "index.html").read_text(encoding="utf-8")
    assert "released/" not in catalog
    assert "Nothing released yet" in " ".join(catalog.split())


def test_a_link_to_the_manifest_does_not_fake_a_release(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(stages.built)
    fake_release(root, link_to_the_manifest)
    fails_naming(run_kitgen("verify", cwd=root), f"{K}/1/released/release.json", "a symbolic link")
    assert_never_released(root)
    # Nothing is released, so the version can still be rejected.
    reject = run_kitgen("reject", KIT, "--side", "sales", "--name", SUE[0], "--email", SUE[1],
                        "--yes", "--reason", "Nothing was approved", cwd=root)
    assert reject.code == 0, reject.text


def test_a_link_to_a_hidden_hand_made_release_does_not_count(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(stages.built)
    real = kit(stages.released) / "1" / "released" / "release.json"

    def hidden_release(released: Path) -> None:
        shutil.copy2(real, released / ".release.json")
        (released / "release.json").symlink_to(".release.json")

    fake_release(root, hidden_release)
    fails_naming(run_kitgen("verify", cwd=root), f"{K}/1/released/release.json", "a symbolic link")
    assert_never_released(root)


def test_links_to_real_files_never_make_an_approved_version_released(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    """Both sides approved: the gate could release it, but not through someone's links."""
    root = copy_of(stages.approved)
    elsewhere = root / "elsewhere"
    shutil.copytree(kit(stages.released) / "1" / "released", elsewhere)
    (kit(root) / "1" / "released").symlink_to(elsewhere, target_is_directory=True)
    fails_naming(run_kitgen("verify", cwd=root), f"{K}/1/released", "a symbolic link")
    assert status_of(root)["released"] is False
    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 1 and "released (already)" not in gate.stdout, gate.text
    assert f"{K}/1/released" in gate.text and "symbolic link" in gate.text


def _link_to_copy(path: Path, root: Path) -> None:
    copy = root / f"copy-of-{path.name}"
    if path.is_dir():
        shutil.copytree(path, copy)
        shutil.rmtree(path)
    else:
        shutil.copy2(path, copy)
        path.unlink()
    path.symlink_to(copy, target_is_directory=copy.is_dir())


def _relied(root: Path, side: str) -> Path:
    release = json.loads((kit(root) / "1" / "released" / "release.json").read_text())
    (entry,) = [e for e in release["signoffs"] if e["side"] == side]
    return kit(root) / "signoffs" / entry["file"]


LINKED: dict[str, Callable[[Path], Path]] = {
    "release manifest": lambda root: kit(root) / "1" / "released" / "release.json",
    "released PDF": lambda root: kit(root) / "1" / "released" / "playbook.pdf",
    "version manifest": lambda root: kit(root) / "1" / "manifest.json",
    "relied-on record": lambda root: _relied(root, "sales"),
    "relied-on signature": lambda root: _relied(root, "marketing").with_suffix(".txt.sig"),
    "feedback record": lambda root: next((kit(root) / "feedback").glob("*.txt")),
    "version index page": lambda root: kit(root) / "1" / "index.html",
}


@pytest.mark.parametrize("what", LINKED)
def test_a_link_anywhere_under_kits_fails_and_never_counts(
    stages: Stages, copy_of: Callable[[Path], Path], what: str,
) -> None:
    root = copy_of(stages.released)
    path = LINKED[what](root)
    _link_to_copy(path, root)
    fails_naming(run_kitgen("verify", cwd=root), path.relative_to(root).as_posix(),
                 "a symbolic link")
    if what in ("release manifest", "version manifest", "relied-on record"):
        # The release rests on a file reached through a link: it is not a release.
        assert status_of(root)["latest_released"] is None


# --- hole 2: a PDF that names a version of this workspace is checked against it ---------------


def test_a_released_pdf_of_a_version_this_workspace_did_not_release_fails(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    """The released PDF of version 1 from another copy of the repository, where version 1 was
    signed off, checked where it was not."""
    root = copy_of(stages.built)
    pdf = root / "battlecard.pdf"
    shutil.copy2(kit(stages.released) / "1" / "released" / "battlecard-globex.pdf", pdf)
    result = run_kitgen("verify", "--json", "battlecard.pdf", cwd=root)
    (report,) = json.loads(result.stdout)
    assert result.code == 1, result.text
    assert report["checked"] == "workspace", report
    assert any(f"{K}/1" in p and "not listed" in p for p in report["problems"]), report
    assert any("not released in this workspace" in p for p in report["problems"]), report


def edit_a_page(rendered: bytes) -> bytes:
    """A visible change to the first page, saved the way a PDF editor saves."""
    writer = PdfWriter(io.BytesIO(rendered), incremental=True)
    writer.add_annotation(0, FreeText(text="Now 50% off", rect=(40, 40, 300, 90)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_released_pdf_edited_with_its_release_rewritten_fails_in_the_workspace(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(stages.released)
    source = kit(root) / "1" / "released" / "battlecard-globex.pdf"
    rendered = edit_a_page(rendered_part(source))
    release = json.loads(PdfReader(source).attachments["release.json"][0])
    for doc in release["documents"]:
        if doc["file"] == source.name:
            doc["sha256"] = hashlib.sha256(rendered).hexdigest()
    forged = (json.dumps(release, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    pdf = root / "battlecard.pdf"
    pdf.write_bytes(carry.append(rendered, "release.json", forged))

    alone = run_kitgen("verify", "--json", str(pdf), cwd=root.parent)
    assert json.loads(alone.stdout)[0]["checked"] == "alone"  # consistent on its own …
    result = run_kitgen("verify", "--json", "battlecard.pdf", cwd=root)  # … not in its workspace
    (report,) = json.loads(result.stdout)
    assert result.code == 1, result.text
    assert report["checked"] == "workspace", report
    assert any("not listed" in p and "release.json" in p for p in report["problems"]), report


# --- hole 6: everything a manifest lists is verified ------------------------------------------


def test_an_edited_version_index_page_fails(stages: Stages,
                                            copy_of: Callable[[Path], Path]) -> None:
    root = copy_of(stages.built)
    page = kit(root) / "1" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("Globex", "Globex (we lose)"),
                    encoding="utf-8")
    fails_naming(run_kitgen("verify", cwd=root), f"{K}/1/index.html", "differs from the one built")


def test_a_version_index_page_linked_to_a_machine_file_fails(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(stages.built)
    page = kit(root) / "1" / "index.html"
    page.unlink()
    page.symlink_to("/etc/passwd")
    fails_naming(run_kitgen("verify", cwd=root), f"{K}/1/index.html", "a symbolic link")


def test_verify_says_what_it_does_not_check(stages: Stages) -> None:
    result = run_kitgen("verify", cwd=stages.released)
    assert result.code == 0, result.text
    not_checked = [line for line in ok_lines(result) if line.startswith("not checked:")]
    assert not_checked, result.stdout
    assert "kits/index.html" in not_checked[0] and "feedback" in not_checked[0]


# --- hole 9: a record's time -----------------------------------------------------------------


def plant_record(root: Path, side: str, who: tuple[str, str], time: str) -> Path:
    """A well-formed approval of version 1, written by hand (kitgen would not write it)."""
    record = Record(kit=KIT, version="1", digest=manifest_digest(root, KIT, "1"), side=side,
                    name=who[0], email=who[1], decision="approve",
                    meaning=meaning_of("approve", side, "1"), comment="", time=time)
    folder = kit(root) / "signoffs"
    folder.mkdir(exist_ok=True)
    path = folder / record.file_name
    path.write_bytes(record.to_bytes())
    return path


@pytest.mark.parametrize(("time", "says"), [
    ("next tuesday, probably", "is not a UTC time written YYYY-MM-DDTHH:MM:SSZ"),
    ("2026-13-45T25:61:00Z", "is not a UTC time written YYYY-MM-DDTHH:MM:SSZ"),
    ("9999-01-01T00:00:00Z", "after this machine's clock"),
])
def test_a_record_whose_time_is_not_a_real_utc_time_does_not_count(
    stages: Stages, copy_of: Callable[[Path], Path], time: str, says: str,
) -> None:
    root = copy_of(stages.built)
    planted = plant_record(root, "sales", SUE, time)
    plant_record(root, "marketing", MONA, "2025-12-01T09:00:00Z")
    fails_naming(run_kitgen("verify", cwd=root), f"{K}/signoffs/{planted.name}", says)
    sides = status_of(root)["signoff"]
    assert isinstance(sides, dict) and sides["sales"]["state"] == "pending", sides
    gate = run_kitgen("build", "--release", cwd=root)
    assert gate.code == 1 and "no sales approval of version 1" in gate.text, gate.text


# --- hole 11: every "ok" says what was checked ------------------------------------------------


def test_a_kit_without_records_is_not_called_signed(stages: Stages) -> None:
    result = run_kitgen("verify", cwd=stages.built)
    assert result.code == 0, result.text
    assert "and signed" not in result.stdout
    assert any("no sign-off records" in line for line in ok_lines(result)), result.stdout


def test_unsigned_records_say_their_signatures_were_not_checked(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(stages.built)
    plant_record(root, "sales", SUE, "2025-12-01T09:00:00Z")
    plant_record(root, "marketing", MONA, "2025-12-01T09:00:00Z")
    result = run_kitgen("verify", cwd=root)
    assert result.code == 0, result.text
    checked = " ".join(ok_lines(result))
    assert "2 sign-off record(s)" in checked and "2 unsigned" in checked, checked
    assert "no signature to check" in checked, checked


def test_signed_records_say_their_signatures_were_verified(stages: Stages) -> None:
    result = run_kitgen("verify", cwd=stages.approved)
    assert result.code == 0, result.text
    checked = " ".join(ok_lines(result))
    assert "2 signature(s) verified against the keys in signoff.keys" in checked, checked


def reforge_release(pdf: Path, edit: Callable[[dict[str, object]], None]) -> None:
    release = json.loads(PdfReader(pdf).attachments["release.json"][0])
    edit(release)
    data = (json.dumps(release, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    pdf.write_bytes(carry.append(rendered_part(pdf), "release.json", data))


def test_a_carried_release_claiming_99_pages_fails_on_its_own(
    stages: Stages, tmp_path: Path,
) -> None:
    pdf = tmp_path / "card.pdf"
    shutil.copy2(kit(stages.released) / "1" / "released" / "battlecard-globex.pdf", pdf)

    def ninety_nine_pages(release: dict[str, object]) -> None:
        documents = release["documents"]
        assert isinstance(documents, list)
        for doc in documents:
            doc["pages"] = 99

    reforge_release(pdf, ninety_nine_pages)
    result = run_kitgen("verify", "--json", str(pdf), cwd=tmp_path)
    (report,) = json.loads(result.stdout)
    assert result.code == 1, result.text
    assert any("99 page(s)" in p and "has 1" in p for p in report["problems"]), report


def test_a_lone_released_pdf_is_not_called_ok_without_trusted_keys(
    stages: Stages, tmp_path: Path,
) -> None:
    pdf = tmp_path / "card.pdf"
    shutil.copy2(kit(stages.released) / "1" / "released" / "battlecard-globex.pdf", pdf)
    result = run_kitgen("verify", str(pdf), cwd=tmp_path)
    assert result.code == 0, result.text
    assert "ok:" not in result.stdout, result.stdout
    said = " ".join(ok_lines(result))
    assert "who signed it is not proven" in said and "--allowed-signers" in said, said

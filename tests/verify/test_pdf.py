"""``kitgen verify FILE.pdf`` on a PDF that travelled alone (issue 7).

Every kitgen PDF carries the manifest that lists it, appended after the rendered bytes; a
released one also carries its version manifest and the sign-off records its release relied on.
Here PDFs are copied out of their workspace and checked from a folder with no workspace at all,
untouched, edited the ways a viewer or a person would, and forged by someone who knows the
scheme.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
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
    flip_byte,
    kit_dir,
    make_key,
    make_workspace,
    rendered_part,
    run_kitgen,
    small_kit,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from kitgen.version import carry

KIT = "acme-launch"


@dataclass(frozen=True)
class Built:
    root: Path
    public: dict[str, str]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("keys")
    keys, public = {}, {}
    for who in ("sam", "mara", "stray"):
        keys[who], public[who] = make_key(folder, who)
    policy = {"marketing": [MARA[1], MONA[1]], "sales": [SAM[1], SUE[1]],
              "keys": {SAM[1]: public["sam"], MARA[1]: public["mara"]},
              "require_signatures": True}
    root = tmp_path_factory.mktemp("pdfcheck") / "ws"
    make_workspace(root, small_kit(signoff=policy))
    assert run_kitgen("build", cwd=root).code == 0
    assert approve(root, KIT, "sales", SAM, "--sign-key", str(keys["sam"])).code == 0
    assert approve(root, KIT, "marketing", MARA, "--sign-key", str(keys["mara"])).code == 0
    release = run_kitgen("build", "--release", cwd=root)
    assert release.code == 0, release.text
    return Built(root, public)


@pytest.fixture
def away(tmp_path: Path) -> Path:
    """A folder with no workspace in it: a rep's Downloads."""
    folder = tmp_path / "Downloads"
    folder.mkdir()
    return folder


def draft(built: Built) -> Path:
    return kit_dir(built.root, KIT) / "1" / "battlecard-globex.pdf"


def released(built: Built) -> Path:
    return kit_dir(built.root, KIT) / "1" / "released" / "battlecard-globex.pdf"


def verify_alone(pdf: Path, folder: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    text = run_kitgen("verify", *extra, str(pdf), cwd=folder)
    data = run_kitgen("verify", "--json", *extra, str(pdf), cwd=folder)
    assert text.code == data.code
    assert "Traceback" not in text.text + data.text
    (report,) = json.loads(data.stdout)
    return data.code, report, text.stdout


def allowed_signers(folder: Path, lines: dict[str, str]) -> Path:
    path = folder / "allowed_signers"
    path.write_text("".join(f'{email} namespaces="kitgen" {key}\n'
                            for email, key in lines.items()))
    return path


@pytest.mark.slow
def test_a_draft_that_travelled_alone_verifies(built: Built, away: Path) -> None:
    pdf = shutil.copy2(draft(built), away / "card.pdf")
    code, report, text = verify_alone(Path(pdf), away)
    assert code == 0, text
    assert (report["kit"], report["version"], report["state"], report["checked"]) == (
        KIT, "1", "draft", "alone")
    assert report["notes"][0].startswith("its pages are exactly as kitgen rendered them: "
                                         "battlecard-globex.pdf of version 1")
    assert "DRAFT: not signed off; do not use it with customers" in report["notes"]
    assert "(checked on its own)" in text
    assert "ok: nothing changed since it was built\n" in text  # a draft: not "and signed"


@pytest.mark.slow
def test_a_released_pdf_names_who_approved_it(built: Built, away: Path) -> None:
    pdf = Path(shutil.copy2(released(built), away / "card.pdf"))
    code, report, text = verify_alone(pdf, away)
    assert code == 0, text
    assert (report["state"], report["checked"], report["problems"]) == ("released", "alone", [])
    assert (f"approved by {MARA[0]} <{MARA[1]}> for marketing and {SAM[0]} <{SAM[1]}> for sales"
            in report["notes"])
    assert any("carries 2 SSH signature(s)" in note for note in report["notes"])


@pytest.mark.slow
def test_signatures_are_checked_against_keys_the_reader_trusts(built: Built, away: Path) -> None:
    pdf = Path(shutil.copy2(released(built), away / "card.pdf"))
    trusted = allowed_signers(away, {SAM[1]: built.public["sam"],
                                     MARA[1]: built.public["mara"]})
    code, report, text = verify_alone(pdf, away, "--allowed-signers", str(trusted))
    assert code == 0, text
    assert f"2 signature(s) verified against {trusted}" in report["notes"]

    # Mara's record, signed with her key, does not verify against another key under her name.
    wrong = allowed_signers(away, {SAM[1]: built.public["sam"], MARA[1]: built.public["stray"]})
    code, report, text = verify_alone(pdf, away, "--allowed-signers", str(wrong))
    assert code == 1
    (problem,) = report["problems"]
    assert "--marketing--approve--" in problem
    assert f"signature by {MARA[1]} does not verify against {wrong}" in problem


@pytest.mark.slow
def test_a_missing_allowed_signers_file_is_bad_input(built: Built, away: Path) -> None:
    pdf = Path(shutil.copy2(released(built), away / "card.pdf"))
    result = run_kitgen("verify", "--allowed-signers", str(away / "nope"), str(pdf), cwd=away)
    assert result.code == 2, result.text
    assert "no such allowed-signers file" in result.text
    assert "Traceback" not in result.text


@pytest.mark.slow
def test_in_its_workspace_the_workspace_is_used(built: Built) -> None:
    code, report, text = verify_alone(released(built), built.root)
    assert code == 0, text
    assert (report["state"], report["checked"]) == ("released", "workspace")


def save_as_a_viewer_would(path: Path) -> None:
    """What a PDF viewer or editor does on save: an incremental update after kitgen's."""
    writer = PdfWriter(io.BytesIO(path.read_bytes()), incremental=True)
    writer.add_metadata({"/Author": "someone else"})
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())


def rewrite_whole(path: Path) -> None:
    """What a tool that rewrites the file does: same pages, new bytes."""
    writer = PdfWriter(clone_from=io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())


def strip_the_carried_manifest(path: Path) -> None:
    path.write_bytes(rendered_part(path))


def reforge(path: Path, name: str, edit: Any) -> None:
    """Someone who knows kitgen's scheme: an edited manifest, appended afresh."""
    reader = PdfReader(path)
    carried = json.loads(reader.attachments[name][0])
    edit(carried)
    data = (json.dumps(carried, sort_keys=True, indent=2) + "\n").encode()
    path.write_bytes(carry.append(rendered_part(path), name, data))


def forged_digest(m: dict[str, Any]) -> None:
    m["digest"] = "0" * 64


def one_side_only(r: dict[str, Any]) -> None:
    r["signoffs"] = [s for s in r["signoffs"] if s["side"] == "sales"]


def other_record(r: dict[str, Any]) -> None:
    r["signoffs"][0]["sha256"] = "f" * 64


def renamed_signer(r: dict[str, Any]) -> None:
    r["signoffs"][0]["name"] = "Someone Else"


def unlisted_pages(r: dict[str, Any]) -> None:
    for doc in r["documents"]:
        doc["sha256"] = "a" * 64


TAMPERS = {
    "flipped byte": (released, lambda p: flip_byte(p),
                     ("changed after kitgen wrote it", "not the ones its release manifest lists")),
    "saved by a viewer": (released, save_as_a_viewer_would, ("changed after kitgen wrote it",)),
    "rewritten by a tool": (released, rewrite_whole,
                            ("changed after kitgen wrote it", "carries no kitgen manifest")),
    "manifest stripped": (draft, strip_the_carried_manifest, ("carries no kitgen manifest",)),
    "release manifest stripped": (released, strip_the_carried_manifest,
                                  ("changed after kitgen wrote it",)),
    "draft manifest forged": (draft, lambda p: reforge(p, "manifest.json", forged_digest),
                              ("digest does not follow from the inputs",)),
    "release relies on one side": (released, lambda p: reforge(p, "release.json", one_side_only),
                                   ("no approval from marketing",)),
    "release names another record": (released, lambda p: reforge(p, "release.json",
                                                                   other_record),
                                     ("not the record its release relied on",)),
    "release names another signer": (released, lambda p: reforge(p, "release.json",
                                                                  renamed_signer),
                                     ("its release manifest says name 'Someone Else'",)),
    "release lists other pages": (released, lambda p: reforge(p, "release.json", unlisted_pages),
                                  ("not the ones its release manifest lists",)),
}


@pytest.mark.parametrize("case", TAMPERS)
@pytest.mark.slow
def test_a_changed_pdf_fails_on_its_own(built: Built, away: Path, case: str) -> None:
    source, tamper, says = TAMPERS[case]
    pdf = Path(shutil.copy2(source(built), away / "card.pdf"))
    tamper(pdf)
    code, report, text = verify_alone(pdf, away)
    assert code == 1, text
    assert report["checked"] == "alone"
    assert any(s in problem for problem in report["problems"] for s in says), report


@pytest.mark.slow
def test_a_draft_passed_off_as_released_fails(built: Built, away: Path) -> None:
    """A draft given its version's release manifest, as if it had been signed off."""
    release = (released(built).parent / "release.json").read_bytes()
    pdf = away / "card.pdf"
    pdf.write_bytes(carry.append(rendered_part(draft(built)), "release.json", release))
    code, report, _ = verify_alone(pdf, away)
    assert code == 1
    assert "its metadata says it is 'draft', but it carries the manifest of a released PDF" \
        in report["problems"]
    assert "its pages are not the ones its release manifest lists (sha256 differs)" \
        in report["problems"]


def test_what_is_not_a_kitgen_pdf(away: Path) -> None:
    blank = away / "blank.pdf"
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    with blank.open("wb") as handle:
        writer.write(handle)
    code, report, _ = verify_alone(blank, away)
    assert code == 1
    assert report["problems"] == ["not a kitgen PDF: it carries no kitgen manifest"]
    junk = away / "junk.pdf"
    junk.write_bytes(b"hello, not a PDF\n")
    code, report, _ = verify_alone(junk, away)
    assert code == 1
    assert report["problems"][0].startswith("not a readable PDF")


@pytest.mark.slow
def test_other_readers_see_the_same_document(built: Built) -> None:
    """The appended manifest changes nothing a reader sees: same text, same pages, and the
    attachment is listed by poppler, an independent PDF reader."""
    for pdf in (draft(built), released(built)):
        def text(data: bytes) -> str:
            return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data,
                                  capture_output=True, check=True, timeout=600).stdout.decode()

        assert text(pdf.read_bytes()) == text(rendered_part(pdf))
        listed = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True,
                                text=True, check=True, timeout=600).stdout
        assert "manifest.json" in listed
        reader = PdfReader(pdf, strict=True)
        assert len(reader.pages) == len(PdfReader(io.BytesIO(rendered_part(pdf))).pages)
        assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]  # still tagged


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@pytest.mark.slow
def test_no_change_to_the_rendered_bytes_passes_and_nothing_raises(built: Built,
                                                                   data: st.DataObject) -> None:
    """Any byte of a PDF's rendered part changed, or bytes cut off or added anywhere: the
    check fails, without an exception, whatever the bytes."""
    from kitgen.verify.pdf import read_facts, verify_alone

    source = draft(built) if data.draw(st.booleans()) else released(built)
    original = source.read_bytes()
    rendered = len(rendered_part(source))
    kind = data.draw(st.sampled_from(["flip", "cut", "append"]))
    if kind == "flip":
        at = data.draw(st.integers(0, rendered - 1))
        mask = data.draw(st.integers(1, 255))
        changed = original[:at] + bytes([original[at] ^ mask]) + original[at + 1:]
    elif kind == "cut":
        at = data.draw(st.integers(0, len(original) - 1))
        changed = original[:at]
    else:
        changed = original + data.draw(st.binary(min_size=1, max_size=64))
    report = verify_alone(source, read_facts(changed), None)
    assert report.problems, (kind, report)

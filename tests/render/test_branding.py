"""A brand file gives every document its logo, colours, fonts and paper, and is part of what a
version is: what a reader sees in the PDFs, what the manifest lists, when a new version is made.

One branded workspace is built once (real processes, real WeasyPrint) and read by most tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    REPO,
    battlecard,
    dump,
    make_workspace,
    minimal_kit,
    pdf_images,
    pdf_stream_bytes,
    pdf_text,
    run_kitgen,
    sha256,
    solid_png,
    value_prop,
)
from helpers.brand import LOGO_FILL_PDF, PRIMARY_PDF, brand, font_file, write_brand
from pypdf import PdfReader

KIT = "acme-launch"
DOCUMENTS = ("index.pdf", "battlecard-globex.pdf", "playbook.pdf", "value-prop-cfo.pdf")


@dataclass(frozen=True)
class Branded:
    root: Path

    def version(self, number: str = "1") -> Path:
        return self.root / "kits" / KIT / number

    def manifest(self, number: str = "1") -> dict[str, object]:
        return json.loads((self.version(number) / "manifest.json").read_text())


def branded_workspace(root: Path) -> Path:
    make_workspace(root, minimal_kit(value_props=[value_prop()]))
    write_brand(root)
    return root


@pytest.fixture(scope="module")
def branded(tmp_path_factory: pytest.TempPathFactory) -> Branded:
    root = branded_workspace(tmp_path_factory.mktemp("branded") / "ws")
    result = run_kitgen("build", cwd=root)
    assert result.code == 0, result.stdout + result.stderr
    return Branded(root)


def fonts_of(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                          check=True).stdout


# --- what a reader sees -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_document_embeds_the_brand_fonts(branded: Branded, document: str) -> None:
    listed = fonts_of(branded.version() / document)
    for name in ("DejaVu-Sans", "DejaVu-Serif-Bold"):
        line = next((line for line in listed.splitlines() if f"+{name} " in line), "")
        assert line, listed
        # embedded, subset
        assert line.split()[-5:-3] == ["yes", "yes"], line


@pytest.mark.slow
@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_page_is_letter_sized(branded: Branded, document: str) -> None:
    for page in PdfReader(branded.version() / document).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)


@pytest.mark.slow
@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_page_header_shows_the_logo(branded: Branded, document: str) -> None:
    path = branded.version() / document
    # The PNG of the header: one image drawn on every page.
    assert pdf_images(path) == len(PdfReader(path).pages)


@pytest.mark.slow
def test_the_index_cover_shows_the_large_logo(branded: Branded) -> None:
    # The SVG drawn as vectors in its own colour, which nothing else on the pages uses.
    assert LOGO_FILL_PDF in pdf_stream_bytes((branded.version() / "index.pdf").read_bytes())
    assert LOGO_FILL_PDF not in pdf_stream_bytes(
        (branded.version() / "battlecard-globex.pdf").read_bytes())


@pytest.mark.slow
@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_document_uses_the_brand_colour(branded: Branded, document: str) -> None:
    content = pdf_stream_bytes((branded.version() / document).read_bytes())
    assert PRIMARY_PDF + b" rg" in content or PRIMARY_PDF + b" RG" in content


@pytest.mark.slow
def test_the_kit_index_page_for_browsers_uses_the_brand_by_relative_paths(
    branded: Branded,
) -> None:
    page = (branded.version() / "index.html").read_text()
    assert '"../../../brand/fonts/DejaVuSans.ttf"' in page
    assert 'src="../../../brand/cover.svg"' in page
    assert "--brand-primary: #a4123f" in page
    assert str(branded.root) not in page
    catalog = (branded.root / "kits" / "index.html").read_text()
    assert 'src="../brand/cover.svg"' in catalog and "--brand-primary: #a4123f" in catalog
    assert str(branded.root) not in catalog


# --- part of the version ----------------------------------------------------------------------


@pytest.mark.slow
def test_the_manifest_lists_the_brand_file_and_every_file_it_names(branded: Branded) -> None:
    inputs = branded.manifest()["inputs"]
    assert isinstance(inputs, dict)
    named = {name.removeprefix("brand:"): digest for name, digest in inputs.items()
             if name.startswith("brand:")}
    assert sorted(named) == ["brand.yml", "brand/cover.svg", "brand/fonts/DejaVuSans-Bold.ttf",
                             "brand/fonts/DejaVuSans.ttf", "brand/fonts/DejaVuSerif-Bold.ttf",
                             "brand/header.png"]
    for name, digest in named.items():
        assert digest == sha256(branded.root / name), name


@pytest.mark.slow
def test_an_unchanged_brand_builds_nothing_and_verify_holds(
    branded: Branded, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(branded.root)
    result = run_kitgen("build", cwd=root)
    assert result.code == 0 and "unchanged, nothing written" in result.stdout
    verified = run_kitgen("verify", cwd=root)
    assert verified.code == 0, verified.stdout + verified.stderr


def swap_font(root: Path) -> None:
    shutil.copyfile(font_file("DejaVuSerif.ttf"), root / "brand/fonts/DejaVuSerif-Bold.ttf")


EDITS: dict[str, Callable[[Path], None]] = {
    "brand file": lambda root: (root / "brand.yml").write_text(
        dump(brand(color={"primary": "#0b6e4f"}))),
    "header logo": lambda root: (root / "brand/header.png").write_bytes(solid_png(b"\0\0\xff")),
    "cover logo": lambda root: (root / "brand/cover.svg").write_text(
        (root / "brand/cover.svg").read_text().replace("40 10", "40 12")),
    "font": swap_font,
    "paper": lambda root: (root / "brand.yml").write_text(
        dump(brand(defaults={"kitgen": {"paper": "a4"}}))),
}


@pytest.mark.slow
@pytest.mark.parametrize("edit", list(EDITS))
def test_changing_any_brand_input_makes_a_new_version(
    branded: Branded, copy_of: Callable[[Path], Path], edit: str,
) -> None:
    root = copy_of(branded.root)
    EDITS[edit](root)
    result = run_kitgen("build", cwd=root)
    assert result.code == 0, result.stdout + result.stderr
    assert (root / "kits" / KIT / "2" / "manifest.json").is_file(), result.stdout
    first = json.loads((root / "kits" / KIT / "1" / "manifest.json").read_text())
    second = json.loads((root / "kits" / KIT / "2" / "manifest.json").read_text())
    assert first["inputs"]["data"] == second["inputs"]["data"]  # only the brand changed
    assert first["digest"] != second["digest"]
    diff = run_kitgen("diff", KIT, "--json", cwd=root)
    assert {d["reason"] for d in json.loads(diff.stdout)["documents"]} == {"brand"}


# --- which brand a kit uses -------------------------------------------------------------------


def test_check_says_which_brand_file_it_checked(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", minimal_kit())
    write_brand(root)
    (root / "brands").mkdir()
    (root / "brands" / "emea.yml").write_text(dump({
        "meta": {"name": "Acme EMEA"}, "logo": "../brand/cover.svg",
        "color": {"primary": "#0b6e4f"}}))
    other = minimal_kit(kit="emea-launch", brand="brands/emea.yml")
    (root / "requirements" / "emea-launch.yaml").write_text(dump(other))
    result = run_kitgen("check", "--json", cwd=root)
    assert result.code == 0, result.stderr
    brands = {item["kit"]: item["brand"] for item in json.loads(result.stdout)}
    assert brands["acme-launch"]["file"] == "brand.yml"
    assert brands["acme-launch"]["paper"] == "letter"
    assert brands["emea-launch"]["file"] == "brands/emea.yml"
    assert brands["emea-launch"]["paper"] == "a4"
    assert sorted(brands["emea-launch"]["files"]) == ["brand/cover.svg", "brands/emea.yml"]
    plain = run_kitgen("check", cwd=root)
    assert "brand: brands/emea.yml checked (2 file(s): logo brand/cover.svg" in plain.stdout


def test_a_kit_pointing_at_a_missing_brand_file_is_refused_at_that_line(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    text = dump(minimal_kit(brand="brands/missing.yml"))
    (root / "requirements" / "acme-launch.yaml").write_text(text)
    line = text.splitlines().index("brand: brands/missing.yml") + 1
    result = run_kitgen("build", cwd=root)
    assert result.code == 2
    assert f"requirements/acme-launch.yaml:{line}:8: brand: brands/missing.yml: no such brand " \
           "file" in result.stderr
    assert list((root / "kits").iterdir()) == []


def test_a_workspace_without_a_brand_file_builds_as_before(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", minimal_kit())
    result = run_kitgen("check", cwd=root)
    assert result.code == 0
    assert "brand: none (kitgen's neutral look)" in result.stdout


# --- scripts the default font lacks -----------------------------------------------------------

CJK = "数据分析平台"


@pytest.mark.slow
def test_a_brand_font_draws_a_script_kitgen_font_lacks(tmp_path: Path) -> None:
    droid = font_file("DroidSansFallbackFull.ttf", "fonts-droid-fallback")
    kit = minimal_kit(battlecards=[battlecard(summary=f"Globex sells {CJK} in Shanghai.")])
    plain = make_workspace(tmp_path / "plain", kit)
    branded = make_workspace(tmp_path / "branded", kit)
    (branded / "fonts").mkdir()
    shutil.copyfile(droid, branded / "fonts" / droid.name)
    (branded / "brand.yml").write_text(dump({"typography": {
        "fonts": [{"family": "Droid Sans Fallback", "files": [f"fonts/{droid.name}"]}],
        "base": "Droid Sans Fallback"}}))
    for root in (plain, branded):
        result = run_kitgen("build", cwd=root)
        assert result.code == 0, result.stdout + result.stderr
    card = Path("kits/acme-launch/1/battlecard-globex.pdf")
    # Without a font that has them, the characters are not drawn: no font on the page has
    # those glyphs, so no text a reader could copy holds them.
    assert CJK not in pdf_text(plain / card)
    assert CJK in pdf_text(branded / card)
    assert "+Droid-Sans-Fallback " in fonts_of(branded / card)


# --- the worked example -----------------------------------------------------------------------


@pytest.mark.slow
def test_init_writes_the_example_brand_and_its_logo(example_builds: object) -> None:
    first = example_builds.first  # type: ignore[attr-defined]
    assert (first / "brand.yml").is_file()
    assert (first / "brand" / "northwind-logo.svg").is_file()
    manifest = json.loads((first / "kits/northwind-analytics/1/manifest.json").read_text())
    assert "brand:brand/northwind-logo.svg" in manifest["inputs"]
    init = example_builds.init  # type: ignore[attr-defined]
    assert "brand.yml" in init.stdout


def test_the_repository_and_packaged_example_brands_are_identical() -> None:
    for name in ("brand.yml", "brand/northwind-logo.svg"):
        assert (REPO / name).read_bytes() == (REPO / "kitgen" / "example" / name).read_bytes()


def test_new_mentions_the_brand(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    write_brand(root)
    result = run_kitgen("new", "emea-launch", cwd=root)
    assert result.code == 0, result.stderr
    assert "logo, colours and fonts of brand.yml" in result.stdout
    bare = make_workspace(tmp_path / "bare")
    assert "add a brand.yml" in run_kitgen("new", "emea-launch", cwd=bare).stdout


@pytest.mark.slow
def test_doctor_checks_the_brand_and_draws_its_fonts(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    write_brand(root)
    result = run_kitgen("doctor", "--json", cwd=root)
    check = next(c for c in json.loads(result.stdout)["checks"] if c["check"] == "brand")
    assert check["ok"], check
    assert "fonts DejaVu Sans, DejaVu Serif drawn on a test page" in check["detail"]
    assert "paper letter" in check["detail"]
    (root / "brand" / "cover.svg").write_text("<svg")
    broken = run_kitgen("doctor", cwd=root)
    assert broken.code == 1
    assert "brand/cover.svg:1:1: is not well-formed SVG" in broken.stdout


@pytest.mark.slow
def test_watch_previews_again_when_the_brand_file_or_a_file_it_names_is_saved(
    branded: Branded, copy_of: Callable[[Path], Path],
) -> None:
    from kitgen.base.workspace import Workspace
    from kitgen.version.watch import watch_previews, watch_targets

    root = copy_of(branded.root)
    targets = watch_targets(Workspace(root), None)
    assert root.resolve() in targets.folders()

    def batches() -> Iterator[set[tuple[int, str]]]:
        yield set()
        (root / "brand.yml").write_text(dump(brand(color={"primary": "#0b6e4f"})))
        yield {(2, str(root / "brand.yml")), (1, str(root / "kits" / "x"))}
        (root / "brand" / "header.png").write_bytes(solid_png(b"\0\xff\0"))
        yield {(2, str(root / "brand" / "header.png"))}
        (root / "notes.txt").write_text("not an input\n")
        yield {(1, str(root / "notes.txt"))}

    refreshes = list(watch_previews(targets, batches()))
    assert [r.changed for r in refreshes] == [(), ("brand.yml",), ("brand/header.png",)]
    # The built version first; then a preview of the version the brand change would make,
    # its pages written again each time — and never a version.
    assert [[(o.version, o.unchanged) for o in r.outcomes] for r in refreshes] == [
        [("1", True)], [("2", False)], [("2", False)]]
    assert all("index.pdf" in o.written for r in refreshes[1:] for o in r.outcomes)
    assert sorted(p.name for p in (root / "kits" / KIT).iterdir() if p.name[0].isdigit()) \
        == ["1"]


def test_the_fonts_tried_are_the_brand_fonts_then_kitgen_font(tmp_path: Path) -> None:
    """What a warning about characters no font can draw names: the brand's base and headings
    families with their files, then Inter."""
    from kitgen.load.brand import load_brand
    from kitgen.render.branding import font_families

    root = make_workspace(tmp_path / "ws")
    write_brand(root)
    tried = [str(f) for f in font_families(load_brand(root))]
    assert tried == [
        "DejaVu Sans (brand/fonts/DejaVuSans.ttf, brand/fonts/DejaVuSans-Bold.ttf)",
        "DejaVu Serif (brand/fonts/DejaVuSerif-Bold.ttf)",
        "Inter (Inter-Bold.otf, Inter-Italic.otf, Inter-Regular.otf, Inter-SemiBold.otf)",
    ]
    assert [str(f) for f in font_families(None)] == [tried[-1]]


@pytest.mark.slow
def test_verify_rebuild_renders_a_branded_version_to_the_same_bytes(
    branded: Branded, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(branded.root)
    result = run_kitgen("verify", "--rebuild", "--json", cwd=root)
    assert result.code == 0, result.stdout + result.stderr
    (report,) = json.loads(result.stdout)
    assert report["ok"] and report["notes"] == [] and report["problems"] == []
    (root / "brand.yml").write_text(dump(brand(color={"primary": "#0b6e4f"})))
    result = run_kitgen("verify", "--rebuild", "--json", cwd=root)
    (report,) = json.loads(result.stdout)
    assert [n["message"] for n in report["notes"]] == [
        "not rendered again: built with other brand files; check it with the brand files its "
        "manifest lists"]


@pytest.mark.slow
def test_a_branded_version_renders_to_the_same_bytes_in_another_folder(
    branded: Branded, copy_of: Callable[[Path], Path],
) -> None:
    """A brand font is loaded by its path in the workspace; the document's revision (printed
    on its page) must not depend on where the workspace is, or a clone could not rebuild it."""
    root = copy_of(branded.root)
    assert root.resolve() != branded.root.resolve()
    result = run_kitgen("verify", "--rebuild", "--json", cwd=root)
    (report,) = json.loads(result.stdout)
    assert report["problems"] == [] and report["rebuilt"] == ["1"], result.stdout

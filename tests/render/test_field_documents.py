"""The documents as reps, marketers and buyers get them: the worked example and a twelve-competitor
kit (bench/big_kit.py), built and released, read back as text, outlines, links and pictures.

- A customer-facing PDF or page carries nothing internal: no sign-off names, no internal footer
  or metadata, no landmines, pricing notes, unshipped roadmap or internal claims.
- Every document a rep is told to send is customer-facing.
- No page is under a third full except a document's last; one-page documents fill their page.
- Indexes help reps: audience, "use when", needs, working links, bookmarks, what not to sell;
  the HTML pages load their fonts from a relative path and carry no page header or footer.

The kits are built once per test run, shared by the xdist workers through a lock.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import helpers
import pytest
from pypdf import PdfReader

from kitgen.load.model import KitFile
from kitgen.load.reader import load_kit

pytestmark = pytest.mark.slow

TODAY = {"KITGEN_TODAY": "2026-11-20"}
LENA = ("Lena Ortiz", "lena.ortiz@northwind.example")  # marketing; not an owner
DANA = ("Dana Whitfield", "dana.whitfield@northwind.example")  # sales; not an owner
RELEASED_KITS = ("northwind-analytics", "big-launch")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _big_kit_module() -> object:
    spec = importlib.util.spec_from_file_location("big_kit", helpers.REPO / "bench" / "big_kit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build(root: Path) -> None:
    def run(*args: str) -> helpers.Ran:
        return helpers.run_kitgen(*args, cwd=root, env=TODAY)

    assert helpers.run_kitgen("init", str(root), cwd=root.parent).code == 0
    _big_kit_module().main(str(root / "requirements"))  # type: ignore[attr-defined]
    built = run("build")
    assert built.code == 0, built.stderr
    for kit in RELEASED_KITS:
        for side, (name, email) in (("marketing", LENA), ("sales", DANA)):
            approved = run("approve", kit, "--side", side, "--name", name, "--email", email,
                           "--yes")
            assert approved.code == 0, approved.stderr
    released = run("build", "--release")  # northwind-mobile is still being negotiated
    assert released.code == 1 and "northwind-mobile" in released.stdout, released.stdout
    for kit in RELEASED_KITS:
        assert (root / "kits" / kit / "1" / "released" / "release.json").is_file()


@pytest.fixture(scope="module")
def workspace_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return helpers.built_once(tmp_path_factory, "field-documents", _built)


def _built(folder: Path) -> Path:
    _build(folder / "ws")
    return folder / "ws"


@dataclass(frozen=True)
class Pdf:
    kit: str
    path: Path
    audience: str
    kind: str
    title: str
    released: bool

    def text(self) -> str:
        return helpers.squash(" ".join(helpers.pdf_pages(self.path)))


def pdfs(root: Path) -> list[Pdf]:
    """Every PDF under kits/, draft and released, with what its version's manifest says."""
    found = []
    for manifest_path in sorted((root / "kits").glob("*/*/manifest.json")):
        manifest = json.loads(manifest_path.read_text())
        for doc in manifest["documents"]:
            for released in (False, True):
                folder = manifest_path.parent / ("released" if released else "")
                if (folder / doc["file"]).is_file():
                    found.append(Pdf(manifest["kit"], folder / doc["file"], doc["audience"],
                                     doc["kind"], doc["title"], released))
    return found


def kit_of(root: Path, kit: str) -> KitFile:
    return load_kit(root / "kits" / kit / "1" / "requirements.yaml").kit


def internal_strings(kit: KitFile) -> list[str]:
    """Text that must never reach a buyer."""
    strings = [LENA[0], LENA[1], DANA[0], DANA[1], "may go to the field", "Signed ",
               "Internal", "do not share", kit.title, kit.owners.marketing.name,
               kit.owners.marketing.email]
    for card in kit.battlecards:
        strings += [*card.landmines, *card.where_they_win, card.summary]
        strings += [card.pricing] if card.pricing else []
    stages = {item.id: item.stage for item in kit.roadmap}
    strings += [item.feature for item in kit.roadmap if item.stage in ("concept", "development")]
    for vp in kit.value_props:
        for claim in vp.claims:
            unshipped = claim.feature and stages.get(claim.feature.split(".")[-1]) in (
                "concept", "development")
            if claim.internal or unshipped:
                strings.append(claim.claim)
    return strings


def flat(text: str) -> str:
    """Text without any whitespace: a line broken after a hyphen (“late-” / “stage”) reads back
    with a space that the source does not have."""
    return "".join(text.split())


def metadata_text(path: Path) -> str:
    reader = PdfReader(path)
    info = " ".join(str(v) for v in (reader.metadata or {}).values())
    xmp = reader.trailer["/Root"].get("/Metadata")
    return info + " " + (xmp.get_object().get_data().decode("utf-8", "replace") if xmp else "")


# --- audience -------------------------------------------------------------------------------

def test_no_customer_facing_pdf_carries_anything_internal(workspace_root: Path) -> None:
    customer = [p for p in pdfs(workspace_root) if p.audience == "customer"]
    assert {p.kit for p in customer} == {"northwind-analytics", "northwind-mobile", "big-launch"}
    assert any(p.released for p in customer)
    for pdf in customer:
        kit = kit_of(workspace_root, pdf.kit)
        digest = json.loads((pdf.path.parent / (
            "release.json" if pdf.released else "manifest.json")).read_text())["digest"][:12]
        pages = flat(pdf.text()).casefold()
        # The metadata keeps kitgen's own entries (kit id, version, digest: what `verify` reads).
        metadata = flat(metadata_text(pdf.path)).casefold()
        for secret in internal_strings(kit):
            assert flat(secret).casefold() not in pages, (pdf.path, secret)
            assert flat(secret).casefold() not in metadata, (pdf.path, "metadata", secret)
        assert digest not in pages, pdf.path


def test_a_released_customer_sheet_says_it_may_go_out_and_names_a_contact(
    workspace_root: Path,
) -> None:
    sheet = workspace_root / "kits/northwind-analytics/1/released/value-prop-cfo.pdf"
    kit = kit_of(workspace_root, "northwind-analytics")
    text = helpers.pdf_text(sheet)
    assert "Approved for external use" in text and "Version 1" in text
    assert "Results you can check" in text  # written to the buyer, outcomes first
    cfo = next(v for v in kit.value_props if v.id == "cfo")
    first_claim = flat(text).index(flat(cfo.claims[0].claim))
    assert first_claim < flat(text).upper().index("SOUNDFAMILIAR?")
    for claim in cfo.claims:  # all of them are sellable in the example
        assert flat(claim.claim) in flat(text) and flat(claim.source) in flat(text)
    assert "AVAILABLE NOW" in text.upper() and "LAUNCH-READY" not in text.upper()
    assert "NEXT STEP" in text.upper()
    assert kit.owners.sales.name in text and kit.owners.sales.email in text
    title = str(PdfReader(sheet).metadata["/Title"])
    assert kit.product in title and "launch kit" not in title


def _send_segments(text: str) -> list[str]:
    """What a playbook page lists under "send the buyer", up to the next label."""
    upper = text.upper()
    segments = []
    for match in re.finditer("SEND THE BUYER", upper):
        end = min([i for i in (upper.find(label, match.end()) for label in
                               ("READ FIRST", "NEXT STEP", "ESCALATE", "“")) if i >= 0]
                  or [len(text)])
        segments.append(text[match.end():end])
    return segments


def test_every_document_a_rep_is_told_to_send_is_customer_facing(workspace_root: Path) -> None:
    for kit_id in ("northwind-analytics", "northwind-mobile", "big-launch"):
        kit = kit_of(workspace_root, kit_id)
        internal_titles = [f"Battlecard: {c.competitor}" for c in kit.battlecards] + [
            f"Value proposition: {v.persona}" for v in kit.value_props
            if v.audience == "internal"]
        playbook = helpers.pdf_text(workspace_root / "kits" / kit_id / "1" / "playbook.pdf")
        segments = _send_segments(playbook.split("THE STALLS", 1)[-1])
        assert len(segments) == len(kit.playbook.stallers), kit_id
        overview = playbook.split("THE STALLS", 1)[0]
        for segment in [*segments, overview]:
            for title in internal_titles:
                assert title not in segment, (kit_id, title, segment)
        # internal assets are still there for the rep, as reading
        listed = {a for s in kit.playbook.stallers for a in s.assets}
        if any(a.startswith("battlecards.") for a in listed):
            assert "READ FIRST (INTERNAL, NEVER SEND)" in playbook.upper()
        index = helpers.pdf_text(workspace_root / "kits" / kit_id / "1" / "index.pdf")
        sendable = index.split("CUSTOMER-FACING: REPS MAY SEND THESE TO BUYERS", 1)[1]
        sendable = sendable.split("INTERNAL: FOR REPS ONLY, NEVER SEND", 1)[0]
        for title in internal_titles:
            assert title not in sendable, (kit_id, title)


# --- layout ---------------------------------------------------------------------------------

MM = 20 / 25.4  # pixels per mm at -r 20


def page_fills(path: Path, tmp_path: Path) -> list[float]:
    """How far down the page's content area (below the header, above the first page's sign-off
    block) ink reaches, per page, from the pictures pdftoppm makes."""
    out = tmp_path / path.stem
    subprocess.run(["pdftoppm", "-r", "20", "-gray", str(path), str(out)], check=True)
    fills = []
    for picture in sorted(tmp_path.glob(f"{path.stem}-*.pgm"), key=lambda p: int(
            p.stem.rsplit("-", 1)[1])):
        width, height, pixels = _read_pgm(picture)
        top, bottom = round(20 * MM), round(height - 34 * MM)
        ink = [row for row in range(top, bottom)
               if min(pixels[row * width:(row + 1) * width]) < 160]
        fills.append((max(ink) - top) / (bottom - top) if ink else 0.0)
        picture.unlink()
    return fills


def _read_pgm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    magic, width, height, maximum, pixels = data.split(maxsplit=4)
    assert magic == b"P5" and maximum == b"255"
    return int(width), int(height), pixels


def test_no_page_is_under_a_third_full_except_a_documents_last(
    workspace_root: Path, tmp_path: Path,
) -> None:
    checked = 0
    for pdf in pdfs(workspace_root):
        fills = page_fills(pdf.path, tmp_path)
        assert all(fill > 0.05 for fill in fills), (pdf.path, fills)  # no empty page
        for number, fill in enumerate(fills[:-1], start=1):
            assert fill >= 1 / 3, (pdf.path, number, fills)
        if pdf.kind == "battlecard":
            assert len(fills) == 1 and fills[0] >= 0.75, (pdf.path, fills)
        if pdf.kind == "value_prop" and pdf.audience == "customer":
            assert len(fills) == 1 and fills[0] >= 0.6, (pdf.path, fills)
        checked += len(fills)
    assert checked > 60


def test_released_documents_lay_out_as_the_drafts_that_were_approved(
    workspace_root: Path,
) -> None:
    for pdf in pdfs(workspace_root):
        if pdf.released:
            draft = pdf.path.parent.parent / pdf.path.name
            assert len(PdfReader(pdf.path).pages) == len(PdfReader(draft).pages), pdf.path


def test_the_sign_off_block_is_on_the_first_page_only(workspace_root: Path) -> None:
    playbook = helpers.pdf_pages(workspace_root / "kits/big-launch/1/released/playbook.pdf")
    assert len(playbook) > 1
    assert LENA[0] in playbook[0] and DANA[0] in playbook[0]
    for page in playbook[1:]:
        assert LENA[0] not in page and DANA[0] not in page
        assert "signed off by sales and marketing" in helpers.squash(page)
    index = helpers.pdf_pages(workspace_root / "kits/big-launch/1/released/index.pdf")
    assert sum(page.count(LENA[0]) for page in index) == 1  # its sign-off table


def test_the_playbook_opens_with_every_stall_at_a_glance(workspace_root: Path) -> None:
    kit = kit_of(workspace_root, "big-launch")
    first = helpers.squash(helpers.pdf_pages(
        workspace_root / "kits/big-launch/1/playbook.pdf")[0])
    assert "STALLS AT A GLANCE" in first.upper()
    for staller in kit.playbook.stallers:
        assert flat(staller.stall) in flat(first)


# --- dates ----------------------------------------------------------------------------------

def test_pages_claim_no_build_date_they_did_not_have(workspace_root: Path) -> None:
    for pdf in pdfs(workspace_root):
        kit = kit_of(workspace_root, pdf.kit)
        text = pdf.text().casefold()
        assert f"built {kit.launch}" not in text, pdf.path
    card = helpers.pdf_text(workspace_root / "kits/northwind-analytics/1/battlecard-contoso-bi.pdf")
    assert "Intel verified on 2026-11-16" in card
    index = helpers.pdf_text(workspace_root / "kits/northwind-analytics/1/released/index.pdf")
    assert "launches 2027-02-16" in index and "SIGNED (UTC)" in index.upper()
    released = workspace_root / "kits/northwind-analytics/1/released"
    playbook = helpers.pdf_pages(released / "playbook.pdf")
    assert re.search(r"Signed 20\d\d-\d\d-\d\d", playbook[0])


# --- findable -------------------------------------------------------------------------------

def outline_titles(path: Path) -> list[str]:
    reader = PdfReader(path)

    def walk(items: list[object]) -> Iterator[str]:
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield str(item.title)  # type: ignore[attr-defined]

    return list(walk(reader.outline))


def test_bookmarks_per_stall_per_competitor_and_per_document(workspace_root: Path) -> None:
    kit = kit_of(workspace_root, "big-launch")
    version = workspace_root / "kits/big-launch/1"
    playbook = [title.casefold() for title in outline_titles(version / "playbook.pdf")]
    for staller in kit.playbook.stallers:
        assert f"“{staller.stall}”".casefold() in playbook
    assert "the nay-sayer" in playbook and "the decision maker" in playbook
    for card in kit.battlecards:
        assert card.competitor in outline_titles(version / f"battlecard-{card.id}.pdf")
    index = [title.casefold() for title in outline_titles(version / "released" / "index.pdf")]
    for card in kit.battlecards:
        assert f"battlecard: {card.competitor}".casefold() in index
    assert "not for customers" in index


def index_links(path: Path) -> list[str]:
    targets = []
    for page in PdfReader(path).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and action.get("/S") == "/URI":
                targets.append(str(action["/URI"]))
    return targets


@pytest.mark.parametrize("released", [False, True])
def test_the_index_pdf_links_every_document_beside_it(workspace_root: Path, released: bool) -> None:
    folder = workspace_root / "kits/northwind-analytics/1" / ("released" if released else "")
    links = index_links(folder / "index.pdf")
    documents = {p.name for p in folder.glob("*.pdf")} - {"index.pdf"}
    assert set(links) == documents
    for link in links:
        assert "/" not in link and ":" not in link  # relative: works wherever the kit is copied
        assert (folder / link).is_file()


def test_the_index_says_who_each_document_is_for_when_to_use_it_and_what_not_to_sell(
    workspace_root: Path,
) -> None:
    kit = kit_of(workspace_root, "northwind-analytics")
    text = helpers.pdf_text(workspace_root / "kits/northwind-analytics/1/released/index.pdf")
    assert text.count("Use when:") == 5
    assert "CUSTOMER-FACING" in text.upper() and "INTERNAL" in text.upper()
    documents = flat(text).split("NOTFORCUSTOMERS", 1)[0]
    for requirement in kit.requirements:
        if requirement.status != "dropped" and requirement.delivered_by:
            assert flat(requirement.need) in documents, requirement.id
    not_for_customers = text.split("NOT FOR CUSTOMERS", 1)[1]
    assert "AI-written variance narratives" in not_for_customers
    assert "development, about 60% likely" in not_for_customers


def test_a_released_version_has_a_released_index_page_and_still_verifies(
    workspace_root: Path,
) -> None:
    page = (workspace_root / "kits/northwind-analytics/1/released/index.html").read_text()
    assert "Released: signed off by sales and marketing" in page
    assert LENA[0] in page and "Draft" not in page
    verified = helpers.run_kitgen("verify", cwd=workspace_root)
    assert verified.code == 0, verified.stdout + verified.stderr


HTML_PAGES = ("index.html", "northwind-analytics/1/index.html",
              "northwind-analytics/1/released/index.html")


@pytest.mark.parametrize("name", HTML_PAGES)
def test_html_pages_load_their_fonts_by_relative_path_and_have_no_print_margins(
    workspace_root: Path, name: str,
) -> None:
    page = workspace_root / "kits" / name
    html = page.read_text()
    fonts = re.findall(r'url\("([^"]+)"\)', html)
    assert fonts
    for url in fonts:
        assert not urlsplit(url).scheme and not url.startswith("/"), url
        assert (page.parent / unquote(url)).resolve().is_file(), url
    for print_only in ('class="page-head"', 'class="page-foot"', 'class="signoff"',
                       'class="watermark"'):
        assert print_only not in html


def printed_fonts(page: Path, pdf: Path, profile: Path) -> list[str]:
    """The fonts Chromium embeds when it prints ``page``: printing waits for the page's web
    fonts to load (a screenshot may not, on a busy machine), so this is what the page is
    drawn with."""
    assert CHROMIUM
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", f"--user-data-dir={profile}",
         "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True, timeout=120, check=True)
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                             check=True).stdout
    return [line.split()[0] for line in listing.splitlines()[2:]]


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
@pytest.mark.parametrize("name", HTML_PAGES)
def test_chromium_draws_the_html_pages_with_kitgens_font(
    workspace_root: Path, tmp_path: Path, name: str,
) -> None:
    """The page printed as Chromium draws it: no text is set in a font of the machine
    (DejaVu Sans or Droid Sans here; a monospace for code is the page's own choice), so the
    browser loaded kitgen's fonts from kits/_fonts/ by their relative path. (A control run
    without kits/_fonts/ is not asserted: which fallback a browser picks, and how it embeds it,
    depends on the machine's fontconfig.)"""
    kits = tmp_path / "kits"
    shutil.copytree(workspace_root / "kits", kits)
    styled = printed_fonts(kits / name, tmp_path / "styled.pdf", tmp_path / "profile")
    machine = [f for f in styled if ("DejaVuSans" in f or "Droid" in f) and "Mono" not in f]
    assert styled and machine == [], styled


def test_the_catalog_points_reps_at_the_released_version_first_by_title(
    workspace_root: Path,
) -> None:
    page = (workspace_root / "kits" / "index.html").read_text()
    kit = kit_of(workspace_root, "northwind-analytics")
    section = page.split('id="northwind-analytics"', 1)[1].split("</section>", 1)[0]
    assert "version 1, released" in section
    for card in kit.battlecards:
        link = f'<a href="northwind-analytics/1/released/battlecard-{card.id}.pdf">'
        assert f"{link}Battlecard: {card.competitor}</a>" in section
    assert 'href="northwind-analytics/1/released/index.html"' in section
    mobile = page.split('id="northwind-mobile"', 1)[1].split("</section>", 1)[0]
    assert mobile.index("Nothing released yet") < mobile.index("In review")
    assert "Customer-facing: may send" in mobile and "Internal: never send" in mobile

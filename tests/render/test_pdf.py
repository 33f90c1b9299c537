"""The PDFs a reader gets: what they say, their metadata, DRAFT on every page, that they fetch
nothing, and that the same inputs give the same bytes."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from helpers import (
    EXAMPLES,
    OPEN_EXAMPLE,
    READY_EXAMPLE,
    ExampleBuilds,
    battlecard,
    make_workspace,
    minimal_kit,
    pdf_images,
    pdf_metadata,
    pdf_pages,
    pdf_stream_bytes,
    pdf_text,
    playbook,
    requirement,
    run_kitgen,
    sha256,
    staller,
    tiny_png,
)
from pypdf import PdfReader

from kitgen.load.model import KitFile
from kitgen.load.reader import load_kit
from kitgen.render.paths import FONTS_DIR
from kitgen.render.pdf import make_fetcher, render_pdf

KITS = [READY_EXAMPLE, OPEN_EXAMPLE]


def example(name: str) -> KitFile:
    return load_kit(EXAMPLES / f"{name}.yaml", EXAMPLES.parent).kit


def reads(text: str) -> str:
    """Text as compared against a PDF: without whitespace, which line breaking moves about."""
    return re.sub(r"\s+", "", text)


def pdf_reads(path: Path) -> str:
    return reads(pdf_text(path))


def all_pdfs(builds: ExampleBuilds, root: Path | None = None) -> list[Path]:
    return sorted(((root or builds.first) / "kits").glob("*/1/*.pdf"))


# --- the fetcher: deny by default -------------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "allowed"
    folder.mkdir()
    (folder / "logo.png").write_bytes(tiny_png())
    (tmp_path / "secret.txt").write_text("top secret")
    return folder


def test_fetcher_serves_a_file_inside_an_allowed_root(root: Path) -> None:
    response = make_fetcher([root]).fetch((root / "logo.png").as_uri())
    assert response.read() == tiny_png()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/logo.png",
        "https://example.com/logo.png",
        "ftp://example.com/logo.png",
        "file:///etc/passwd",
        "file://otherhost{root}/logo.png",
        "file://{root}/../secret.txt",
        "file://{root}/%2e%2e/secret.txt",
        "file://{root}",
        "logo.png",
    ],
)
def test_fetcher_refuses_everything_else(root: Path, url: str) -> None:
    with pytest.raises(Exception, match="kitgen"):
        make_fetcher([root]).fetch(url.format(root=root))


def test_fetcher_refuses_a_symlink_inside_a_root_that_points_outside(root: Path) -> None:
    link = root / "innocent.png"
    link.symlink_to(root.parent / "secret.txt")
    with pytest.raises(Exception, match="kitgen"):
        make_fetcher([root]).fetch(link.as_uri())


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A local web server that records every request it gets."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            requests.append(self.path)
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def test_render_fetches_nothing_outside_the_allowed_roots(
    root: Path, http_server: tuple[str, list[str]]
) -> None:
    base, requests = http_server
    html = f"""<!DOCTYPE html><html><head>
    <link rel="stylesheet" href="{base}/style.css">
    <style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png") }}</style>
    </head><body>
    <p>Allowed:</p><img src="logo.png">
    <p>Refused:</p>
    <img src="file:///etc/passwd"><img src="{base}/pixel.png"><img src="../secret.txt">
    <iframe src="file:///etc/passwd"></iframe><object data="file:///etc/passwd"></object>
    </body></html>"""
    pdf, pages, _ = render_pdf(
        html,
        what="test",
        base_url=root,
        allowed_roots=[root],
        identifier=b"0" * 32,
        when=dt.datetime(2027, 3, 1, tzinfo=dt.UTC),
    )
    out = root.parent / "out.pdf"
    out.write_bytes(pdf)
    assert pages == 1
    assert requests == []
    assert pdf_images(out) == 1  # the allowed logo, and nothing else
    content = pdf_stream_bytes(pdf)
    assert b"top secret" not in content
    passwd = Path("/etc/passwd")
    if passwd.is_file():
        assert passwd.read_bytes().splitlines()[0] not in content


# --- what a reader sees in the worked example -------------------------------------------------


@pytest.mark.parametrize("name", KITS)
@pytest.mark.slow
def test_example_build_writes_one_pdf_per_document(
    example_builds: ExampleBuilds, name: str
) -> None:
    kit = example(name)
    expected = {"index.pdf", "playbook.pdf"}
    expected |= {f"battlecard-{card.id}.pdf" for card in kit.battlecards}
    expected |= {f"value-prop-{vp.id}.pdf" for vp in kit.value_props}
    folder = example_builds.version_dir(name)
    assert {p.name for p in folder.glob("*.pdf")} == expected


@pytest.mark.slow
def test_every_page_of_every_draft_pdf_says_draft(example_builds: ExampleBuilds) -> None:
    pdfs = all_pdfs(example_builds)
    assert len(pdfs) == 10
    for path in pdfs:
        pages = pdf_pages(path)
        assert pages
        for number, page in enumerate(pages, 1):
            assert "DRAFT" in page, f"{path.name} page {number}"


@pytest.mark.parametrize("name", KITS)
@pytest.mark.slow
def test_battlecards_fit_one_page_and_say_what_reps_need(
    example_builds: ExampleBuilds, name: str
) -> None:
    for card in example(name).battlecards:
        path = example_builds.version_dir(name) / f"battlecard-{card.id}.pdf"
        assert len(pdf_pages(path)) == 1
        text = pdf_reads(path)
        for phrase in [
            card.competitor,
            card.summary,
            str(card.verified_on),
            *card.why_we_win,
            *card.where_they_win,
            *card.landmines,
            *card.proof_points,
        ]:
            assert reads(phrase) in text, phrase
        for objection in card.objections:
            assert reads(f"{objection.objection} {objection.response}") in text


@pytest.mark.parametrize("name", KITS)
@pytest.mark.slow
def test_playbook_has_every_stall_and_both_roles(example_builds: ExampleBuilds, name: str) -> None:
    book = example(name).playbook
    text = pdf_reads(example_builds.version_dir(name) / "playbook.pdf")
    for item in book.stallers:
        for phrase in [item.stall, item.who, item.really_means, item.next_step, *item.responses]:
            assert reads(phrase) in text, phrase
        assert f"{item.escalate_after_days}DAYS" in text.upper()
    for phrase in [
        *book.nay_sayer.concerns,
        *book.nay_sayer.approach,
        *book.decision_maker.cares_about,
        *book.decision_maker.approach,
    ]:
        assert reads(phrase) in text, phrase


@pytest.mark.parametrize("name", KITS)
@pytest.mark.slow
def test_value_prop_sheets_show_each_claim_with_its_proof_and_source(
    example_builds: ExampleBuilds, name: str
) -> None:
    for vp in example(name).value_props:
        text = pdf_reads(example_builds.version_dir(name) / f"value-prop-{vp.id}.pdf")
        assert reads(vp.persona).upper() in text.upper()  # a customer sheet's is in capitals
        for phrase in [*vp.pains, *vp.differentiators]:
            assert reads(phrase) in text, phrase
        position = 0
        for claim in vp.claims:
            # In reading order: the claim, then its proof, then its source.
            for phrase in (claim.claim, claim.proof, claim.source):
                found = text.find(reads(phrase), position)
                assert found >= 0, phrase
                position = found


@pytest.mark.parametrize("name", KITS)
@pytest.mark.slow
def test_index_lists_documents_and_requirements(example_builds: ExampleBuilds, name: str) -> None:
    kit = example(name)
    folder = example_builds.version_dir(name)
    text = pdf_reads(folder / "index.pdf")
    assert reads(kit.title) in text
    for pdf in folder.glob("*.pdf"):
        if pdf.name != "index.pdf":
            assert pdf.name in text
    for item in kit.requirements:
        assert item.id in text


@pytest.mark.parametrize("name", KITS)
@pytest.mark.slow
def test_metadata_names_the_document_and_its_owners(
    example_builds: ExampleBuilds, name: str
) -> None:
    """Internal documents name the kit and both owners; a customer-facing one only the product
    and the persona (tests/render/test_field_documents.py proves it carries nothing internal)."""
    kit = example(name)
    customer = {f"value-prop-{vp.id}.pdf": vp for vp in kit.value_props
                if vp.audience == "customer"}
    for path in example_builds.version_dir(name).glob("*.pdf"):
        meta = pdf_metadata(path)
        if path.name in customer:
            assert meta["/Title"] == f"{kit.product} for {customer[path.name].persona}"
            assert meta["/Author"] == kit.product
            continue
        assert kit.title in meta["/Title"]
        assert kit.owners.marketing.name in meta["/Author"]
        assert kit.owners.sales.name in meta["/Author"]
    card = kit.battlecards[0]
    meta = pdf_metadata(example_builds.version_dir(name) / f"battlecard-{card.id}.pdf")
    assert card.competitor in meta["/Title"]


@pytest.mark.slow
def test_pdfs_use_only_the_fonts_kitgen_ships(example_builds: ExampleBuilds) -> None:
    shipped = {font.stem.split("-")[0] for font in FONTS_DIR.glob("*.otf")}
    assert shipped
    used = set()
    for path in all_pdfs(example_builds):
        for page in PdfReader(path).pages:
            fonts = page["/Resources"].get("/Font")
            for font in fonts.get_object().values() if fonts else []:
                used.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert used
    assert {name.split("-")[0] for name in used} <= shipped, used


@pytest.mark.slow
def test_creation_date_is_the_launch_date_without_source_date_epoch(
    example_builds: ExampleBuilds,
) -> None:
    for name in KITS:
        stamp = "D:" + example(name).launch.strftime("%Y%m%d") + "000000"
        for path in example_builds.version_dir(name).glob("*.pdf"):
            meta = pdf_metadata(path)
            assert meta["/CreationDate"].startswith(stamp), path.name
            assert meta["/ModDate"].startswith(stamp), path.name


def example_documents() -> list[object]:
    """(kit, PDF file) of every document of the examples; the index is marked as a known bug."""
    from kitgen.render.documents import plan_documents

    params: list[object] = []
    for name in KITS:
        for document in plan_documents(example(name)):
            marks: list[pytest.MarkDecorator] = []
            params.append(
                pytest.param(name, document.filename, marks=marks, id=f"{name}/{document.filename}")
            )
    return params



@pytest.mark.slow
def test_both_example_builds_wrote_the_same_files(example_builds: ExampleBuilds) -> None:
    first = sorted(p.relative_to(example_builds.first) for p in all_pdfs(example_builds))
    second = sorted(
        p.relative_to(example_builds.second)
        for p in all_pdfs(example_builds, example_builds.second)
    )
    assert first == second and len(first) == 10


@pytest.mark.parametrize("name, filename", example_documents())
@pytest.mark.slow
def test_same_inputs_give_byte_identical_pdfs_across_processes_and_workspaces(
    example_builds: ExampleBuilds, name: str, filename: str
) -> None:
    first = example_builds.version_dir(name, example_builds.first) / filename
    second = example_builds.version_dir(name, example_builds.second) / filename
    assert sha256(first) == sha256(second)


@pytest.mark.parametrize("name, filename", example_documents())
@pytest.mark.slow
def test_pdfs_do_not_carry_the_builders_paths(
    example_builds: ExampleBuilds, name: str, filename: str
) -> None:
    path = example_builds.version_dir(name) / filename
    content = pdf_stream_bytes(path.read_bytes())
    assert str(example_builds.first).encode() not in content
    assert str(example_builds.first.parent).encode() not in content


# --- hostile text and the build date, through a real build ------------------------------------

HOSTILE_SUMMARY = 'Summary <script>alert(1)</script> <img src="file:///etc/passwd"> {{ 7*7 }} end'
HOSTILE_OBJECTION = "Objection {{ 7*7 }} <script>alert(2)</script>"
HOSTILE_RESPONSE = 'Response <img src="file:///etc/passwd"> {% if true %}x{% endif %}'


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    card = battlecard(
        summary=HOSTILE_SUMMARY,
        objections=[{"objection": HOSTILE_OBJECTION, "response": HOSTILE_RESPONSE}],
        landmines=["<b>not bold</b> & {{ kit.title }}"],
    )
    workspace = make_workspace(
        tmp_path_factory.mktemp("hostile") / "ws", minimal_kit(battlecards=[card])
    )
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 0, result.output
    return workspace / "kits" / "acme-launch" / "1" / "battlecard-globex.pdf"


@pytest.mark.slow
def test_hostile_text_appears_literally_in_the_pdf(hostile_build: Path) -> None:
    text = pdf_reads(hostile_build)
    for phrase in (
        HOSTILE_SUMMARY,
        HOSTILE_OBJECTION,
        HOSTILE_RESPONSE,
        "<b>not bold</b> & {{ kit.title }}",
    ):
        assert reads(phrase) in text
    assert "Summary49" not in text and "Objection49" not in text
    assert "<b>notbold</b>&Acme1.0launchkit" not in text  # {{ kit.title }} stayed text


@pytest.mark.slow
def test_hostile_text_fetches_nothing(hostile_build: Path) -> None:
    assert pdf_images(hostile_build) == 0
    passwd = Path("/etc/passwd")
    if passwd.is_file():
        first_line = passwd.read_bytes().splitlines()[0]
        assert first_line not in pdf_stream_bytes(hostile_build.read_bytes())


@pytest.mark.slow
def test_source_date_epoch_sets_the_pdf_dates(tmp_path: Path) -> None:
    # The smallest kit there is (index and playbook), so this costs two renders.
    data = minimal_kit(
        requirements=[requirement(delivered_by=["playbook.stallers.send-info"])],
        battlecards=[],
        playbook=playbook(stallers=[staller(assets=[])]),
    )
    workspace = make_workspace(tmp_path / "ws", data)
    epoch = 1_700_000_000  # 2023-11-14 22:13:20 UTC
    result = run_kitgen("build", cwd=workspace, env={"SOURCE_DATE_EPOCH": str(epoch)})
    assert result.code == 0, result.output
    pdfs = sorted((workspace / "kits" / "acme-launch" / "1").glob("*.pdf"))
    assert [p.name for p in pdfs] == ["index.pdf", "playbook.pdf"]
    for path in pdfs:
        meta = pdf_metadata(path)
        assert meta["/CreationDate"].startswith("D:20231114221320"), meta
        assert meta["/ModDate"].startswith("D:20231114221320"), meta
        assert "2023-11-14" in pdf_text(path)
        assert "2027-03-01" not in pdf_text(path).replace("launches 2027-03-01", "")


def test_bad_source_date_epoch_is_bad_input(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "ws", minimal_kit())
    result = run_kitgen("build", cwd=workspace, env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert result.code == 2
    assert "SOURCE_DATE_EPOCH" in result.output
    assert "Traceback" not in result.output
    assert list((workspace / "kits").iterdir()) == []


@pytest.mark.slow
def test_every_pdf_is_tagged_for_accessibility(example_builds: ExampleBuilds) -> None:
    """Tagged PDF (structure tree, marked content, language) so screen readers can follow it,
    declared PDF/UA-1 (WeasyPrint's ``pdf/ua-1`` variant): the XMP metadata says so, carries
    the same title, and viewers show the title rather than the file name."""
    from pypdf import PdfReader

    for path in all_pdfs(example_builds):
        reader = PdfReader(path)
        root = reader.trailer["/Root"]
        assert bool(root.get("/MarkInfo", {}).get("/Marked")), path.name
        assert "/StructTreeRoot" in root, path.name
        assert root.get("/Lang") == "en", path.name
        assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]), path.name
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert 'pdfuaid:part="1"' in xmp, path.name
        title = str(reader.metadata["/Title"])
        assert f'<rdf:li xml:lang="x-default">{escape(title)}</rdf:li>' in xmp, path.name

"""Injection in text fields and in workspace templates (issue 5, item 2).

Text fields are plain text: markup, URLs and template syntax in them must come
out literally. Workspace templates are markup by design but arrive in pull requests: whatever
they ask for, rendering reads no file outside kitgen's assets and the templates folder, opens
no connection, and the sandbox holds. Each case is shown literally, rendered without the
forbidden resource, or refused with exit 2 and a message.

Two proofs hold for every case: a sentinel file outside the allowed folders, whose content
must appear nowhere in what was written (raw bytes, inflated streams, page text, metadata,
attachments) nor in the output; and a socket guard that logs any connection attempt, in this
process, in forked render workers and (through sitecustomize) in real kitgen processes.
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helpers
import pytest
import yaml
from helpers import clean_env, run_kitgen, tree
from pypdf import PdfReader

from hostile.support import (
    CATALOG,
    KIT,
    VALID_KIT,
    Sentinel,
    SocketGuard,
    Stages,
    leaks,
    network_guard,
    workspace_with,
)

pytestmark = pytest.mark.hostile_injection

# {secret} is the sentinel's absolute path, {secret_rel} the same file relative to templates/.
TEXT_CASES: dict[str, str] = {
    "file-url": "See file://{secret} and file:///etc/passwd",
    "http-url": "Track http://tracker.example.invalid/pixel.png?kit=1",
    "cloud-metadata": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "css-import": '<style>@import url("file://{secret}");</style>',
    "css-url": "<div style=\"background: url('file://{secret}')\">bg</div>",
    "font-face": "<style>@font-face { font-family: Leak; src: url(file://{secret}); }</style>",
    "svg-image": '<svg><image href="file://{secret}" width="9" height="9"/></svg>',
    "link-attachment": '<link rel="attachment" href="file://{secret}">',
    "anchor-attachment": '<a rel="attachment" href="file://{secret}">x</a>',
    "object-embed": '<object data="file://{secret}"></object><embed src="file://{secret}">',
    "img-relative": '<img src="{secret_rel}">',
    "jinja-expression": "{{ 7*191 }} {{ kit.__class__ }}",
    "jinja-statement": "{% for x in range(3) %}LOOPED{% endfor %}{% include '/etc/passwd' %}",
    "script": "<script>document.write('INJECTED')</script>",
    "forged-markup": "</li></ul><h1>APPROVED BY LEGAL</h1><ul><li>&lt;b&gt;",
}
# Where else user text lands: the title goes into PDF metadata attributes, the competitor into
# a heading, a stall into the playbook.
TITLE = 'Launch" /><link rel="attachment" href="file://{secret}"><meta name="x" content="'
COMPETITOR = "Globex <iframe src=\"file://{secret}\"></iframe>"
STALL = "Send info {{ lipsum.__globals__ }} <object data=\"http://169.254.169.254/\">"


def fill(text: str, secret: Sentinel, templates: Path) -> str:
    """Put the sentinel's path where a case says ``{secret}`` (absolute) or ``{secret_rel}``
    (relative to templates/, the base of relative URLs)."""
    relative = os.path.relpath(secret.path, templates)
    return text.replace("{secret_rel}", relative).replace("{secret}", str(secret.path))


def without_space(text: str) -> str:
    """Compare text ignoring where the PDF broke lines (a URL may wrap anywhere)."""
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path) -> str:
    return without_space(helpers.pdf_text(path))


@dataclass(frozen=True)
class TextBuild:
    root: Path
    version: Path
    texts: dict[str, str]
    guard: SocketGuard
    output: str


@pytest.fixture(scope="module")
def text_build(tmp_path_factory: pytest.TempPathFactory, sentinel: Sentinel) -> TextBuild:
    root = tmp_path_factory.mktemp("text-injection") / "ws"
    templates = root / "templates"
    templates.mkdir(parents=True)
    data: dict[str, Any] = yaml.safe_load(VALID_KIT.read_text())
    texts = {name: fill(text, sentinel, templates) for name, text in TEXT_CASES.items()}
    card = data["battlecards"][0]
    card["why_we_win"] = list(texts.values())
    card["competitor"] = fill(COMPETITOR, sentinel, templates)
    data["title"] = fill(TITLE, sentinel, templates)
    data["playbook"]["stallers"][0]["stall"] = fill(STALL, sentinel, templates)
    workspace_with(root, yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000))
    with network_guard(root.parent / "socket.log") as guard:
        result = run_kitgen("build", cwd=root)
    assert result.code == 0, result.text
    return TextBuild(root, root / "kits" / KIT / "1", texts, guard,
                     result.stdout + result.stderr)


@pytest.mark.parametrize("name", sorted(TEXT_CASES))
def test_text_field_is_shown_literally(text_build: TextBuild, name: str) -> None:
    shown = pdf_text(text_build.version / "battlecard-globex.pdf")
    assert without_space(text_build.texts[name]) in shown


def test_template_syntax_in_data_is_not_evaluated(text_build: TextBuild) -> None:
    shown = pdf_text(text_build.version / "battlecard-globex.pdf")
    assert "1337" not in shown  # 7*191
    assert "LOOPEDLOOPED" not in shown and "root:x:0:0" not in shown


def test_text_in_headings_metadata_and_other_documents_stays_text(
    text_build: TextBuild, sentinel: Sentinel,
) -> None:
    templates = text_build.root / "templates"
    card = text_build.version / "battlecard-globex.pdf"
    assert without_space(fill(COMPETITOR, sentinel, templates)) in pdf_text(card)
    assert without_space(fill(STALL, sentinel, templates)) in pdf_text(
        text_build.version / "playbook.pdf")
    title = fill(TITLE, sentinel, templates)
    for pdf in text_build.version.glob("*.pdf"):
        assert title in str(PdfReader(pdf).metadata.get("/Title"))


def test_nothing_leaked_nothing_attached_nothing_fetched(text_build: TextBuild,
                                                         sentinel: Sentinel) -> None:
    assert leaks(text_build.root / "kits", sentinel.token) == []
    assert sentinel.token not in text_build.output
    for pdf in text_build.version.glob("*.pdf"):
        reader = PdfReader(pdf)
        # Nothing but the manifest kitgen itself appends to every PDF.
        manifest = (text_build.version / "manifest.json").read_bytes()
        assert dict(reader.attachments) == {"manifest.json": [manifest]}, pdf.name
        assert sum(len(page.images) for page in reader.pages) == 0, pdf.name
        assert pdf_fonts(reader) <= {"Inter"}, pdf.name
    assert text_build.guard.attempts() == ""


def pdf_fonts(reader: PdfReader) -> set[str]:
    """The font families the pages draw with (subset prefixes and styles stripped)."""
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            base = str(ref.get_object().get("/BaseFont", ""))
            names.add(base.lstrip("/").split("+")[-1].split("-")[0])
    return names


# --- workspace templates ----------------------------------------------------------------------

MARK = "TEMPLATE-RENDERED"


@dataclass(frozen=True)
class TemplateCase:
    template: str  # battlecard.html.j2; {secret}, {secret_rel} filled in
    refused: str = ""  # a phrase of the exit-2 message; empty: it renders (without the resource)
    setup: Callable[[Path, Sentinel], None] | None = None


def page(body: str) -> str:
    return f"<html><head><meta charset='utf-8'></head><body><p>{MARK}</p>{body}</body></html>"


def link_asset_to_sentinel(templates: Path, secret: Sentinel) -> None:
    (templates / "logo.png").symlink_to(secret.path)
    (templates / "notes.txt").symlink_to(secret.path)


def link_template_to_sentinel(templates: Path, secret: Sentinel) -> None:
    (templates / "battlecard.html.j2").unlink()
    (templates / "battlecard.html.j2").symlink_to(secret.path)


def plant_pickle(templates: Path, secret: Sentinel) -> None:
    class Payload:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, (f"touch {templates / 'PWNED'}",))

    (templates / "evil.pkl").write_bytes(pickle.dumps(Payload()))


UNSAFE = "is unsafe"
TEMPLATE_CASES: dict[str, TemplateCase] = {
    # resources: the template renders, the resource is refused by the URL fetcher
    "link-attachment-file-url": TemplateCase(page('<link rel="attachment" href="file://{secret}">'
                                                  '<a rel="attachment" href="file://{secret}">a</a>')),
    "attachment-relative-path": TemplateCase(page('<a rel="attachment" href="{secret_rel}">a</a>')),
    "img-file-url-with-host": TemplateCase(page('<img src="file://localhost{secret}">')),
    "stylesheet-cloud-metadata": TemplateCase(page(
        '<link rel="stylesheet" href="http://169.254.169.254/latest/meta-data/">'
        '<img src="http://169.254.169.254/latest/meta-data/iam/security-credentials/">')),
    "css-import-network": TemplateCase(page(
        '<style>@import url("https://example.invalid/x.css"); @import "//example.invalid/y.css";'
        "</style>")),
    "font-face-sentinel": TemplateCase(page(
        "<style>@font-face { font-family: Leak; src: url(file://{secret}); } "
        "p { font-family: Leak; background: url('{secret_rel}') }</style>")),
    "svg-image": TemplateCase(page(
        '<svg width="20" height="20" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<image href="file://{secret}" width="20" height="20"/>'
        '<image xlink:href="http://169.254.169.254/" width="20" height="20"/></svg>')),
    "object-embed-iframe": TemplateCase(page(
        '<object data="file://{secret}"></object><embed src="file://{secret}">'
        '<iframe src="http://169.254.169.254/"></iframe>')),
    "symlinked-asset-in-templates": TemplateCase(
        page('<img src="logo.png"><link rel="attachment" href="notes.txt">'),
        "a symbolic link to a file outside the workspace", setup=link_asset_to_sentinel),
    # the sandbox and the loader: refused with exit 2
    "mro-subclasses": TemplateCase("{{ ''.__class__.__mro__[1].__subclasses__() }}", UNSAFE),
    "cycler-globals": TemplateCase(
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}", UNSAFE),
    "joiner-and-namespace-globals": TemplateCase(
        "{{ joiner.__init__.__globals__ }}{{ namespace.__init__.__globals__ }}", UNSAFE),
    "template-reference-context": TemplateCase(
        "{{ self._TemplateReference__context.cycler.__init__.__globals__.os }}", UNSAFE),
    "lipsum-globals": TemplateCase("{{ lipsum.__globals__['os'].popen('id').read() }}", UNSAFE),
    "range-class": TemplateCase("{{ range.__class__.__base__.__subclasses__() }}", UNSAFE),
    "dict-class-methods": TemplateCase("{{ dict.mro()[-1].__subclasses__() }}", UNSAFE),
    "format-string-attribute": TemplateCase("{{ '{0.__class__.__mro__}'.format(kit) }}", UNSAFE),
    "attr-filter": TemplateCase("{{ kit|attr('__class__')|attr('__mro__') }}", "failed for"),
    # Rendered, but what it shows is an undefined placeholder, never the class.
    "map-attribute": TemplateCase(page("{{ [kit]|map(attribute='__class__')|list }}")),
    "pydantic-parse-file-reads-a-file": TemplateCase(
        "{{ kit.parse_file('{secret}') }}", UNSAFE),
    "pydantic-parse-raw-unpickles": TemplateCase(
        "{{ kit.parse_file({evil}, proto='pickle', allow_pickle=True) }}", UNSAFE,
        setup=plant_pickle),
    "pydantic-model-methods": TemplateCase(
        "{{ kit.model_copy(update={'title': 'x'}) }}{{ card.model_dump_json() }}", UNSAFE),
    "include-outside-by-path": TemplateCase(
        "{% include '{secret_rel}' %}{% include '{secret}' %}", "failed for"),
    "template-symlinked-outside": TemplateCase(page(""), "a symbolic link to a file outside",
                                               setup=link_template_to_sentinel),
}


def write_template(root: Path, case: TemplateCase, secret: Sentinel) -> None:
    templates = root / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    text = fill(case.template, secret, templates).replace("{evil}",
                                                          repr(str(templates / "evil.pkl")))
    (templates / "battlecard.html.j2").write_text(text)
    if case.setup:
        case.setup(templates, secret)


@pytest.mark.parametrize("name", list(TEMPLATE_CASES))
def test_workspace_template_injection(
    stages: Stages, copy_of: Callable[[Path], Path], sentinel: Sentinel,
    socket_guard: SocketGuard, name: str,
) -> None:
    case = TEMPLATE_CASES[name]
    root = copy_of(stages.built)
    write_template(root, case, sentinel)
    before = tree(root / "kits", leave_out={CATALOG})
    result = run_kitgen("build", cwd=root)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    assert sentinel.token not in output
    assert not (root / "templates" / "PWNED").exists()
    if case.refused:
        assert result.code == 2, output
        assert case.refused in output, output
        assert tree(root / "kits", leave_out={CATALOG}) == before
    else:
        assert result.code == 0, output
        card = root / "kits" / KIT / "2" / "battlecard-globex.pdf"
        shown = pdf_text(card)
        assert MARK in shown  # the hostile template was the one rendered
        assert "<class" not in shown and "KitFile" not in shown
        manifest = (card.parent / "manifest.json").read_bytes()
        assert dict(PdfReader(card).attachments) == {"manifest.json": [manifest]}
        assert sum(len(p.images) for p in PdfReader(card).pages) == 0
    assert leaks(root / "kits", sentinel.token) == []


def test_every_template_case_fills_in_as_intended(sentinel: Sentinel, tmp_path: Path) -> None:
    """The placeholder filling above must not mangle a case into something harmless."""
    for name, case in TEMPLATE_CASES.items():
        write_template(tmp_path / name, case, sentinel)
        text = (tmp_path / name / "templates" / "battlecard.html.j2").read_text()
        assert "{secret" not in text, name
        if "{secret" in case.template:
            assert str(sentinel.path) in text or os.path.relpath(
                sentinel.path, tmp_path / name / "templates") in text, name


def test_the_leak_scanner_finds_what_a_template_may_attach(
    stages: Stages, copy_of: Callable[[Path], Path], sentinel: Sentinel,
) -> None:
    """The control: a file inside templates/ may be attached, and then the scan finds it (in
    an inflated attachment stream), so an empty scan above means something."""
    root = copy_of(stages.built)
    templates = root / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "inside.txt").write_text("INSIDE-TOKEN-5d1c\n")
    (templates / "battlecard.html.j2").write_text(
        page('<link rel="attachment" href="inside.txt">'))
    assert run_kitgen("build", cwd=root).code == 0
    assert leaks(root / "kits", "INSIDE-TOKEN-5d1c") == [f"{KIT}/2/battlecard-globex.pdf"]
    assert leaks(root / "kits", MARK) == [f"{KIT}/2/battlecard-globex.pdf"]
    assert leaks(root / "kits", sentinel.token) == []


PROBE = """
import socket
try:
    socket.create_connection(("192.0.2.1", 80), 1)
except OSError as error:
    print(error)
"""


def test_all_resource_vectors_in_a_real_process_with_a_render_pool(
    stages: Stages, copy_of: Callable[[Path], Path], sentinel: Sentinel, tmp_path: Path,
) -> None:
    """The same vectors at once in `kitgen build --jobs 2`, guarded through sitecustomize: the
    guard covers the CLI process and its render workers."""
    root = copy_of(stages.built)
    body = "".join(case.template for case in TEMPLATE_CASES.values() if not case.refused
                   and case.setup is None)
    write_template(root, TemplateCase(page(body.replace(f"<p>{MARK}</p>", ""))), sentinel)
    with network_guard(tmp_path / "socket.log") as guard:
        pass  # only for its log and env; this process is not guarded here
    env = guard.env(KITGEN_CACHE="off")
    # The guard is live in a child process: a probe's connection is refused and logged.
    probe = subprocess.run([sys.executable, "-c", PROBE], env=clean_env(**env),
                           capture_output=True, text=True, timeout=600)
    assert "refused by the kitgen test guard" in probe.stdout and guard.attempts()
    guard.log.unlink()
    result = run_kitgen("build", "--jobs", "2", cwd=root, env=env, real_process=True)
    assert result.code == 0, result.text
    assert guard.attempts() == "", guard.attempts()
    assert sentinel.token not in result.stdout + result.stderr
    assert leaks(root / "kits", sentinel.token) == []
    assert MARK in pdf_text(root / "kits" / KIT / "2" / "battlecard-globex.pdf")


def test_a_template_symlinked_out_is_refused_before_anything_is_written(
    stages: Stages, copy_of: Callable[[Path], Path], sentinel: Sentinel,
) -> None:
    root = copy_of(stages.built)
    before = tree(root / "kits", hidden=False)
    templates = root / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "playbook.html.j2").symlink_to(sentinel.path)
    result = run_kitgen("build", cwd=root)
    assert result.code == 2 and "outside the workspace" in result.text
    assert tree(root / "kits", hidden=False) == before

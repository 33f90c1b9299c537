"""Bad brand input: every case is exit 2 through `check` and `build`, names the file, line and
column (where the problem has a place) with a fix, shows no traceback, and writes nothing.

And SVG logos cannot fetch anything: kitgen refuses an SVG that refers to another file or a URL
before rendering, and the URL fetcher refuses such a reference even when handed one.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import os
import shutil
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    dump,
    locate,
    make_workspace,
    minimal_kit,
    must,
    pdf_stream_bytes,
    run_kitgen,
    tree,
)
from helpers.brand import SVG_LOGO, brand, font_file, write_brand

from hostile.support import Sentinel, SocketGuard

pytestmark = pytest.mark.hostile_input

KIT_FILE = "requirements/acme-launch.yaml"


@dataclass(frozen=True)
class Case:
    """Changes a branded workspace; returns where the message must point (``file:line:col``,
    or the file alone for a problem with the file as a whole)."""

    change: Callable[[Path, Path], str]  # (workspace, a folder outside it) → where


def brand_text(root: Path, text: str) -> None:
    (root / "brand.yml").write_text(text, encoding="utf-8")


def with_brand(needle: str, **overrides: object) -> Callable[[Path, Path], str]:
    """A brand file from ``brand(**overrides)``; the problem is where ``needle`` is."""

    def change(root: Path, _outside: Path) -> str:
        text = dump(brand(**overrides))
        brand_text(root, text)
        line, column = locate(text, needle)
        return f"brand.yml:{line}:{column}"

    return change


def replaced(old: str, new: str, needle: str | None = None,
             occurrence: int = 1) -> Callable[[Path, Path], str]:
    """The default brand file with ``old`` replaced by ``new`` (text, so YAML itself can be
    wrong); the problem is where the ``occurrence``-th ``needle`` (default ``new``) is."""

    def change(root: Path, _outside: Path) -> str:
        text = dump(brand())
        assert old in text, old
        text = text.replace(old, new, 1)
        brand_text(root, text)
        line, column = locate(text, needle if needle is not None else new, occurrence)
        return f"brand.yml:{line}:{column}"

    return change


def logo(path: str) -> Callable[[Path, Path], str]:
    return replaced("medium: brand/header.png", f"medium: {path}", path)


def file_content(name: str, data: bytes, where: str = "") -> Callable[[Path, Path], str]:
    """The file ``name`` holds ``data``; the problem is where the brand file names it, or
    ``where`` (a place inside that file)."""

    def change(root: Path, _outside: Path) -> str:
        (root / name).write_bytes(data)
        if where:
            return where
        text = (root / "brand.yml").read_text()
        line, column = locate(text, name)
        return f"brand.yml:{line}:{column}"

    return change


def svg(body: str, where: str) -> Callable[[Path, Path], str]:
    document = ('<svg xmlns="http://www.w3.org/2000/svg" '
                'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">\n'
                f"{body}\n</svg>\n")
    return file_content("brand/cover.svg", document.encode(), where)


def png_of_size(width: int, height: int) -> bytes:
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR"
            + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0) + b"\0" * 4)


def sparse(name: str, size: int) -> Callable[[Path, Path], str]:
    def change(root: Path, _outside: Path) -> str:
        with (root / name).open("r+b") as handle:
            handle.truncate(size)
        line, column = locate((root / "brand.yml").read_text(), name)
        return f"brand.yml:{line}:{column}"

    return change


def linked_out(name: str, where: str = "") -> Callable[[Path, Path], str]:
    """``name`` becomes a link to a copy of itself outside the workspace."""

    def change(root: Path, outside: Path) -> str:
        target = outside / Path(name).name
        shutil.copyfile(root / name, target)
        (root / name).unlink()
        (root / name).symlink_to(target)
        if where:
            return where
        line, column = locate((root / "brand.yml").read_text(), name)
        return f"brand.yml:{line}:{column}"

    return change


def fifo(name: str, where: str = "") -> Callable[[Path, Path], str]:
    def change(root: Path, _outside: Path) -> str:
        (root / name).unlink()
        os.mkfifo(root / name)
        if where:
            return where
        line, column = locate((root / "brand.yml").read_text(), name)
        return f"brand.yml:{line}:{column}"

    return change


def second_brand_file(root: Path, _outside: Path) -> str:
    shutil.copyfile(root / "brand.yml", root / "_brand.yml")
    return "brand.yml"


def kit_pointer(value: str) -> Callable[[Path, Path], str]:
    def change(root: Path, _outside: Path) -> str:
        text = dump(minimal_kit(brand=value))
        (root / KIT_FILE).write_text(text, encoding="utf-8")
        line, column = locate(text, f"brand: {value}")
        return f"{KIT_FILE}:{line}:{column + 7}"

    return change


def outside_logo(root: Path, outside: Path) -> str:
    (outside / "logo.png").write_bytes((root / "brand/header.png").read_bytes())
    relative = os.path.relpath(outside / "logo.png", root)
    return logo(relative)(root, outside)


BOMB = ('<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>\n')

CASES: dict[str, Case] = {
    # the brand file's keys and values
    "unknown-top-level-key": Case(with_brand("colour:", colour={"primary": "#a4123f"})),
    "unknown-nested-key": Case(replaced("  primary: crimson", "  primry: crimson", "primry")),
    "not-a-colour": Case(replaced("primary: crimson", "primary: reddish", "reddish")),
    "colour-after-unquoted-hash": Case(replaced("primary: crimson", "primary: #a4123f",
                                                "primary")),
    "contrast-below-aa": Case(replaced("foreground: '#202020'", "foreground: '#b0b0b0'",
                                       "'#b0b0b0'")),
    "transparent-primary": Case(replaced("primary: crimson", "primary: rgba(164, 18, 63, 0.5)",
                                         "rgba")),
    "bad-paper": Case(replaced("paper: letter", "paper: legal", "legal")),
    "bad-font-weight": Case(replaced("weight: bold", "weight: heavy", "heavy")),
    "font-from-google": Case(replaced("    source: file", "    source: google", "google")),
    "family-not-listed": Case(replaced("base: DejaVu Sans", "base: Helvetica", "Helvetica")),
    "yaml-syntax": Case(replaced("meta:\n  name: Acme Corp", "meta:\n  name: Acme Corp\n   x: 1",
                                 ": 1")),
    "yaml-python-tag": Case(replaced("name: Acme Corp", "name: !!python/name:os.system ''",
                                     "!!python")),
    "duplicate-key": Case(replaced("  primary: crimson", "  primary: crimson\n  primary: crimson",
                                   "primary: crimson", 2)),
    "not-a-mapping": Case(lambda root, _o: (brand_text(root, "- meta\n"), "brand.yml:1:1")[1]),
    "not-utf-8": Case(lambda root, _o: (
        (root / "brand.yml").write_bytes(b"meta:\n  name: Acme \xff\n"), "brand.yml:2:14")[1]),
    "brand-file-oversized": Case(lambda root, _o: (brand_text(
        root, dump(brand()) + "#" * 70_000 + "\n"), "brand.yml")[1]),
    "brand-file-linked-out": Case(linked_out("brand.yml", "brand.yml")),
    "brand-file-fifo": Case(fifo("brand.yml", "brand.yml")),
    "two-brand-files": Case(second_brand_file),
    # the logos
    "logo-missing": Case(logo("brand/missing.png")),
    "logo-url": Case(logo("https://example.com/logo.png")),
    "logo-absolute-path": Case(logo("/etc/passwd")),
    "logo-outside-workspace": Case(outside_logo),
    "logo-linked-out": Case(linked_out("brand/header.png")),
    "logo-fifo": Case(fifo("brand/header.png")),
    "logo-oversized": Case(sparse("brand/header.png", 2 * 1024 * 1024 + 1)),
    "logo-empty": Case(file_content("brand/header.png", b"")),
    "logo-not-a-png": Case(file_content("brand/header.png", b"GIF89a\x01\x00\x01\x00")),
    "logo-decompression-bomb": Case(file_content("brand/header.png", png_of_size(20000, 20000))),
    "logo-wrong-kind": Case(logo("brand/logo.gif")),
    "svg-malformed": Case(file_content("brand/cover.svg", b"<svg><g></svg>",
                                       "brand/cover.svg:1:11")),
    "svg-entity-bomb": Case(file_content("brand/cover.svg", BOMB.encode(),
                                         "brand/cover.svg:1:15")),
    "svg-refers-to-local-file": Case(svg('<image href="file:///etc/passwd" width="5" '
                                         'height="5"/>', "brand/cover.svg:2:1")),
    "svg-refers-to-relative-file": Case(svg('<image xlink:href="../secret.png" width="5" '
                                            'height="5"/>', "brand/cover.svg:2:1")),
    "svg-refers-to-url": Case(svg('<image href="http://127.0.0.1:9/logo.png" width="5" '
                                  'height="5"/>', "brand/cover.svg:2:1")),
    "svg-style-loads-url": Case(svg('<rect width="5" height="5" '
                                    'style="fill: url(http://127.0.0.1:9/p.svg#x)"/>',
                                    "brand/cover.svg:2:1")),
    "svg-stylesheet-instruction": Case(file_content(
        "brand/cover.svg", b'<?xml-stylesheet href="http://127.0.0.1:9/s.css"?>\n'
        + SVG_LOGO.encode(), "brand/cover.svg:1:1")),
    # the fonts
    "font-missing": Case(replaced("brand/fonts/DejaVuSans.ttf", "brand/fonts/Missing.ttf")),
    "font-corrupt": Case(file_content("brand/fonts/DejaVuSans.ttf", b"\0\1\0\0" + b"\0" * 64)),
    "font-not-a-font": Case(file_content("brand/fonts/DejaVuSans.ttf", b"not a font at all\n")),
    "font-collection": Case(file_content("brand/fonts/DejaVuSans.ttf", b"ttcf" + b"\0" * 64)),
    "font-oversized": Case(sparse("brand/fonts/DejaVuSans.ttf", 20 * 1024 * 1024 + 1)),
    "font-linked-out": Case(linked_out("brand/fonts/DejaVuSans.ttf")),
    # the requirement file's pointer to another brand file
    "kit-brand-outside-workspace": Case(kit_pointer("../elsewhere.yml")),
    "kit-brand-missing": Case(kit_pointer("brands/missing.yml")),
}


@pytest.fixture(scope="module")
def built_branded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_workspace(tmp_path_factory.mktemp("branded") / "ws", minimal_kit())
    write_brand(root)
    must(run_kitgen("build", cwd=root))
    return root


def assert_refused(code: int, output: str, where: str) -> None:
    assert code == 2, output
    assert "Traceback" not in output and "internal error" not in output, output
    assert f"{where}:" in output, output
    assert "Fix: " in output, output


@pytest.mark.parametrize("name", list(CASES))
def test_bad_brand_input_is_refused_located_with_nothing_written(
    built_branded: Path, copy_of: Callable[[Path], Path], tmp_path: Path, name: str,
) -> None:
    root = copy_of(built_branded)
    outside = tmp_path / "outside"
    outside.mkdir()
    where = CASES[name].change(root, outside)
    before = tree(root / "kits")
    for command in ("check", "build"):
        result = run_kitgen(command, cwd=root)
        assert_refused(result.code, result.text, where)
    assert tree(root / "kits") == before


# --- SVG logos fetch nothing ------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def referring_svg(sentinel: Sentinel, root: Path, base: str) -> str:
    relative = os.path.relpath(sentinel.path, root / "brand")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            f' viewBox="0 0 10 10"><rect width="10" height="10" fill="#13579b"/>'
            f'<image href="{sentinel.path.as_uri()}" width="5" height="5"/>'
            f'<image xlink:href="{relative}" width="5" height="5"/>'
            f'<image href="{base}/logo.png" width="5" height="5"/>'
            f'<rect width="2" height="2" style="fill: url({base}/paint.svg#p)"/></svg>')


def test_an_svg_logo_that_refers_out_is_refused_before_anything_is_read(
    built_branded: Path, copy_of: Callable[[Path], Path], sentinel: Sentinel,
    socket_guard: SocketGuard, http_server: tuple[str, list[str]],
) -> None:
    base, requests = http_server
    root = copy_of(built_branded)
    (root / "brand/cover.svg").write_text(referring_svg(sentinel, root, base))
    before = tree(root / "kits")
    result = run_kitgen("build", cwd=root)
    assert result.code == 2 and "brand/cover.svg:1:" in result.text
    assert requests == [] and socket_guard.attempts() == ""
    assert sentinel.token not in result.text
    assert tree(root / "kits") == before


def test_the_fetcher_lets_an_svg_logo_read_nothing_even_when_handed_one(
    tmp_path: Path, sentinel: Sentinel, socket_guard: SocketGuard,
    http_server: tuple[str, list[str]],
) -> None:
    from kitgen.render.paths import ASSETS_DIR
    from kitgen.render.pdf import render_pdf

    base, requests = http_server
    (tmp_path / "brand").mkdir()
    shutil.copyfile(sentinel.path, tmp_path / "secret.png")
    logo_svg = referring_svg(sentinel, tmp_path, base).encode()
    (tmp_path / "brand" / "logo.svg").write_bytes(logo_svg)
    as_data = base64.b64encode(logo_svg).decode()
    html = (f'<html lang="en"><body><img src="data:image/svg+xml;base64,{as_data}" '
            f'style="height: 10mm"><img src="{(tmp_path / "brand/logo.svg").as_uri()}" '
            'style="height: 10mm"></body></html>')
    import hashlib

    pdf, *_ = render_pdf(html, what="test", base_url=tmp_path, allowed_roots=[ASSETS_DIR],
                        identifier=b"0" * 32, when=dt.datetime(2027, 3, 1, tzinfo=dt.UTC),
                        allowed_files=[(tmp_path / "brand/logo.svg",
                                        hashlib.sha256(logo_svg).hexdigest())])
    assert requests == [] and socket_guard.attempts() == ""
    content = pdf_stream_bytes(pdf)
    assert b"0.07451 0.341176 0.607843" in content  # the logo itself is drawn
    assert sentinel.token.encode() not in content


def test_the_fetcher_admits_exactly_the_brand_files(tmp_path: Path) -> None:
    """Two fonts side by side in the brand's folder: only the one the brand names is read."""
    import hashlib
    import subprocess

    from kitgen.render.paths import ASSETS_DIR
    from kitgen.render.pdf import render_pdf

    named, other = tmp_path / "Named.ttf", tmp_path / "Other.ttf"
    shutil.copyfile(font_file("DejaVuSans.ttf"), named)
    shutil.copyfile(font_file("DejaVuSerif-Bold.ttf"), other)
    html = (f'<html lang="en"><head><style>'
            f'@font-face {{ font-family: "A"; src: url("{named.as_uri()}"); }}'
            f'@font-face {{ font-family: "B"; src: url("{other.as_uri()}"); }}'
            '</style></head><body><p style="font-family: A">named</p>'
            '<p style="font-family: B">other</p></body></html>')
    pdf, *_ = render_pdf(html, what="test", base_url=tmp_path, allowed_roots=[ASSETS_DIR],
                        identifier=b"0" * 32, when=dt.datetime(2027, 3, 1, tzinfo=dt.UTC),
                        files_digest="exactly",
                        allowed_files=[(named, hashlib.sha256(named.read_bytes()).hexdigest())])
    out = tmp_path / "out.pdf"
    out.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "+A " in fonts or "DejaVu-Sans" in fonts, fonts
    assert "Serif" not in fonts and "+B " not in fonts, fonts

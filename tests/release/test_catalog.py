"""Findable: kits/index.html and each version's index.html open from disk in a
real browser, without JavaScript or a server, and every link resolves to a file that exists."""

from __future__ import annotations

import html.parser
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="headless Chromium is not installed"
)


class Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]
        if tag == "script":
            self.scripts += 1


def rendered_dom(page: Path, tmp_path: Path) -> str:
    """The page as Chromium sees it after loading it from disk, JavaScript off."""
    assert CHROMIUM, "CI installs chromium; it must be here"
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def links_of(dom: str) -> Links:
    parser = Links()
    parser.feed(dom)
    return parser


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("catalog")
    env = {**os.environ, "KITGEN_TODAY": "2026-12-01"}
    subprocess.run(["kitgen", "init", str(root)], check=True, capture_output=True, env=env)
    subprocess.run(["kitgen", "build"], cwd=root, check=True, capture_output=True, env=env)
    return root


def test_build_writes_a_catalog_of_every_kit(built: Path) -> None:
    page = (built / "kits" / "index.html").read_text()
    for kit in ("northwind-analytics", "northwind-mobile"):
        assert f'id="{kit}"' in page
    assert "<script" not in page


@needs_chromium
def test_catalog_opens_from_disk_and_every_link_resolves(built: Path, tmp_path: Path) -> None:
    page = built / "kits" / "index.html"
    dom = rendered_dom(page, tmp_path)
    assert "Northwind Analytics 3.0 launch kit" in dom
    links = links_of(dom)
    assert links.scripts == 0
    assert len(links.hrefs) >= 10  # six documents of one kit, four of the other
    for href in links.hrefs:
        target = (page.parent / unquote(urlsplit(href).path)).resolve()
        assert target.is_file(), f"{href} does not resolve to a file"
        assert target.is_relative_to((built / "kits").resolve())


@needs_chromium
def test_each_version_index_html_links_its_documents(built: Path, tmp_path: Path) -> None:
    page = built / "kits" / "northwind-analytics" / "1" / "index.html"
    dom = rendered_dom(page, tmp_path)
    links = links_of(dom)
    names = {unquote(urlsplit(h).path) for h in links.hrefs}
    assert {"playbook.pdf", "battlecard-contoso-bi.pdf", "value-prop-cfo.pdf"} <= names
    for name in names:
        assert (page.parent / name).is_file(), name


def test_catalog_shows_released_documents_after_a_release(built: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(built, workspace)
    env = {**os.environ, "KITGEN_TODAY": "2026-12-01"}
    for side, email in (("sales", "marcus.bell@northwind.example"),
                        ("marketing", "priya.shah@northwind.example")):
        subprocess.run(["kitgen", "approve", "northwind-analytics", "--side", side, "--email",
                        email, "--yes"], cwd=workspace, check=True, capture_output=True, env=env)
    subprocess.run(["kitgen", "build", "--release", "requirements/northwind-analytics.yaml"],
                   cwd=workspace, check=True, capture_output=True, env=env)
    page = (workspace / "kits" / "index.html").read_text()
    assert "northwind-analytics/1/released/playbook.pdf" in page
    assert "Released" in page

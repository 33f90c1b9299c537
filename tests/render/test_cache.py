"""The document cache: an unchanged document is never rendered twice, and nothing that shapes a
PDF's bytes can change without the cache rendering it again — a template, a font, kitgen's
version, the renderer. A damaged entry is never served.

Documents are rendered through ``render_documents`` (the one path every build and release
takes) with a fixed version stamp, so only the input under test differs between two renders.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    make_workspace,
    minimal_kit,
    pdf_text,
    playbook,
    requirement,
    run_kitgen,
    staller,
    tree,
    write_kit,
)

import kitgen
from kitgen.base.errors import RenderError
from kitgen.base.settings import cache_root
from kitgen.base.workspace import Workspace
from kitgen.load.reader import load_kit
from kitgen.render import cache as cache_module
from kitgen.render import pdf as pdf_module
from kitgen.render import scheduler as build_module
from kitgen.render.cache import DocumentCache, document_key, files_digest
from kitgen.render.documents import BuildInfo
from kitgen.render.paths import ASSETS_DIR
from kitgen.render.pdf import RenderJob
from kitgen.render.scheduler import render_documents

KIT = "acme-launch"
STAMP = BuildInfo(version="1", digest="d" * 64, draft=True, date="2027-03-01",
                  timestamp="2027-03-01T00:00:00Z", kitgen_version="0.0.0-test")


def two_document_kit(**overrides: Any) -> dict[str, Any]:
    """The smallest kit there is: its index and the playbook (two renders)."""
    return minimal_kit(
        requirements=[requirement(delivered_by=["playbook.stallers.send-info"])],
        battlecards=[],
        playbook=playbook(stallers=[staller(assets=[])]),
        **overrides,
    )


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("KITGEN_CACHE_DIR", str(folder))
    monkeypatch.delenv("KITGEN_CACHE", raising=False)
    return folder


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What WeasyPrint was actually asked to render, by document."""
    done: list[str] = []
    real = build_module.render_in_worker

    def counting(job: RenderJob) -> Any:
        done.append(job.what.rsplit("/", 1)[-1])
        return real(job)

    monkeypatch.setattr(build_module, "render_in_worker", counting)
    return done


Render = Callable[[], dict[str, bytes]]


@pytest.fixture
def workspace_root(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws", two_document_kit())


@pytest.fixture
def render(workspace_root: Path) -> Render:
    def run() -> dict[str, bytes]:
        loaded = load_kit(workspace_root / "requirements" / f"{KIT}.yaml", workspace_root)
        built = render_documents(Workspace(workspace_root), loaded, STAMP)
        return {item.document.filename: pdf for item, pdf, _html in built}

    return run


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "documents").rglob("*") if p.is_file())


# --- reuse ------------------------------------------------------------------------------------


def test_an_unchanged_document_is_served_from_the_cache_with_the_same_bytes(
    cache_dir: Path, render: Render, renders: list[str]
) -> None:
    first = render()
    assert sorted(renders) == ["index.pdf", "playbook.pdf"]
    assert len(entries(cache_dir)) == 2
    second = render()
    assert second == first
    assert sorted(renders) == ["index.pdf", "playbook.pdf"]  # nothing rendered again


@pytest.mark.slow
def test_a_document_is_reused_when_its_neighbour_changes(
    cache_dir: Path, workspace_root: Path, render: Render, renders: list[str]
) -> None:
    render()
    renders.clear()
    # A dropped requirement that nothing delivers is shown by the index alone.
    data = two_document_kit()
    data["requirements"].append(requirement(id="poster", need="A poster.", status="dropped",
                                            delivered_by=[]))
    write_kit(workspace_root / "requirements", data)
    render()
    assert renders == ["index.pdf"]


def test_a_clean_rebuild_is_served_from_the_cache_byte_for_byte(
    cache_dir: Path, tmp_path: Path, renders: list[str]
) -> None:
    root = make_workspace(tmp_path / "built", two_document_kit())
    assert run_kitgen("build", "--jobs", "1", cwd=root).code == 0
    before = tree(root / "kits")
    shutil.rmtree(root / "kits")
    renders.clear()
    assert run_kitgen("build", "--jobs", "1", cwd=root).code == 0
    assert renders == []
    assert tree(root / "kits") == before


# --- what invalidates -------------------------------------------------------------------------


def test_a_changed_template_renders_again(
    cache_dir: Path, workspace_root: Path, render: Render, renders: list[str]
) -> None:
    override = workspace_root / "templates" / "playbook.html.j2"
    override.parent.mkdir()
    override.write_text('{% extends "base.html.j2" %}{% block content %}First take{% endblock %}\n')
    render()
    override.write_text(
        '{% extends "base.html.j2" %}{% block content %}Second take{% endblock %}\n')
    renders.clear()
    pdfs = render()
    # Every file under templates/ counts for every document (see cache.document_key).
    assert sorted(renders) == ["index.pdf", "playbook.pdf"]
    out = workspace_root / "playbook.pdf"
    out.write_bytes(pdfs["playbook.pdf"])
    assert "Second take" in pdf_text(out)


@pytest.mark.slow
def test_a_changed_font_file_renders_again_though_the_html_is_the_same(
    cache_dir: Path, workspace_root: Path, render: Render, renders: list[str]
) -> None:
    # A workspace stylesheet that draws the playbook with a font file from templates/: the HTML
    # names the file, never its bytes, so only the cache key's file digest can notice a change.
    templates = workspace_root / "templates"
    templates.mkdir()
    fonts = ASSETS_DIR / "fonts"
    shutil.copyfile(fonts / "Inter-Regular.otf", templates / "Body.otf")
    css = (kitgen_templates() / "kitgen.css").read_text()
    (templates / "kitgen.css").write_text(
        css + '\n@font-face { font-family: "Body"; src: url("Body.otf"); }\n'
        'body { font-family: "Body"; }\n'
    )
    first = render()
    shutil.copyfile(fonts / "Inter-Bold.otf", templates / "Body.otf")
    renders.clear()
    second = render()
    assert sorted(renders) == ["index.pdf", "playbook.pdf"]
    assert second["playbook.pdf"] != first["playbook.pdf"]


def test_a_changed_font_in_kitgens_assets_changes_the_key(tmp_path: Path) -> None:
    # kitgen's shipped assets are never edited by a test: a copy stands in for them.
    assets = tmp_path / "assets"
    shutil.copytree(ASSETS_DIR, assets)
    before = document_key(sample_job(assets))
    font = assets / "fonts" / "Inter-Regular.otf"
    data = bytearray(font.read_bytes())
    data[-1] ^= 0xFF
    font.write_bytes(bytes(data))
    assert document_key(sample_job(assets)) != before


@pytest.mark.slow
def test_a_new_kitgen_version_renders_again(
    cache_dir: Path, render: Render, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = render()
    monkeypatch.setattr(kitgen, "__version__", "99.0.0")
    renders.clear()
    second = render()
    assert sorted(renders) == ["index.pdf", "playbook.pdf"]
    assert second == first  # the stamp is fixed, so the same bytes: they were made again


@pytest.mark.slow
def test_a_different_renderer_renders_again(
    cache_dir: Path, render: Render, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    render()
    newer = dict(cache_module.renderer_fingerprint(), weasyprint="999.0")
    monkeypatch.setattr(cache_module, "renderer_fingerprint", lambda: newer)
    renders.clear()
    render()
    assert sorted(renders) == ["index.pdf", "playbook.pdf"]


def test_every_input_of_a_render_is_in_the_key(tmp_path: Path) -> None:
    job = sample_job(ASSETS_DIR)
    key = document_key(job)
    attachment = pdf_module.Attachment("manifest.json", b"{}", "kitgen version manifest")
    variants = [
        RenderJob(**{**vars(job), "html": job.html + " "}),
        RenderJob(**{**vars(job), "base_url": tmp_path}),
        RenderJob(**{**vars(job), "identifier": b"1" * 32}),
        RenderJob(**{**vars(job), "when": job.when + dt.timedelta(seconds=1)}),
        RenderJob(**{**vars(job), "attachments": (attachment,)}),
        RenderJob(**{**vars(job), "attachments": (
            pdf_module.Attachment("manifest.json", b"{ }", "kitgen version manifest"),)}),
    ]
    keys = {document_key(variant) for variant in variants}
    assert key not in keys and len(keys) == len(variants)
    (tmp_path / "logo.png").write_bytes(b"png")
    other_files = files_digest([ASSETS_DIR, tmp_path])
    assert document_key(RenderJob(**{**vars(job), "files_digest": other_files})) != key


# --- damage -----------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "empty"])
@pytest.mark.slow
def test_a_damaged_entry_is_not_served_and_is_written_again(
    cache_dir: Path, render: Render, renders: list[str], damage: str
) -> None:
    first = render()
    for path in entries(cache_dir):
        data = bytearray(path.read_bytes())
        if damage == "flip a byte":
            data[-10] ^= 0x01
        elif damage == "truncate":
            del data[len(data) // 2:]
        else:
            data.clear()
        path.write_bytes(bytes(data))
    renders.clear()
    assert render() == first
    assert sorted(renders) == ["index.pdf", "playbook.pdf"]
    renders.clear()
    assert render() == first
    assert renders == []  # rewritten whole


def test_a_cached_document_still_obeys_the_page_limit(
    cache_dir: Path, render: Render, monkeypatch: pytest.MonkeyPatch
) -> None:
    render()
    monkeypatch.setenv("KITGEN_MAX_PAGES", "0")
    with pytest.raises(RenderError, match="the limit is 0"):
        render()


# --- where, whether, how big ------------------------------------------------------------------


@pytest.mark.slow
def test_kitgen_cache_off_writes_nothing(
    tmp_path: Path, render: Render, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KITGEN_CACHE", "off")
    monkeypatch.setenv("KITGEN_CACHE_DIR", str(tmp_path / "cache"))
    render()
    render()
    assert len(renders) == 4
    assert not (tmp_path / "cache").exists()


def test_the_cache_lives_in_the_users_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KITGEN_CACHE", raising=False)
    monkeypatch.delenv("KITGEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "kitgen"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "kitgen"
    monkeypatch.setenv("KITGEN_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine"
    monkeypatch.setenv("KITGEN_CACHE", "off")
    assert cache_root() is None


def test_the_cache_keeps_to_its_size_by_dropping_the_least_recently_used(tmp_path: Path) -> None:
    cache = DocumentCache(tmp_path, limit=2500)
    for number, key in enumerate(["a" * 64, "b" * 64, "c" * 64]):
        cache.put(key, b"%PDF" + bytes(1000), pages=1)
        path = cache.path(key)
        assert path is not None
        os.utime(path, (1_000_000 + number, 1_000_000 + number))
    assert cache.get("a" * 64) is not None  # used now: the newest
    cache.evict()
    assert cache.get("b" * 64) is None
    assert cache.get("a" * 64) is not None and cache.get("c" * 64) is not None


@pytest.mark.slow
def test_an_unwritable_cache_only_costs_time(
    tmp_path: Path, render: Render, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("KITGEN_CACHE_DIR", str(blocker))
    monkeypatch.delenv("KITGEN_CACHE", raising=False)
    assert render() == render()
    assert len(renders) == 4


# --- helpers ----------------------------------------------------------------------------------


def kitgen_templates() -> Path:
    return Path(kitgen.__file__).parent / "render" / "templates"


def sample_job(assets: Path) -> RenderJob:
    return RenderJob(
        html="<!DOCTYPE html><p>Hello</p>",
        what="test/doc.pdf",
        base_url=assets,
        allowed_roots=(assets,),
        identifier=b"0" * 32,
        when=dt.datetime(2027, 3, 1, tzinfo=dt.UTC),
        files_digest=files_digest([assets]),
    )

"""Versions: what a build writes, when it writes nothing, and when it refuses."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    REPO,
    battlecard,
    dump,
    make_workspace,
    minimal_kit,
    pdf_pages,
    pdf_text,
    playbook,
    rendered_part,
    rendered_sha256,
    requirement,
    run_kitgen,
    sha256,
    staller,
    tree,
    write_kit,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from kitgen import __version__
from kitgen.load.reader import load_kit
from kitgen.version.digest import data_digest
from kitgen.version.numbering import next_version, version_key

KIT_DIR = Path("kits") / "acme-launch"
SOURCE = Path("requirements") / "acme-launch.yaml"


def tiny_kit(**overrides: Any) -> dict[str, Any]:
    """A kit of two documents (index and playbook), the cheapest to build."""
    values: dict[str, Any] = {
        "requirements": [requirement(id="stall", delivered_by=["playbook.stallers.send-info"])],
        "battlecards": [],
        "playbook": playbook(stallers=[staller(assets=[])]),
    }
    values.update(overrides)
    return minimal_kit(**values)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A workspace holding the minimal kit, built once: version 1. Tests copy it to change it."""
    workspace = make_workspace(tmp_path_factory.mktemp("versions") / "ws", minimal_kit())
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 0, result.output
    return workspace, result.output


def versions(workspace: Path) -> list[str]:
    return sorted(p.name for p in (workspace / KIT_DIR).iterdir() if p.is_dir())


def manifest(workspace: Path, version: str) -> dict[str, Any]:
    return json.loads((workspace / KIT_DIR / version / "manifest.json").read_bytes())


def edit(workspace: Path, **overrides: Any) -> None:
    write_kit(workspace / "requirements", minimal_kit(**overrides))


# --- the first version ------------------------------------------------------------------------


@pytest.mark.slow
def test_first_build_writes_version_1(built: tuple[Path, str]) -> None:
    workspace, output = built
    assert versions(workspace) == ["1"]
    assert sorted(p.name for p in (workspace / KIT_DIR / "1").iterdir()) == [
        "battlecard-globex.pdf",
        "index.html",
        "index.pdf",
        "manifest.json",
        "playbook.pdf",
        "requirements.yaml",
    ]
    assert "acme-launch" in output and "written" in output


@pytest.mark.slow
def test_snapshot_is_the_source_file_byte_for_byte(built: tuple[Path, str]) -> None:
    workspace, _ = built
    assert (workspace / KIT_DIR / "1" / "requirements.yaml").read_bytes() == (
        workspace / SOURCE
    ).read_bytes()


@pytest.mark.slow
def test_manifest_describes_the_version(built: tuple[Path, str]) -> None:
    workspace, _ = built
    data = manifest(workspace, "1")
    assert data["kit"] == "acme-launch"
    assert data["version"] == "1"
    assert data["kitgen_version"] == __version__
    assert len(data["digest"]) == 64 and int(data["digest"], 16) >= 0
    documents = {d["file"]: d for d in data["documents"]}
    assert set(documents) == {"index.pdf", "battlecard-globex.pdf", "playbook.pdf"}
    inputs = data["inputs"]
    assert any(name.startswith("kitgen:templates/") for name in inputs)
    assert all(len(value) == 64 for value in inputs.values())


@pytest.mark.slow
def test_manifest_sha256_and_pages_match_the_files(built: tuple[Path, str]) -> None:
    workspace, _ = built
    folder = workspace / KIT_DIR / "1"
    data = manifest(workspace, "1")
    for document in data["documents"]:
        path = folder / document["file"]
        # The manifest lists each PDF as rendered; the file adds the manifest after that.
        assert document["sha256"] == rendered_sha256(path), document["file"]
        assert path.read_bytes().startswith(rendered_part(path))
        assert document["pages"] == len(pdf_pages(path)), document["file"]
        carried = PdfReader(path).attachments["manifest.json"]
        assert carried == [(folder / "manifest.json").read_bytes()], document["file"]
    assert data["snapshot"]["sha256"] == sha256(folder / "requirements.yaml")


@pytest.mark.slow
def test_manifest_template_inputs_match_the_templates(built: tuple[Path, str]) -> None:
    workspace, _ = built
    inputs = manifest(workspace, "1")["inputs"]
    for name, digest in inputs.items():
        if name.startswith("kitgen:"):
            folder, relative = name.removeprefix("kitgen:").split("/", 1)
            assert digest == sha256(REPO / "kitgen" / "render" / folder / relative), name


# --- writing nothing --------------------------------------------------------------------------


@pytest.mark.slow
def test_rebuilding_unchanged_inputs_writes_nothing_and_says_so(
    built: tuple[Path, str], copy_of: Callable[[Path], Path]
) -> None:
    workspace = copy_of(built[0])
    before = tree(workspace)
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 0, result.output
    assert "unchanged" in result.output
    assert tree(workspace) == before


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda text: "# reviewed with sales on Monday\n" + text, id="comment"),
        pytest.param(
            lambda text: text.replace(
                "title: Acme 1.0 launch kit", "title: 'Acme 1.0 launch kit'  # quoted"
            ),
            id="quoting",
        ),
        pytest.param(
            lambda text: text.replace("kit: acme-launch\n", "") + "kit: acme-launch\n",
            id="key-order",
        ),
    ],
)
@pytest.mark.slow
def test_edit_that_does_not_change_the_data_writes_nothing(
    built: tuple[Path, str],
    copy_of: Callable[[Path], Path],
    change: Callable[[str], str],
) -> None:
    workspace = copy_of(built[0])
    source = workspace / SOURCE
    source.write_text(change(source.read_text()))
    before = tree(workspace / "kits")
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 0, result.output
    assert "unchanged" in result.output
    assert tree(workspace / "kits") == before


# --- writing the next version -----------------------------------------------------------------


@pytest.mark.slow
def test_changed_battlecard_writes_version_2_and_leaves_version_1(
    built: tuple[Path, str], copy_of: Callable[[Path], Path]
) -> None:
    workspace = copy_of(built[0])
    version_1 = tree(workspace / KIT_DIR / "1")
    edit(workspace, battlecards=[battlecard(summary="Globex now bundles its mobile app.")])
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 0, result.output
    assert versions(workspace) == ["1", "2"]
    assert tree(workspace / KIT_DIR / "1") == version_1
    assert "Globex now bundles its mobile app." in pdf_text(
        workspace / KIT_DIR / "2" / "battlecard-globex.pdf"
    )
    assert manifest(workspace, "2")["version"] == "2"
    assert manifest(workspace, "2")["digest"] != manifest(workspace, "1")["digest"]
    assert (workspace / KIT_DIR / "2" / "requirements.yaml").read_bytes() == (
        workspace / SOURCE
    ).read_bytes()
    assert "Version 2" in pdf_text(workspace / KIT_DIR / "2" / "index.pdf")


@pytest.mark.slow
def test_workspace_template_override_is_used_and_changes_the_digest(
    built: tuple[Path, str], copy_of: Callable[[Path], Path]
) -> None:
    workspace = copy_of(built[0])
    templates = workspace / "templates"
    templates.mkdir(exist_ok=True)
    builtin = (REPO / "kitgen" / "render" / "templates" / "battlecard.html.j2").read_text()
    assert "{% block content %}" in builtin
    override = builtin.replace(
        "{% block content %}", "{% block content %}<p>Field-tested by Acme reps</p>", 1
    )
    (templates / "battlecard.html.j2").write_text(override)
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 0, result.output
    assert "Field-tested by Acme reps" in pdf_text(
        workspace / KIT_DIR / "2" / "battlecard-globex.pdf"
    )
    assert "Field-tested" not in pdf_text(workspace / KIT_DIR / "2" / "playbook.pdf")
    second = manifest(workspace, "2")
    assert second["digest"] != manifest(workspace, "1")["digest"]
    assert second["inputs"]["templates/battlecard.html.j2"] == sha256(
        templates / "battlecard.html.j2"
    )
    # The data did not change; only the template did.
    assert second["inputs"]["data"] == manifest(workspace, "1")["inputs"]["data"]


def test_pinned_version_that_exists_with_other_content_must_be_bumped(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "ws", tiny_kit(version="1.0.0"))
    first = run_kitgen("build", cwd=workspace)
    assert first.code == 0, first.output
    assert versions(workspace) == ["1.0.0"]
    assert manifest(workspace, "1.0.0")["version"] == "1.0.0"

    again = run_kitgen("build", cwd=workspace)
    assert again.code == 0 and "unchanged" in again.output

    # Changed content under the same pin, and a new kit beside it: neither may be written.
    write_kit(workspace / "requirements", tiny_kit(version="1.0.0", title="Acme 1.0 kit, revised"))
    write_kit(workspace / "requirements", tiny_kit(kit="another-kit"))
    before = tree(workspace / "kits")
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 2
    assert "1.0.0" in result.output and "bump" in result.output.lower()
    assert "Traceback" not in result.output
    assert tree(workspace / "kits") == before


def test_leftovers_of_a_dead_build_are_not_a_version(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "ws", tiny_kit())
    finished = subprocess.Popen(["true"])
    finished.wait()
    leftover = workspace / KIT_DIR / f".building-1-{finished.pid}-abc123"
    leftover.mkdir(parents=True)
    (leftover / "index.pdf").write_bytes(b"%PDF-1.7 half written")
    result = run_kitgen("build", cwd=workspace)
    assert result.code == 0, result.output
    assert versions(workspace) == ["1"]
    assert not leftover.exists()
    assert (workspace / KIT_DIR / "1" / "index.pdf").read_bytes().startswith(b"%PDF")
    assert len(pdf_pages(workspace / KIT_DIR / "1" / "index.pdf")) >= 1


@pytest.mark.slow
def test_building_one_file_leaves_other_kits_alone(
    built: tuple[Path, str], copy_of: Callable[[Path], Path]
) -> None:
    workspace = copy_of(built[0])
    write_kit(workspace / "requirements", tiny_kit(kit="another-kit"))
    edit(workspace, title="Changed but not built")
    before = tree(workspace / KIT_DIR)
    result = run_kitgen("build", "requirements/another-kit.yaml", cwd=workspace)
    assert result.code == 0, result.output
    assert (workspace / "kits" / "another-kit" / "1" / "manifest.json").is_file()
    assert tree(workspace / KIT_DIR) == before


# --- the digest and the numbering, as properties ----------------------------------------------

texts = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda t: t.strip())


@settings(max_examples=40, deadline=None)
@given(
    title=texts,
    comment=st.text(st.characters(codec="ascii", exclude_categories=("Cc",)), max_size=30),
)
def test_digest_follows_the_data_not_its_spelling(
    tmp_path_factory: pytest.TempPathFactory, title: str, comment: str
) -> None:
    folder = tmp_path_factory.mktemp("digest")
    data = minimal_kit(title=title)
    plain = write_kit(folder, dump(data), "plain.yaml")
    reordered = {key: data[key] for key in reversed(list(data))}
    spelled = write_kit(folder, f"# {comment}\n" + dump(reordered), "spelled.yaml")
    other = write_kit(folder, dump(minimal_kit(title=title + " v2")), "other.yaml")
    digest = data_digest(load_kit(plain, folder).kit)
    assert data_digest(load_kit(spelled, folder).kit) == digest
    assert data_digest(load_kit(other, folder).kit) != digest


@given(st.lists(st.integers(min_value=1, max_value=10_000), unique=True, max_size=12))
def test_next_unpinned_version_is_one_more_than_the_highest(existing: list[int]) -> None:
    names = [str(n) for n in existing]
    following = next_version(None, names)
    assert following == str(max(existing, default=0) + 1)
    assert following not in names


@given(st.lists(st.integers(min_value=1, max_value=10_000), unique=True, min_size=1))
def test_numbered_versions_sort_as_numbers(existing: list[int]) -> None:
    assert sorted((str(n) for n in existing), key=version_key) == [str(n) for n in sorted(existing)]


def test_semantic_versions_sort_with_prereleases_first() -> None:
    versions = ["2.0.0", "1.10.0", "2.0.0-rc.1", "1.2.0", "1.2.10"]
    assert sorted(versions, key=version_key) == ["1.2.0", "1.2.10", "1.10.0", "2.0.0-rc.1", "2.0.0"]


def test_pinned_version_is_used_as_written() -> None:
    assert next_version("1.4.0", ["1", "2"]) == "1.4.0"

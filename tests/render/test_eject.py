"""`kitgen templates eject`: copies of the built-in templates to customise, and the check that
tells when a kitgen upgrade changed a built-in template under an ejected copy."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from helpers import minimal_kit, run_kitgen, value_prop

from kitgen import __version__
from kitgen.load.model import KitFile
from kitgen.render import eject
from kitgen.render.documents import BuildInfo, plan_documents
from kitgen.render.eject import eject_templates, stale_ejected_templates
from kitgen.render.html import render_html
from kitgen.render.sandbox import make_environment

BUILTIN = sorted(p.name for p in eject.BUILTIN_TEMPLATES.iterdir() if p.is_file())


def test_eject_all_copies_every_builtin_template_with_its_origin(workspace: Path) -> None:
    result = run_kitgen("templates", "eject", cwd=workspace)
    assert result.code == 0, result.output
    copies = sorted(p.name for p in (workspace / "templates").iterdir())
    assert copies == BUILTIN
    for name in BUILTIN:
        builtin = (eject.BUILTIN_TEMPLATES / name).read_bytes()
        copy = (workspace / "templates" / name).read_bytes()
        header, rest = copy.split(b"\n", 1)
        assert rest == builtin
        sha = hashlib.sha256(builtin).hexdigest()
        assert header.decode() == f"{{# kitgen-ejected-from: {sha} kitgen {__version__} #}}"
        assert f"created templates/{name}" in result.stdout


def test_eject_one_by_name_writes_nothing_else(workspace: Path) -> None:
    result = run_kitgen("templates", "eject", "battlecard.html.j2", cwd=workspace)
    assert result.code == 0, result.output
    assert [p.name for p in (workspace / "templates").iterdir()] == ["battlecard.html.j2"]


def test_unknown_name_exits_2_listing_the_names(workspace: Path) -> None:
    result = run_kitgen("templates", "eject", "batlecard.html.j2", cwd=workspace)
    assert result.code == 2
    assert "batlecard.html.j2" in result.stderr
    for name in BUILTIN:
        assert name in result.stderr
    assert not (workspace / "templates").exists()


def test_existing_copy_is_kept_unless_force(workspace: Path) -> None:
    mine = workspace / "templates" / "kitgen.css"
    mine.parent.mkdir()
    mine.write_text("/* my brand colours */\n", encoding="utf-8")

    refused = run_kitgen("templates", "eject", cwd=workspace)
    assert refused.code == 2
    assert "templates/kitgen.css" in refused.stderr and "--force" in refused.stderr
    # Refused whole: not even the templates that did not clash were written.
    assert [p.name for p in mine.parent.iterdir()] == ["kitgen.css"]
    assert mine.read_text(encoding="utf-8") == "/* my brand colours */\n"

    forced = run_kitgen("templates", "eject", "kitgen.css", "--force", cwd=workspace)
    assert forced.code == 0, forced.output
    assert "replaced templates/kitgen.css" in forced.stdout
    assert mine.read_bytes().endswith((eject.BUILTIN_TEMPLATES / "kitgen.css").read_bytes())


def test_ejected_templates_render_exactly_like_the_builtin_ones(tmp_path: Path) -> None:
    eject_templates(tmp_path / "templates")
    kit = KitFile.model_validate(minimal_kit(value_props=[value_prop()]))
    documents = plan_documents(kit)
    build = BuildInfo("1", "ab" * 32, True, "2027-03-01", "2027-03-01T00:00:00Z", "0.0.test")
    for document in documents:
        builtin = render_html(make_environment(None), kit, document, build, documents)
        env = make_environment(tmp_path / "templates")
        ejected = render_html(env, kit, document, build, documents)
        assert ejected == builtin, document.filename


def test_fresh_copies_are_not_stale(tmp_path: Path) -> None:
    eject_templates(tmp_path)
    assert stale_ejected_templates(tmp_path) == []


def test_a_changed_builtin_makes_its_ejected_copy_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stand in for a kitgen upgrade: the built-in templates of the "new" kitgen differ.
    old = tmp_path / "old-builtins"
    old.mkdir()
    for name in BUILTIN:
        (old / name).write_bytes((eject.BUILTIN_TEMPLATES / name).read_bytes())
    monkeypatch.setattr(eject, "BUILTIN_TEMPLATES", old)
    templates = tmp_path / "templates"
    eject_templates(templates, ["battlecard.html.j2", "kitgen.css"])
    (templates / "hand-written.html.j2").write_text("{# mine #}\n", encoding="utf-8")
    (templates / "playbook.html.j2").write_text("{% extends 'base.html.j2' %}\n", encoding="utf-8")

    (old / "battlecard.html.j2").write_text("{# the upgraded card #}\n", encoding="utf-8")
    stale = stale_ejected_templates(templates)

    assert [name for name, _ in stale] == ["battlecard.html.j2"]
    message = stale[0][1]
    new_sha = hashlib.sha256(b"{# the upgraded card #}\n").hexdigest()
    assert "changed since it was ejected" in message
    assert new_sha in message and "--force" in message


def test_a_copy_whose_builtin_is_gone_is_reported(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    header = eject.ejected_header("0" * 64, "0.0.1")
    (templates / "retired.html.j2").write_text(header + "<p>old</p>\n", encoding="utf-8")
    [(name, message)] = stale_ejected_templates(templates)
    assert name == "retired.html.j2"
    assert "no built-in retired.html.j2" in message


def test_no_templates_folder_means_nothing_stale(tmp_path: Path) -> None:
    assert stale_ejected_templates(tmp_path / "templates") == []

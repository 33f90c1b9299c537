"""Rendering HTML from a kit: which documents a kit holds, autoescaping, strictness, the sandbox,
workspace overrides, and which files count as inputs of a version."""

from __future__ import annotations

import hashlib
import html
from pathlib import Path
from typing import Any

import markupsafe
import pytest
from helpers import battlecard, minimal_kit, requirement, value_prop

from kitgen.base.errors import RenderError
from kitgen.load.model import KitFile
from kitgen.render.documents import BuildInfo, Document, plan_documents
from kitgen.render.html import render_html, template_inputs
from kitgen.render.paths import BUILTIN_TEMPLATES
from kitgen.render.sandbox import make_environment

HOSTILE = ["<script>alert(1)</script>", '<img src="file:///etc/passwd">', "{{ 7*7 }}"]


def build_info(**overrides: Any) -> BuildInfo:
    values: dict[str, Any] = {
        "version": "1",
        "digest": "ab" * 32,
        "draft": True,
        "date": "2027-03-01",
        "timestamp": "2027-03-01T00:00:00Z",
        "kitgen_version": "0.0.test",
    }
    values.update(overrides)
    return BuildInfo(**values)


def kit_of(**overrides: Any) -> KitFile:
    return KitFile.model_validate(minimal_kit(**overrides))


def render(kit: KitFile, kind: str, templates: Path | None = None) -> str:
    documents = plan_documents(kit)
    document = next(d for d in documents if d.kind == kind)
    return render_html(make_environment(templates), kit, document, build_info(), documents)


def test_plan_lists_index_battlecards_playbook_and_value_props() -> None:
    kit = kit_of(
        battlecards=[battlecard(), battlecard(id="initech", competitor="Initech BI")],
        value_props=[
            value_prop(),
            value_prop(id="data-lead", persona="Head of Data", audience="internal"),
        ],
    )
    documents = plan_documents(kit)
    assert [(d.kind, d.filename, d.audience) for d in documents] == [
        ("index", "index.pdf", "internal"),
        ("battlecard", "battlecard-globex.pdf", "internal"),
        ("battlecard", "battlecard-initech.pdf", "internal"),
        ("playbook", "playbook.pdf", "internal"),
        ("value_prop", "value-prop-cfo.pdf", "customer"),
        ("value_prop", "value-prop-data-lead.pdf", "internal"),
    ]
    assert len({d.filename for d in documents}) == len(documents)


def test_plan_knows_which_requirements_each_document_delivers() -> None:
    kit = kit_of(
        requirements=[
            requirement(id="card", delivered_by=["battlecards.globex"]),
            requirement(id="stall", delivered_by=["playbook.stallers.send-info"]),
            requirement(id="roles", delivered_by=["playbook.nay_sayer", "battlecards.globex"]),
            requirement(id="gone", status="dropped", delivered_by=["battlecards.globex"]),
            requirement(id="open", status="proposed", delivered_by=[]),
        ]
    )
    delivers = {d.filename: [r.id for r in d.delivers] for d in plan_documents(kit)}
    assert delivers == {
        "index.pdf": [],
        "battlecard-globex.pdf": ["card", "roles"],
        "playbook.pdf": ["stall", "roles"],
    }


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_never_becomes_markup(text: str) -> None:
    kit = kit_of(
        battlecards=[
            battlecard(
                summary=f"Summary {text}",
                objections=[{"objection": f"Objection {text}", "response": f"Response {text}"}],
            )
        ]
    )
    page = render(kit, "battlecard")
    for field in ("Summary", "Objection", "Response"):
        assert str(markupsafe.escape(f"{field} {text}")) in page
        assert f"{field} 49" not in page
    assert "<script>alert" not in page
    assert "<img src=" not in page


def test_workspace_template_overrides_the_builtin(tmp_path: Path) -> None:
    (tmp_path / "battlecard.html.j2").write_text(
        '{% extends "base.html.j2" %}'
        "{% block content %}OVERRIDE {{ card.competitor }}{% endblock %}"
    )
    page = render(kit_of(), "battlecard", tmp_path)
    assert "OVERRIDE Globex Analytics" in page
    assert "Why we win" not in page
    assert "Staller-handling" in render(kit_of(), "playbook", tmp_path)


def test_autoescape_holds_whatever_the_template_file_is_called(tmp_path: Path) -> None:
    (tmp_path / "battlecard.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block content %}{% include "snippet.txt" %}{% endblock %}'
    )
    (tmp_path / "snippet.txt").write_text("[{{ card.summary }}]")
    page = render(kit_of(battlecards=[battlecard(summary="<b>bold</b>")]), "battlecard", tmp_path)
    assert "[&lt;b&gt;bold&lt;/b&gt;]" in page


def test_undefined_name_in_a_template_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "battlecard.html.j2").write_text("{{ card.no_such_field }}")
    with pytest.raises(RenderError, match="battlecard.html.j2"):
        render(kit_of(), "battlecard", tmp_path)


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "battlecard.html.j2").write_text("line one\n{% if %}\n")
    with pytest.raises(RenderError, match=r"battlecard\.html\.j2:2"):
        render(kit_of(), "battlecard", tmp_path)


def test_template_symlinked_to_a_file_outside_the_workspace_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("OUTSIDE-SECRET")
    templates = tmp_path / "ws" / "templates"
    templates.mkdir(parents=True)
    (templates / "battlecard.html.j2").symlink_to(secret)
    try:
        page = render(kit_of(), "battlecard", templates)
    except RenderError:
        return
    assert "OUTSIDE-SECRET" not in page


def test_templates_are_sandboxed(tmp_path: Path) -> None:
    (tmp_path / "battlecard.html.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(RenderError):
        render(kit_of(), "battlecard", tmp_path)


@pytest.mark.parametrize("kind", ["index", "battlecard", "playbook", "value_prop"])
def test_every_builtin_template_renders_the_kit(kind: str) -> None:
    kit = kit_of(value_props=[value_prop()])
    page = render(kit, kind)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "DRAFT" in page
    # a customer-facing sheet (value_prop() is one) names the product, not the kit
    shown = kit.product if kind == "value_prop" else kit.title
    assert html.escape(shown, quote=False) in page


def test_every_template_file_and_asset_is_an_input(tmp_path: Path) -> None:
    (tmp_path / "battlecard.html.j2").write_text("mine")
    (tmp_path / "README.md").write_text("notes about the templates")
    (tmp_path / ".battlecard.html.j2.swp").write_text("editor junk")
    inputs = template_inputs(tmp_path)
    assert inputs["templates/battlecard.html.j2"] == hashlib.sha256(b"mine").hexdigest()
    assert not any("README" in name or ".swp" in name for name in inputs)
    builtin = inputs["kitgen:templates/battlecard.html.j2"]
    assert (
        builtin
        == hashlib.sha256((BUILTIN_TEMPLATES / "battlecard.html.j2").read_bytes()).hexdigest()
    )
    assert any(name.startswith("kitgen:assets/fonts/") for name in inputs)


def test_inputs_without_a_templates_folder(tmp_path: Path) -> None:
    inputs = template_inputs(tmp_path / "missing")
    assert inputs and all(name.startswith("kitgen:") for name in inputs)


def test_document_stem() -> None:
    assert Document("battlecard", "battlecards.x", "t", "battlecard-x.pdf", "internal").stem == (
        "battlecard-x"
    )

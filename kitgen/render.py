"""Kit → the list of documents it holds → HTML for each, through Jinja2 templates.

The environment is sandboxed, autoescapes every template whatever its file name, and fails on
any undefined name: user text can never become markup, and a template typo never renders
silently as an empty string.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from kitgen.errors import RenderError
from kitgen.fieldready import LIKELIHOOD
from kitgen.loader import known_references
from kitgen.model import KitFile, Requirement

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
ASSETS_DIR = Path(__file__).parent / "assets"

TEMPLATE_FOR_KIND = {
    "index": "index.html.j2",
    "battlecard": "battlecard.html.j2",
    "playbook": "playbook.html.j2",
    "value_prop": "value_prop.html.j2",
}


@dataclass(frozen=True)
class Document:
    """One PDF of a kit. ``ref`` is how requirements name it in ``delivered_by``."""

    kind: str
    ref: str
    title: str
    filename: str
    audience: str
    delivers: tuple[Requirement, ...] = ()
    pages: int = 0

    @property
    def stem(self) -> str:
        return self.filename.removesuffix(".pdf")


@dataclass(frozen=True)
class SignoffLine:
    name: str
    email: str
    side: str
    meaning: str
    time: str


@dataclass(frozen=True)
class BuildInfo:
    version: str
    digest: str
    draft: bool
    date: str
    timestamp: str
    kitgen_version: str
    signoffs: tuple[SignoffLine, ...] = field(default=())

    @property
    def digest_short(self) -> str:
        return self.digest[:12]


@dataclass(frozen=True)
class Changes:
    """Requirement changes shown on a version's index (PRODUCT.md §8 "What changed")."""

    previous: str
    since_previous: tuple[Any, ...]
    released: str | None
    since_released: tuple[Any, ...]


def plan_documents(kit: KitFile) -> list[Document]:
    """Every document of a kit, index first, each with the requirements it delivers."""

    def delivering(*refs: str) -> tuple[Requirement, ...]:
        return tuple(
            r
            for r in kit.requirements
            if r.status != "dropped"
            and any(d == ref or d.startswith(ref + ".") for d in r.delivered_by for ref in refs)
        )

    documents = [Document("index", "", "Kit index", "index.pdf", "internal")]
    for card in kit.battlecards:
        ref = f"battlecards.{card.id}"
        documents.append(
            Document("battlecard", ref, f"Battlecard: {card.competitor}",
                     f"battlecard-{card.id}.pdf", "internal", delivering(ref))
        )
    documents.append(
        Document("playbook", "playbook", "Staller-handling playbook", "playbook.pdf",
                 "internal", delivering("playbook"))
    )
    for vp in kit.value_props:
        ref = f"value_props.{vp.id}"
        documents.append(
            Document("value_prop", ref, f"Value proposition: {vp.persona}",
                     f"value-prop-{vp.id}.pdf", vp.audience, delivering(ref))
        )
    return documents


class ContainedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that never reads outside its folder, even through a symlink.

    Workspace templates arrive in pull requests; a link to /etc/passwd named battlecard.html.j2
    must not print that file into a PDF.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.root = root.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        if filename is None or not Path(filename).resolve().is_relative_to(self.root):
            raise RenderError(
                f"template {template!r} in {self.root} points outside it (a symbolic link?); "
                "kitgen reads templates only from inside the templates folder"
            )
        return source, filename, uptodate


def make_environment(workspace_templates: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if workspace_templates is not None and workspace_templates.is_dir():
        loaders.append(ContainedLoader(workspace_templates))
    loaders.append(ContainedLoader(BUILTIN_TEMPLATES))
    return ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def render_html(
    env: jinja2.Environment,
    kit: KitFile,
    document: Document,
    build: BuildInfo,
    documents: list[Document],
    changes: Changes | None = None,
    for_screen: bool = False,
) -> str:
    """The HTML of one document. Template errors become ``RenderError`` naming the template."""
    context: dict[str, Any] = {
        "kit": kit,
        "doc": document,
        "build": build,
        "assets_url": ASSETS_DIR.resolve().as_uri(),
        "labels": known_references(kit),
        "roadmap": {item.id: item for item in kit.roadmap},
        "changes": changes,
        # Links only in HTML meant for a browser: in a PDF, WeasyPrint would turn a relative
        # link into an absolute file:// URL naming the builder's folders.
        "for_screen": for_screen,
        "likelihood": LIKELIHOOD,
        # The index lists the other documents; its own row would only say "0 pages".
        "documents": [d for d in documents if d.kind != "index"],
    }
    item_id = document.ref.rsplit(".", 1)[-1]
    if document.kind == "battlecard":
        context["card"] = next(c for c in kit.battlecards if c.id == item_id)
    elif document.kind == "value_prop":
        context["vp"] = next(v for v in kit.value_props if v.id == item_id)
    elif document.kind == "playbook":
        context["playbook"] = kit.playbook
    name = TEMPLATE_FOR_KIND[document.kind]
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        where = f"{error.filename or error.name}:{error.lineno}"
        raise RenderError(f"template {where}: {error.message}") from None
    except jinja2.TemplateError as error:
        raise RenderError(f"template {name} failed for {document.filename}: {error}") from None


def template_inputs(workspace_templates: Path | None) -> dict[str, str]:
    """sha256 of every template and asset a render may read, named as the manifest shows them.

    All of them, not only those a render happened to load: over-including can only cause an
    extra version, while missing one could let two different outputs share a digest.
    """
    files: dict[str, Path] = {}
    for root, prefix in ((BUILTIN_TEMPLATES, "kitgen:templates"), (ASSETS_DIR, "kitgen:assets")):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[f"{prefix}/{path.relative_to(root).as_posix()}"] = path
    if workspace_templates is not None and workspace_templates.is_dir():
        for path in sorted(workspace_templates.rglob("*")):
            relative = path.relative_to(workspace_templates)
            if path.is_file() and not _ignored(relative):
                files[f"templates/{relative.as_posix()}"] = path
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()}


def _ignored(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts) or relative.suffix == ".md"

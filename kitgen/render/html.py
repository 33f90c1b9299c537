"""Kit → HTML for each of its documents, through the sandboxed Jinja2 templates; and the
template, asset and brand files a version's digest covers.

A render is bounded in time (``KITGEN_RENDER_TIMEOUT``) and in size.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any

import jinja2

from kitgen.base import settings
from kitgen.base.errors import RenderError
from kitgen.base.files import read_plain_file
from kitgen.base.limits import time_limit
from kitgen.load.brand import Brand
from kitgen.load.fieldready import LIKELIHOOD, not_for_customers, sellable_claims
from kitgen.load.model import KitFile, split_reference
from kitgen.load.references import known_references
from kitgen.render.branding import VERSION_PAGE_TO_WORKSPACE, brand_view
from kitgen.render.documents import (
    TEMPLATE_FOR_KIND,
    BuildInfo,
    Changes,
    Document,
    staller_assets,
    use_when,
)
from kitgen.render.eject import is_unchanged_copy
from kitgen.render.fit import battlecard_fit, customer_sheet_fit
from kitgen.render.paths import ASSETS_DIR, BUILTIN_TEMPLATES

MAX_HTML_CHARS = 16 * 1024 * 1024  # a full 1 MiB requirement file renders to far less


def _time_limit(seconds: float, what: str) -> contextlib.AbstractContextManager[None]:
    """Stop a runaway template (``{% for i in range(99999) %}{% for j in range(99999) %}``)."""
    return time_limit(seconds, lambda: RenderError(
        f"template for {what} ran longer than {seconds:g} s and was stopped",
        details=["A template loops too long; simplify it (KITGEN_RENDER_TIMEOUT sets the "
                 "limit)."],
    ))


def _generate_bounded(template: jinja2.Template, context: dict[str, Any], what: str) -> str:
    parts: list[str] = []
    size = 0
    for part in template.generate(context):
        size += len(part)
        if size > MAX_HTML_CHARS:
            raise RenderError(
                f"template for {what} makes more than {MAX_HTML_CHARS:,} characters of HTML",
                details=["A template repeats content without bound; simplify it."],
            )
        parts.append(part)
    return "".join(parts)


def render_html(
    env: jinja2.Environment,
    kit: KitFile,
    document: Document,
    build: BuildInfo,
    documents: list[Document],
    changes: Changes | None = None,
    for_screen: bool = False,
    brand: Brand | None = None,
) -> str:
    """The HTML of one document. Template errors become ``RenderError`` naming the template.

    ``for_screen``: the page for a browser, kept in the version folder (``index.html``, or
    ``released/index.html``): no page header or footer, fonts by a path relative to it.
    """
    assets_url = ASSETS_DIR.resolve().as_uri()
    context: dict[str, Any] = {
        # For a browser (the version's index.html), the brand's files by relative URL.
        "brand": brand_view(brand, VERSION_PAGE_TO_WORKSPACE if for_screen else None),
        "kit": kit,
        "doc": document,
        "build": build,
        "assets_url": assets_url,
        "fonts_url": screen_fonts_url(build) if for_screen else f"{assets_url}/fonts",
        "font_format": "woff" if for_screen else "otf",
        **({"templates_url": screen_templates_url(build)} if for_screen else {}),
        "labels": known_references(kit),
        "roadmap": {item.id: item for item in kit.roadmap},
        "changes": changes,
        # Links only in HTML meant for a browser: in a PDF, WeasyPrint would turn a relative
        # link into an absolute file:// URL naming the builder's folders.
        "for_screen": for_screen,
        "likelihood": LIKELIHOOD,
        # The index lists the other documents; its own row would only say "0 pages".
        "documents": [d for d in documents if d.kind != "index"],
        "built_on": built_on(kit, build),
        "approved_on": max((s.time[:10] for s in build.signoffs), default=""),
        # Internal documents carry the sign-off block once, at the foot of page one (a draft's
        # says who has yet to sign); the index shows the sign-off in its content, and a
        # customer-facing document names nobody.
        "signoff_on_page": document.kind != "index" and document.audience != "customer",
        "fit": None,
    }
    context |= document_context(kit, document, documents)
    return render_template(env, TEMPLATE_FOR_KIND[document.kind], context, document.filename)


def render_index_page(env: jinja2.Environment, kit: KitFile, build: BuildInfo,
                      documents: list[Document], changes: Changes | None = None,
                      brand: Brand | None = None) -> str:
    """The index as a page for a browser (``index.html`` beside ``index.pdf``), its links to the
    documents relative. Without kitgen's own folder: that names where kitgen is installed,
    which differs between machines and is nobody's business once the version is committed."""
    from markupsafe import escape

    index = next(d for d in documents if d.kind == "index")
    html = render_html(env, kit, index, build, documents, changes, for_screen=True, brand=brand)
    assets = ASSETS_DIR.resolve().as_uri()
    return html.replace(str(escape(assets)), "").replace(assets, "")


def document_context(kit: KitFile, document: Document, documents: list[Document]
                     ) -> dict[str, Any]:
    """What one kind of document shows besides what every page does."""
    item_id = split_reference(document.ref)[1]
    context: dict[str, Any] = {}
    if document.kind == "battlecard":
        card = next(c for c in kit.battlecards if c.id == item_id)
        context |= {"card": card, "fit": battlecard_fit(card)}
    elif document.kind == "value_prop":
        vp = next(v for v in kit.value_props if v.id == item_id)
        sellable = [vp.claims[j] for j in sellable_claims(kit, vp)]
        context |= {"vp": vp, "sellable": sellable,
                    "fit": customer_sheet_fit(vp, sellable) if vp.audience == "customer" else None}
    elif document.kind == "playbook":
        context |= {"playbook": kit.playbook, "assets": staller_assets(kit, documents)}
    elif document.kind == "index":
        context |= {"use_when": {d.filename: use_when(kit, d) for d in documents},
                    "not_for_customers": not_for_customers(kit)}
    return context


def screen_fonts_url(build: BuildInfo) -> str:
    """Where a version's page for a browser finds the fonts: ``kits/_fonts/``, written by every
    build, relative to ``kits/<kit>/<version>/`` (draft) or ``…/released/``."""
    return "../../_fonts" if build.draft else "../../../_fonts"


def screen_templates_url(build: BuildInfo) -> str:
    """The workspace's templates/ folder, relative to a version's page for a browser."""
    return "../../../templates" if build.draft else "../../../../templates"


def built_on(kit: KitFile, build: BuildInfo) -> str | None:
    """The build date a page may print: only one the build really had (SOURCE_DATE_EPOCH), not
    the launch date kitgen stamps PDFs with when nothing else is given."""
    fallback = f"{kit.launch.isoformat()}T00:00:00Z"
    return None if build.timestamp == fallback else build.date


def render_template(env: jinja2.Environment, name: str, context: dict[str, Any], what: str) -> str:
    """Render one template within the time and size limits; any failure is a ``RenderError``
    naming the template (exit 2), since templates and data are the user's, never a crash."""
    try:
        with _time_limit(settings.render_seconds(), what):
            return _generate_bounded(env.get_template(name), context, what)
    except jinja2.TemplateSyntaxError as error:
        where = f"{error.filename or error.name}:{error.lineno}"
        raise RenderError(f"template {where}: {error.message}") from None
    except jinja2.TemplateError as error:
        raise RenderError(f"template {name} failed for {what}: {error}") from None
    except RecursionError:
        raise RenderError(f"template {name} failed for {what}: it calls itself without end "
                          "(a macro or include that never stops)") from None
    except RenderError:
        raise
    except Exception as error:  # noqa: BLE001 - a template's own fault, e.g. {{ 1 + 'a' }}
        raise RenderError(f"template {name} failed for {what}: "
                          f"{type(error).__name__}: {error}"[:500]) from None


def template_inputs(workspace_templates: Path | None,
                    brand: Brand | None = None) -> dict[str, str]:
    """sha256 of every template, asset and brand file a render may read, named as the manifest
    shows them: ``kitgen:templates/…``, ``kitgen:assets/…``, ``templates/…`` and ``brand:…``
    (the brand file and each logo and font it names, by their path in the workspace).

    All of them, not only those a render happened to load: over-including can only cause an
    extra version, while missing one could let two different outputs share a digest. A
    workspace template that is kitgen's own unchanged — a fresh ``kitgen templates eject``,
    whose header comment renders to nothing — renders exactly as the built-in one, so it is
    left out: ejecting makes no new version, editing the copy does.
    """
    files: dict[str, Path] = {}
    for root, prefix in ((BUILTIN_TEMPLATES, "kitgen:templates"), (ASSETS_DIR, "kitgen:assets")):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[f"{prefix}/{path.relative_to(root).as_posix()}"] = path
    if workspace_templates is not None and workspace_templates.is_dir():
        for path in sorted(workspace_templates.rglob("*")):
            relative = path.relative_to(workspace_templates)
            if not _ignored(relative) and (path.is_symlink() or not path.is_dir()):
                files[f"templates/{relative.as_posix()}"] = path
    # A workspace file is read as a regular file of the workspace (base/files.py): a link out
    # of it, a FIFO or a device in templates/ is refused (exit 2), never hashed into a manifest.
    workspace = workspace_templates.parent if workspace_templates is not None else None
    inputs = {}
    for name, path in files.items():
        data = read_plain_file(path, workspace if name.startswith("templates/") else None,
                               shown=name)
        if name.startswith("templates/") and is_unchanged_copy(path, workspace_templates, data):
            continue
        inputs[name] = hashlib.sha256(data).hexdigest()
    for file in brand.files if brand is not None else ():
        inputs[f"brand:{file.name}"] = file.sha256
    return inputs


def _ignored(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts) or relative.suffix == ".md"

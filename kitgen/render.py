"""Kit → the list of documents it holds → HTML for each, through Jinja2 templates.

The environment is sandboxed, autoescapes every template whatever its file name, and fails on
any undefined name: user text can never become markup, and a template typo never renders
silently as an empty string. Workspace templates arrive in pull requests, so the sandbox is
tightened further (``KitSandbox``) and a render is bounded in time and size.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel

from kitgen.errors import RenderError
from kitgen.fieldready import LIKELIHOOD
from kitgen.limits import time_limit
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

    @classmethod
    def of(cls, version: str, digest: str, when: dt.datetime,
           signoffs: tuple[SignoffLine, ...] | None = None) -> BuildInfo:
        """What the documents of ``version`` print about it: a draft without ``signoffs``,
        released with them; ``when`` is the version's time (never the clock)."""
        from kitgen import __version__

        return cls(version=version, digest=digest, draft=signoffs is None,
                   date=when.date().isoformat(), timestamp=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   kitgen_version=__version__, signoffs=signoffs or ())


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
    ) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        if not filename or not Path(filename).resolve().is_relative_to(self.root):
            raise RenderError(
                f"template {template!r} in {self.root} points outside it (a symbolic link?); "
                "kitgen reads templates only from inside the templates folder"
            )
        return source, filename, uptodate


MAX_HTML_CHARS = 16 * 1024 * 1024  # a full 1 MiB requirement file renders to far less
MAX_REPEAT = 1_000_000  # longest string or list one operation in a template may make
MAX_INT_BITS = 100_000
# A width of five digits or more in a format string: "{:>99999999}" or "%099999999d".
_HUGE_WIDTH = re.compile(r"%[-#0 +]*(\*|\d{5,}|\d*\.\d{5,})|\{[^{}]*:[^{}]*\d{5,}[^{}]*\}")
_PADDING_METHODS = {"ljust", "rjust", "center", "zfill", "expandtabs"}
_SIZED_FILTERS = ("center", "indent", "batch", "slice", "wordwrap", "truncate", "format")


class KitSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, closed further for the objects kitgen hands to templates.

    pydantic models carry class methods such as ``parse_file`` and ``parse_raw``, which read
    files and can unpickle (``{{ kit.parse_raw(x, proto='pickle', allow_pickle=True) }}`` runs
    code): on a model a template may read its fields and nothing else, and on a class nothing
    at all. Operations that make one huge value in a single step (``'x' * 10**10``,
    ``10**10**10``, ``'{:>999999999}'.format(1)``) are refused before they run, since neither
    the time limit (a signal, handled between steps) nor the size limit could stop them.
    """

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name in _SIZED_FILTERS:
            self.filters[name] = _bounded_filter(self.filters[name])

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value) or isinstance(obj, type):
            return False
        if isinstance(obj, BaseModel):
            return attr in type(obj).model_fields
        return True

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
            if isinstance(left, int) and isinstance(right, int):
                _check_bits(left.bit_length() + right.bit_length())
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            _check_bits(max(left.bit_length(), 1) * right)
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # Checked when `'…'.format` is looked up, as Jinja sandboxes it there.
        owner = getattr(value, "__self__", None)
        if isinstance(owner, str) and getattr(value, "__name__", "") in ("format", "format_map"):
            _check_format(owner)
        return super().wrap_str_format(value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and getattr(__obj, "__name__", "") in _PADDING_METHODS:
            _check_sizes(args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


def _refuse(what: str) -> SecurityError:
    return SecurityError(f"{what}; a template may not make values that large")


def _check_repeat(sequence: Any, times: Any) -> None:
    if (isinstance(sequence, str | list | tuple) and isinstance(times, int)
            and len(sequence) * times > MAX_REPEAT):
        raise _refuse(f"repeating {len(sequence)} items {times} times")


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise _refuse(f"a number of about {bits} bits")


def _check_format(text: str) -> None:
    if _HUGE_WIDTH.search(text):
        raise _refuse("a format width of five digits or more")


def _check_sizes(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_REPEAT:
            raise _refuse(f"a size of {value}")
        if isinstance(value, str):
            _check_format(value)


def _bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter whose size arguments are checked first (``|center(999999999)``)."""
    skip = 2 if getattr(function, "jinja_pass_arg", None) else 1  # the context and the value

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_sizes(args[skip:], kwargs)
        if function.__name__ == "do_format" and len(args) >= skip and isinstance(args[skip - 1],
                                                                                 str):
            _check_format(args[skip - 1])
        return function(*args, **kwargs)

    return bounded


def make_environment(workspace_templates: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if workspace_templates is not None and workspace_templates.is_dir():
        loaders.append(ContainedLoader(workspace_templates))
    loaders.append(ContainedLoader(BUILTIN_TEMPLATES))
    return KitSandbox(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def render_seconds() -> float:
    """KITGEN_RENDER_TIMEOUT, the same limit WeasyPrint's layout runs under (pdf.py)."""
    try:
        return float(os.environ.get("KITGEN_RENDER_TIMEOUT", "60"))
    except ValueError:
        return 60.0


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
    return render_template(env, TEMPLATE_FOR_KIND[document.kind], context, document.filename)


def render_template(env: jinja2.Environment, name: str, context: dict[str, Any], what: str) -> str:
    """Render one template within the time and size limits; any failure is a ``RenderError``
    naming the template (exit 2), since templates and data are the user's, never a crash."""
    try:
        with _time_limit(render_seconds(), what):
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

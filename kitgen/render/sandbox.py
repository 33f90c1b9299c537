"""The Jinja2 environment templates run in: sandboxed, autoescaped, strict, bounded.

The environment autoescapes every template whatever its file name and fails on any undefined
name: user text can never become markup, and a template typo never renders silently as an
empty string. Workspace templates arrive in pull requests, so the sandbox is tightened further
(``KitSandbox``) and never reads a template through a link out of its folder.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel

from kitgen.base.errors import RenderError, UnreadableFile
from kitgen.base.files import read_plain_file
from kitgen.render.paths import BUILTIN_TEMPLATES


class ContainedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that never reads outside its folder, even through a symlink, and
    never opens anything but a regular file (base/files.py).

    Workspace templates arrive in pull requests; a link to /etc/passwd named battlecard.html.j2
    must not print that file into a PDF, and a FIFO of that name must not stop the build.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.root = root.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Any]:
        path = self.root.joinpath(*split_template_path(template))
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        try:
            source = read_plain_file(path, self.root, shown=template).decode(self.encoding)
        except UnreadableFile as error:
            raise RenderError(f"template {template!r} in {self.root}: {error.reason}; kitgen "
                              "reads templates only from inside the templates folder") from None
        except UnicodeDecodeError as error:
            raise RenderError(f"template {template!r} in {self.root} is not UTF-8 text: "
                              f"{error}") from None
        mtime = os.path.getmtime(path)

        def uptodate() -> bool:
            try:
                return os.path.getmtime(path) == mtime
            except OSError:
                return False

        return source, str(path), uptodate


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
    env = KitSandbox(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    # Where a template finds the workspace's own files (a font, a logo) by an absolute URL,
    # which no <base> can redirect (render/html.py makes it relative in pages for a browser).
    if workspace_templates is not None:
        env.globals["templates_url"] = workspace_templates.resolve().as_uri()
    return env

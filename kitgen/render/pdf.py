"""HTML → PDF with WeasyPrint, locked down.

This is the only module that imports WeasyPrint, and it does so lazily: ``kitgen --help``,
``check`` and ``status`` never pay for it. Fonts come only from kitgen's own assets (fontconfig
is pointed at a config naming that folder alone), so output does not depend on the machine.

Rendering many documents uses a pool of processes (``open_pool``). Where the platform forks,
WeasyPrint is imported once in the parent first, so no worker pays for the import again; each
process then makes its own FontConfiguration, and runs its renders in its main thread, where the
time limit (SIGALRM) works.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from kitgen.base import settings
from kitgen.base.errors import InputError, RenderError
from kitgen.base.limits import time_limit
from kitgen.render.layout import FONT_SUFFIXES, LayoutFinding, font_files, inspect_pages
from kitgen.render.paths import FONTCONFIG_FILE


class RenderedPdf(NamedTuple):
    pdf: bytes
    pages: int
    layout: tuple[LayoutFinding, ...] = ()  # what render/layout.py found on the laid-out pages


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    description: str


@cache
def _weasyprint() -> Any:
    # fontconfig reads FONTCONFIG_FILE once, when Pango first asks for a font: it must be set
    # before WeasyPrint is imported so that no system font can ever be chosen.
    os.environ["FONTCONFIG_FILE"] = str(FONTCONFIG_FILE)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError), _without_library_search():
            import weasyprint

            return weasyprint
        for name in [m for m in sys.modules if m.split(".")[0] == "weasyprint"]:
            del sys.modules[name]
    import weasyprint

    return weasyprint


@contextlib.contextmanager
def _without_library_search() -> Iterator[None]:
    """WeasyPrint tries several names per library (Windows', macOS', Linux's) and cffi asks
    ``ctypes.util.find_library`` about each name that fails, which on Linux runs ldconfig, gcc
    and ld: about 20 processes and a third of a second before the Linux name (a soname, which
    dlopen finds directly) is tried. Skip that search; if the import then fails, the caller
    imports again with it."""
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # WeasyPrint's advice, if it fails
            yield
    finally:
        ctypes.util.find_library = search


# One FontConfiguration per process, keyed by pid. A forked worker inherits its parent's entry
# and must keep it referenced: dropping it would run its __del__, which deletes the temporary
# font folder the parent is still using. WeasyPrint keeps the first bytes it loads for an
# @font-face rule, so a process makes a new one whenever the files it may read have changed
# (a long-running process, such as a watcher, would otherwise draw with the old font).
_FONT_CONFIGS: dict[int, tuple[str, Any]] = {}


def _font_config(files_digest: str = "") -> Any:
    held = _FONT_CONFIGS.get(os.getpid())
    if held is None or held[0] != files_digest:
        _weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        if held is not None:
            _drop_font_config()
        held = _FONT_CONFIGS[os.getpid()] = (files_digest, FontConfiguration())
    return held[1]


def make_fetcher(allowed_roots: Sequence[Path],
                 allowed_files: Sequence[tuple[Path, str]] = ()) -> Any:
    """A URL fetcher that serves only local files inside ``allowed_roots``, and the files
    ``allowed_files`` names (a brand's logos and fonts) with exactly the sha256 given.

    Deny by default: no network scheme, no redirects, nothing outside the roots (symlinks
    are resolved before the check), so a hostile template, datum or SVG logo can read nothing
    else. A brand file whose bytes changed since they were checked stops the render: the PDF
    would not be what the version's digest says.
    """
    weasyprint = _weasyprint()
    roots = [root.resolve() for root in allowed_roots]
    files = {path.resolve(): sha256 for path, sha256 in allowed_files}

    class LocalOnlyFetcher(weasyprint.urls.URLFetcher):  # type: ignore[misc,name-defined]
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "data":  # the bytes are in the URL: nothing is read or sent
                return _data_response(weasyprint, url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"kitgen fetches no {parts.scheme or 'relative'} URLs: {url[:80]}")
            path = Path(unquote(parts.path)).resolve()
            if path in files:
                data = path.read_bytes()
                if hashlib.sha256(data).hexdigest() != files[path]:
                    raise BrandFileChanged(str(path))
                kind = {"Content-Type": "image/svg+xml"} if path.suffix.lower() == ".svg" else {}
                return weasyprint.urls.URLFetcherResponse(url, data, headers=kind)
            if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
                raise ValueError(f"kitgen reads no file outside its assets and templates: {path}")
            return weasyprint.urls.URLFetcherResponse(url, path.read_bytes())

    class BrandFileChanged(weasyprint.urls.FatalURLFetchingError):  # type: ignore[misc,name-defined]
        pass

    return LocalOnlyFetcher(allow_redirects=False)


def _data_response(weasyprint: Any, url: str) -> Any:
    header, _, payload = url.removeprefix("data:").partition(",")
    kind = header.split(";")[0] or "text/plain"
    data = (base64.b64decode(payload) if header.endswith(";base64")
            else unquote_to_bytes(payload))
    return weasyprint.urls.URLFetcherResponse(url, data, headers={"Content-Type": kind})


def layout_seconds() -> float:
    """The time limit of WeasyPrint's layout: the same setting as the templates'."""
    return settings.render_seconds()


def _time_limit(seconds: float, what: str) -> contextlib.AbstractContextManager[None]:
    """Stop a runaway render."""
    return time_limit(seconds, lambda: RenderError(
        f"rendering {what} took longer than {seconds:g} s and was stopped",
        details=["A template or an input produces pathological layout; shorten the text "
                 "or simplify the template (KITGEN_RENDER_TIMEOUT sets the limit)."],
    ))


@contextlib.contextmanager
def _source_date_epoch(when: dt.datetime) -> Iterator[None]:
    """fontTools stamps subset fonts with the clock unless SOURCE_DATE_EPOCH is set."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(when.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def render_pdf(
    html: str,
    *,
    what: str,
    base_url: Path,
    allowed_roots: Sequence[Path],
    identifier: bytes,
    when: dt.datetime,
    attachments: Sequence[Attachment] = (),
    files_digest: str = "",
    allowed_files: Sequence[tuple[Path, str]] = (),
) -> RenderedPdf:
    """Render one document; return its PDF bytes, page count and layout findings.
    ``files_digest`` names the state of the files under ``allowed_roots`` and of
    ``allowed_files`` (see ``_font_config``)."""
    weasyprint = _weasyprint()
    fetcher = make_fetcher(allowed_roots, allowed_files)
    with _time_limit(layout_seconds(), what), _source_date_epoch(when):
        try:
            document = weasyprint.HTML(
                string=html, base_url=base_url.as_uri() + "/", url_fetcher=fetcher
            ).render(font_config=_font_config(files_digest))
        except RecursionError:
            raise RenderError(
                f"{what} nests elements too deeply to lay out",
                details=["Simplify the template: WeasyPrint lays out nested elements recursively."],
            ) from None
        except weasyprint.urls.FatalURLFetchingError as error:
            raise RenderError(
                f"rendering {what}: the brand file {error} changed while kitgen was building",
                details=["Build again once the brand's files stay as they are."],
            ) from None
        pages = len(document.pages)
        check_page_limit(pages, what)
        # The fonts the page may draw with: kitgen's, the workspace's, and the brand's.
        brand_fonts = tuple(path for path, _ in allowed_files
                            if path.suffix.lower() in FONT_SUFFIXES)
        layout = inspect_pages(document.pages, font_files(allowed_roots) + brand_fonts)
        files = [
            # Attachments default to the wall clock; pin them to the build time.
            weasyprint.Attachment(
                file_obj=io.BytesIO(a.data),
                name=a.name,
                description=a.description,
                created=when,
                modified=when,
                url_fetcher=fetcher,
            )
            for a in attachments
        ]
        pdf = document.write_pdf(
            # No identifier (b""), no /ID: optional in PDF/UA-1, and pydyf serialises every
            # object a second time to hash them for one, about a tenth of a render.
            pdf_identifier=identifier or None,
            attachments=files or None,
            # PDF/UA-1: tagged structure, language, title shown, declared in XMP metadata.
            pdf_variant="pdf/ua-1",
            pdf_tags=True,
            custom_metadata=True,
        )
    return RenderedPdf(pdf, pages, layout)


def check_page_limit(pages: int, what: str) -> None:
    """Also applied to a document taken from the cache, which was rendered under another limit."""
    limit = settings.max_pages()
    if pages > limit:
        raise RenderError(
            f"{what} would be {pages} pages; the limit is {limit}",
            details=["Shorten the content, or raise KITGEN_MAX_PAGES if this is intended."],
        )


@dataclass(frozen=True)
class RenderJob:
    """Everything one render reads besides the files under ``allowed_roots``; picklable, so a
    worker process can take it."""

    html: str
    what: str
    base_url: Path
    allowed_roots: tuple[Path, ...]
    identifier: bytes
    when: dt.datetime
    attachments: tuple[Attachment, ...] = field(default=())
    files_digest: str = ""  # of the files under allowed_roots and allowed_files
    allowed_files: tuple[tuple[Path, str], ...] = ()  # a brand's files, with their sha256


@dataclass(frozen=True)
class RenderFailure:
    """A ``RenderError`` or bad input (a setting the worker read, say) raised in a worker,
    carried back whole (exceptions with keyword-only arguments do not survive pickling)."""

    message: str
    details: tuple[str, ...]
    bad_input: bool = False  # an InputError (exit 2), not a RenderError


def render_in_worker(job: RenderJob) -> RenderedPdf | RenderFailure:
    """Render one job, in whichever process the executor runs it."""
    try:
        return render_pdf(
            job.html,
            what=job.what,
            base_url=job.base_url,
            allowed_roots=job.allowed_roots,
            identifier=job.identifier,
            when=job.when,
            attachments=job.attachments,
            files_digest=job.files_digest,
            allowed_files=job.allowed_files,
        )
    except RenderError as error:
        return RenderFailure(error.message, tuple(error.details))
    except InputError as error:  # e.g. KITGEN_MAX_PAGES=many, read where the page count is known
        return RenderFailure(error.message, tuple(error.details), bad_input=True)


def result_of(future: Future[Any]) -> RenderedPdf:
    """The outcome of a submitted ``RenderJob``; a worker's ``RenderError`` is raised here."""
    outcome = future.result()
    if isinstance(outcome, RenderFailure):
        error = InputError if outcome.bad_input else RenderError
        raise error(outcome.message, details=list(outcome.details))
    return outcome  # type: ignore[no-any-return]


class InlineExecutor(Executor):
    """Renders in this process, at submit time: ``--jobs 1``, with no pool to start or feed."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - handed to whoever reads the future
            future.set_exception(error)
        return future


def release_memory() -> None:
    """Hand memory freed by finished renders back to the system (glibc keeps it otherwise):
    a long build rendering in one process then grows a little less with every kit."""
    import gc

    gc.collect()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None).malloc_trim(0)


def default_jobs() -> int:
    """The cores this process may use (a container's CPU limit included where visible)."""
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def open_pool(jobs: int) -> Executor:
    """An executor for ``render_in_worker``: this process for one job, else a process pool."""
    if jobs <= 1:
        return InlineExecutor()
    if sys.platform.startswith("linux"):
        # Fork after importing WeasyPrint: the workers share the imported modules. (macOS's
        # system libraries are not fork-safe, so elsewhere each worker imports for itself;
        # a spawned worker imports the main module, so kitgen/__main__.py needs its
        # `if __name__ == "__main__"` guard there.)
        _weasyprint()
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                               initargs=(os.getpid(),))


def _init_worker(parent: int) -> None:
    from multiprocessing.util import Finalize

    # The parent handles Ctrl-C and shuts the pool down; a worker finishes its document.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    Finalize(None, _drop_font_config, exitpriority=10)
    if sys.platform.startswith("linux"):
        # A parent killed outright (kill -9, the OOM killer) cannot shut the pool down, and a
        # forked worker waiting for work would wait forever: have the kernel end it too.
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent was gone before that took effect
            os._exit(1)


def _drop_font_config() -> None:
    """Delete this process's FontConfiguration's temporary font folder now: WeasyPrint's caches
    keep the object alive past its use, and a worker leaves through os._exit, which runs no
    __del__ at all."""
    held = _FONT_CONFIGS.pop(os.getpid(), None)
    if held is not None:
        held[1].__del__()  # idempotent: removes the folder, ignoring errors

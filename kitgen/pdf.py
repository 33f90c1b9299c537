"""HTML → PDF with WeasyPrint, locked down (PRODUCT.md §5, §7).

This is the only module that imports WeasyPrint, and it does so lazily: ``kitgen --help``,
``check`` and ``status`` never pay for it. Fonts come only from kitgen's own assets (fontconfig
is pointed at a config naming that folder alone), so output does not depend on the machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from kitgen.errors import RenderError

ASSETS_DIR = Path(__file__).parent / "assets"
FONTS_DIR = ASSETS_DIR / "fonts"
FONTCONFIG_FILE = ASSETS_DIR / "fonts.conf"
MAX_PAGES = int(os.environ.get("KITGEN_MAX_PAGES", "40"))
RENDER_SECONDS = float(os.environ.get("KITGEN_RENDER_TIMEOUT", "60"))


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
    import weasyprint

    return weasyprint


@cache
def _font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    _weasyprint()
    return FontConfiguration()


def make_fetcher(allowed_roots: Sequence[Path]) -> Any:
    """A URL fetcher that serves only local files inside ``allowed_roots``.

    Deny by default: no network scheme, no redirects, nothing outside the roots (symlinks
    are resolved before the check), so a hostile template or datum can read nothing else.
    """
    weasyprint = _weasyprint()
    roots = [root.resolve() for root in allowed_roots]

    class LocalOnlyFetcher(weasyprint.urls.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"kitgen fetches no {parts.scheme or 'relative'} URLs: {url[:80]}")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
                raise ValueError(f"kitgen reads no file outside its assets and templates: {path}")
            return weasyprint.urls.URLFetcherResponse(url, path.read_bytes())

    return LocalOnlyFetcher(allow_redirects=False)


@contextlib.contextmanager
def _time_limit(seconds: float, what: str) -> Iterator[None]:
    """Stop a runaway render. SIGALRM works only in the main thread; elsewhere no limit."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise RenderError(
            f"rendering {what} took longer than {seconds:g} s and was stopped",
            details=["A template or an input produces pathological layout; shorten the text "
                     "or simplify the template (KITGEN_RENDER_TIMEOUT sets the limit)."],
        )

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
) -> tuple[bytes, int]:
    """Render one document; return its PDF bytes and page count."""
    weasyprint = _weasyprint()
    fetcher = make_fetcher(allowed_roots)
    with _time_limit(RENDER_SECONDS, what), _source_date_epoch(when):
        document = weasyprint.HTML(
            string=html, base_url=base_url.as_uri() + "/", url_fetcher=fetcher
        ).render(font_config=_font_config())
        pages = len(document.pages)
        if pages > MAX_PAGES:
            raise RenderError(
                f"{what} would be {pages} pages; the limit is {MAX_PAGES}",
                details=["Shorten the content, or raise KITGEN_MAX_PAGES if this is intended."],
            )
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
            pdf_identifier=identifier,
            attachments=files or None,
            pdf_tags=True,
            custom_metadata=True,
        )
    return pdf, pages

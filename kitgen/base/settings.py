"""Every setting kitgen takes from the environment, in one place.

Each is read when it is needed, not at import, so a long-running process (``kitgen watch``) and
the tests see the environment as it is now. A value that cannot be understood is bad input
(exit 2) naming the variable and what it should hold; it never falls back silently, since a
CI job that sets ``KITGEN_RENDER_TIMEOUT=5m`` believes it set a limit.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from kitgen.base.errors import SettingError

RENDER_TIMEOUT = "KITGEN_RENDER_TIMEOUT"
MAX_PAGES = "KITGEN_MAX_PAGES"
CACHE = "KITGEN_CACHE"
CACHE_DIR = "KITGEN_CACHE_DIR"
CACHE_MAX_MB = "KITGEN_CACHE_MAX_MB"
TODAY = "KITGEN_TODAY"
NAME = "KITGEN_NAME"
EMAIL = "KITGEN_EMAIL"
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
# The test-only crash hook (base/files.py ``pause_point``).
TEST_PAUSE_AT = "KITGEN_TEST_PAUSE_AT"
TEST_PAUSE_MARKER = "KITGEN_TEST_PAUSE_MARKER"

DEFAULT_RENDER_SECONDS = 60.0
DEFAULT_MAX_PAGES = 40
DEFAULT_CACHE_MAX_MB = 500
_OFF = ("off", "0", "no", "false")


def _text(name: str) -> str:
    return os.environ.get(name, "").strip()


def _number(name: str, default: float, what: str, example: str, minimum: float = 0) -> float:
    value = _text(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number >= minimum or number == float("inf"):
        raise SettingError(name, value, f"{what}, e.g. {name}={example}")
    return number


def render_seconds() -> float:
    """How long one template or one layout may run before it is stopped (0: no limit)."""
    return _number(RENDER_TIMEOUT, DEFAULT_RENDER_SECONDS, "a number of seconds", "120")


def max_pages() -> int:
    """The most pages one document may have."""
    return int(_number(MAX_PAGES, DEFAULT_MAX_PAGES, "a whole number of pages", "60"))


def cache_root() -> Path | None:
    """Where the document cache lives, or None when ``KITGEN_CACHE=off``."""
    setting = _text(CACHE).lower()
    if setting in _OFF:
        return None
    if setting and setting not in ("on", "1", "yes", "true"):
        raise SettingError(CACHE, _text(CACHE), "on or off")
    explicit = _text(CACHE_DIR)
    if explicit:
        return Path(explicit)
    base = _text("XDG_CACHE_HOME")
    if base:
        return Path(base) / "kitgen"
    try:
        return Path.home() / ".cache" / "kitgen"
    except RuntimeError:  # no home folder to be found: build without a cache
        return None


def cache_max_bytes() -> int:
    megabytes = _number(CACHE_MAX_MB, DEFAULT_CACHE_MAX_MB, "a number of megabytes", "200")
    return int(megabytes * 1024 * 1024)


def today() -> dt.date:
    """The clock's date, or ``KITGEN_TODAY=YYYY-MM-DD`` for tests and reproducible runs."""
    value = _text(TODAY)
    if not value:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise SettingError(TODAY, value, "a date written YYYY-MM-DD") from None


def source_date_epoch() -> dt.datetime | None:
    """The build time ``SOURCE_DATE_EPOCH`` pins (reproducible-builds.org), if set."""
    value = _text(SOURCE_DATE_EPOCH)
    if not value:
        return None
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise SettingError(SOURCE_DATE_EPOCH, value, "a number of seconds since 1970") from None


def signer_from_environment() -> tuple[str, str]:
    """``KITGEN_NAME`` and ``KITGEN_EMAIL`` as set ("" when not)."""
    return _text(NAME), _text(EMAIL)


def crash_hook() -> tuple[str, str]:
    """The test-only crash hook: where to pause, and the marker file to write there."""
    return os.environ.get(TEST_PAUSE_AT, ""), os.environ.get(TEST_PAUSE_MARKER, "")

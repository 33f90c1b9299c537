"""``kitgen doctor``: can this machine build, sign and verify kits; if not, how to fix it.

Each check returns a ``Check``; nothing here prints. Required pieces are those without which
``kitgen build`` cannot make a correct PDF (WeasyPrint 70+, Pango, kitgen's fonts found through
its own fontconfig file, and the workspace's brand file when there is one: its fonts must be
the ones a page is drawn with). The rest only matter for some work and never fail the doctor: the
HarfBuzz subsetter makes builds faster, a git identity is one of three ways to name a signer
(``--name/--email`` and ``KITGEN_NAME/KITGEN_EMAIL`` are the others, which is what CI uses), and
``ssh-keygen`` is needed only for signed sign-offs.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from kitgen.base import settings
from kitgen.base.git import git_config

MIN_WEASYPRINT = 70
FONT_FILES = ("Inter-Regular.otf", "Inter-Italic.otf", "Inter-SemiBold.otf", "Inter-Bold.otf",
              "COPYRIGHT-Inter")
REINSTALL = ("python -m pip install --force-reinstall kitgen  "
             "(in a checkout: python -m pip install -e .)")


@dataclass(frozen=True)
class Fix:
    debian: str
    macos: str


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    required: bool
    detail: str
    fix: Fix | None = None
    why: str = ""

    @property
    def status(self) -> str:
        if self.ok:
            return "ok"
        return "missing" if self.required else "warning"

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "status": self.status,
            "ok": self.ok,
            "required": self.required,
            "detail": self.detail,
            "why": self.why,
            "fix": None if self.fix is None
            else {"debian": self.fix.debian, "macos": self.fix.macos},
        }


@dataclass
class _RenderProbe:
    """One tiny render shared by the Pango and fontconfig checks (it costs a WeasyPrint import)."""

    pdf: bytes | None = None
    error: str = ""


def check_weasyprint_version() -> Check:
    fix = Fix(f"python -m pip install 'weasyprint>={MIN_WEASYPRINT}'",
              f"python -m pip install 'weasyprint>={MIN_WEASYPRINT}'")
    why = f"kitgen needs WeasyPrint {MIN_WEASYPRINT} or later for its URL fetcher fixes"
    try:
        version = metadata.version("weasyprint")
    except metadata.PackageNotFoundError:
        return Check("WeasyPrint", False, True, "not installed", fix, why)
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) < MIN_WEASYPRINT:
        return Check("WeasyPrint", False, True, f"version {version} is too old", fix, why)
    return Check("WeasyPrint", True, True, f"version {version}")


def check_pango(probe: _RenderProbe) -> Check:
    fix = Fix("sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0", "brew install pango")
    why = "WeasyPrint lays out and draws every page with Pango"
    if probe.pdf is None:
        return Check("Pango", False, True, f"WeasyPrint cannot render a page: {probe.error}",
                     fix, why)
    try:
        number = int(_text_libraries().pango.pango_version())
        version = f"{number // 10000}.{number // 100 % 100}.{number % 100}"
    except Exception:  # noqa: BLE001 - the version is a nicety; the render already worked
        version = "unknown version"
    return Check("Pango", True, True, f"{version}; a test page rendered")


def check_font_files(fonts_dir: Path) -> Check:
    missing = [name for name in FONT_FILES if not (fonts_dir / name).is_file()]
    if missing:
        return Check("kitgen fonts", False, True, f"missing in {fonts_dir}: {', '.join(missing)}",
                     Fix(REINSTALL, REINSTALL), "kitgen renders with its own Inter font only")
    return Check("kitgen fonts", True, True, f"Inter (4 styles) in {fonts_dir}")


def check_fontconfig_finds_inter(probe: _RenderProbe, fontconfig_file: Path) -> Check:
    fix = Fix(f"sudo apt-get install libfontconfig1; then {REINSTALL}",
              f"brew install fontconfig; then {REINSTALL}")
    why = f"fonts are found through fontconfig with {fontconfig_file} only, never the system's"
    if probe.pdf is None:
        return Check("fontconfig finds Inter", False, True,
                     "no test page to look at (see Pango)", fix, why)
    fonts = _pdf_font_names(probe.pdf)
    if not any("Inter" in name for name in fonts):
        found = ", ".join(fonts) or "no font"
        return Check("fontconfig finds Inter", False, True,
                     f"the test page used {found} instead of Inter", fix, why)
    return Check("fontconfig finds Inter", True, True, f"through {fontconfig_file}")


def check_harfbuzz_subset(probe: _RenderProbe) -> Check:
    fix = Fix("sudo apt-get install libharfbuzz-subset0", "brew install harfbuzz")
    why = "optional: HarfBuzz subsets fonts about six times faster than fontTools"
    try:
        ffi = _text_libraries()
        present = ffi.harfbuzz_subset is not None and bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))
    except Exception as error:  # noqa: BLE001 - WeasyPrint itself failed; Pango reports it
        return Check("HarfBuzz subset", False, False, f"cannot tell: {error}", fix, why)
    if not present:
        return Check("HarfBuzz subset", False, False,
                     "not found (4.1 or later); builds fall back to fontTools, slower", fix, why)
    return Check("HarfBuzz subset", True, False, "found; fonts are subset by HarfBuzz")


def check_git_identity(cwd: Path) -> Check:
    fix = Fix('git config --global user.name "Your Name" && '
              "git config --global user.email you@example.com",
              'git config --global user.name "Your Name" && '
              "git config --global user.email you@example.com")
    why = ("optional: names you in sign-offs when neither --name/--email nor "
           "KITGEN_NAME/KITGEN_EMAIL is given")
    env_name, env_email = settings.signer_from_environment()
    if env_email.strip():
        return Check("signer identity", True, False,
                     f"{env_name.strip() or env_email.strip()} <{env_email.strip()}> "
                     "from KITGEN_NAME/KITGEN_EMAIL")
    git = shutil.which("git")
    if git is None:
        return Check("signer identity", False, False, "git is not installed",
                     Fix("sudo apt-get install git", "xcode-select --install"), why)
    name, email = git_config("user.name", cwd), git_config("user.email", cwd)
    if not email:
        return Check("signer identity", False, False, "git user.email is not set", fix, why)
    return Check("signer identity", True, False, f"{name or email} <{email}> from git config")


def check_brand(root: Path) -> Check:
    """The workspace's brand file is usable, and its fonts are the ones a page is drawn with."""
    from kitgen.base.errors import InvalidBrandFile
    from kitgen.load.brand import load_brand

    fix = Fix("run `kitgen check` and fix what it says about the brand file",
              "run `kitgen check` and fix what it says about the brand file")
    why = "every document is drawn with the brand's logo, colours, fonts and paper"
    try:
        brand = load_brand(root)
    except InvalidBrandFile as error:
        return Check("brand", False, True, "; ".join(error.details[:3]) or error.message, fix,
                     why)
    if brand is None:
        return Check("brand", True, False, "no brand.yml here: documents use kitgen's neutral "
                     "look")
    families = sorted({face.family for face in brand.fonts})
    drawn = _brand_probe(brand) if families else []
    missing = [f for f in families if not any(_squash(f) in _squash(name) for name in drawn)]
    if missing:
        return Check("brand", False, True, f"{brand.source.name}: a test page was not drawn "
                     f"in {', '.join(missing)} (it used {', '.join(drawn) or 'no font'})", fix,
                     why)
    fonts = f"fonts {', '.join(families)} drawn on a test page" if families else "kitgen's font"
    logo = "a logo" if brand.header_logo or brand.cover_logo else "no logo"
    return Check("brand", True, False, f"{brand.source.name}: {len(brand.files)} file(s) "
                 f"checked; {logo}, {len(brand.colors)} colour(s), {fonts}, paper {brand.paper}")


def _squash(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _brand_probe(brand: Any) -> list[str]:
    """The fonts of a one-page render with each of the brand's font faces."""
    from kitgen.render.branding import brand_view, fetchable_files
    from kitgen.render.paths import ASSETS_DIR
    from kitgen.render.pdf import render_pdf

    lines = "".join(
        f'<p style="font-family: &quot;{face.family}&quot;; font-weight: {face.weight}; '
        f'font-style: {face.style}">kitgen doctor</p>' for face in brand.fonts)
    html = (f'<html lang="en"><head><style>{brand_view(brand).css}</style></head>'
            f"<body>{lines}</body></html>")
    try:
        pdf, *_ = render_pdf(html, what="doctor brand page", base_url=ASSETS_DIR,
                            allowed_roots=[ASSETS_DIR], identifier=b"kitgen-doctor",
                            when=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                            files_digest=brand.source.sha256,
                            allowed_files=fetchable_files(brand))
    except Exception:  # noqa: BLE001 - reported as "not drawn"; Pango's check names the cause
        return []
    return _pdf_font_names(pdf)


def check_ssh_keygen() -> Check:
    path = shutil.which("ssh-keygen")
    if path is None:
        return Check("ssh-keygen", False, False, "not found on PATH",
                     Fix("sudo apt-get install openssh-client",
                         "ssh-keygen ships with macOS; else brew install openssh"),
                     "optional: signs sign-off records (--sign-key) and checks their signatures")
    return Check("ssh-keygen", True, False, path)


def run_checks(cwd: Path) -> list[Check]:
    """Every check, required ones first; each a value saying what is there and how to fix it."""
    from kitgen.render import paths

    probe = _render_probe()
    checks: list[Callable[[], Check]] = [
        check_weasyprint_version,
        lambda: check_pango(probe),
        lambda: check_font_files(paths.FONTS_DIR),
        lambda: check_fontconfig_finds_inter(probe, paths.FONTCONFIG_FILE),
        lambda: check_harfbuzz_subset(probe),
        lambda: check_git_identity(cwd),
        check_ssh_keygen,
        lambda: check_brand(cwd),
    ]
    return [check() for check in checks]


def all_required_ok(checks: list[Check]) -> bool:
    return all(c.ok for c in checks if c.required)


def _render_probe() -> _RenderProbe:
    """Render one line in Inter through kitgen's own PDF path (fonts, fetcher, time limit)."""
    probe = _RenderProbe()
    try:
        from kitgen.render.paths import ASSETS_DIR
        from kitgen.render.pdf import render_pdf

        html = ('<html><head><style>body { font-family: "Inter"; }</style></head>'
                "<body><p>kitgen doctor</p></body></html>")
        probe.pdf = render_pdf(
            html, what="doctor test page", base_url=ASSETS_DIR, allowed_roots=[ASSETS_DIR],
            identifier=b"kitgen-doctor", when=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        ).pdf
    except Exception as error:  # noqa: BLE001 - a missing library raises OSError, others vary
        probe.error = f"{type(error).__name__}: {error}".splitlines()[0][:300]
    return probe


def _text_libraries() -> Any:
    """WeasyPrint's handles on Pango and HarfBuzz, loaded the way kitgen.render.pdf loads WeasyPrint
    (fontconfig pointed at kitgen's fonts first), without importing WeasyPrint here."""
    from kitgen.render.pdf import _weasyprint

    return _weasyprint().text.ffi


def _pdf_font_names(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    names = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        for font in (fonts.get_object().values() if fonts is not None else []):
            base = font.get_object().get("/BaseFont")
            if base:
                # Subset fonts are named ``ABCDEF+Family``.
                names.append(str(base).lstrip("/").split("+", 1)[-1])
    return names

"""A kit's brand as its pages use it: a stylesheet setting the brand's CSS custom properties,
its fonts (``@font-face``) and its paper; the logos; the files rendering may read for it; and
the fonts text is drawn with, in the order they are tried.

The stylesheet is made from checked values only (``#rrggbb`` colours, family names of letters,
digits, spaces, dots and dashes, percent-encoded URLs), so nothing a user wrote reaches it as
CSS. Templates see it, and the logos, as ``brand`` (``BrandView``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from kitgen.base.errors import RenderError
from kitgen.load.brand import KITGEN_FONT, Brand, Logo
from kitgen.load.brandfiles import BrandFile
from kitgen.load.colors import (
    DEFAULT_BACKGROUND,
    DEFAULT_FOREGROUND,
    DEFAULT_PRIMARY,
    mix,
    muted,
)
from kitgen.render.paths import FONTS_DIR

PAGE_SIZES = {"a4": "A4", "letter": "letter"}
PRIMARY_LIGHT_SHARE = 0.12  # of the primary colour in its tint for panels and table heads
# Where a page for a browser sits, as the way back to the workspace folder: a version's
# index.html in kits/<kit>/<version>/, the catalog in kits/.
VERSION_PAGE_TO_WORKSPACE = "../../../"
CATALOG_TO_WORKSPACE = "../"


@dataclass(frozen=True)
class LogoView:
    src: str
    alt: str


@dataclass(frozen=True)
class BrandView:
    """What templates see as ``brand``: ``css`` to put in a ``<style>`` after kitgen's own,
    the logo of every page's header and of the index cover, and the company's name."""

    css: Markup
    logo: LogoView | None
    cover_logo: LogoView | None
    name: str


@dataclass(frozen=True)
class FontFamily:
    """A family text may be drawn with, and the files it comes from."""

    name: str
    source: str  # "brand" or "kitgen"
    files: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.name} ({', '.join(self.files)})"


NO_BRAND = BrandView(Markup(""), None, None, "")


def brand_view(brand: Brand | None, to_workspace: str | None = None) -> BrandView:
    """The brand for a page WeasyPrint draws (``to_workspace`` None), or for a page a browser
    opens from disk (relative URLs, ``to_workspace`` leading from the page's folder to the
    workspace folder, e.g. ``VERSION_PAGE_TO_WORKSPACE``).

    WeasyPrint gets fonts by file URL and logos as ``data:`` URLs: it names a raster image in
    the PDF after its URL, so a file URL would make the bytes depend on the workspace's folder.
    """
    if brand is None:
        return NO_BRAND

    def url(file: BrandFile) -> str:
        if to_workspace is None:
            return file.path.as_uri()
        return to_workspace + quote(file.name, safe="/")

    def logo(found: Logo | None) -> LogoView | None:
        if found is None:
            return None
        return LogoView(url(found.file) if to_workspace is not None else _data_url(found.file),
                        found.alt)

    # Safe to mark: every value in the stylesheet was checked when the brand was read (colours
    # parsed as CSS colours, family names letters, digits, spaces, dots and dashes, paper one
    # of two words) and every URL is percent-encoded (as_uri, quote), so no `"`, `<` or `)`.
    return BrandView(Markup(brand_css(brand, url)), logo(brand.header_logo),
                     logo(brand.cover_logo), brand.name)


def _data_url(file: BrandFile) -> str:
    data = file.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != file.sha256:
        raise RenderError(f"the brand file {file.name} changed while kitgen was building",
                          details=["Build again once the brand's files stay as they are."])
    kind = "image/svg+xml" if file.path.suffix.lower() == ".svg" else "image/png"
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def brand_css(brand: Brand, url: Callable[[BrandFile], str]) -> str:
    """The stylesheet of ``brand``; ``url`` gives the URL the page loads a file from. It sets
    only what the brand decides: kitgen's stylesheet gives every default."""
    rules = [
        f'@font-face {{ font-family: "{face.family}"; src: url("{url(face.file)}"); '
        f"font-weight: {face.weight}; font-style: {face.style}; }}"
        for face in brand.fonts
    ]
    properties = _colour_properties(brand.colors)
    if brand.base_family:
        properties.append(("--brand-font-base", _families(brand.base_family)))
    if brand.headings_family:
        properties.append(("--brand-font-headings",
                           _families(brand.headings_family, brand.base_family)))
    if properties:
        rules.append(":root {\n" + "".join(f"  {name}: {value};\n" for name, value in properties)
                     + "}")
    rules.append(f"@page {{ size: {PAGE_SIZES[brand.paper]}; }}")
    return "\n".join(rules) + "\n"


def _colour_properties(colors: Mapping[str, str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    primary = colors.get("primary")
    foreground = colors.get("foreground")
    background = colors.get("background")
    if primary:
        found.append(("--brand-primary", primary))
    if primary or background:
        found.append(("--brand-primary-light", mix(primary or DEFAULT_PRIMARY,
                                                   background or DEFAULT_BACKGROUND,
                                                   PRIMARY_LIGHT_SHARE)))
    if colors.get("secondary"):
        found.append(("--brand-secondary", colors["secondary"]))
    if foreground:
        found.append(("--brand-foreground", foreground))
    if background:
        found.append(("--brand-background", background))
    if foreground or background:
        found.append(("--brand-muted", muted(foreground or DEFAULT_FOREGROUND,
                                             background or DEFAULT_BACKGROUND)))
    return found


def _families(*names: str | None) -> str:
    ordered = list(dict.fromkeys(n for n in (*names, KITGEN_FONT) if n))
    return ", ".join(f'"{name}"' for name in ordered)


def font_families(brand: Brand | None) -> list[FontFamily]:
    """The families text is drawn with, in the order they are tried: the brand's base and
    headings fonts, then kitgen's Inter. A character none of them has is not drawn; a warning
    about it should name these."""
    families: list[FontFamily] = []
    if brand is not None:
        for name in dict.fromkeys(n for n in (brand.base_family, brand.headings_family) if n):
            files = tuple(f.file.name for f in brand.fonts if f.family == name)
            if files:
                families.append(FontFamily(name, "brand", files))
    inter = tuple(sorted(p.name for p in FONTS_DIR.glob(f"{KITGEN_FONT}-*")))
    families.append(FontFamily(KITGEN_FONT, "kitgen", inter))
    return families


def fetchable_files(brand: Brand | None) -> tuple[tuple[Path, str], ...]:
    """The brand's files a render may read, each with the sha256 its bytes must have."""
    if brand is None:
        return ()
    return tuple((f.path, f.sha256) for f in brand.files[1:])


def brand_digest(brand: Brand | None) -> str:
    """What of the brand a rendered PDF depends on, for the document cache's key."""
    if brand is None:
        return ""
    names = "".join(f"{f.name}\0{f.sha256}\0" for f in brand.files)
    return hashlib.sha256(names.encode()).hexdigest()

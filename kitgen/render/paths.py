"""Where kitgen's own templates and assets are: the one home of these folders."""

from __future__ import annotations

from pathlib import Path

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
ASSETS_DIR = Path(__file__).parent / "assets"
FONTS_DIR = ASSETS_DIR / "fonts"
# The same fonts for HTML pages, cut to Latin text (about a sixth of the size) and compressed:
# a browser draws any other character with its own fonts. Made from FONTS_DIR with fontTools:
#   pyftsubset Inter-Regular.otf --flavor=woff --layout-features='*' --unicodes="U+0020-007E,
#   U+00A0-017F,U+0192,U+02C6-02DC,U+2000-206F,U+20AC,U+2122,U+2190-2199,U+2212,U+2022"
WEB_FONTS_DIR = ASSETS_DIR / "web-fonts"
FONTCONFIG_FILE = ASSETS_DIR / "fonts.conf"

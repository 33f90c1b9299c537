"""Where kitgen's own templates and assets are: the one home of these folders."""

from __future__ import annotations

from pathlib import Path

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
ASSETS_DIR = Path(__file__).parent / "assets"
FONTS_DIR = ASSETS_DIR / "fonts"
FONTCONFIG_FILE = ASSETS_DIR / "fonts.conf"

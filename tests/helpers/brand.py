"""Builders for brand files and the logos and fonts they name, for the brand tests.

Fonts come from Debian packages (``fonts-dejavu-core``, ``fonts-droid-fallback``; `.ci/run`
installs them): a test that needs one it cannot find is skipped and says which package.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers.builders import dump, tiny_png

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
DROID_FALLBACK = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
PRIMARY = "#a4123f"  # crimson: drawn as 0.643137 0.070588 0.247059
PRIMARY_PDF = b"0.643137 0.070588 0.247059"
LOGO_FILL = "#13579b"  # only the SVG logo uses it: drawn as 0.07451 0.341176 0.607843
LOGO_FILL_PDF = b"0.07451 0.341176 0.607843"

SVG_LOGO = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 10" width="40" height="10">
  <rect width="10" height="10" fill="{LOGO_FILL}"/>
  <path d="M14 5h24" stroke="{LOGO_FILL}" stroke-width="2"/>
</svg>
"""


def font_file(name: str, package: str = "fonts-dejavu-core") -> Path:
    path = DROID_FALLBACK if name == DROID_FALLBACK.name else DEJAVU / name
    if not path.is_file():
        pytest.skip(f"{path} is missing: apt-get install {package}")
    return path


def brand(**overrides: Any) -> dict[str, Any]:
    """A brand file using every part kitgen reads: a PNG header logo and an SVG cover logo,
    four colours, DejaVu fonts for text and headings, Letter paper."""
    data: dict[str, Any] = {
        "meta": {"name": "Acme Corp"},
        "logo": {"medium": "brand/header.png", "large": "brand/cover.svg"},
        "color": {
            "palette": {"crimson": PRIMARY},
            "primary": "crimson",
            "secondary": "#0b6e4f",
            "foreground": "#202020",
            "background": "#fffdf7",
        },
        "typography": {
            "fonts": [
                {"family": "DejaVu Sans", "source": "file", "files": [
                    {"path": "brand/fonts/DejaVuSans.ttf"},
                    {"path": "brand/fonts/DejaVuSans-Bold.ttf", "weight": "bold"},
                ]},
                {"family": "DejaVu Serif", "source": "file", "files": [
                    {"path": "brand/fonts/DejaVuSerif-Bold.ttf", "weight": 700},
                ]},
            ],
            "base": "DejaVu Sans",
            "headings": {"family": "DejaVu Serif"},
        },
        "defaults": {"kitgen": {"paper": "letter"}},
    }
    data.update(copy.deepcopy(overrides))
    return data


def write_brand(root: Path, data: Any = None, name: str = "brand.yml") -> Path:
    """The brand file (``brand()`` unless given) and the files the default one names."""
    folder = root / "brand"
    (folder / "fonts").mkdir(parents=True, exist_ok=True)
    (folder / "header.png").write_bytes(tiny_png())
    (folder / "cover.svg").write_text(SVG_LOGO, encoding="utf-8")
    for font in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf"):
        shutil.copyfile(font_file(font), folder / "fonts" / font)
    path = root / name
    path.write_text(data if isinstance(data, str) else dump(brand() if data is None else data),
                    encoding="utf-8")
    return path

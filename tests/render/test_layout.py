"""What only the laid-out pages show, warned at the field that causes it: text the fonts cannot
draw, a word too long for its column, a one-page document that runs over. `build --strict`
fails on them, also when the build has nothing to write; nothing runs off the page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import helpers
import pytest
from helpers import battlecard, minimal_kit, requirement, run_kitgen, value_prop

pytestmark = pytest.mark.slow

TODAY = {"KITGEN_TODAY": "2026-11-20", "KITGEN_CACHE": "off"}
WORD = "Supercalifragilistic" * 12  # 240 letters, no space


def new_marketers_kit() -> dict[str, object]:
    claim = value_prop()["claims"][0]
    return minimal_kit(
        requirements=[requirement(), requirement(id="roi", need="A sheet.",
                                                 delivered_by=["value_props.roi"])],
        battlecards=[battlecard(
            competitor="Tokyo Analytics 東京",
            objections=[{"objection": f"{WORD} is cheaper.", "response": "Not past 60 seats."}],
        )],
        value_props=[value_prop(id="roi", persona="Finance team", claims=[claim] * 9)],
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    root = helpers.make_workspace(tmp_path_factory.mktemp("layout") / "ws", new_marketers_kit())
    result = run_kitgen("build", cwd=root, env=TODAY)
    assert result.code == 0, result.stderr
    text = (root / "requirements" / "acme-launch.yaml").read_text()
    return root, result.stderr, text


def test_text_the_fonts_cannot_draw_is_named_with_its_place_and_a_fix(
    built: tuple[Path, str, str],
) -> None:
    _, warnings, text = built
    line, column = helpers.locate_value(text, "competitor")
    assert (f"requirements/acme-launch.yaml:{line}:{column}: battlecards.globex.competitor: "
            "the fonts cannot draw 東 (U+6771) 京 (U+4EAC)") in warnings
    assert "page 1 of battlecard-globex.pdf" in warnings
    assert "add a font that has these characters (README, “Adding a font”)" in warnings


def test_a_word_too_long_for_its_column_is_named_with_its_place(
    built: tuple[Path, str, str],
) -> None:
    _, warnings, text = built
    line, column = helpers.locate_value(text, "objection")
    assert (f"requirements/acme-launch.yaml:{line}:{column}: "
            f"battlecards.globex.objections[0].objection: “{WORD[:59]}…” is one word too long "
            "for its column") in warnings


def test_a_one_page_sheet_that_runs_over_is_warned(built: tuple[Path, str, str]) -> None:
    _, warnings, text = built
    line, column = helpers.locate(text, "- id: roi\n  persona")
    assert (f"requirements/acme-launch.yaml:{line}:{column + 2}: value_props.roi: the sheet "
            "for the Finance team runs to 2 pages, 1 page over its one page") in warnings


def test_strict_fails_on_them_even_when_nothing_is_written(built: tuple[Path, str, str]) -> None:
    root, _, _ = built
    again = run_kitgen("build", "--strict", cwd=root, env=TODAY)
    assert again.code == 1
    assert "unchanged" in again.stdout and "one word too long" in again.stderr
    assert "the fonts cannot draw" in again.stderr


def test_nothing_runs_off_the_page(built: tuple[Path, str, str]) -> None:
    root, _, _ = built
    card = root / "kits/acme-launch/1/battlecard-globex.pdf"
    # poppler, not pypdf: the font that had to draw .notdef boxes confuses pypdf's decoding
    text = subprocess.run(["pdftotext", str(card), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Intel verified on 2026-11-02" in helpers.squash(text)
    boxes = subprocess.run(["pdftotext", "-bbox", str(card), "-"], capture_output=True,
                           text=True, check=True).stdout
    page_width = float(boxes.split('<page width="', 1)[1].split('"', 1)[0])
    right = page_width - 15 * 72 / 25.4 + 1  # the page's right margin is 15 mm
    edges = [float(part.split('"', 1)[0]) for part in boxes.split('xMax="')[1:]]
    assert edges and max(edges) <= right, (max(edges), right)


def test_a_kit_without_such_text_gets_no_layout_warning(tmp_path: Path) -> None:
    root = helpers.make_workspace(tmp_path / "ws", minimal_kit())
    result = run_kitgen("build", cwd=root, env=TODAY)
    assert result.code == 0, result.stderr
    for warning in ("cannot draw", "one word too long", "runs off the page", "pages, 1 page"):
        assert warning not in result.stderr


FALLBACK_FONT = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")


@pytest.mark.skipif(not FALLBACK_FONT.is_file(), reason="no font with CJK characters here")
def test_a_font_added_as_the_readme_says_draws_the_text(tmp_path: Path) -> None:
    readme = (helpers.REPO / "README.md").read_text()
    section = readme.split("### Adding a font", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block, "README shows how to add a font"
    brand = (block.group(1).replace("NotoSansJP-Regular.otf", FALLBACK_FONT.name)
             .replace("Noto Sans JP", "Droid Sans Fallback"))
    root = helpers.make_workspace(tmp_path / "ws", minimal_kit(
        battlecards=[battlecard(competitor="Tokyo Analytics 東京")]))
    (root / "brand" / "fonts").mkdir(parents=True)
    shutil.copy(FALLBACK_FONT, root / "brand" / "fonts" / FALLBACK_FONT.name)
    (root / "brand.yml").write_text(brand, encoding="utf-8")
    result = run_kitgen("build", cwd=root, env=TODAY)
    assert result.code == 0, result.stderr
    assert "cannot draw" not in result.stderr
    assert "cannot draw" not in run_kitgen("check", cwd=root, env=TODAY).stderr
    for name in ("battlecard-globex.pdf", "index.pdf"):
        fonts = subprocess.run(["pdffonts", str(root / "kits/acme-launch/1" / name)],
                               capture_output=True, text=True, check=True).stdout
        assert "Droid-Sans-Fallback" in fonts, (name, fonts)

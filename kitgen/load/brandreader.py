"""Walks a brand file, composed with positions, into a ``Brand``: every key and value checked,
every file it names checked (``brandfiles``), every problem collected with its place."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kitgen.base.errors import Problem
from kitgen.load.brandfiles import BrandFile, FileProblem, check_named_file
from kitgen.load.colors import (
    BODY_TEXT_CONTRAST,
    DEFAULT_BACKGROUND,
    DEFAULT_FOREGROUND,
    contrast_ratio,
    css_colour,
    is_dark,
)
from kitgen.load.compose import Composer
from kitgen.load.positions import Loc, clip, dotted, nearest

THEME_COLOURS = ("foreground", "background", "primary", "secondary", "tertiary", "success",
                 "info", "warning", "danger", "light", "dark")
USED_COLOURS = ("primary", "secondary", "foreground", "background")
PAPERS = ("a4", "letter")
KITGEN_FONT = "Inter"  # shipped with kitgen: a brand may name it without listing files
WEIGHTS = {"thin": 100, "extra-light": 200, "ultra-light": 200, "light": 300, "normal": 400,
           "regular": 400, "medium": 500, "semi-bold": 600, "demi-bold": 600, "bold": 700,
           "extra-bold": 800, "ultra-bold": 800, "black": 900}
# Letters and digits of any script, spaces, dots and dashes: a family name can be written into
# a CSS string as it is.
_FAMILY = re.compile(r"[^\W_][\w .-]{0,62}")
_TOP = ("meta", "logo", "color", "typography", "defaults")
_TYPOGRAPHY = ("fonts", "base", "headings", "monospace", "monospace-inline", "monospace-block",
               "link")
_FONT = ("family", "source", "files", "weight", "style", "display", "version", "url")
_BASE = ("family", "size", "line-height", "weight")
_HEADINGS = ("family", "weight", "style", "color", "line-height")


@dataclass(frozen=True)
class Logo:
    file: BrandFile
    alt: str


@dataclass(frozen=True)
class FontFace:
    family: str
    file: BrandFile
    weight: int
    style: str  # normal | italic


@dataclass(frozen=True)
class Brand:
    """What a kit's documents are branded with. ``colors`` holds only the used colours the
    brand file sets, as ``#rrggbb``; ``files`` is the brand file and every file it names."""

    source: BrandFile
    name: str
    colors: Mapping[str, str] = field(hash=False)
    header_logo: Logo | None
    cover_logo: Logo | None
    fonts: tuple[FontFace, ...]
    base_family: str | None
    headings_family: str | None
    paper: str
    files: tuple[BrandFile, ...]


def relative_name(root: Path, path: Path) -> str:
    return Path(os.path.relpath(os.path.normpath(path.absolute()), root.absolute())).as_posix()



class BrandReader:
    """Walks a composed brand file, collecting every problem with its place."""

    def __init__(self, root: Path, path: Path, name: str, builder: Composer, text: str) -> None:
        self.root = root
        self.folder = path.parent
        self.name = name
        self.builder = builder
        self.lines = text.splitlines()
        self.problems: list[Problem] = []
        self.files: dict[str, BrandFile] = {}

    # --- the sections, top to bottom ---------------------------------------------------------

    def read(self, data: dict[str, Any], source: BrandFile) -> Brand:
        top = self.mapping(data, (), _TOP)
        name = self.meta_name(top.get("meta"))
        colors = self.colours(top.get("color"))
        fonts, base, headings = self.typography(top.get("typography"))
        paper = self.paper(top.get("defaults"))
        self.check_contrast(colors)
        dark = is_dark(colors.get("background", DEFAULT_BACKGROUND))
        header, cover = self.logos(top.get("logo"), name, dark)
        return Brand(source, name, colors, header, cover, fonts, base, headings, paper,
                     (source, *(self.files[n] for n in sorted(self.files))))

    def meta_name(self, value: Any) -> str:
        meta = self.mapping(value, ("meta",), None)  # the format allows keys of one's own here
        name = meta.get("name")
        if isinstance(name, dict):
            name = self.mapping(name, ("meta", "name"), ("full", "short")).get("full")
            return self.text(name, ("meta", "name", "full")) if name is not None else ""
        return self.text(name, ("meta", "name")) if name is not None else ""

    def colours(self, value: Any) -> dict[str, str]:
        section = self.mapping(value, ("color",), ("palette", *THEME_COLOURS))
        palette = self.mapping(section.get("palette"), ("color", "palette"), None)
        for key in palette:
            self.colour(palette[key], ("color", "palette", key), palette, {})
        used = {}
        for role in THEME_COLOURS:
            if role not in section:
                continue
            found = self.colour(section[role], ("color", role), palette, section)
            if found is None or role not in USED_COLOURS:
                continue
            colour, alpha = found
            if alpha < 1:
                self.fail(("color", role), f"{role} is partly transparent; kitgen prints brand "
                          "colours opaque", "give the colour without transparency")
            else:
                used[role] = colour
        return used

    def colour(self, value: Any, loc: Loc, palette: dict[str, Any], theme: dict[str, Any],
               seen: tuple[str, ...] = ()) -> tuple[str, float] | None:
        """``value`` as ``(#rrggbb, alpha)``, following names of palette and theme colours."""
        if value is None:
            comment = "#" in self.line_of(loc)
            self.fail(loc, f"`{loc[-1]}` has no colour" + (
                ": YAML reads an unquoted # as the start of a comment" if comment else ""),
                'put the colour in quotes, e.g. "#1d4e89"', key=True)
            return None
        if not isinstance(value, str):
            self.fail(loc, f"{clip(repr(value))} is not a colour", 'write it in quotes, e.g. '
                      '"#1d4e89", or name a colour of color.palette')
            return None
        for names, where in ((palette, "palette"), (theme, "")):
            if value in names and value not in seen:
                target = ("color", where, value) if where else ("color", value)
                return self.colour(names[value], target, palette, theme, (*seen, value))
        parsed = css_colour(value)
        if parsed is None:
            known = [*palette, *(t for t in theme if t in THEME_COLOURS)]
            near = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
            self.fail(loc, f"{clip(value)!r} is not a colour", f"did you mean `{near[0]}`?"
                      if near else 'write it like "#1d4e89" (in quotes), rgb(29, 78, 137) or a '
                      "name of color.palette")
        return parsed

    def check_contrast(self, colors: dict[str, str]) -> None:
        if "foreground" not in colors and "background" not in colors:
            return
        foreground = colors.get("foreground", DEFAULT_FOREGROUND)
        background = colors.get("background", DEFAULT_BACKGROUND)
        ratio = contrast_ratio(foreground, background)
        if ratio < BODY_TEXT_CONTRAST:
            where = ("color", "foreground" if "foreground" in colors else "background")
            self.fail(where, f"text in {foreground} on {background} has a contrast of "
                      f"{ratio:.1f}:1; body text needs at least {BODY_TEXT_CONTRAST}:1 "
                      "(WCAG AA)", "make the foreground darker or the background lighter "
                      "(or the other way round)")

    def typography(self, value: Any) -> tuple[tuple[FontFace, ...], str | None, str | None]:
        section = self.mapping(value, ("typography",), _TYPOGRAPHY)
        fonts = section.get("fonts")
        faces: list[FontFace] = []
        families: set[str] = set()
        if fonts is not None and not isinstance(fonts, list):
            self.fail(("typography", "fonts"), "expected a list of font families",
                      "write each family on its own line starting with `- family:`")
        for index, entry in enumerate(fonts if isinstance(fonts, list) else []):
            family, found = self.font_family(entry, ("typography", "fonts", index))
            if family in families:
                self.fail(("typography", "fonts", index, "family"), f"`{family}` is listed "
                          "twice", "list every file of a family under one entry")
            if family:
                families.add(family)
            faces += found
        base = self.role_family(section.get("base"), "base", _BASE, families)
        headings = self.role_family(section.get("headings"), "headings", _HEADINGS, families)
        return tuple(faces), base, headings or base

    def font_family(self, value: Any, loc: Loc) -> tuple[str, list[FontFace]]:
        entry = self.mapping(value, loc, _FONT)
        family = self.family(entry.get("family"), (*loc, "family"))
        source = entry.get("source", "file")
        if source != "file":
            self.fail((*loc, "source"), f"source {clip(str(source))!r}: kitgen renders with local"
                      " font files only, never the machine's fonts or a download",
                      "download the font's files into the workspace and list them under "
                      "`files:` with `source: file`")
            return family, []
        files = entry.get("files")
        if not isinstance(files, list) or not files:
            self.fail((*loc, "files") if "files" in entry else loc, "a font family needs its "
                      "`files:`", "list the font files, e.g. `files: [{path: fonts/Acme.ttf}]`",
                      key="files" in entry)
            return family, []
        faces = []
        for index, item in enumerate(files):
            item_loc = (*loc, "files", index)
            described = {"path": item} if isinstance(item, str) else self.mapping(
                item, item_loc, ("path", "weight", "style"))
            path_loc = item_loc if isinstance(item, str) else (*item_loc, "path")
            font = self.file(described.get("path"), path_loc, "font")
            weight = self.weight(described.get("weight", 400), (*item_loc, "weight"))
            style = described.get("style", "normal")
            if style not in ("normal", "italic"):
                self.fail((*item_loc, "style"), f"{clip(str(style))!r} is not a font style",
                          "write normal or italic")
            if font is not None and family:
                faces.append(FontFace(family, font, weight, str(style)))
        return family, faces

    def family(self, value: Any, loc: Loc) -> str:
        family = self.text(value, loc) if value is not None else ""
        if value is None:
            self.fail(loc[:-1], "a font needs its `family:` name", "add `family: Acme Sans`")
        elif family and not _FAMILY.fullmatch(family):
            self.fail(loc, f"{clip(family)!r} is not a font family name kitgen can use",
                      "use letters, digits, spaces, dots and dashes (at most 63)")
            return ""
        return family

    def weight(self, value: Any, loc: Loc) -> int:
        if isinstance(value, str) and value.lower() in WEIGHTS:
            return WEIGHTS[value.lower()]
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value in range(100, 1000,
                                                                                       100):
            return value
        self.fail(loc, f"{clip(repr(value))} is not a font weight", "write 100, 200 … 900, or "
                  "a name such as normal or bold (one weight per file)")
        return 400

    def role_family(self, value: Any, role: str, keys: tuple[str, ...],
                    families: set[str]) -> str | None:
        loc: Loc = ("typography", role)
        if value is None:
            return None
        if isinstance(value, dict):
            value = self.mapping(value, loc, keys).get("family")
            loc = (*loc, "family")
            if value is None:
                return None
        family = self.text(value, loc)
        if family and family not in families and family != KITGEN_FONT:
            listed = ", ".join(sorted(families)) or "none"
            self.fail(loc, f"`{clip(family)}` is not among typography.fonts (listed: {listed}); "
                      "kitgen never uses the machine's fonts", "add the family to "
                      "typography.fonts with its font files, or name a listed one")
            return None
        return family or None

    def paper(self, value: Any) -> str:
        defaults = self.mapping(value, ("defaults",), None)  # other tools' settings are theirs
        kitgen = self.mapping(defaults.get("kitgen"), ("defaults", "kitgen"), ("paper",))
        paper = kitgen.get("paper", "a4")
        if not isinstance(paper, str) or paper.lower() not in PAPERS:
            near = difflib.get_close_matches(str(paper).lower(), PAPERS, n=1, cutoff=0.5)
            self.fail(("defaults", "kitgen", "paper"), f"{clip(str(paper))!r} is not a paper "
                      "kitgen prints on", f"did you mean `{near[0]}`?" if near else "write a4 or "
                      "letter")
            return "a4"
        return paper.lower()

    def logos(self, value: Any, name: str, dark: bool) -> tuple[Logo | None, Logo | None]:
        """The logo of every page's header and of the index cover: the medium one and the large
        one, the nearest size standing in; the dark variant on a dark background."""
        if value is None:
            return None, None
        if isinstance(value, str) or (isinstance(value, dict) and "path" in value):
            logo = self.resource(value, ("logo",), {}, name)
            return logo, logo
        section = self.mapping(value, ("logo",), ("images", "small", "medium", "large"))
        images = self.mapping(section.get("images"), ("logo", "images"), None)
        named = {key: self.resource(images[key], ("logo", "images", key), {}, name)
                 for key in images}
        sizes: dict[str, Logo | None] = {}
        for size in ("small", "medium", "large"):
            if size in section:
                sizes[size] = self.variant(section[size], ("logo", size), named, name, dark)

        def first(*order: str) -> Logo | None:
            return next((sizes[s] for s in order if sizes.get(s) is not None), None)

        return first("medium", "small", "large"), first("large", "medium", "small")

    def variant(self, value: Any, loc: Loc, named: dict[str, Logo | None], name: str,
                dark: bool) -> Logo | None:
        if isinstance(value, dict) and "path" not in value:
            modes = self.mapping(value, loc, ("light", "dark"))
            found: dict[str, Logo | None] = {
                mode: self.resource(modes[mode], (*loc, mode), named, name)
                for mode in ("light", "dark") if mode in modes}
            order = ("dark", "light") if dark else ("light", "dark")
            return next((found[m] for m in order if found.get(m) is not None), None)
        return self.resource(value, loc, named, name)

    def resource(self, value: Any, loc: Loc, named: dict[str, Logo | None],
                 name: str) -> Logo | None:
        if isinstance(value, str) and value in named:
            return named[value]
        described = {"path": value} if not isinstance(value, dict) else self.mapping(
            value, loc, ("path", "alt", "attrs"))
        path_loc = (*loc, "path") if isinstance(value, dict) else loc
        image = self.file(described.get("path"), path_loc, "image")
        alt = described.get("alt")
        alt_text = self.text(alt, (*loc, "alt")) if alt is not None else ""
        return Logo(image, alt_text or (f"{name} logo" if name else "logo")) if image else None

    # --- the pieces --------------------------------------------------------------------------

    def file(self, value: Any, loc: Loc, kind: str) -> BrandFile | None:
        """A logo or font the brand names: inside the workspace, usable, hashed."""
        written = self.text(value, loc) if value is not None else ""
        if value is None:
            self.fail(loc, "the file's `path` is missing", "give its path, relative to the "
                      "brand file", key=True)
        if not written:
            return None
        if "://" in written or written.startswith(("//", "data:")):
            self.fail(loc, f"{clip(written)!r} is a URL; kitgen reads nothing from the network",
                      "save the file in the workspace and give its path, relative to the brand "
                      "file")
            return None
        if Path(written).is_absolute():
            self.fail(loc, f"{clip(written)!r} is an absolute path", "give the path relative to "
                      "the brand file, inside the workspace")
            return None
        lexical = Path(os.path.normpath(self.folder.absolute() / written))
        name = relative_name(self.root, lexical)
        if name.startswith("../") or name == "..":
            self.fail(loc, f"{clip(written)!r} is outside the workspace", "copy the file into "
                      "the workspace and give its path, relative to the brand file")
            return None
        resolved = lexical.resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            self.fail(loc, f"{name} is a symbolic link to a file outside the workspace",
                      "replace the link with the file itself")
            return None
        try:
            digest = check_named_file(resolved, kind)
        except FileProblem as problem:
            if problem.line is not None:  # the place to fix is inside that file
                self.problems.append(Problem(name, problem.line, problem.column, "",
                                             problem.message, problem.fix))
            else:
                self.fail(loc, f"{name} {problem.message}", problem.fix)
            return None
        found = self.files.setdefault(name, BrandFile(name, resolved, digest))
        return found

    def text(self, value: Any, loc: Loc) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(loc, f"expected text, got {clip(repr(value))}", "write it as one line of "
                      "text (in quotes if it starts with a special character)")
            return ""
        return value

    def mapping(self, value: Any, loc: Loc, allowed: tuple[str, ...] | None) -> dict[str, Any]:
        """``value`` as a mapping (empty when absent), reporting keys outside ``allowed``."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(loc, f"`{dotted(loc) or 'the file'}` must be a mapping of keys, not "
                      f"{clip(repr(value))}", "write `key: value` lines, indented below it")
            return {}
        for key in value:
            if allowed is not None and key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                self.fail((*loc, key), f"unknown key `{clip(key)}`", f"did you mean `{near[0]}`?"
                          if near else f"valid keys here: {', '.join(allowed)}", key=True)
        return {k: v for k, v in value.items() if allowed is None or k in allowed}

    def fail(self, loc: Loc, message: str, fix: str = "", key: bool = False) -> None:
        line, column = (self.builder.key_positions.get(loc) if key else None) or nearest(
            self.builder.positions, loc)
        self.problems.append(Problem(self.name, line, column, dotted(loc), message, fix))

    def line_of(self, loc: Loc) -> str:
        line = (self.builder.key_positions.get(loc) or nearest(self.builder.positions, loc))[0]
        return self.lines[line - 1] if line and line <= len(self.lines) else ""

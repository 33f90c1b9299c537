"""Colours as a brand file writes them (any CSS colour: ``#1d4e89``, ``rgb(…)``, ``navy``), and
the arithmetic kitgen needs on them: WCAG contrast, and tints mixed towards the background.

Every colour leaves here as ``#rrggbb``: generated CSS never carries text a user wrote.
"""

from __future__ import annotations

from tinycss2.color3 import parse_color

# What kitgen's pages look like without a brand: contrast checks of a brand that sets only one
# of the two compare it with these.
DEFAULT_PRIMARY = "#1d4e89"
DEFAULT_FOREGROUND = "#1a1a1a"
DEFAULT_BACKGROUND = "#ffffff"
BODY_TEXT_CONTRAST = 4.5  # WCAG 2 level AA, normal text


def css_colour(text: str) -> tuple[str, float] | None:
    """``(#rrggbb, alpha)`` of a CSS colour; None when ``text`` is not one."""
    parsed = parse_color(text.strip())
    if parsed is None or isinstance(parsed, str):  # "currentColor" has no value of its own
        return None
    red, green, blue, alpha = parsed
    channels = (round(max(0.0, min(1.0, c)) * 255) for c in (red, green, blue))
    return "#" + "".join(f"{c:02x}" for c in channels), float(alpha)


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of an ``#rrggbb`` colour."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two ``#rrggbb`` colours, from 1 (none) to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)),
                             reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(colour: str, other: str, share: float) -> str:
    """``share`` of ``colour`` and the rest of ``other``, as ``#rrggbb``."""
    mixed = (round(a * share + b * (1 - share))
             for a, b in zip(_channels(colour), _channels(other), strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def muted(foreground: str, background: str) -> str:
    """The lightest mix of ``foreground`` into ``background`` that still reads as body text
    (contrast at least 4.5:1): the colour of notes and captions."""
    for step in range(40, 101, 5):
        candidate = mix(foreground, background, step / 100)
        if contrast_ratio(candidate, background) >= BODY_TEXT_CONTRAST:
            return candidate
    return foreground


def is_dark(colour: str) -> bool:
    """Whether light text reads better on ``colour`` than dark text does."""
    return contrast_ratio(colour, "#ffffff") > contrast_ratio(colour, "#000000")

"""Type that fills the page: the size a one-page document is set in, chosen from its text.

A battlecard or a customer sheet with little to say should not leave half its page empty, and
one with much to say should still fit. The template offers sizes from ``fit-0`` (largest) down
(kitgen.css); this module estimates the height of the content in each, from character counts
and the page's columns, and picks the largest that fits. An estimate, not a layout: the build
still warns when a document runs past its page (``load/fieldready.long_documents``).
"""

from __future__ import annotations

import math

from kitgen.load.model import Battlecard, Claim, ValueProp

PT = 0.3528  # mm
WIDTH = 180.0  # mm of A4 between the side margins
# Battlecard type sizes (pt), fit-0 first, and the height (mm) their content may take on the
# first page: the page less its margins, sign-off block and title, with a little to spare.
# Measured on the example kits and bench/big_kit.py (fill between 0.85 and 0.96 of the page).
BATTLECARD_SIZES = (12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0)
BATTLECARD_ROOM = 225.0
CHAR = 0.5  # the width of an average character of Inter, in em
LINE = 1.4  # line height, in em
ITEM_GAP = 0.35  # space after a list item, in lines
HEADING = 2.4  # a section heading with its rule and margins, in lines


def _lines(text: str, width: float, size: float) -> int:
    return max(1, math.ceil(len(text) * CHAR * size * PT / width))


def _list(texts: list[str], width: float, size: float) -> float:
    return sum(_lines(t, width, size) + ITEM_GAP for t in texts)


def battlecard_height(card: Battlecard, size: float) -> float:
    """About how tall (mm) a battlecard's content is, set in ``size`` pt."""
    line = size * PT * LINE
    column = (WIDTH - 6) / 2 - 7  # the two panels, less their padding
    lines = _lines(card.summary, WIDTH, size) + 2 * ITEM_GAP
    lines += HEADING + max(_list(card.why_we_win, column, size),
                           _list(card.where_they_win, column, size) or 1)
    if card.landmines:
        lines += HEADING + _list(card.landmines, WIDTH - 6, size)
    if card.objections:
        lines += HEADING + sum(
            max(_lines(o.objection, WIDTH * 0.38 - 4, size),
                _lines(o.response, WIDTH * 0.62, size) + (1.6 if o.feature else 0)) + 0.9
            for o in card.objections)
    if card.proof_points or card.pricing:
        proof_width = WIDTH * 0.58 - 11 if card.pricing else WIDTH - 5
        pricing = _lines(card.pricing, WIDTH * 0.42 - 8, size) + 1.2 if card.pricing else 0
        lines += HEADING + max(_list(card.proof_points, proof_width, size), pricing)
    return lines * line + 6  # the panels' padding


def battlecard_fit(card: Battlecard) -> int:
    """The largest battlecard type (``fit-N``) its content fits one page in."""
    for fit, size in enumerate(BATTLECARD_SIZES):
        if battlecard_height(card, size) <= BATTLECARD_ROOM:
            return fit
    return len(BATTLECARD_SIZES) - 1


# A customer sheet: characters of text, an item counting for the space it takes besides its
# words, up to which each size from fit-0 (12.5 pt) down still fits one page; measured as above.
CUSTOMER_SHEET_STEPS = (1400, 1700, 1950, 2200, 2450, 2700)


def customer_sheet_fit(vp: ValueProp, sellable: list[Claim]) -> int:
    texts = [*vp.pains, *vp.differentiators]
    texts += [c.claim + c.proof + c.source for c in sellable]
    weight = sum(len(t) for t in texts) + 45 * (len(texts) + 2 * len(sellable))
    return next((fit for fit, limit in enumerate(CUSTOMER_SHEET_STEPS) if weight <= limit),
                len(CUSTOMER_SHEET_STEPS))

"""YAML syntax mistakes in the writer's words, at the line and column where the writer must act
(not where PyYAML's grammar happened to break), through `kitgen check` as a marketer runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import dump, locate, minimal_kit, run_kitgen, write_kit

KIT = dump(minimal_kit())
QUOTE = '"'


def first_error(workspace: Path, text: str) -> str:
    """The one problem `kitgen check` reports, as `file:line:col: message. Fix: …`."""
    write_kit(workspace / "requirements", text, "acme-launch.yaml")
    result = run_kitgen("check", cwd=workspace)
    assert result.code == 2, result.output
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert lines[0] == "error: 1 problem in requirements/acme-launch.yaml", result.stderr
    assert "Traceback" not in result.output
    return lines[1]


def at(text: str, needle: str, occurrence: int = 1) -> str:
    line, column = locate(text, needle, occurrence)
    return f"requirements/acme-launch.yaml:{line}:{column}:"


def test_an_over_indented_key_is_named_with_the_key_above(workspace: Path) -> None:
    text = KIT.replace("  summary: Dashboard", "    summary: Dashboard")
    assert first_error(workspace, text) == (
        f"{at(text, 'summary')} `summary` is indented more than `verified_on` above it. "
        "Fix: indent it like `verified_on` (column 3); if it continues the text above, put "
        "that whole text in quotes on one line"
    )


def test_an_outdented_key_is_named_where_it_is(workspace: Path) -> None:
    text = KIT.replace("  nay_sayer:", " nay_sayer:")
    assert first_error(workspace, text) == (
        f"{at(text, 'nay_sayer')} `nay_sayer` is indented less than `stallers` above it and "
        "more than `playbook`. Fix: indent it like `playbook` (column 1) or like `stallers` "
        "(column 3)"
    )


def test_a_key_indented_like_list_items_says_so(workspace: Path) -> None:
    before, rest = KIT.split("  stallers:\n")
    stallers, after = rest.split("  nay_sayer:")
    indented = "".join("  " + line for line in stallers.splitlines(keepends=True))
    text = before + "  stallers:\n" + indented + "    nay_sayer:" + after
    assert first_error(workspace, text) == (
        f"{at(text, 'nay_sayer')} `nay_sayer` is indented like the items of the list under "
        "`stallers`, but is not an item (it does not start with `- `). Fix: indent it less, "
        "like `stallers`, if it is not part of the list; start it with `- ` if it is a new item"
    )


def test_colon_space_in_plain_text_asks_for_quotes(workspace: Path) -> None:
    text = KIT.replace("title: Acme 1.0 launch kit", "title: Note: send the deck first")
    assert first_error(workspace, text) == (
        f"{at(text, 'Note:')} this text contains `: `, which YAML reads as the start of another "
        'key; put it in quotes. Fix: write it as title: "Note: send the deck first"'
    )


def test_an_unclosed_quote_is_reported_where_it_opens(workspace: Path) -> None:
    # The quote swallows the file up to the next `"`, 27 lines further down, where PyYAML
    # notices; the writer must act where the quote opened.
    text = KIT.replace("title: Acme 1.0 launch kit", 'title: "Acme 1.0 launch kit')
    text = text.replace("competitor: Globex Analytics", 'competitor: "Globex" Analytics')
    line, column = locate(text, '"Acme')
    assert first_error(workspace, text) == (
        f"{at(text, QUOTE + 'Acme')} the quote opened at {line}:{column} is never closed. "
        f'Fix: end the text with a closing " on line {line}'
    )


def test_an_unclosed_quote_at_the_end_of_the_file(workspace: Path) -> None:
    text = KIT.replace("title: Acme 1.0 launch kit", 'title: "Acme 1.0 launch kit')
    line, column = locate(text, '"Acme')
    assert first_error(workspace, text).startswith(
        f"{at(text, QUOTE + 'Acme')} the quote opened at {line}:{column} is never closed."
    )


def test_a_quote_inside_quoted_text(workspace: Path) -> None:
    text = KIT.replace("title: Acme 1.0 launch kit", "title: 'Acme's launch kit'")
    assert first_error(workspace, text) == (
        f"{at(text, chr(39) + 'Acme')} the text in quotes ends at 2:13, before the end of the "
        "line: a quote inside it closes it. Fix: double each ' inside the text (it''s), or put "
        "the text in double quotes"
    )


def test_an_unclosed_bracket(workspace: Path) -> None:
    text = KIT.replace("title: Acme 1.0 launch kit", "title: [Acme 1.0 launch kit")
    assert first_error(workspace, text) == (
        f"{at(text, '[Acme')} the list opened with `[` at 2:8 is never closed. Fix: close it "
        "with `]`, or put the text in quotes if the `[` belongs to it"
    )


@pytest.mark.parametrize("char", ["\u2028", "\x85"], ids=["U+2028", "NEL"])
def test_a_pasted_line_separator_that_breaks_the_file(
    workspace: Path, char: str
) -> None:
    text = KIT.replace("need: A one-page battlecard", f"need: A one-page{char}battlecard")
    name = "line separator" if char == "\u2028" else "next line"
    assert first_error(workspace, text) == (
        f"{at(text, char)} the invisible character U+{ord(char):04X} ({name}) here is a line "
        "break for YAML, so it cuts this line in two. Fix: delete it (it comes with text "
        "pasted from Word, a PDF or a web page)"
    )


@pytest.mark.parametrize("char", ["\u2028", "\x85", "\u2029"])
def test_problems_after_a_line_separator_keep_the_editors_line(
    workspace: Path, char: str
) -> None:
    # PyYAML counts these as line breaks; editors do not: every later place would be off.
    text = KIT.replace("need: A one-page battlecard against Globex.",
                       f"need: 'A one-page{char}{char}battlecard against Globex.'")
    text = text.replace("  summary:", "  notes: x\n  summary:")
    assert first_error(workspace, text).startswith(
        f"{at(text, 'notes')} battlecards[0].notes: unknown key `notes`."
    )
    tabbed = text.replace("  notes: x", "\tnotes: x")
    assert first_error(workspace, tabbed).startswith(
        f"{at(tabbed, chr(9))} a tab is used to indent this line."
    )

"""`kitgen feedback import FILE.csv`: field feedback from a CRM's export, recorded as the same
records `kitgen feedback KIT ITEM` writes, every row checked first, and never twice."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import ExampleBuilds, run_kitgen

pytestmark = pytest.mark.slow  # each needs the worked example built (shared per session)

KIT = "northwind-analytics"
HEADER = "item,useful,note,name,email,time\n"
ROWS = (
    "playbook.stallers.send-info,yes,\"Got the meeting, finally\",Dana Reyes,"
    "dana.reyes@northwind.example,2026-11-20T14:05:00Z\n"
    "battlecards.contoso-bi,no,Pricing line is out of date,Omar Haddad,"
    "omar.haddad@northwind.example,2026-11-21 09:30\n"
    "value_props.cfo,TRUE,,Dana Reyes,dana.reyes@northwind.example,2026-11-22\n"
)


@pytest.fixture
def built(example_builds: ExampleBuilds, copy_of: Callable[[Path], Path]) -> Path:
    return copy_of(example_builds.first)


def records(root: Path) -> list[Path]:
    folder = root / "kits" / KIT / "feedback"
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


def write(root: Path, text: str | bytes, name: str = "crm.csv") -> Path:
    path = root / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_rows_become_feedback_records_and_a_second_import_records_nothing(
    built: Path,
) -> None:
    write(built, HEADER + ROWS)
    first = run_kitgen("feedback", "import", "crm.csv", "--kit", KIT, cwd=built)
    assert first.code == 0, first.output
    assert "recorded 3 feedback rows from crm.csv" in first.output
    stored = records(built)
    assert len(stored) == 3
    texts = sorted(p.read_text() for p in stored)
    assert any("item: battlecards.contoso-bi\nuseful: no\nnote: Pricing line is out of date\n"
               "name: Omar Haddad\nemail: omar.haddad@northwind.example\n"
               "time: 2026-11-21T09:30:00Z\n" in t for t in texts), texts
    assert all(t.startswith("kitgen-feedback 1\nkit: northwind-analytics\nversion: 1\n")
               for t in texts)

    again = run_kitgen("feedback", "import", "crm.csv", "--kit", KIT, "--json", cwd=built)
    assert again.code == 0, again.output
    assert json.loads(again.stdout) == {"recorded": [], "already_recorded": 3, "kits": [KIT]}
    assert records(built) == stored

    status = run_kitgen("status", KIT, "--json", cwd=built)
    tally = {f["item"]: f for f in json.loads(status.stdout)[0]["feedback"]}
    assert tally["battlecards.contoso-bi"]["not_useful"] == 1
    assert tally["value_props.cfo"]["useful"] == 1


def test_the_kit_comes_from_a_kit_column_else_kit(built: Path) -> None:
    write(built, "kit;item;useful;note;name;email;time\n"  # Excel's `;` where `,` is decimal
          f"{KIT};playbook.nay_sayer;no;Too long;Dana Reyes;dana.reyes@northwind.example;"
          "2026-11-20T10:00:00+01:00\n")
    result = run_kitgen("feedback", "import", "crm.csv", cwd=built)
    assert result.code == 0, result.output
    assert "time: 2026-11-20T09:00:00Z" in records(built)[0].read_text()
    write(built, HEADER + ROWS)
    missing = run_kitgen("feedback", "import", "crm.csv", cwd=built)
    assert missing.code == 2
    assert "crm.csv:2:1: kit: the row names no kit. Fix: add a `kit` column, or pass " \
        "--kit KIT" in " ".join(missing.output.split())


def test_the_single_report_command_still_works_beside_import(built: Path) -> None:
    one = run_kitgen("feedback", KIT, "playbook.nay_sayer", "--useful", "yes", "--name", "Dana",
                     "--email", "dana.reyes@northwind.example", cwd=built)
    assert one.code == 0, one.output
    explicit = run_kitgen("feedback", "record", KIT, "battlecards.contoso-bi", "--useful", "no",
                          "--name", "Dana", "--email", "dana.reyes@northwind.example", cwd=built)
    assert explicit.code == 0, explicit.output
    assert len(records(built)) == 2
    helped = run_kitgen("feedback", "--help", cwd=built)
    assert "import FILE.csv" in " ".join(helped.output.split())


UNKNOWN_ITEM = ("playbook.stallers.send-info,yes,,Dana Reyes,dana.reyes@northwind.example,"
                "2026-11-20\nbattlecards.contoso,no,,Dana Reyes,dana.reyes@northwind.example,"
                "2026-11-20\n")

BAD = {
    "unknown-item": (HEADER + UNKNOWN_ITEM, "crm.csv:3:1: item: kit `northwind-analytics` has "
                     "no item `battlecards.contoso`. Fix: did you mean `battlecards.contoso-bi`?"),
    "unknown-kit": (HEADER.replace("item,", "kit,item,") + "acme," + ROWS.split("\n")[0] + "\n",
                    "crm.csv:2:1: kit: kit `acme`"),
    "useful-maybe": (HEADER + ROWS.replace(",no,", ",maybe,"),
                     "crm.csv:3:2: useful: `maybe` is not yes or no"),
    "bad-time": (HEADER + ROWS.replace("2026-11-22", "22/11/2026"),
                 "crm.csv:4:6: time: `22/11/2026` is not a date and time"),
    "future-time": (HEADER + ROWS.replace("2026-11-22", "2999-01-01"),
                    "crm.csv:4:6: time: 2999-01-01 00:00 UTC is in the future"),
    "bad-email": (HEADER + ROWS.replace("omar.haddad@northwind.example", "omar"),
                  "crm.csv:3:5: email: 'omar' (from --name/--email) is not an email address"),
    "renamed-column": (HEADER.replace("useful", "helpful") + ROWS,
                       "crm.csv:1:2: helpful: unknown column `helpful`"),
    "missing-column": (HEADER.replace(",time", "") + "x,yes,,a,a@b.example\n",
                       "crm.csv:1:1: time: the column `time` is missing"),
    "short-line": (HEADER + "battlecards.contoso-bi,yes\n",
                   "crm.csv:2:1: the line has 2 fields, the header 6"),
    "windows-1252": ((HEADER + ROWS.replace("Got the meeting", "Réunion obtenue")).encode(
        "cp1252"), "crm.csv:2:35: byte 0xe9 is not UTF-8 text (the file is in another "
        "encoding"),
    "utf-16": ((HEADER + ROWS).encode("utf-16"), "crm.csv:1:1: the file is UTF-16 text"),
    "control-character": (HEADER + ROWS.replace("Got the meeting", "Got \x1b[2Jthe meeting"),
                          "crm.csv:2:3: note: holds the control character U+001B"),
    "empty": ("", "crm.csv: the file is empty"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_rows_exit_2_with_line_and_column_and_record_nothing(
    built: Path, case: str,
) -> None:
    text, message = BAD[case]
    write(built, text)
    result = run_kitgen("feedback", "import", "crm.csv", "--kit", KIT, cwd=built)
    assert result.code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert "Fix:" in result.output and "Traceback" not in result.output
    assert records(built) == []

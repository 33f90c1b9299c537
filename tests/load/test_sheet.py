"""`kitgen sheet export` / `kitgen sheet import`: the negotiation as a workbook and back.

Everything runs through the CLI; workbooks are edited with openpyxl as a spreadsheet would
save them, and the requirement file is compared byte for byte.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import helpers
import pytest
import yaml
from helpers import EXAMPLES, Ran, battlecard, minimal_kit, requirement, run_kitgen
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

# A valid kit written as people write YAML by hand: comments everywhere, every quoting style,
# flow and block collections, mixed indentation, a folded and a literal text, CRLF-free.
ODD = """\
# Acme launch kit — negotiated in a spreadsheet
kit:   acme-launch     # aligned comment
title: 'Acme 1.0 launch kit'
product: "Acme 1.0"
launch: 2027-03-01
owners:
    marketing: {name: Mara Quinn, email: mara@acme.example}
    sales:
        name: Sam Ortega
        email: sam@acme.example
signoff: {marketing: [mara@acme.example], sales: [sam@acme.example]}

requirements:
# the first one was easy
- id: card-globex
  from: sales   # who asked
  need: "A one-page battlecard against Globex, for reps who meet them in nearly every deal."
  status: agreed
  delivered_by: [battlecards.globex]

-   id: req-2
    from: marketing
    need: |
        Line one of a literal text
        and line two.
    status: 'proposed'   # still open
-   id: pricing-sheet
    from: sales
    need: >-
      A pricing comparison reps can send to buyers, which marketing thinks should stay on the
      battlecard only.
    status: disputed
    positions:
      sales: "Buyers ask for it in writing."   # Sam, in the March call
      marketing: 'Pricing in writing ages badly: "list price" changes every quarter.'
    # resolution to come
value_props: []
battlecards:
  - id: globex
    competitor: Globex Analytics
    verified_on: 2026-11-02
    summary: Dashboard-first BI that charges for every viewer.
    why_we_win:
      - Unlimited viewers per workspace.
playbook:
  stallers:
    - {id: send-info, stall: Just send me some information., who: An analyst.,
       really_means: Not convinced., responses: [Happy to.], next_step: Book 20 minutes.,
       escalate_after_days: 7}
  nay_sayer: {concerns: [IT security.], approach: [Bring the SOC 2 report.]}
  decision_maker:
    cares_about: [One set of numbers.]
    approach: [Lead with ROI.]
"""

HEADER_ROW = 1


def workspace_with(root: Path, name: str, text: str | bytes) -> Path:
    helpers.make_workspace(root)
    path = root / "requirements" / f"{name}.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def export(root: Path, kit: str, name: str = "sheet.xlsx") -> Path:
    result = run_kitgen("sheet", "export", kit, "-o", name, cwd=root)
    assert result.code == 0, result.output
    return root / name


def edit(path: Path, change: Callable[[Worksheet], None], sheet: str = "Requirements") -> None:
    book = load_workbook(path)
    change(book[sheet])
    book.save(path)


def row_of(sheet: Worksheet, requirement_id: str) -> int:
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == requirement_id:
            return row
    raise AssertionError(requirement_id)


def column_of(sheet: Worksheet, header: str) -> int:
    for column in range(1, sheet.max_column + 1):
        if sheet.cell(row=HEADER_ROW, column=column).value == header:
            return column
    raise AssertionError(header)


def set_cell(sheet: Worksheet, requirement_id: str, header: str, value: object) -> None:
    sheet.cell(row=row_of(sheet, requirement_id), column=column_of(sheet, header), value=value)


def import_(root: Path, kit: str, *args: str, name: str = "sheet.xlsx") -> Ran:
    return run_kitgen("sheet", "import", kit, name, *args, cwd=root)


def comments(text: str) -> list[str]:
    return [line[line.index("#"):] for line in text.splitlines() if "#" in line]


# --- the round trip --------------------------------------------------------------------------


@pytest.mark.parametrize("kit", ["northwind-analytics", "northwind-mobile", "odd", "odd-crlf",
                                 "odd-bom"])
def test_round_trip_without_edits_changes_no_byte(tmp_path: Path,
                                                  kit: str) -> None:
    if kit.startswith("northwind"):
        text = (EXAMPLES / f"{kit}.yaml").read_bytes()
        name = kit
    else:
        name = "acme-launch"
        text = ODD.encode()
        if kit == "odd-crlf":
            text = text.replace(b"\n", b"\r\n")
        if kit == "odd-bom":
            text = b"\xef\xbb\xbf" + text
    path = workspace_with(tmp_path, name, text)
    export(tmp_path, name)
    result = import_(tmp_path, name, "--yes")
    assert result.code == 0, result.output
    assert "no changes" in result.output
    assert path.read_bytes() == text


def test_edits_to_status_positions_and_resolution_change_exactly_those_fields(
    tmp_path: Path,
) -> None:
    path = workspace_with(tmp_path, "acme-launch", ODD)
    book = export(tmp_path, "acme-launch")

    def negotiate(sheet: Worksheet) -> None:
        set_cell(sheet, "req-2", "Status", "disputed")
        set_cell(sheet, "req-2", "Sales position", "Reps need it this quarter.")
        set_cell(sheet, "req-2", "Marketing position", "no")  # YAML 1.1 would read false
        set_cell(sheet, "pricing-sheet", "Status", "agreed")
        set_cell(sheet, "pricing-sheet", "Sales position", "Buyers ask for it in writing, "
                 "every time.")
        set_cell(sheet, "pricing-sheet", "Resolution", "A one-line price range on the card; "
                 "no sheet.")
        set_cell(sheet, "pricing-sheet", "Delivered by", "Battlecard: Globex Analytics")

    edit(book, negotiate)
    result = import_(tmp_path, "acme-launch", "--yes")
    assert result.code == 0, result.output
    assert "req-2 (row 3):" in result.output
    assert "Status: “proposed” → “disputed”" in result.output

    after = path.read_text()
    assert comments(after) == comments(ODD)  # every comment, in place
    before_data, after_data = yaml.safe_load(ODD), yaml.safe_load(after)
    requirements = after_data.pop("requirements")
    old_requirements = before_data.pop("requirements")
    assert after_data == before_data  # nothing outside the requirements moved
    assert requirements[0] == old_requirements[0]
    assert requirements[1] == {**old_requirements[1], "status": "disputed", "positions": {
        "sales": "Reps need it this quarter.", "marketing": "no"}}
    assert requirements[2] == {
        **old_requirements[2], "status": "agreed",
        "positions": {"sales": "Buyers ask for it in writing, every time.",
                      "marketing": old_requirements[2]["positions"]["marketing"]},
        "resolution": "A one-line price range on the card; no sheet.",
        "delivered_by": ["battlecards.globex"]}
    # Lines of other requirements and of the rest of the file are the same bytes.
    assert after.startswith(ODD[: ODD.index("-   id: req-2")])
    assert after.endswith(ODD[ODD.index("value_props: []"):])
    assert '      marketing: \'Pricing in writing ages badly: "list price" changes every ' \
        "quarter.'" in after  # an unchanged value keeps its quoting
    assert '      sales: "Buyers ask for it in writing, every time."   # Sam, in the March ' \
        "call" in after  # a changed one too, and its comment
    checked = run_kitgen("check", cwd=tmp_path)
    assert checked.code == 0, checked.output


def test_a_new_row_becomes_a_new_requirement_at_the_end(tmp_path: Path) -> None:
    path = workspace_with(tmp_path, "northwind-mobile",
                          (EXAMPLES / "northwind-mobile.yaml").read_bytes())
    original = path.read_text()
    book = export(tmp_path, "northwind-mobile")

    def add(sheet: Worksheet) -> None:
        row = sheet.max_row + 1
        for header, value in (("ID", "tablet-sheet"), ("From", "sales"),
                              ("Need", "A one-pager for tablet-first field teams."),
                              ("Status", "proposed"), ("Delivered by", "playbook.nay_sayer")):
            sheet.cell(row=row, column=column_of(sheet, header), value=value)

    edit(book, add)
    result = import_(tmp_path, "northwind-mobile", "--yes")
    assert result.code == 0, result.output
    assert "tablet-sheet" in result.output and "new requirement" in result.output
    after = path.read_text()
    data = yaml.safe_load(after)
    assert data["requirements"][-1] == {
        "id": "tablet-sheet", "from": "sales", "need": "A one-pager for tablet-first field teams.",
        "status": "proposed", "delivered_by": ["playbook.nay_sayer"]}
    inserted = after.index("  - id: tablet-sheet")
    assert after[:inserted].rstrip("\n") + "\n" == original[: len(after[:inserted].rstrip("\n"))
                                                            ] + "\n"
    assert after.endswith(original[original.index("\nvalue_props:"):])


def test_a_field_edited_in_both_places_is_a_conflict_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    path = workspace_with(tmp_path, "acme-launch", ODD)
    book = export(tmp_path, "acme-launch")
    edit(book, lambda sheet: (set_cell(sheet, "req-2", "Status", "agreed"),
                              set_cell(sheet, "req-2", "Delivered by", "battlecards.globex"),
                              set_cell(sheet, "card-globex", "Resolution", "Settled in March.")))
    concurrent = ODD.replace("status: 'proposed'", "status: 'dropped'")
    path.write_text(concurrent)

    result = import_(tmp_path, "acme-launch", "--yes")
    assert result.code == 1, result.output
    assert "1 conflict; nothing written" in result.output
    assert ("req-2 Status (row 3): the workbook says “agreed”, but requirements changed it "
            "from “proposed” to “dropped” since the export") in result.output
    assert path.read_text() == concurrent

    # Making the two agree resolves it; the rest merges, keeping the YAML's own edit.
    edit(book, lambda sheet: set_cell(sheet, "req-2", "Status", "dropped"))
    merged = import_(tmp_path, "acme-launch", "--yes")
    assert merged.code == 0, merged.output
    assert "changed since the export: merged three ways" in merged.output
    data = yaml.safe_load(path.read_text())
    assert data["requirements"][1]["status"] == "dropped"
    assert data["requirements"][1]["delivered_by"] == ["battlecards.globex"]
    assert data["requirements"][0]["resolution"] == "Settled in March."


def test_edits_in_the_file_to_other_fields_are_kept(tmp_path: Path) -> None:
    path = workspace_with(tmp_path, "acme-launch", ODD)
    book = export(tmp_path, "acme-launch")
    edit(book, lambda sheet: set_cell(sheet, "req-2", "Status", "dropped"))
    path.write_text(ODD.replace("and line two.", "and line three."))
    result = import_(tmp_path, "acme-launch", "--yes")
    assert result.code == 0, result.output
    assert path.read_text() == ODD.replace("and line two.", "and line three.").replace(
        "status: 'proposed'", "status: 'dropped'")


def test_a_deleted_row_is_kept_and_said(tmp_path: Path) -> None:
    path = workspace_with(tmp_path, "acme-launch", ODD)
    book = export(tmp_path, "acme-launch")
    edit(book, lambda sheet: sheet.delete_rows(row_of(sheet, "req-2")))
    result = import_(tmp_path, "acme-launch", "--yes")
    assert result.code == 0, result.output
    assert "req-2 is not in the workbook; it stays in the file" in result.output
    assert path.read_text() == ODD


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    kit = minimal_kit(requirements=[requirement(need="=HYPERLINK(\"http://x.example\")")])
    helpers.make_workspace(tmp_path, kit)
    path = tmp_path / "requirements" / "acme-launch.yaml"
    before = path.read_bytes()
    book = export(tmp_path, "acme-launch")
    cell = load_workbook(book)["Requirements"]["C2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert import_(tmp_path, "acme-launch", "--yes").code == 0
    assert path.read_bytes() == before


def test_import_asks_and_without_a_terminal_refuses_without_yes(tmp_path: Path) -> None:
    path = workspace_with(tmp_path, "acme-launch", ODD)
    book = export(tmp_path, "acme-launch")
    edit(book, lambda sheet: set_cell(sheet, "req-2", "Status", "dropped"))
    result = import_(tmp_path, "acme-launch")
    assert result.code == 2
    assert "pass --yes" in result.output and "Status: “proposed” → “dropped”" in result.output
    dry = import_(tmp_path, "acme-launch", "--dry-run", "--json")
    assert dry.code == 0
    assert '"field": "status"' in dry.stdout
    assert path.read_text() == ODD


def test_export_refuses_to_replace_a_workbook(tmp_path: Path) -> None:
    workspace_with(tmp_path, "acme-launch", ODD)
    book = export(tmp_path, "acme-launch")
    before = book.read_bytes()
    again = run_kitgen("sheet", "export", "acme-launch", "-o", "sheet.xlsx", cwd=tmp_path)
    assert again.code == 2 and "--force" in again.output
    assert book.read_bytes() == before
    assert run_kitgen("sheet", "export", "acme-launch", "-o", "sheet.xlsx", "--force",
                      cwd=tmp_path).code == 0


def test_the_workbook_is_one_a_sales_leader_can_work_in(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "requirements")
    (tmp_path / "kits").mkdir()
    book = load_workbook(export(tmp_path, "northwind-analytics"))
    sheet = book["Requirements"]
    assert [c.value for c in sheet[1]] == ["ID", "From", "Need", "Status", "Sales position",
                                           "Marketing position", "Resolution", "Delivered by"]
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["C"].width >= 40
    assert sheet["C2"].alignment.wrap_text
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["D2"] == '"proposed,disputed,agreed,dropped"'
    assert lists["B2"] == '"marketing,sales"'
    assert sheet["H2"].value == "Battlecard: Fabrikam Insights (battlecards.fabrikam-insights)"
    items = book["Items"]
    assert items.protection.sheet
    rows = {r[1]: r for r in items.iter_rows(min_row=2, values_only=True)}
    assert rows["battlecards.contoso-bi"][0] == "Battlecard: Contoso BI"
    assert "battlecard-contoso (agreed)" in rows["battlecards.contoso-bi"][3]
    assert book["kitgen base"].sheet_state == "veryHidden"
    properties = {p.name: p.value for p in book.custom_doc_props.props}
    assert properties["kitgen kit"] == "northwind-analytics"
    assert not properties.get("kitgen version")  # not built yet
    assert re.fullmatch(r"[0-9a-f]{64}", properties["kitgen base fingerprint"])


# --- bad input: exit 2, located, and the requirement file unchanged ------------------------


def _other_kit(tmp_path: Path, book: Path) -> None:
    other = tmp_path / "other"
    helpers.make_workspace(other, minimal_kit(kit="other-launch"))
    export(other, "other-launch", "theirs.xlsx")
    shutil.copy(other / "theirs.xlsx", book)


def _fifty_megabytes(tmp_path: Path, book: Path) -> None:
    with open(book, "ab") as handle:
        handle.truncate(50 * 1024 * 1024)


def _password(tmp_path: Path, book: Path) -> None:
    # What Excel writes for a workbook with a password: an OLE container, not a zip.
    book.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))


def _corrupt(tmp_path: Path, book: Path) -> None:
    data = book.read_bytes()
    book.write_bytes(data[: len(data) // 2])


def _sheet_xml(payload: bytes):  # type: ignore[no-untyped-def]
    """Replace the Requirements sheet's XML inside the workbook's zip with ``payload``."""

    def apply(tmp_path: Path, book: Path) -> None:
        import io
        import zipfile

        source = book.read_bytes()
        with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(book, "w") as new:
            for info in old.infolist():
                data = old.read(info)
                new.writestr(info, payload if info.filename.endswith("sheet1.xml") else data)

    return apply


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
                  + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), b"&%s;" % bytes([97 + i])
                                                         * 10) for i in range(8))
                  + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                  b'main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c>'
                  b"</row></sheetData></worksheet>")


def _cells(change: Callable[[Worksheet], None], sheet: str = "Requirements"):  # type: ignore[no-untyped-def]
    def apply(tmp_path: Path, book: Path) -> None:
        edit(book, change, sheet)

    return apply


BAD = {
    "another-kit": (_other_kit, "holds the requirements of kit `other-launch`, not "
                                "`acme-launch`", "kitgen sheet import other-launch"),
    "renamed-column": (_cells(lambda s: setattr(s["D1"], "value", "State")),
                       "sheet Requirements, row 1, column D: the column `State` is not one "
                       "kitgen knows", "rename it back to `Status`"),
    "missing-column": (_cells(lambda s: s.delete_cols(7)),
                       "the column `Resolution` is missing", "put the header `Resolution` back"),
    "status-not-in-list": (_cells(lambda s: set_cell(s, "req-2", "Status", "done")),
                           "sheet Requirements, row 3, column D: Status: 'done' is not allowed "
                           "here; expected one of proposed, disputed, agreed, dropped",
                           "did you mean `agreed`?"),
    "merged-cell": (_cells(lambda s: s.merge_cells("C2:D2")),
                    "sheet Requirements, row 2, column C: cells C2:D2 are merged", "Unmerge"),
    "formula": (_cells(lambda s: set_cell(s, "req-2", "Need", "=A2&\" again\"")),
                "sheet Requirements, row 3, column C: Need: the cell holds a formula",
                "paste it as values"),
    "number": (_cells(lambda s: set_cell(s, "req-2", "Need", 42)),
               "row 3, column C: Need: expected text, got a number (42)", "apostrophe"),
    "one-position-only": (_cells(lambda s: set_cell(s, "req-2", "Sales position", "Now.")),
                          "row 3, column F: Marketing position: Marketing position is empty",
                          "write both sides' positions"),
    "disputed-without-positions": (
        _cells(lambda s: set_cell(s, "req-2", "Status", "disputed")),
        "row 3, column D: Status: a disputed requirement needs both sides' positions",
        "fill in Sales position and Marketing position"),
    "unknown-item": (_cells(lambda s: set_cell(s, "req-2", "Delivered by", "Battlecard: Globx")),
                     "row 3, column H: Delivered by: `Battlecard: Globx` is not an item",
                     "did you mean `Battlecard: Globex Analytics (battlecards.globex)`?"),
    "duplicate-id": (_cells(lambda s: set_cell(s, "req-2", "ID", "card-globex")),
                     "row 3, column A: ID: the id `card-globex` is also in row 2",
                     "give each requirement its own id"),
    "bad-id": (_cells(lambda s: set_cell(s, "req-2", "ID", "Req 2!")),
               "row 3, column A: ID: 'Req 2!' is not a valid id",
               "use letters, digits, `-`, `_` and `.`"),
    "new-row-without-id": (_cells(lambda s: setattr(s["C5"], "value", "Something new.")),
                           "row 5, column A: ID: ID is empty", "fill in ID (e.g. req-12)"),
    "edited-base": (_cells(lambda s: setattr(s["D3"], "value", "agreed"), "kitgen base"),
                    "sheet kitgen base: the hidden sheet `kitgen base`", "export the workbook "
                    "again"),
    "renamed-sheet": (_cells(lambda s: setattr(s, "title", "Reqs")),
                      "the sheet `Requirements` is missing (sheets: Reqs, Items)",
                      "rename the sheet back"),
    "fifty-megabytes": (_fifty_megabytes, "the file is 52,428,800 bytes; a workbook to import is "
                                          "limited to 5,242,880", "kitgen exported"),
    "password-protected": (_password, "the workbook is password-protected (encrypted)",
                           "without a password"),
    "corrupt-zip": (_corrupt, "not an .xlsx workbook (the file is damaged", "save it"),
    "corrupt-xml": (_sheet_xml(b"<not xml"), "the workbook cannot be read", "save it"),
    "xml-entity-bomb": (_sheet_xml(BILLION_LAUGHS), "the workbook cannot be read", "save it"),
    "not-from-kitgen": (lambda tmp, book: __import__("openpyxl").Workbook().save(book),
                        "was not exported by kitgen", "kitgen sheet export acme-launch"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_workbooks_exit_2_located_and_change_nothing(tmp_path: Path,
                                                         case: str) -> None:
    make, message, fix = BAD[case]
    path = workspace_with(tmp_path, "acme-launch", ODD)
    book = export(tmp_path, "acme-launch")
    make(tmp_path, book)
    result = import_(tmp_path, "acme-launch", "--yes")
    assert result.code == 2, result.output
    assert "Traceback" not in result.output
    flat = " ".join(result.output.split())
    assert message in flat, flat
    assert fix in flat, flat
    assert path.read_text() == ODD
    assert sorted(p.name for p in (tmp_path / "requirements").iterdir()) == ["acme-launch.yaml"]


def test_every_problem_of_a_workbook_is_reported_at_once(tmp_path: Path) -> None:
    workspace_with(tmp_path, "acme-launch", ODD)
    book = export(tmp_path, "acme-launch")
    edit(book, lambda s: (set_cell(s, "req-2", "Status", "done"),
                          set_cell(s, "card-globex", "From", "finance")))
    result = import_(tmp_path, "acme-launch", "--yes")
    assert result.code == 2
    assert "2 problems in sheet.xlsx" in result.output
    assert "row 2, column B" in result.output and "row 3, column D" in result.output


def test_unknown_kit_and_bad_output_name(tmp_path: Path) -> None:
    helpers.make_workspace(tmp_path, minimal_kit(battlecards=[battlecard()]))
    missing = run_kitgen("sheet", "export", "nope", cwd=tmp_path)
    assert missing.code == 2 and "no requirement file for kit 'nope'" in missing.output
    assert "acme-launch" in missing.output
    wrong = run_kitgen("sheet", "export", "acme-launch", "-o", "x.csv", cwd=tmp_path)
    assert wrong.code == 2 and "does not end in .xlsx" in wrong.output


@pytest.mark.slow
def test_the_readme_section_for_spreadsheets_runs_as_written(tmp_path: Path) -> None:
    readme = (helpers.REPO / "README.md").read_text()
    match = re.search(r"^## For sales leaders who negotiate in a spreadsheet\n(.*?)(?=^## )",
                      readme, re.S | re.M)
    assert match, "README has no section for sales leaders who negotiate in a spreadsheet"
    commands = re.findall(r"```sh\n(.*?)```", match.group(1), re.S)[0].strip().splitlines()
    assert [c.split()[:3] for c in commands] == [["kitgen", "sheet", "export"],
                                                  ["kitgen", "sheet", "import"]]
    root = tmp_path / "launch-kits"
    assert helpers.run_kitgen("init", str(root), cwd=tmp_path, real_process=True).code == 0
    before = helpers.tree(root / "requirements")
    for command in commands:
        result = helpers.run_kitgen(*command.split()[1:], cwd=root, real_process=True)
        assert result.code == 0, result.stdout + result.stderr
    assert "no changes" in result.stdout
    assert helpers.tree(root / "requirements") == before

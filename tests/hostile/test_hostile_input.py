"""Bad requirement files (issue 5, item 1).

Every file in data/ is valid-kit.yaml with one fault. For each, `kitgen check FILE` and
`kitgen build FILE` exit 2 with the fault at `file:line:column` (where it has a place) and a
phrase that names it, print no traceback, and leave kits/ — a kit with versions, a release,
sign-offs and feedback — byte for byte as it was. Files too large or too costly to commit
(20 MB, an alias bomb, 100,000 levels of nesting…) are generated here, and a few cases also
run in a real process, where a traceback or a Python tag would really execute.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import SAM, Ran, run_kitgen, tree

from hostile.support import DATA, KIT, VALID_KIT, Stages, kit_text

pytestmark = pytest.mark.hostile_input


@dataclass(frozen=True)
class Expect:
    place: tuple[int, int] | None  # line, column; None where the problem has no place
    says: str


# The fault of each committed file: where it is and a phrase of the message.
COMMITTED: dict[str, Expect] = {
    # syntax and structure
    "syntax-unclosed-flow-list": Expect((2, 8), "the list opened with `[` at 2:8 is never closed"),
    "syntax-tab-indent": Expect((7, 3), "indent with spaces, never tabs"),
    "syntax-bad-indent": Expect(
        (11, 4), "`email` is indented less than `name` above it and more than `sales`"),
    "syntax-unterminated-quote": Expect((3, 10), "the quote opened at 3:10 is never closed"),
    "syntax-two-documents": Expect((75, 1), "a second document starts here (`---`)"),
    "syntax-yaml-2-directive": Expect((1, 1), "found incompatible YAML document"),
    "top-level-list": Expect((1, 1), "the top level must be a mapping"),
    "top-level-text": Expect((1, 1), "the top level must be a mapping"),
    "empty": Expect(None, "the file is empty"),
    "comments-only": Expect(None, "the file holds no YAML document"),
    # wrong types
    "type-text-instead-of-list": Expect((38, 17), "expected a list, got str"),
    "type-mapping-instead-of-list": Expect((33, 3), "expected a list, got a mapping"),
    "type-number-as-title": Expect((2, 8), "expected text, got the number 42"),
    "type-text-as-days": Expect((60, 28), "expected a whole number, got 'seven'"),
    "type-float-days": Expect((60, 28), "expected a whole number, got 7.5"),
    "type-infinite-days": Expect((60, 28), "expected a whole number, got inf"),
    "type-huge-integer": Expect((60, 28), "expected a whole number, got '9999"),
    "type-empty-required-list": Expect((38, 17), "needs at least 1 item(s)"),
    "type-blank-text": Expect((37, 14), "must not be blank"),
    "missing-required-key": Expect((1, 1), "`product` is required"),
    "bad-status-typo": Expect((23, 13), "did you mean `agreed`?"),
    "disputed-without-positions": Expect((23, 13), "a disputed requirement needs `positions:`"),
    "signer-on-both-sides": Expect((18, 7), "mara@acme.example may sign for both sides"),
    # values YAML 1.1 would silently turn into something else
    "yaml11-no-is-false": Expect(
        (22, 11), 'YAML reads unquoted yes/no/on/off as true/false. Fix: put the text in '
                  'quotes: "no"'),
    "yaml11-on-is-true": Expect((35, 17), 'put the text in quotes: "on"'),
    "yaml11-version-1.10-is-a-float": Expect((5, 10), 'Fix: write version: "1.10.0"'),
    "yaml11-octal-010-is-8": Expect((60, 28), "expected a whole number, got '010'"),
    "yaml11-sexagesimal-1-30-is-90": Expect((60, 28), "expected a whole number, got '1:30'"),
    "yaml11-hex-is-a-number": Expect((60, 28), "expected a whole number, got '0x1F'"),
    "yaml11-tilde-is-null": Expect((37, 14), "expected text, got nothing"),
    "date-as-seconds": Expect((4, 9), "launch: 86400 is not a valid date"),
    "date-impossible": Expect((36, 18), "'2026-02-30' is not a valid date"),
    # keys
    "unknown-key-typo": Expect((9, 3), "unknown key `salse`. Fix: did you mean `sales`?"),
    "unknown-key-top-level": Expect((75, 1), "unknown key `notes`"),
    "unknown-key-very-long": Expect((75, 3), "unknown key `kkkkkkkkkk"),
    "duplicate-key": Expect((3, 1), "duplicate key `title` (first at line 2)"),
    "duplicate-battlecard-id": Expect((49, 9), "duplicate id `globex`"),
    "duplicate-requirement-id": Expect((26, 9), "duplicate id `card-globex`"),
    "key-not-text": Expect((3, 3), "a key must be plain text"),
    "merge-key": Expect((8, 3), "merge keys (`<<`) are not allowed"),
    # references
    "reference-unresolved": Expect((25, 9), "did you mean `battlecards.globex`?"),
    "reference-staller-asset": Expect(
        (58, 11), "`value_props.cfo` does not refer to anything in this kit"),
    "reference-roadmap-feature": Expect((47, 18), "did you mean `roadmap.offline`?"),
    # encodings and bytes
    "encoding-latin-1": Expect((35, 27), "byte 0xe9 is not UTF-8 text"),
    "encoding-utf-16": Expect((1, 1), "byte 0xff is not UTF-8 text"),
    "bom-mid-file": Expect((35, 17), "byte-order mark (U+FEFF) inside the file"),
    "bom-twice": Expect((1, 1), "byte-order mark (U+FEFF) inside the file"),
    "nul-byte": Expect((37, 18), "character U+0000 is not allowed in YAML"),
    "nul-escaped": Expect((37, 14), "the control character U+0000"),
    "terminal-escape-in-text": Expect((22, 11), "the control character U+001B"),
    "control-character-in-key": Expect((2, 1), "the control character U+0007"),
    # nesting, aliases and tags
    "deep-nesting": Expect((32, 54), "nested deeper than 40 levels"),
    "alias-recursive": Expect((32, 14), "nested deeper than 40 levels"),
    "python-tag-apply": Expect(
        (2, 8), "the YAML tag !!python/object/apply:os.system is not allowed"),
    "python-tag-name": Expect((3, 10), "the YAML tag !!python/name:os.system is not allowed"),
    "custom-include-tag": Expect((3, 10), "the YAML tag !include is not allowed"),
    "binary-tag": Expect((3, 10), "the YAML tag !!binary is not allowed"),
    # paths where ids go
    "kit-id-dotdot": Expect((1, 6), "'../../outside' is not a valid id"),
    "kit-id-absolute": Expect((1, 6), "'/etc/cron.d/kitgen' is not a valid id"),
    "kit-id-backslash": Expect((1, 6), "is not a valid id"),
    "kit-id-too-long": Expect((1, 6), "is too long (at most 64 characters)"),
    "battlecard-id-path": Expect((34, 9), "'../../../globex' is not a valid id"),
    "version-pin-path": Expect((5, 10), "'1.0.0/../../../x' is not a semantic version"),
    # huge
    "huge-text": Expect((37, 14), "is too long (at most 4000 characters)"),
    # invisible characters where ids and emails go (they are fine in text)
    "kit-id-zero-width": Expect((1, 6), "'hostile\\u200b-kit' is not a valid id"),
    "battlecard-id-right-to-left": Expect((34, 9), "'glob\\u202eex' is not a valid id"),
    "email-zero-width": Expect((17, 7), "'sam\\u200b@acme.example' is not an email address"),
    "email-right-to-left": Expect(
        (15, 7), "'mona@acme.example\\u202e' is not an email address"),
    "reference-zero-width": Expect((25, 9), "'battlecards.glob\\u200bex' is not a reference"),
}


# --- files made at test time: too big to commit, or needing a link --------------------------


def billion_laughs() -> bytes:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def quadratic_blowup() -> bytes:
    """The other alias bomb: a 4,000-character string named 200,000 times (800 MB if copied)
    from a file of a few kilobytes."""
    text = kit_text(**{"value_props: []": "value_props: []\nx: &x " + "A" * 4000})
    text += "y: &y [" + ", ".join(["*x"] * 100) + "]\n"
    return (text + "z: [" + ", ".join(["*y"] * 2000) + "]\n").encode()


GENERATED: dict[str, tuple[Callable[[], bytes], Expect]] = {
    "twenty-megabytes": (
        lambda: kit_text().encode() + b"# " + b"x" * (20 * 1024 * 1024) + b"\n",
        Expect(None, "requirement files are limited to 1,048,576")),
    # A place, though not a useful one: the shared node where expansion passed the limit.
    "alias-bomb": (billion_laughs, Expect((1, 15), "the file expands to more than 100,000 values")),
    "alias-bomb-wide": (quadratic_blowup,
                        Expect((34, 4), "the file expands to more than 100,000 values")),
    "nesting-100000-levels": (
        lambda: kit_text().replace("value_props: []", "value_props: " + "[" * 100_000
                                   + "]" * 100_000).encode(),
        Expect(None, "nested too deeply to read")),
    "nesting-block-mappings": (
        lambda: (kit_text() + "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60
                 + "deep\n").encode(),
        Expect((117, 83), "nested deeper than 40 levels")),
    "string-of-900-kilobytes": (
        lambda: kit_text(**{"product: Hostile 1.0": "product: " + "é" * 450_000}).encode(),
        Expect((4, 10), "is too long (at most 4000 characters)")),
    "thousands-of-problems": (
        lambda: (kit_text() + "".join(f"junk{i}: {i}\n" for i in range(5000))).encode(),
        Expect((76, 1), "unknown key `junk0`")),
}


def test_every_committed_file_has_its_expectation() -> None:
    assert {p.stem for p in DATA.glob("*.yaml")} == set(COMMITTED)
    assert len(COMMITTED) + len(GENERATED) >= 40


def test_the_file_they_are_copies_of_is_valid(stages: Stages) -> None:
    """Each data file differs from a valid kit in one fault only (the kit built in stages)."""
    result = run_kitgen("check", str(VALID_KIT), cwd=stages.built)
    assert result.code == 0, result.text


def bad_file(name: str) -> bytes:
    if name in COMMITTED:
        return (DATA / f"{name}.yaml").read_bytes()
    return GENERATED[name][0]()


def expectation(name: str) -> Expect:
    return COMMITTED[name] if name in COMMITTED else GENERATED[name][1]


def assert_refused(ran: Ran, file: str, expect: Expect) -> None:
    output = ran.stdout + ran.stderr
    assert ran.code == 2, output[:3000]
    assert "Traceback" not in output and "internal error" not in output
    lines = [line.strip() for line in output.splitlines() if expect.says in line]
    assert lines, f"{expect.says!r} not in:\n{output[:3000]}"
    if expect.place is None:
        assert any(line.startswith(f"{file}:") for line in lines), lines
    else:
        line, column = expect.place
        assert any(x.startswith(f"{file}:{line}:{column}:") for x in lines), lines


@pytest.fixture(scope="module")
def kits_before(stages: Stages) -> dict[str, bytes]:
    return tree(stages.released / "kits")


ALL = sorted(COMMITTED) + sorted(GENERATED)


@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize("name", ALL)
def test_bad_file_is_refused_and_nothing_is_written(
    stages: Stages, copy_of: Callable[[Path], Path], kits_before: dict[str, bytes],
    name: str, command: str,
) -> None:
    root = copy_of(stages.released)
    file = f"requirements/{name}.yaml"
    (root / file).write_bytes(bad_file(name))
    result = run_kitgen(command, file, cwd=root)
    assert_refused(result, file, expectation(name))
    assert tree(root / "kits") == kits_before
    assert not (root / "PWNED").exists()


# In a real process: tags that would run code, and the inputs that would exhaust memory,
# recursion or time, where an in-process run could hide a crash behind the test runner.
REAL_PROCESS = ["python-tag-apply", "python-tag-name", "alias-bomb", "alias-bomb-wide",
                "nesting-100000-levels", "twenty-megabytes", "type-huge-integer",
                "terminal-escape-in-text"]


@pytest.mark.parametrize("name", REAL_PROCESS)
def test_bad_file_in_a_real_process(stages: Stages, copy_of: Callable[[Path], Path],
                                    kits_before: dict[str, bytes], name: str) -> None:
    root = copy_of(stages.released)
    file = f"requirements/{name}.yaml"
    data = bad_file(name).replace(b"touch PWNED", f"touch {root / 'PWNED'}".encode())
    (root / file).write_bytes(data)
    result = run_kitgen("build", file, cwd=root, real_process=True)
    assert_refused(result, file, expectation(name))
    assert "\x1b" not in result.stdout + result.stderr
    assert tree(root / "kits") == kits_before
    assert not (root / "PWNED").exists()


def test_thousands_of_problems_are_cut_to_a_readable_list(
    stages: Stages, copy_of: Callable[[Path], Path],
) -> None:
    root = copy_of(stages.released)
    (root / "requirements" / "many.yaml").write_bytes(GENERATED["thousands-of-problems"][0]())
    result = run_kitgen("check", "requirements/many.yaml", cwd=root)
    assert result.code == 2
    listed = [line for line in result.stderr.splitlines()
              if line.startswith("  requirements/many.yaml")]
    assert len(listed) == 200 + 1  # 200 problems and one line saying how many more
    assert "error: 5,000 problems in requirements/many.yaml" in result.stderr
    assert "4,800 more problem(s) after line 275 are not shown" in result.stderr


# --- links: ids and files that would lead out of the workspace --------------------------------


def test_requirement_file_linked_to_a_file_outside_the_workspace(
    stages: Stages, copy_of: Callable[[Path], Path], kits_before: dict[str, bytes],
    tmp_path: Path,
) -> None:
    """A link in a pull request must not make CI read (and quote) a file of the machine."""
    root = copy_of(stages.released)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(kit_text(**{"kit: hostile-kit": "kit: leaked-kit"}))
    (root / "requirements" / "leak.yaml").symlink_to(outside)
    for command in ("check", "build"):
        result = run_kitgen(command, "requirements/leak.yaml", cwd=root)
        assert_refused(result, "requirements/leak.yaml",
                       Expect(None, "a symbolic link to a file outside the workspace"))
        # Every file in requirements/: the link is among them.
        default = run_kitgen(command, cwd=root)
        assert default.code == 2 and "requirements/leak.yaml" in default.stderr
    assert tree(root / "kits") == kits_before


def test_kit_id_whose_folder_is_a_link_out_of_kits(
    stages: Stages, copy_of: Callable[[Path], Path], tmp_path: Path,
) -> None:
    """`check` validates the file alone (it is valid); `build` refuses to write through the link."""
    root = copy_of(stages.released)
    outside = tmp_path / "outside-kits"
    outside.mkdir()
    (root / "requirements" / "linked.yaml").write_text(
        kit_text(**{"kit: hostile-kit": "kit: linked-kit"}))
    (root / "kits" / "linked-kit").symlink_to(outside, target_is_directory=True)
    before = tree(root / "kits", hidden=False)
    assert run_kitgen("check", "requirements/linked.yaml", cwd=root).code == 0
    result = run_kitgen("build", "requirements/linked.yaml", cwd=root)
    assert result.code == 2, result.text
    assert "symbolic link" in result.text and "Traceback" not in result.text
    assert list(outside.iterdir()) == []
    assert tree(root / "kits", hidden=False) == before


@pytest.mark.parametrize("folder", ["signoffs", "feedback"])
def test_record_folder_linked_out_of_kits_is_not_written_through(
    stages: Stages, copy_of: Callable[[Path], Path], tmp_path: Path, folder: str,
) -> None:
    root = copy_of(stages.built)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "kits" / KIT / folder).symlink_to(outside, target_is_directory=True)
    if folder == "signoffs":
        result = run_kitgen("approve", KIT, "--side", "sales", "--name", SAM[0], "--email", SAM[1],
                            "--yes", cwd=root)
    else:
        result = run_kitgen("feedback", KIT, "battlecards.globex", "--useful", "yes", "--name",
                            "Dana", "--email", "dana@acme.example", cwd=root)
    assert result.code == 2, result.text
    assert "symbolic link" in result.text
    assert list(outside.iterdir()) == []
    verified = run_kitgen("verify", cwd=root)
    if folder == "signoffs":  # a linked record folder is named; feedback is not verify's
        assert verified.code == 1
        assert f"FAIL kits/{KIT}/signoffs: a symbolic link" in verified.stdout


# --- hostile command-line input -------------------------------------------------------------

ESC = "\x1b[2J\x1b[31m"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["approve", "../../etc", "--side", "sales"], "'../../etc' is not allowed"),
        (["approve", "/etc", "--side", "sales"], "is not allowed in a path"),
        (["approve", KIT, "--side", "both"], "--side must be sales or marketing"),
        (["approve", KIT, "--side", "sales", "--name", f"Sam{ESC}"], "U+001B"),
        (["approve", KIT, "--side", "sales", "--comment", f"ok{ESC}"], "--comment holds"),
        (["reject", KIT, "--side", "sales", "--reason", f"no{ESC}"], "--reason holds"),
        (["reject", KIT, "--side", "sales", "--reason", "   "], "--reason must say"),
        (["approve", KIT, "--side", "sales", "--comment", "caf\udce9"], "0xe9 (not UTF-8)"),
        (["approve", KIT, "--side", "sales", "--email", "sam\u200b@acme.example"],
         "is not an email address"),
        (["approve", KIT, "--side", "sales", "--email", "sam@acme.example\x07"], "U+0007"),
        (["feedback", KIT, "battlecards.globex", "--useful", "maybe"], "--useful must be yes"),
        (["feedback", KIT, "../../../etc/passwd", "--useful", "yes"], "has no item"),
        (["feedback", KIT, "battlecards.globex", "--useful", "no", "--note", f"x{ESC}"],
         "--note holds"),
        (["verify", "../kits"], "is neither a kit"),
        (["diff", "../../etc"], "'../../etc' is not allowed"),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else None,
)
def test_hostile_arguments_are_bad_input(stages: Stages, copy_of: Callable[[Path], Path],
                                         args: list[str], says: str) -> None:
    root = copy_of(stages.built)
    before = tree(root, hidden=False)
    identity = {"KITGEN_NAME": SAM[0], "KITGEN_EMAIL": SAM[1]}
    result = run_kitgen(*args, *(["--yes"] if args[0] in ("approve", "reject") else []), cwd=root,
                        env=identity)
    assert result.code == 2, result.text
    assert says in result.text, result.text
    assert "Traceback" not in result.text and "internal error" not in result.text
    assert "\x1b" not in result.stdout
    assert tree(root, hidden=False) == before


def test_undecodable_argument_in_a_real_process(stages: Stages,
                                                copy_of: Callable[[Path], Path]) -> None:
    """Bytes that are not UTF-8 in argv reach Python as lone surrogates: refused, not a crash."""
    import subprocess

    from helpers import clean_env, kitgen_command

    root = copy_of(stages.built)
    result = subprocess.run(
        kitgen_command("approve", KIT, "--side", "sales", "--yes", b"--name".decode(),
                       os.fsdecode(b"Sam \xff\xfe"), "--email", SAM[1]),
        cwd=root, env=clean_env(), capture_output=True, timeout=600,
    )
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    assert result.returncode == 2, output
    assert "not UTF-8" in output and "Traceback" not in output
    assert not (root / "kits" / KIT / "signoffs").exists()


def test_a_folder_given_as_a_requirement_file(stages: Stages,
                                              copy_of: Callable[[Path], Path]) -> None:
    root = copy_of(stages.built)
    (root / "requirements" / "folder.yaml").mkdir()
    result = run_kitgen("build", "requirements/folder.yaml", cwd=root)
    assert_refused(result, "requirements/folder.yaml", Expect(None, "not a regular file"))
    shutil.rmtree(root / "requirements" / "folder.yaml")

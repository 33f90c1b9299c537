"""Properties (issue 5, item 7): random edits to records and manifests never verify; records
round-trip.

The edits are made on one copy of the ``released`` stage and undone after each example, so
each example costs one `verify` of a kit (no render). What is random: which file, and the edit
— a byte flipped, inserted or deleted anywhere, or a JSON value replaced at any path. The one
exception is stated in SECURITY.md and tested as such: an unreleased version's informational
manifest fields (``source_date``, ``requirement_file``) and keys kitgen does not read are not
bound by anything but git history; once released, the PDFs carry the manifest and every byte
counts.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile.support import KIT, Stages
from kitgen.base.workspace import Workspace
from kitgen.signoff.feedback import FIELDS as FEEDBACK_FIELDS
from kitgen.signoff.feedback import HEADER as FEEDBACK_HEADER
from kitgen.signoff.feedback import Feedback
from kitgen.signoff.records import Record, meaning_of, parse_record
from kitgen.signoff.textrecord import parse_record_fields
from kitgen.verify.kit import verify_kit
from kitgen.version.manifest import manifest_bytes

pytestmark = pytest.mark.hostile_properties

EXAMPLES = settings(max_examples=75, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture(scope="module")
def workspace(stages: Stages, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("properties") / "ws"
    shutil.copytree(stages.released, root, symlinks=True)
    assert verify_kit(Workspace(root), KIT).problems == []
    return root


class Edited:
    """Replace a file's bytes for one example, then put them back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.original = path.read_bytes()

    def __enter__(self) -> Edited:
        return self

    def write(self, data: bytes) -> None:
        assert data != self.original
        self.path.write_bytes(data)

    def __exit__(self, *exc: object) -> None:
        self.path.write_bytes(self.original)


def problems(root: Path) -> list[str]:
    return [str(p) for p in verify_kit(Workspace(root), KIT).problems]


byte_edits = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.just(0)),
)


def apply(data: bytes, edit: tuple[str, int, int]) -> bytes:
    kind, at, value = edit
    at %= len(data) + (1 if kind == "insert" else 0)
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ value]) + data[at + 1:]
    if kind == "insert":
        return data[:at] + bytes([value]) + data[at:]
    if kind == "delete":
        return data[:at] + data[at + 1:]
    return data[:at]


def record_files(root: Path) -> list[Path]:
    return sorted((root / "kits" / KIT / "signoffs").glob("*.txt"))


@EXAMPLES
@given(which=st.integers(0, 2), edit=byte_edits)
def test_any_byte_edit_to_any_record_never_verifies(
    workspace: Path, which: int, edit: tuple[str, int, int],
) -> None:
    path = record_files(workspace)[which]
    with Edited(path) as edited:
        edited.write(apply(edited.original, edit))
        found = problems(workspace)
    assert any(path.name in p for p in found), found


@EXAMPLES
@given(which=st.integers(0, 2), field=st.sampled_from(
    ["kit", "version", "digest", "side", "name", "email", "decision", "meaning", "comment",
     "time"]), value=st.text(min_size=1, max_size=30))
def test_any_field_edit_to_a_record_never_verifies(
    workspace: Path, which: int, field: str, value: str,
) -> None:
    path = record_files(workspace)[which]
    with Edited(path) as edited:
        lines = edited.original.decode().split("\n")
        changed = [f"{field}: {value}" if line.startswith(f"{field}:") else line
                   for line in lines]
        data = "\n".join(changed).encode("utf-8", "surrogatepass")
        if data == edited.original:
            return
        edited.write(data)
        found = problems(workspace)
    assert any(path.name in p for p in found), found


def manifest(root: Path, version: str) -> Path:
    return root / "kits" / KIT / version / "manifest.json"


@EXAMPLES
@given(edit=byte_edits)
def test_any_byte_edit_to_a_released_versions_manifest_never_verifies(
    workspace: Path, edit: tuple[str, int, int],
) -> None:
    path = manifest(workspace, "1")
    with Edited(path) as edited:
        edited.write(apply(edited.original, edit))
        found = problems(workspace)
    assert found


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_paths(item, (*prefix, index))
    if prefix:
        yield prefix


INFORMATIONAL = {("source_date",), ("requirement_file",)}
replacements = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**9),
                         st.text(max_size=12), st.lists(st.integers(), max_size=2),
                         st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@EXAMPLES
@given(data=st.data(), version=st.sampled_from(["1", "2"]), replacement=replacements,
       delete=st.booleans())
def test_any_value_edit_to_a_manifest_never_verifies(
    workspace: Path, data: st.DataObject, version: str, replacement: Any, delete: bool,
) -> None:
    """Written back exactly as kitgen writes manifests, so only the value can give it away."""
    path = manifest(workspace, version)
    original = json.loads(path.read_bytes())
    paths = [p for p in json_paths(original) if p not in INFORMATIONAL]
    where = data.draw(st.sampled_from(paths))
    edited_value = json.loads(json.dumps(original))
    parent = edited_value
    for part in where[:-1]:
        parent = parent[part]
    if delete and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        if parent[where[-1]] == replacement:
            return
        parent[where[-1]] = replacement
    with Edited(path) as edited:
        edited.write(manifest_bytes(edited_value))
        found = problems(workspace)
    assert found, where


def test_informational_fields_of_a_manifest_are_bound_by_the_copies_pdfs_carry(
        workspace: Path) -> None:
    """Fields no other check reads: every PDF of the version carries the manifest, draft or
    released, so an edit to any of them shows."""
    path = manifest(workspace, "2")
    value = json.loads(path.read_bytes())
    value["source_date"] = "2001-01-01T00:00:00Z"
    with Edited(path) as edited:  # a draft: the copy inside its PDFs gives it away
        edited.write(manifest_bytes(value))
        assert any("differs from the copy" in p for p in problems(workspace))
    released = manifest(workspace, "1")
    value = json.loads(released.read_bytes())
    value["source_date"] = "2001-01-01T00:00:00Z"
    with Edited(released) as edited:  # released: the copy inside the PDFs gives it away
        edited.write(manifest_bytes(value))
        assert any("differs from the copy" in p for p in problems(workspace))


# --- round trips ------------------------------------------------------------------------------

printable = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=60)


@settings(max_examples=200, deadline=None)
@given(name=printable, comment=printable, email=st.emails(),
       side=st.sampled_from(["sales", "marketing"]),
       decision=st.sampled_from(["approve", "reject"]),
       version=st.from_regex(r"[1-9][0-9]{0,3}|[0-9]\.[0-9]{1,2}\.[0-9](-rc\.[0-9])?",
                             fullmatch=True))
def test_records_round_trip(name: str, comment: str, email: str, side: str, decision: str,
                            version: str) -> None:
    record = Record(KIT, version, "ab" * 32, side, name, email, decision,
                    meaning_of(decision, side, version), comment, "2025-12-01T09:30:00Z")
    raw = record.to_bytes()
    parsed = parse_record(raw)
    assert parsed.to_bytes() == raw and parsed.file_name == record.file_name
    assert parsed.name == " ".join(name.split()) and parsed.comment == " ".join(comment.split())
    assert raw.decode().count("\n") == 11  # one line per field, whatever was typed


@settings(max_examples=200, deadline=None)
@given(note=printable, name=printable, email=st.emails(), useful=st.sampled_from(["yes", "no"]),
       item=st.sampled_from(["battlecards.globex", "playbook.nay_sayer",
                             "playbook.stallers.send-info"]))
def test_feedback_round_trips(note: str, name: str, email: str, useful: str, item: str) -> None:
    entry = Feedback(KIT, "1", item, useful, note, name, email, "2025-12-01T09:30:00Z")
    raw = entry.to_bytes()
    values = parse_record_fields(raw, FEEDBACK_HEADER, FEEDBACK_FIELDS)
    again = Feedback(**values)
    assert again.to_bytes() == raw and again.file_name == entry.file_name
    assert again.note == " ".join(note.split())


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(comment=printable, name=printable.filter(str.strip))
def test_a_written_record_reads_back_and_counts(tmp_path_factory: pytest.TempPathFactory,
                                                stages: Stages, comment: str,
                                                name: str) -> None:
    """Through the real writer and reader: what `approve` stores is what the ledger counts."""
    from kitgen.signoff.ledger import KitLedger
    from kitgen.signoff.records import write_record

    root = tmp_path_factory.mktemp("roundtrip")
    shutil.copytree(stages.built / "kits", root / "kits")
    shutil.copytree(stages.built / "requirements", root / "requirements")
    ledger = KitLedger.open(Workspace(root), KIT)
    digest = ledger.manifest("1")["digest"]
    record = Record(KIT, "1", digest, "sales", name, "sue@acme.example", "approve",
                    meaning_of("approve", "sales", "1"), comment, "2025-12-01T09:30:00Z")
    path = write_record(root / "kits" / KIT, record)
    (counted,) = KitLedger.open(Workspace(root), KIT).counting("1", "approve")
    assert counted == parse_record(path.read_bytes())
    assert verify_kit(Workspace(root), KIT).problems == []

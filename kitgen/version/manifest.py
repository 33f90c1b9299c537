"""A version's manifest: what it holds and how it was made, written once and read back safely.

A version folder is written whole, under a hidden name, then renamed into place: readers see
a complete version or none. Once there it is never modified; releasing only adds beside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kitgen import __version__
from kitgen.base.errors import InputError, UnreadableFile
from kitgen.base.files import is_plain_dir, is_plain_file, read_plain_file
from kitgen.load.model import KitFile
from kitgen.load.positions import LoadedKit
from kitgen.render.documents import Changes, Revision, source_date
from kitgen.version.content_diff import FieldChange, diff_kits
from kitgen.version.digest import compute_digest
from kitgen.version.policy import policy_record

if TYPE_CHECKING:  # readers of a manifest (status, verify) never load the renderer
    from kitgen.render.scheduler import BuiltDocument

MANIFEST = "manifest.json"
SNAPSHOT = "requirements.yaml"
MANIFEST_FORMAT = 1
RELEASE_FORMAT = 1  # of release.json
RELEASE_DIR = "released"
RELEASE_MANIFEST = "release.json"


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """Manifests are for people too: indented, keys sorted, so the same data gives the same
    bytes."""
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def json_object(raw: bytes) -> dict[str, Any] | None:
    """A manifest's JSON object; None when the bytes are not one (an edit, a stray file)."""
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when it is missing, unreadable, reached through a
    symbolic link (kitgen never writes one under kits/) or not an object."""
    try:
        return json_object(read_plain_file(path, links=False))
    except InputError:
        return None


def has_release(version_dir: Path) -> bool:
    """Whether ``version_dir`` holds a release folder with its release manifest, as kitgen
    writes them: a folder and a file, no link (a link never makes a release). Whether the
    release rests on approvals is the ledger's to say (signoff/ledger.py)."""
    folder = version_dir / RELEASE_DIR
    return is_plain_dir(folder) and is_plain_file(folder / RELEASE_MANIFEST)


def digest_of_inputs(manifest: dict[str, Any]) -> str | None:
    """The digest that follows from the inputs a manifest records (None when it records none):
    a manifest whose ``digest`` differs was edited."""
    inputs = manifest.get("inputs")
    if not isinstance(inputs, dict):
        return None
    inputs = dict(inputs)
    data = inputs.pop("data", "")
    return compute_digest(str(data), inputs, str(manifest.get("kitgen_version", "")))


def make_release_manifest(manifest: dict[str, Any], signoffs: list[dict[str, Any]],
                          built: Sequence[BuiltDocument], index_page: str = "") -> bytes:
    """``release.json`` of a version (``manifest``): the sign-off records it relies on and the
    released PDFs as rendered (with ``index_page``, the released index's page for a browser
    beside its PDF, listed with its sha256 like every file)."""
    return manifest_bytes({
        "format": RELEASE_FORMAT,
        "kit": manifest["kit"],
        "version": manifest["version"],
        "digest": manifest["digest"],
        "kitgen_version": __version__,
        "signoffs": signoffs,
        "documents": [{"file": b.document.filename, "sha256": b.sha256, "pages": b.pages,
                       **({"html": f"{b.document.stem}.html",
                           "html_sha256": hashlib.sha256(index_page.encode()).hexdigest()}
                          if index_page and b.document.kind == "index" else {})}
                      for b in built],
    })


def read_manifest(version_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(read_plain_file(version_dir / MANIFEST, links=False))
    except UnreadableFile as error:
        raise InputError(f"cannot read {version_dir / MANIFEST}: {error.reason}") from None
    except (ValueError, RecursionError) as error:
        raise InputError(f"cannot read {version_dir / MANIFEST}: {error}") from None
    if not isinstance(manifest, dict):
        raise InputError(f"{version_dir / MANIFEST} is not a manifest")
    return manifest


def version_time(manifest: dict[str, Any], kit: KitFile) -> dt.datetime:
    """The time a version was built with, as its manifest records it: its release and any
    re-render use it too, whatever SOURCE_DATE_EPOCH says then (``source_date`` for a manifest
    without a readable one)."""
    try:
        return dt.datetime.strptime(str(manifest.get("source_date")),
                                    "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return source_date(kit)


def make_manifest(
    loaded: LoadedKit, version: str, digest: str, inputs: dict[str, str], when: dt.datetime,
    built: Sequence[BuiltDocument], pages: dict[str, str] | None = None,
    changes: Changes | None = None, policy_change: dict[str, Any] | None = None,
) -> bytes:
    """The manifest of a version (``inputs`` include the data digest under ``data``).

    ``pages`` holds, per document file, the HTML written beside it (``<stem>.html``), listed
    with its sha256 like every file the manifest names. ``policy_change`` says how the sign-off
    policy differs from the last released version's, as of this build
    (``version/policy.py``)."""
    kit = loaded.kit
    manifest = {
        # What changed, as of this build: the release renders its index from this record, so
        # a release never depends on which other versions were released after this one.
        "changes": changes_to_json(changes),
        "format": MANIFEST_FORMAT,
        "kit": kit.kit,
        "title": kit.title,
        "version": version,
        "digest": digest,
        "kitgen_version": __version__,
        "source_date": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "requirement_file": loaded.name,
        "snapshot": {"file": SNAPSHOT, "sha256": hashlib.sha256(loaded.raw).hexdigest()},
        "inputs": inputs,
        "signoff_policy": policy_record(kit.signoff),
        "policy_change": policy_change,
        "documents": [_document_entry(b, (pages or {}).get(b.document.filename, ""))
                      for b in built],
    }
    return manifest_bytes(manifest)


def _document_entry(built: BuiltDocument, page: str) -> dict[str, Any]:
    document = built.document
    entry: dict[str, Any] = {
        "file": document.filename, "kind": document.kind, "ref": document.ref,
        "title": document.title, "audience": document.audience, "sha256": built.sha256,
        "pages": built.pages, "delivers": [r.id for r in document.delivers],
    }
    if built.layout:
        # What the laid-out pages showed (render/layout.py): a build that writes nothing
        # still warns about it.
        entry["layout"] = [finding.as_json() for finding in built.layout]
    if document.revision:
        entry["revision"] = {"version": document.revision.version,
                             "digest": document.revision.digest}
    if page:
        entry["html"] = f"{document.stem}.html"
        entry["html_sha256"] = hashlib.sha256(page.encode()).hexdigest()
    return entry


def recorded_revisions(manifest: dict[str, Any] | None) -> dict[str, Revision]:
    """Each document's revision as a manifest records it, by file (none for a manifest that
    records none, or a malformed entry: that document then starts a new revision)."""
    found: dict[str, Revision] = {}
    documents = manifest.get("documents") if manifest else None
    for doc in documents if isinstance(documents, list) else []:
        revision = doc.get("revision") if isinstance(doc, dict) else None
        if isinstance(revision, dict) and isinstance(doc.get("file"), str) and all(
                isinstance(revision.get(key), str) for key in ("version", "digest")):
            found[doc["file"]] = Revision(revision["version"], revision["digest"])
    return found


def changes_to_json(changes: Changes | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    return {
        "previous": changes.previous,
        "since_previous": [c.as_json() for c in changes.since_previous],
        "released": changes.released,
        "since_released": [c.as_json() for c in changes.since_released],
    }


def change_record(old: KitFile, new: KitFile) -> list[dict[str, Any]]:
    """What changed from ``old`` to ``new`` as a manifest records it: the content diff, field
    by field; ``verify`` recomputes it to check the record."""
    return [c.as_json() for c in diff_kits(old, new)]


def changes_from_json(data: Any) -> Changes | None:
    """The changes a manifest recorded; None for a first version or a malformed record."""
    if not isinstance(data, dict) or not data.get("previous"):
        return None
    try:
        return Changes(
            previous=str(data["previous"]),
            since_previous=tuple(FieldChange.from_json(c)
                                 for c in data.get("since_previous", [])),
            released=str(data["released"]) if data.get("released") else None,
            since_released=tuple(FieldChange.from_json(c)
                                 for c in data.get("since_released", [])),
        )
    except (TypeError, KeyError, AttributeError):
        return None


def manifest_shape_problem(manifest: dict[str, Any]) -> str:
    """What is structurally wrong with a version manifest (an edit), or "" — so that readers
    can index it without crashing on a list where a mapping should be."""

    def text(value: Any) -> bool:
        return isinstance(value, str)

    for key in ("kit", "version", "digest", "kitgen_version"):
        if not text(manifest.get(key)):
            return f"`{key}` is not text"
    snapshot, inputs, documents = (manifest.get(k) for k in ("snapshot", "inputs", "documents"))
    if not isinstance(snapshot, dict) or not text(snapshot.get("sha256")):
        return "`snapshot` is not a mapping with a sha256"
    if not isinstance(inputs, dict) or not all(text(k) and text(v) for k, v in inputs.items()):
        return "`inputs` is not a mapping of names to sha256"
    if not isinstance(documents, list):
        return "`documents` is not a list"
    for doc in documents:
        if not isinstance(doc, dict) or not text(doc.get("file")) or not text(doc.get("sha256")):
            return "a document entry lacks its file or sha256"
        if not isinstance(doc.get("pages"), int) or isinstance(doc.get("pages"), bool):
            return f"the page count of {doc['file']} is not a whole number"
    return ""

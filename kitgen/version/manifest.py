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
from typing import Any

from kitgen import __version__
from kitgen.base.errors import InputError
from kitgen.load.model import KitFile
from kitgen.load.positions import LoadedKit
from kitgen.render.documents import Changes, source_date
from kitgen.render.scheduler import BuiltDocument
from kitgen.version.diff import RequirementChange
from kitgen.version.digest import compute_digest

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
    """The JSON object in ``path``; None when it is missing, unreadable or not an object."""
    try:
        return json_object(path.read_bytes())
    except OSError:
        return None


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
                          built: Sequence[BuiltDocument], index_page: bool = False) -> bytes:
    """``release.json`` of a version (``manifest``): the sign-off records it relies on and the
    released PDFs as rendered (with ``index_page``, the released index's page for a browser
    beside its PDF)."""
    return manifest_bytes({
        "format": RELEASE_FORMAT,
        "kit": manifest["kit"],
        "version": manifest["version"],
        "digest": manifest["digest"],
        "kitgen_version": __version__,
        "signoffs": signoffs,
        "documents": [{"file": b.document.filename, "sha256": b.sha256, "pages": b.pages,
                       **({"html": f"{b.document.stem}.html"}
                          if index_page and b.document.kind == "index" else {})}
                      for b in built],
    })


def read_manifest(version_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((version_dir / MANIFEST).read_bytes())
    except (OSError, ValueError) as error:
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
    built: Sequence[BuiltDocument], keep_html: bool = False, index_page: bool = False,
    changes: Changes | None = None,
) -> bytes:
    """The manifest of a version (``inputs`` include the data digest under ``data``)."""
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
        "documents": [
            {
                "file": b.document.filename,
                "kind": b.document.kind,
                "ref": b.document.ref,
                "title": b.document.title,
                "audience": b.document.audience,
                "sha256": b.sha256,
                "pages": b.pages,
                "delivers": [r.id for r in b.document.delivers],
                # What the laid-out pages showed (render/layout.py): a build that writes
                # nothing still warns about it.
                **({"layout": [f.as_json() for f in b.layout]} if b.layout else {}),
                **({"html": f"{b.document.stem}.html"}
                   if keep_html or (index_page and b.document.kind == "index") else {}),
            }
            for b in built
        ],
    }
    return manifest_bytes(manifest)


def changes_to_json(changes: Changes | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    return {
        "previous": changes.previous,
        "since_previous": [c.as_json() for c in changes.since_previous],
        "released": changes.released,
        "since_released": [c.as_json() for c in changes.since_released],
    }


def changes_from_json(data: Any) -> Changes | None:
    """The changes a manifest recorded; None for a first version or a malformed record."""
    if not isinstance(data, dict) or not data.get("previous"):
        return None
    try:
        return Changes(
            previous=str(data["previous"]),
            since_previous=tuple(RequirementChange(**c) for c in data.get("since_previous", [])),
            released=str(data["released"]) if data.get("released") else None,
            since_released=tuple(RequirementChange(**c) for c in data.get("since_released", [])),
        )
    except (TypeError, KeyError):
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

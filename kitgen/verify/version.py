"""One version of a kit against its manifest: every file the manifest lists has the sha256 it
lists, the manifest is as kitgen wrote it and follows from the snapshot — its digest, its
documents, its record of what changed, and its record of the sign-off policy."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from kitgen import __version__
from kitgen.base.errors import InputError
from kitgen.base.files import is_plain_file, read_plain_file
from kitgen.verify.common import KitCheck, carried, page_count, sha256_of
from kitgen.version.digest import data_digest
from kitgen.version.manifest import (
    MANIFEST,
    MANIFEST_FORMAT,
    RELEASE_DIR,
    SNAPSHOT,
    digest_of_inputs,
    json_object,
    manifest_bytes,
)
from kitgen.version.policy import diff_policies, policy_change_record, policy_record

# Manifests of development builds before sign-off policies and page hashes were recorded.
EARLIER = ("made by an earlier development build of kitgen (remove the version and build it "
           "again)")

if TYPE_CHECKING:
    from pathlib import Path

    from kitgen.load.model import KitFile


def check_version(check: KitCheck, version: str) -> None:
    folder = check.ledger.kit_dir / version
    read = _read_manifest(check, version)
    if read is None:
        return
    manifest, raw = read
    expected = {MANIFEST, SNAPSHOT, RELEASE_DIR}
    for doc in manifest.get("documents", []):
        expected |= _check_document(check, folder, doc, raw)
    for path in folder.iterdir():
        if path.name not in expected and not path.name.startswith(".") and not path.is_symlink():
            check.problem(path, "file not listed in the manifest")
    _check_snapshot(check, version, manifest)


def _read_manifest(check: KitCheck, version: str) -> tuple[dict[str, Any], bytes] | None:
    """The manifest and its bytes, once both are known to be as kitgen wrote them."""
    path = check.ledger.kit_dir / version / MANIFEST
    try:
        manifest = check.ledger.manifest(version)
    except InputError as error:
        check.problem(path, f"unreadable manifest: {error.message}")
        return None
    raw = path.read_bytes()
    if raw != manifest_bytes(manifest):
        check.problem(path, "manifest.json is not as kitgen wrote it: edited by hand or by a "
                            "tool")
    if manifest.get("format") != MANIFEST_FORMAT:
        check.problem(path, f"manifest format {manifest.get('format')!r} is not "
                            f"{MANIFEST_FORMAT}: the manifest was edited")
    if manifest.get("kit") != check.ledger.kit or str(manifest.get("version")) != version:
        check.problem(path, f"manifest names kit {manifest.get('kit')!r} version "
                            f"{manifest.get('version')!r}, not this folder")
    return manifest, raw


def _check_document(check: KitCheck, folder: Path, doc: dict[str, Any],
                    manifest_raw: bytes) -> set[str]:
    """Check one listed PDF (and the HTML page listed beside it); the names it accounts for."""
    path = folder / str(doc.get("file", ""))
    if path.is_symlink():
        pass  # named with every other link under kits/
    elif not path.is_file():
        check.problem(path, "document listed in the manifest is missing")
    elif (copy := carried(path, MANIFEST)) is None:
        check.problem(path, "PDF differs from the one built (it no longer ends with the manifest "
                            "kitgen appended to it: changed after kitgen wrote it)")
    elif hashlib.sha256(copy.rendered).hexdigest() != doc.get("sha256"):
        check.problem(path, "PDF differs from the one built (sha256 does not match the "
                            "manifest)")
    elif (pages := page_count(path)) != doc.get("pages"):
        check.problem(folder / MANIFEST, f"manifest says {path.name} has {doc.get('pages')} "
                                         f"page(s), but it has {pages}: the manifest was edited")
    elif copy.data != manifest_raw:
        other = _version_carried(check, folder.name, copy.data)
        if other is not None:
            # An unchanged document keeps its pages from version to version: only the
            # manifest it carries tells one version's copy from another's.
            check.problem(path, f"PDF differs from the one built: it is version {other}'s copy "
                                "(the same pages, carrying that version's manifest)")
        else:
            # Each PDF carries the manifest as it was built: any later change to it, even to
            # a field nothing else checks, shows here.
            check.problem(folder / MANIFEST, f"manifest.json differs from the copy {path.name} "
                                             "carries: edited after the build")
    names = {path.name}
    if doc.get("html"):
        names.add(_check_page(check, folder, doc))
    return names


def _version_carried(check: KitCheck, version: str, copy: bytes) -> str | None:
    """The other version of this kit whose manifest.json ``copy`` is, if any."""
    named = (json_object(copy) or {}).get("version")
    ledger = check.ledger
    if not isinstance(named, str) or named == version or named not in ledger.versions:
        return None
    try:
        same = read_plain_file(ledger.kit_dir / named / MANIFEST, ledger.kit_dir,
                               links=False) == copy
    except (OSError, InputError):
        return None
    return named if same else None


def _check_page(check: KitCheck, folder: Path, doc: dict[str, Any]) -> str:
    """The HTML page a manifest lists beside a PDF: listed with its sha256, like every file."""
    page = folder / str(doc["html"])
    if page.is_symlink():
        pass  # named with every other link under kits/
    elif not is_plain_file(page):
        check.problem(page, "page listed in the manifest is missing")
    elif not isinstance(doc.get("html_sha256"), str):
        check.problem(folder / MANIFEST, f"manifest lists {page.name} without its sha256: "
                                         f"edited, or {EARLIER}")
    elif sha256_of(page) != doc["html_sha256"]:
        check.problem(page, "page differs from the one built (sha256 does not match the "
                            "manifest)")
    return page.name


def _check_snapshot(check: KitCheck, version: str, manifest: dict[str, Any]) -> None:
    """The snapshot against the manifest, and the manifest's records against the snapshot."""
    folder = check.ledger.kit_dir / version
    path = folder / SNAPSHOT
    if path.is_symlink():
        return  # named with every other link under kits/
    if not path.is_file():
        check.problem(path, "snapshot of the requirement file is missing")
        return
    if sha256_of(path) != manifest.get("snapshot", {}).get("sha256"):
        check.problem(path, "snapshot differs from the one built (sha256 does not match the "
                            "manifest)")
    try:
        kit = check.ledger.snapshot(version).kit
    except InputError as error:
        check.problem(path, f"snapshot no longer loads: {error.message}")
        return
    if dict(manifest.get("inputs", {})).get("data") != data_digest(kit):
        check.problem(folder / MANIFEST, "manifest's data digest does not match the snapshot")
    if manifest.get("kitgen_version") == __version__:
        # Which documents a kit holds follows from its data, but only by this kitgen's rules.
        _check_document_list(check, folder, manifest, kit)
        _check_changes(check, version, manifest)
        _check_policy(check, version, manifest, kit)
    if digest_of_inputs(manifest) != manifest.get("digest"):
        check.problem(folder / MANIFEST, "manifest's digest does not follow from its inputs: "
                                         "the manifest was edited")


def _check_document_list(check: KitCheck, folder: Path, manifest: dict[str, Any],
                         kit: KitFile) -> None:
    from kitgen.render.documents import plan_documents

    fields = ("file", "kind", "ref", "title", "audience", "delivers")
    planned = [(d.filename, d.kind, d.ref, d.title, d.audience, [r.id for r in d.delivers])
               for d in plan_documents(kit)]
    listed = [tuple(doc.get(f) for f in fields) for doc in manifest.get("documents", [])]
    if listed != planned or manifest.get("title") != kit.title:
        check.problem(folder / MANIFEST, "manifest's documents or title do not follow from the "
                                         "snapshot: the manifest was edited")


def _released_at_build(check: KitCheck, version: str, recorded: Any) -> tuple[bool, str | None]:
    """Whether a manifest's record of what changed can name the released version it names,
    and that version (None: none). Which versions were released when it was built cannot be
    known afterwards; a named one must be an earlier version that is released (releases are
    never removed)."""
    earlier = check.ledger.versions[: check.ledger.versions.index(version)]
    released = recorded.get("released") if isinstance(recorded, dict) else None
    if released is None:
        return True, None
    return released in earlier and released in check.ledger.released_versions(), str(released)


def _check_changes(check: KitCheck, version: str, manifest: dict[str, Any]) -> None:
    """The "What changed" record must follow from the snapshots."""
    from kitgen.version.manifest import change_record

    ledger = check.ledger
    earlier = ledger.versions[: ledger.versions.index(version)]
    recorded = manifest.get("changes")

    def diff_json(old: str) -> list[dict[str, Any]]:
        return change_record(ledger.snapshot(old).kit, ledger.snapshot(version).kit)

    try:
        if not earlier:
            ok = recorded is None
        else:
            possible, released = _released_at_build(check, version, recorded)
            ok = (
                isinstance(recorded, dict) and possible
                and recorded.get("previous") == earlier[-1]
                and recorded.get("since_previous") == diff_json(earlier[-1])
                and recorded.get("since_released") == (diff_json(released) if released else [])
            )
    except InputError:
        return  # an unreadable snapshot is reported on its own
    if not ok:
        check.problem(ledger.kit_dir / version / MANIFEST,
                      "manifest's record of what changed does not follow from the snapshots: "
                      "the manifest was edited")


def _check_policy(check: KitCheck, version: str, manifest: dict[str, Any], kit: KitFile) -> None:
    """The sign-off policy a manifest records is the snapshot's, and its record of how that
    differs from the last released version's (as of the build, as the record of what changed
    names it) follows from the two snapshots."""
    path = check.ledger.kit_dir / version / MANIFEST
    if "signoff_policy" not in manifest:
        check.problem(path, f"manifest records no sign-off policy: edited, or {EARLIER}")
        return
    if manifest.get("signoff_policy") != policy_record(kit.signoff):
        check.problem(path, "manifest's sign-off policy does not follow from the snapshot: the "
                            "manifest was edited")
        return
    possible, released = _released_at_build(check, version, manifest.get("changes"))
    expected: dict[str, Any] | None = None
    try:
        if possible and released:
            differences = diff_policies(check.ledger.snapshot(released).kit.signoff, kit.signoff)
            expected = policy_change_record(released, differences) if differences else None
    except InputError:
        return  # an unreadable snapshot is reported on its own
    if manifest.get("policy_change") != expected:
        check.problem(path, "manifest's record of how the sign-off policy changed does not "
                            "follow from the snapshots: the manifest was edited")

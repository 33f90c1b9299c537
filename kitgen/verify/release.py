"""A version's release against what it rests on: its PDFs are the ones ``release.json``
lists, that manifest is as kitgen wrote it, and the sign-off records it relied on still exist,
unchanged, and still release the version — one approval from each side (valid under the last
released policy too, when the version changes it), no rejection, a settled negotiation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from kitgen.base.errors import InputError, UnreadableFile
from kitgen.base.files import is_plain_file, read_plain_file
from kitgen.signoff.ledger import Judged
from kitgen.signoff.records import RELEASE_ENTRY_FIELDS, SIGNOFF_DIR, release_entry
from kitgen.verify.common import KitCheck, attachment, carried, page_count, sha256_of
from kitgen.version.manifest import (
    MANIFEST,
    RELEASE_DIR,
    RELEASE_FORMAT,
    RELEASE_MANIFEST,
    manifest_bytes,
)


class _ReleaseCheck:
    """The checks of one release; ``ok`` turns False with the first problem found."""

    def __init__(self, check: KitCheck, version: str) -> None:
        self.check = check
        self.version = version
        self.folder = check.ledger.kit_dir / version / RELEASE_DIR
        self.path = self.folder / RELEASE_MANIFEST
        self.ok = True

    def fail(self, where: Path, message: str) -> None:
        self.ok = False
        self.check.problem(where, message)


def check_release(check: KitCheck, version: str) -> bool:
    """Whether the release of ``version`` holds; every problem goes to ``check``."""
    release = _ReleaseCheck(check, version)
    if release.folder.is_symlink() or release.path.is_symlink():
        return False  # named with every other link under kits/
    read = _read_release(release)
    if read is None:
        return False
    data, raw = read
    manifest, manifest_raw = _version_manifest(check, version)
    _check_header(release, data, manifest)
    differs = _check_documents(release, data, raw, manifest_raw)
    _check_records(release, data)
    if release.ok and check.ledger.counting(version, "reject"):
        release.fail(release.path, "this version was rejected, yet a release exists")
    if release.ok and not _settled(check, version):
        release.fail(release.path, "this version's negotiation is not settled, yet a release "
                                   "exists")
    if raw != manifest_bytes(data):
        release.fail(release.path, "release.json is not as kitgen wrote it: edited by hand or "
                                   "by a tool")
    if release.ok and differs:  # named last: the checks above say better what was edited
        release.fail(release.path, f"release.json differs from the copy "
                                   f"{', '.join(sorted(differs))} carry: edited after the release")
    return release.ok


def _read_release(release: _ReleaseCheck) -> tuple[dict[str, Any], bytes] | None:
    try:
        raw = read_plain_file(release.path, links=False)
    except UnreadableFile as error:
        release.fail(release.path, f"unreadable release manifest: {error.reason}")
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as error:
        release.fail(release.path, f"unreadable release manifest: {error}")
        return None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(key), list) and all(isinstance(e, dict) for e in data[key])
        for key in ("documents", "signoffs")
    ):
        release.fail(release.path, "unreadable release manifest: not an object with lists of "
                                   "documents and sign-offs")
        return None
    return data, raw


def _version_manifest(check: KitCheck, version: str) -> tuple[dict[str, Any], bytes | None]:
    try:
        manifest = check.ledger.manifest(version)
        return manifest, (check.ledger.kit_dir / version / MANIFEST).read_bytes()
    except (InputError, OSError):
        return {}, None


def _check_header(release: _ReleaseCheck, data: dict[str, Any],
                  manifest: dict[str, Any]) -> None:
    path = release.path
    if data.get("kit") != release.check.ledger.kit or str(data.get("version")) != release.version:
        release.fail(path, "release manifest names another kit or version")
    if data.get("format") != RELEASE_FORMAT:
        release.fail(path, f"release manifest format {data.get('format')!r} is not "
                           f"{RELEASE_FORMAT}")
    if data.get("digest") != manifest.get("digest"):
        release.fail(path, "release manifest's digest is not the version's digest")
    if data.get("kitgen_version") != manifest.get("kitgen_version"):
        release.fail(path, f"release manifest says kitgen {data.get('kitgen_version')}, but the "
                           f"version was built (and could only be released) with "
                           f"{manifest.get('kitgen_version')}")
    released = sorted(str(d.get("file", "")) for d in data.get("documents", []))
    built = sorted(str(d.get("file", "")) for d in manifest.get("documents", []))
    if manifest and released != built:
        release.fail(path, "release manifest does not list the version's documents: "
                           f"{', '.join(sorted(set(built) ^ set(released)))}")


def _check_documents(release: _ReleaseCheck, data: dict[str, Any], raw: bytes,
                     manifest_raw: bytes | None) -> list[str]:
    """Each released PDF against its entry; the PDFs whose copy of release.json differs."""
    listed = {RELEASE_MANIFEST}
    differs: list[str] = []
    for doc in data.get("documents", []):
        pdf = release.folder / str(doc.get("file", ""))
        listed.add(pdf.name)
        if doc.get("html"):
            listed.add(_check_page(release, doc))  # the released index's page for a browser
        if pdf.is_symlink():
            release.ok = False  # named with every other link under kits/
        elif not pdf.is_file():
            release.fail(pdf, "released document is missing")
        elif (copy := carried(pdf, RELEASE_MANIFEST)) is None:
            release.fail(pdf, "released PDF differs from the one released (it no longer ends "
                              "with the release manifest kitgen appended to it: changed after "
                              "kitgen wrote it)")
        elif hashlib.sha256(copy.rendered).hexdigest() != doc.get("sha256"):
            release.fail(pdf, "released PDF differs from the one released (sha256 does not "
                              "match)")
        elif (pages := page_count(pdf)) != doc.get("pages"):
            release.fail(release.path, f"release manifest says {pdf.name} has "
                                       f"{doc.get('pages')} page(s), but it has {pages}: the "
                                       "release manifest was edited")
        elif (inner := attachment(pdf, MANIFEST)) is not None and manifest_raw is not None \
                and inner != manifest_raw:
            # Released PDFs carry the version manifest as it was when released: any later
            # change to it, even to a field nothing else checks, shows here.
            release.fail(release.folder.parent / MANIFEST, f"manifest.json differs from the "
                                                           f"copy {pdf.name} carries: edited "
                                                           "after release")
        elif copy.data != raw:
            differs.append(pdf.name)
    for extra in release.folder.iterdir():
        if extra.name not in listed and not extra.name.startswith(".") and \
                not extra.is_symlink():
            release.fail(extra, "file not listed in the release manifest")
    return differs


def _check_page(release: _ReleaseCheck, doc: dict[str, Any]) -> str:
    """The page for a browser the release manifest lists beside a PDF, with its sha256."""
    page = release.folder / str(doc["html"])
    if page.is_symlink():
        release.ok = False  # named with every other link under kits/
    elif not is_plain_file(page):
        release.fail(page, "page listed in the release manifest is missing")
    elif not isinstance(doc.get("html_sha256"), str):
        release.fail(release.path, f"release manifest lists {page.name} without its sha256: "
                                   "the release manifest was edited")
    elif sha256_of(page) != doc["html_sha256"]:
        release.fail(page, "page differs from the one released (sha256 does not match the "
                           "release manifest)")
    return page.name


def _check_records(release: _ReleaseCheck, data: dict[str, Any]) -> None:
    """The records the release relied on: there, unchanged, releasing it, one per side."""
    ledger = release.check.ledger
    judged = {j.stored.path.name: j for j in ledger.judged}
    sides = set()
    for entry in data.get("signoffs", []):
        name = str(entry.get("file", ""))
        verdict = judged.get(name)
        record_path = ledger.kit_dir / SIGNOFF_DIR / name
        if verdict is None:
            release.fail(record_path, "sign-off record this release relied on is missing")
        elif hashlib.sha256(verdict.stored.raw).hexdigest() != entry.get("sha256"):
            release.fail(record_path, "sign-off record this release relied on was changed")
        elif not verdict.counts:
            if not record_path.is_symlink():  # a link is named with every other link
                release.fail(record_path, f"sign-off record this release relied on no longer "
                                          f"holds: {verdict.reason}")
            release.ok = False
        elif verdict.unanchored:
            release.fail(record_path, "sign-off record this release relied on is not valid "
                                      "under the last released version's sign-off policy, "
                                      f"which this version changes: {verdict.unanchored}")
        else:
            sides.add(verdict.record.side)
            _check_entry(release, name, entry, verdict)
    if release.ok and sides != {"sales", "marketing"}:
        release.fail(release.path, "release does not rest on an approval from each side")


def _check_entry(release: _ReleaseCheck, name: str, entry: dict[str, Any],
                 verdict: Judged) -> None:
    said = release_entry(name, verdict.stored.raw, verdict.record, verdict.stored.signature)
    for key in RELEASE_ENTRY_FIELDS:
        if entry.get(key) != (value := said[key]):
            release.fail(release.path, f"release manifest says {key} {entry.get(key)!r} for "
                                       f"{name}, but the record says {value!r}: the release "
                                       "manifest was edited")
    if verdict.record.decision != "approve":
        release.fail(release.path, f"release manifest relies on {name}, which is not an "
                                   "approval")


def _settled(check: KitCheck, version: str) -> bool:
    try:
        return check.ledger.negotiation(version).settled
    except InputError:
        return True  # an unreadable snapshot is reported on its own

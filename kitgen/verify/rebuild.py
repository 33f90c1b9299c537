"""``kitgen verify --rebuild``: render every version again from its own snapshot and compare.

The other checks of ``verify`` tie each PDF to the sha256 its manifest lists; someone who edits
a PDF and every hash that lists it (the manifest, and the copy of it each PDF carries) passes
them. Rendering again does not trust any hash: the snapshot, the templates and kitgen give the
PDFs, and their bytes must be the ones listed — the drafts' in ``manifest.json``, the released
PDFs' in ``release.json`` (rendered with the sign-off records that release relied on).

Only versions built with this kitgen and these templates can be rendered again (the digest
says which inputs made them); others are named in a note. Identical bytes also need the same
WeasyPrint, Pango and HarfBuzz as the build machine: a difference is reported as such, with
that possibility spelled out. No document cache is used: every byte is rendered here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kitgen import __version__
from kitgen.base.errors import KitgenError
from kitgen.base.workspace import Workspace
from kitgen.load.brand import load_brand
from kitgen.render.documents import BuildInfo
from kitgen.render.html import template_inputs
from kitgen.render.scheduler import BuiltDocument, render_documents
from kitgen.signoff.ledger import KitLedger
from kitgen.signoff.records import StoredRecord
from kitgen.verify.kit import Finding, KitReport
from kitgen.version.manifest import (
    RELEASE_DIR,
    RELEASE_MANIFEST,
    changes_from_json,
    has_release,
    read_json_object,
    recorded_revisions,
    version_time,
)

DIFFERENT = ("rendered again from the snapshot, {files} come(s) out as other bytes than "
             "{listing} lists: changed along with the hashes that list them, or this machine's "
             "WeasyPrint, Pango or HarfBuzz differ from the build machine's (`kitgen doctor` "
             "shows them)")


def rebuild_kit(workspace: Workspace, report: KitReport) -> None:
    """Render every version of ``report.kit`` again; add what differs to ``report``."""
    ledger = KitLedger.open(workspace, report.kit)

    def shown(path: Path) -> str:
        try:
            return str(path.relative_to(workspace.root))
        except ValueError:
            return str(path)

    for version in ledger.versions:
        folder = ledger.kit_dir / version
        try:
            manifest = ledger.manifest(version)
            snapshot = ledger.snapshot(version)
        except KitgenError:
            continue  # unreadable: reported by the other checks
        inputs = dict(manifest.get("inputs", {}))
        inputs.pop("data", None)
        try:
            brand = load_brand(workspace.root, snapshot)
        except KitgenError as error:
            report.notes.append(Finding(shown(folder), f"not rendered again: {error.message} "
                                        "(its brand file cannot be used now)"))
            continue
        current = template_inputs(workspace.templates_dir, brand)
        if manifest.get("kitgen_version") != __version__ or inputs != current:
            report.notes.append(Finding(shown(folder), "not rendered again: " + _built_with(
                str(manifest.get("kitgen_version")), inputs, current)))
            continue
        when = version_time(manifest, snapshot.kit)
        # The revisions it recorded: a page whose content is still the recorded one prints
        # the recorded revision, so any other content shows as other bytes.
        build = BuildInfo.of(version, str(manifest.get("digest")), when,
                             known=recorded_revisions(manifest))
        try:
            built = render_documents(workspace, snapshot, build,
                                     changes=changes_from_json(manifest.get("changes")),
                                     when=when, use_cache=False)
        except KitgenError as error:
            report.problems.append(Finding(shown(folder), f"cannot be rendered again: "
                                                          f"{error.message}"))
            continue
        _compare(built, manifest.get("documents"), folder, "manifest.json", report, shown)
        report.rebuilt.append(version)
        release_path = folder / RELEASE_DIR / RELEASE_MANIFEST
        if has_release(folder):
            _rebuild_release(ledger, version, release_path, report, shown)


def _built_with(kitgen: str, recorded: dict[str, str], current: dict[str, str]) -> str:
    """Why a version cannot be rendered again here: what it was built with."""
    if kitgen != __version__:
        return f"built with kitgen {kitgen}; check it with that kitgen and those templates"

    def templates(inputs: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in inputs.items() if not k.startswith("brand:")}

    if templates(recorded) != templates(current):
        return "built with other templates; check it with that kitgen and those templates"
    return "built with other brand files; check it with the brand files its manifest lists"


def _rebuild_release(ledger: KitLedger, version: str, path: Path, report: KitReport,
                     shown: Callable[[Path], str]) -> None:
    from kitgen.release.publish import render_release

    release = read_json_object(path)
    try:
        names = [str(entry["file"]) for entry in release["signoffs"]] if release else []
    except (KeyError, TypeError):
        return  # reported by the other checks
    if release is None:
        return
    stored = {s.path.name: s for s in ledger.records}
    relied: list[StoredRecord] = [stored[name] for name in names if name in stored]
    if len(relied) != len(names):
        return  # a record it relied on is missing: reported by the other checks
    try:
        built = render_release(ledger, version, relied, use_cache=False)
    except KitgenError as error:
        report.problems.append(Finding(shown(path.parent),
                                       f"cannot be rendered again: {error.message}"))
        return
    _compare(built, release.get("documents"), path.parent, f"{RELEASE_DIR}/{RELEASE_MANIFEST}",
             report, shown)


def _compare(built: list[tuple[BuiltDocument, bytes, str]], listed: object, folder: Path,
             listing: str, report: KitReport, shown: Callable[[Path], str]) -> None:
    expected = {}
    if isinstance(listed, list):
        expected = {str(d.get("file")): d.get("sha256") for d in listed if isinstance(d, dict)}
    different = [document.document.filename for document, _pdf, _html in built
                 if document.document.filename in expected
                 and expected[document.document.filename] != document.sha256]
    if different:
        report.problems.append(Finding(shown(folder), DIFFERENT.format(
            files=", ".join(different), listing=listing)))

"""``kitgen verify``: prove nothing changed since it was built and signed, or name what did.

Checks, per kit: no symbolic link anywhere under the kit's folder (kitgen never writes one, so
one is a planted file and nothing reached through it counts); each version's files against its
manifest and the manifest against the snapshot (``verify/version.py``); every sign-off record
(format, file-name hash, kit, version, digest, time, signer policy, signature); and every
release against its documents and the records it relied on (``verify/release.py``). The report
counts what was checked, so that the "ok" line can say exactly that.
"""

from __future__ import annotations

import os

from kitgen.base.files import links_under
from kitgen.base.workspace import Workspace
from kitgen.signoff.feedback import FEEDBACK_DIR
from kitgen.signoff.ledger import KitLedger
from kitgen.signoff.records import SIGNOFF_DIR
from kitgen.verify.common import LINK, Finding, KitCheck, KitReport
from kitgen.verify.release import check_release
from kitgen.verify.version import check_version
from kitgen.version.manifest import MANIFEST, RELEASE_DIR, RELEASE_MANIFEST, read_json_object
from kitgen.version.numbering import version_key

__all__ = ["Finding", "KitReport", "verify_kit", "verify_links"]


def verify_kit(workspace: Workspace, kit: str) -> KitReport:
    ledger = KitLedger.open(workspace, kit)
    check = KitCheck(ledger, KitReport(kit, list(ledger.versions), records=len(ledger.records)))
    if not ledger.kit_dir.is_dir():
        check.problem(ledger.kit_dir, "no such kit")
        return check.report
    for link in links_under(ledger.kit_dir):
        check.problem(link, LINK)
    _check_kit_folder(check)
    for version in ledger.versions:
        check_version(check, version)
    _check_records(check)
    _check_signatures_without_records(check)
    for version in ledger.versions:
        released = ledger.kit_dir / version / RELEASE_DIR
        if os.path.lexists(released) and check_release(check, version):
            check.report.released.append(version)
    _note_policy_changes(check)
    return check.report


def _relied_on(ledger: KitLedger) -> set[str]:
    """File names of the records some release of this kit relied on."""
    names: set[str] = set()
    for version in ledger.versions:
        release = read_json_object(ledger.kit_dir / version / RELEASE_DIR / RELEASE_MANIFEST)
        entries = release.get("signoffs") if release else None
        if isinstance(entries, list):
            names |= {str(e.get("file")) for e in entries if isinstance(e, dict)}
    return names


def _check_kit_folder(check: KitCheck) -> None:
    """Nothing in kits/<kit>/ but versions, sign-offs and feedback; no version missing."""
    ledger = check.ledger
    known = {*ledger.versions, SIGNOFF_DIR, FEEDBACK_DIR}
    for path in sorted(ledger.kit_dir.iterdir()):
        if path.is_symlink() or (path / MANIFEST).is_symlink():
            continue  # named with every other link
        if path.name.startswith("."):
            if path.is_dir() and not path.name.startswith(".building-") and \
                    (path / MANIFEST).is_file():
                check.problem(path, "a version folder hidden by renaming it")
        elif path.name in known:
            continue
        elif path.is_dir():
            check.problem(path, "folder without manifest.json: a version whose manifest was "
                                "removed, or not written by kitgen")
        else:
            check.problem(path, "unexpected file in the kit folder")
    _check_numbering(check)


def _check_numbering(check: KitCheck) -> None:
    """Unpinned versions are numbered one more than the highest before them, so the number
    below each one was there when it was built: a gap is a version removed or renamed. Two
    folders naming one version (``1`` and ``1.0.0``) are one version written twice."""
    ledger = check.ledger
    majors = {version_key(v)[0] for v in ledger.versions}
    for version in ledger.versions:
        if version.isdecimal() and int(version) > 1 and int(version) - 1 not in majors:
            missing = str(int(version) - 1)
            check.problem(ledger.kit_dir / missing, f"version {missing} is missing: version "
                                                    f"{version} was numbered after it (removed "
                                                    "or renamed?)")
    for before, after in zip(ledger.versions, ledger.versions[1:], strict=False):
        if version_key(before) == version_key(after):
            check.problem(ledger.kit_dir / after, f"version {after} is version {before} again "
                                                  "(versions compare as versions): kitgen "
                                                  "never writes one version twice")


def _check_records(check: KitCheck) -> None:
    """Every record counts, or is a failure named with why; what was verified is counted."""
    for judged in check.ledger.judged:
        if judged.stored.path.is_symlink():
            continue  # named with every other link
        if not judged.counts:
            check.problem(judged.stored.path, f"sign-off record does not hold: {judged.reason}")
            continue
        if judged.stored.signature is not None:
            check.report.signatures += 1
        else:
            check.report.unsigned += 1
        if judged.unanchored:
            record = judged.record
            check.note(judged.stored.path, f"counts under version {record.version}'s own "
                                           "sign-off policy, but does not release it: "
                                           f"{judged.unanchored}")


def _check_signatures_without_records(check: KitCheck) -> None:
    folder = check.ledger.kit_dir / SIGNOFF_DIR
    if folder.is_symlink() or not folder.is_dir():
        return
    relied = _relied_on(check.ledger)
    for sig in folder.glob("*.sig"):
        if sig.is_symlink() or os.path.lexists(sig.with_suffix("")):
            continue
        if sig.with_suffix("").name in relied:
            check.problem(sig, "signature without its record: the record was removed")
        else:
            # What a crash between writing a signature and its record leaves (records.py);
            # it grants nothing. A removed record no release relied on cannot be told apart
            # from that: git history shows which it was.
            check.note(sig, "signature without its record: an interrupted sign-off, or a "
                            "record removed before any release relied on it (see git history)")
    for other in folder.iterdir():
        if other.suffix not in (".txt", ".sig") and not other.name.startswith(".") and \
                not other.is_symlink():
            check.problem(other, "unexpected file among sign-off records")


def _note_policy_changes(check: KitCheck) -> None:
    for version in check.ledger.versions:
        change = check.ledger.policy_change(version)
        if change is None:
            continue
        check.report.policy_changes.append(version)
        check.note(check.ledger.kit_dir / version,
                   f"version {version} changes the sign-off policy of released version "
                   f"{change.since} ({change.describe()}): an approval of it releases it only "
                   f"when it is also valid under version {change.since}'s policy")


def verify_links(workspace: Workspace) -> list[KitReport]:
    """A symbolic link directly in kits/ is not a kit (kitgen never follows one out of kits/),
    so ``verify_kit`` never looks at it: name it here."""
    if not workspace.kits_dir.is_dir():
        return []
    reports = []
    for path in sorted(workspace.kits_dir.iterdir()):
        if path.is_symlink():
            report = KitReport(path.name)
            report.problems.append(Finding(f"kits/{path.name}", LINK))
            reports.append(report)
    return reports

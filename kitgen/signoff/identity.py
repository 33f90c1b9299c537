"""Who is signing: ``--name/--email``, else ``KITGEN_NAME/KITGEN_EMAIL``, else git's
identity; checked before anything is written."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kitgen.base import settings
from kitgen.base.emails import canonical_email, look_alike_problem
from kitgen.base.errors import InputError
from kitgen.base.git import git_config
from kitgen.load.model import SIDES, Signoff
from kitgen.signoff.textrecord import check_text


@dataclass(frozen=True)
class Identity:
    name: str
    email: str
    source: str


def is_listed(policy: Signoff, side: str, email: str) -> bool:
    """Whether ``policy`` lists the mailbox of ``email`` to sign for ``side``."""
    if side not in SIDES:
        return False
    wanted = canonical_email(email)
    return any(canonical_email(listed) == wanted for listed in getattr(policy, side))


def listed_key(policy: Signoff, email: str) -> str | None:
    """The public key ``policy`` lists for the mailbox of ``email``, if any."""
    wanted = canonical_email(email)
    return next((key for listed, key in policy.keys.items()
                 if canonical_email(listed) == wanted), None)


def resolve_identity(name: str | None, email: str | None, cwd: Path) -> Identity:
    """``--name/--email``, else KITGEN_NAME/KITGEN_EMAIL, else git's user.name/user.email.

    The email and the name come from the same source, so one person's name is never put
    beside another's address; only an explicit ``--name`` overrides the name of any source.
    """
    sources = [
        (name, email, "--name/--email"),
        (*settings.signer_from_environment(), "KITGEN_NAME/KITGEN_EMAIL"),
    ]
    for n, e, source in sources:
        if e and e.strip():
            return _checked(Identity((name or n or e).strip(), e.strip().lower(), source))
    git_name, git_email = git_config("user.name", cwd), git_config("user.email", cwd)
    if git_email:
        return _checked(Identity((name or git_name or git_email).strip(), git_email.lower(),
                                 "git config"))
    raise InputError(
        "who is signing? no identity found",
        details=["Pass --name and --email, set KITGEN_NAME and KITGEN_EMAIL, or set git's "
                 "user.name and user.email."],
    )


def _checked(who: Identity) -> Identity:
    """A name or email that would put terminal control codes into every later `kitgen status`,
    or make two addresses that look the same, is refused before anything is written."""
    check_text(who.name, f"the signer's name (from {who.source})")
    check_text(who.email, f"the signer's email (from {who.source})")
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", who.email) or any(
        unicodedata.category(c) in ("Cc", "Cf") for c in who.email
    ):
        raise InputError(f"{who.email!r} (from {who.source}) is not an email address",
                         details=["Write it like name@example.com."])
    look_alike = look_alike_problem(who.email)
    if look_alike is not None:
        raise InputError(f"the signer's email (from {who.source}): {look_alike}",
                         details=["Sign with your address in plain Latin letters, as the kit "
                                  "lists it."])
    return who

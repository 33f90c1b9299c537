"""Email addresses as sign-off compares them: one person, one mailbox, under any spelling.

Two addresses are the same signer when their canonical forms are equal: Unicode NFKC and case
folding (fullwidth ``ｍａｒａ`` and ``MARA`` are ``mara``), no trailing dot on the domain
(``example.`` is ``example``), and no ``+tag`` (``mara+sales@`` delivers to ``mara@``).
Addresses whose letters could pass for others — scripts mixed in one address (a Cyrillic ``а``
among Latin letters, a combining dot), or characters confusable with Latin ones — are refused
outright, since no canonical form can tell which person they mean. The requirement file's
model, the signer's identity, the ledger and the check of a lone PDF all use these two
functions, so the rule is the same wherever a signer is compared.
"""

from __future__ import annotations

import unicodedata


def canonical_email(address: str) -> str:
    """The form two addresses of the same mailbox share."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", address).casefold())
    local, at, domain = folded.rpartition("@")
    if not at:
        return folded
    mailbox = local.split("+", 1)[0] or local  # "+tag@…" alone has no mailbox to keep
    return f"{mailbox}@{domain.rstrip('.')}"


def same_signer(first: str, second: str) -> bool:
    return canonical_email(first) == canonical_email(second)


def look_alike_problem(address: str) -> str | None:
    """Why ``address`` could pass for another one (in words), or None when it cannot."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", address).casefold())
    if folded.isascii():
        return None
    # Loaded only for addresses beyond ASCII: its tables take a moment to read.
    from confusable_homoglyphs import confusables  # type: ignore[import-untyped]

    if confusables.is_mixed_script(folded):
        why = "mixes scripts"
    elif confusables.is_confusable(folded, preferred_aliases=["latin"]):
        why = "holds letters that look like Latin ones"
    else:
        return None
    first = next(c for c in address if not c.isascii())
    name = unicodedata.name(first, "an unnamed character")
    return (f"{address} {why}: {first!r} (U+{ord(first):04X} {name}) looks like another "
            "letter, so the address could pass for someone else's")

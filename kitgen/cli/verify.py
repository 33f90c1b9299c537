"""``kitgen verify``: prove nothing changed since it was built and signed, or name what did."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kitgen.base.errors import GateNotMet, InputError
from kitgen.cli import console as out
from kitgen.cli import views
from kitgen.cli.app import JsonOpt, app, handle_errors, workspace

if TYPE_CHECKING:
    from kitgen.verify.kit import KitReport
    from kitgen.verify.pdf import PdfReport


@app.command()
@handle_errors
def verify(
    targets: Annotated[
        list[str] | None,
        typer.Argument(help="Kit ids or PDF files (default: every kit in kits/)."),
    ] = None,
    allowed_signers: Annotated[
        Path | None,
        typer.Option("--allowed-signers", metavar="FILE",
                     help="Check the SSH signatures a released PDF carries against the keys in "
                          "this file (ssh-keygen's allowed_signers format): the keys you trust."),
    ] = None,
    rebuild: Annotated[
        bool,
        typer.Option("--rebuild",
                     help="Also render every version again from its snapshot and compare the "
                          "bytes (slow: as long as building every version; for CI)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check PDFs, manifests, snapshots, sign-off records and signatures; name what changed.

    A PDF is checked in its kit's workspace when it is found there, else on its own, from the
    manifest and sign-off records it carries. With --rebuild, kits are also rendered again,
    which catches a PDF edited together with every hash that lists it.

    Example: kitgen verify northwind-analytics
    Example (a PDF a rep got by email): kitgen verify ~/Downloads/battlecard-contoso-bi.pdf
    Example (signed sign-offs): kitgen verify --allowed-signers signers battlecard.pdf
    Example (CI, render everything again): kitgen verify --rebuild
    """
    from kitgen.verify.kit import verify_kit, verify_links
    from kitgen.verify.pdf import verify_pdf
    from kitgen.verify.rebuild import rebuild_kit

    ws = workspace()
    results: list[KitReport | PdfReport] = [] if targets else list(verify_links(ws))
    for target in targets or ws.kit_ids():
        path = Path(target)
        if target.lower().endswith(".pdf"):
            if not path.is_file():
                raise InputError(f"{target}: no such PDF")
            results.append(verify_pdf(ws, path, allowed_signers))
        else:
            try:
                ws.require_kit(target)
            except InputError as error:
                raise InputError(f"{target!r} is neither a kit in kits/ nor a PDF file",
                                 details=error.details) from None
            report = verify_kit(ws, target)
            if rebuild:
                rebuild_kit(ws, report)
            results.append(report)
    if as_json:
        out.emit_json([r.as_json() for r in results])
    else:
        for r in results:
            views.print_verification(r)
    if not results:
        out.say("no kits to verify")
    for problem in (p for r in results for p in r.problems):
        out.annotate("error", f"verify: {problem}")
    if any(r.problems for r in results):
        raise typer.Exit(GateNotMet.exit_code)

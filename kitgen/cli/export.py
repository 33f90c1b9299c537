"""``kitgen export``: a released version's content as one JSON document, for a CRM, an
enablement platform or an AI assistant; ``--schema`` prints the JSON Schema it follows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kitgen.base.errors import InputError
from kitgen.cli import console as out
from kitgen.cli.app import JsonOpt, app, handle_errors, workspace
from kitgen.cli.views import shown


@app.command("export")
@handle_errors
def export_content(
    kit: Annotated[str | None, typer.Argument(help="Kit id, e.g. northwind-analytics.")] = None,
    audience: Annotated[str, typer.Option(
        "--audience", help="customer: only what customer-facing documents may show; internal: "
        "everything.")] = "internal",
    version: Annotated[str | None, typer.Option(
        "--version", help="Version (default: the latest released one).")] = None,
    draft: Annotated[bool, typer.Option(
        "--draft", help="Also export a version that is not released (the data says "
        "`state: draft`).")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the JSON to this file instead of printing it.")] = None,
    schema: Annotated[bool, typer.Option(
        "--schema", help="Print the JSON Schema of the export and stop.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Export a released version's content as JSON, validated by a published schema.

    Example: kitgen export northwind-analytics --audience customer --json
    """
    import json

    from kitgen.base.files import write_file_atomic
    from kitgen.release.export import choose_version, export_kit
    from kitgen.release.export_model import export_schema
    from kitgen.signoff.ledger import KitLedger

    if schema:
        out.emit_json(export_schema())
        return
    if kit is None:
        raise InputError("which kit? give its id", details=["Example: kitgen export "
                                                            "northwind-analytics --json"])
    if audience not in ("customer", "internal"):
        raise InputError(f"--audience must be customer or internal, not {audience!r}")
    if not as_json and output is None:
        raise InputError("pass --json to print the export, or -o FILE.json to write it")
    ledger = KitLedger.open(workspace(), kit)
    chosen = choose_version(ledger, version, draft)
    data = export_kit(ledger, chosen, "customer" if audience == "customer" else "internal")
    if output is None:
        out.emit_json(data)
        return
    write_file_atomic(output, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())
    state = "released" if data["released"] else "DRAFT, not signed off"
    out.say(f"wrote {out.esc(shown(output))}: {kit} version {chosen} ({state}), "
            f"{audience} content")

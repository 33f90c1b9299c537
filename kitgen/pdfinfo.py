"""Read back what kitgen wrote into a PDF: its identity metadata and attachments."""

from __future__ import annotations

import io
from typing import Any


def read_pdf_identity(data: bytes) -> dict[str, Any]:
    """The kit, version, digest and state a kitgen PDF declares, plus its attachment names."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        info: dict[str, Any] = dict(reader.metadata or {})
        attachments = sorted(reader.attachments)
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        return {"notes": [f"not a readable PDF: {error}"]}
    return {
        "kit": info.get("/kitgenkit"),
        "version": info.get("/kitgenversion"),
        "digest": info.get("/kitgendigest"),
        "state": info.get("/kitgenstate"),
        "attachments": attachments,
        "notes": [f"carries {', '.join(attachments)}"] if attachments else [],
    }


def read_attachments(data: bytes) -> dict[str, bytes]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return {name: contents[0] for name, contents in reader.attachments.items()}

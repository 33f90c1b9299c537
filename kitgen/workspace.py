"""``kitgen init`` and ``kitgen schema``: a new workspace, and the file format for editors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kitgen.errors import InputError
from kitgen.fsutil import write_file_new
from kitgen.model import KitFile

EXAMPLE_DIR = Path(__file__).parent / "example"

TEMPLATES_README = """\
# templates/

A file here overrides kitgen's built-in template of the same name, e.g. `battlecard.html.j2`
or `kitgen.css`. Templates are Jinja2, sandboxed and autoescaped: data is always shown as
plain text. Files here may also be referenced from CSS (images, fonts); nothing outside this
folder and kitgen's own assets can be read while rendering.
"""


def init_workspace(directory: Path) -> list[Path]:
    """Copy the worked example into ``directory``; never overwrite a file that exists."""
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory} is a file, not a folder",
                         details=["Give a folder to make the workspace in."])
    sources = sorted((EXAMPLE_DIR / "requirements").glob("*.yaml"))
    planned = {directory / "requirements" / s.name: s.read_bytes() for s in sources}
    planned[directory / "templates" / "README.md"] = TEMPLATES_README.encode()
    clashes = [p for p in planned if p.exists()]
    if clashes:
        raise InputError(
            f"{directory} already holds {', '.join(str(p) for p in clashes)}",
            details=["kitgen init never overwrites files; pick an empty folder."],
        )
    written = []
    try:
        for path, data in planned.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            if write_file_new(path, data):
                written.append(path)
        (directory / "kits").mkdir(exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot make a workspace in {directory}: {error.strerror}") from None
    return written


def kit_schema() -> dict[str, Any]:
    schema = KitFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kitgen requirement file"
    return schema

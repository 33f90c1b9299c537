"""``kitgen schema``: the requirement file's format as JSON Schema, for editors and validators;
and the copy of it kept in a workspace, which requirement files name in their first line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kitgen.base.files import write_file_atomic
from kitgen.load.model import KitFile

# Beside the requirement files, so the modeline `$schema=kit.schema.json` that `kitgen new`
# writes works on every clone of the workspace, whoever made it and wherever kitgen lives.
SCHEMA_COPY = "kit.schema.json"


def kit_schema() -> dict[str, Any]:
    schema = KitFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kitgen requirement file"
    return schema


def schema_text() -> str:
    """The schema as ``kitgen schema`` prints it and as the copies hold it."""
    return json.dumps(kit_schema(), indent=2, ensure_ascii=False) + "\n"


def refresh_schema_copy(requirements_dir: Path, create: bool = False) -> Path | None:
    """Bring ``requirements/kit.schema.json`` up to this kitgen's schema; make it only when
    ``create``. Returns the path when it was written, None when there was nothing to do."""
    target = requirements_dir / SCHEMA_COPY
    if not create and not target.is_file():
        return None
    text = schema_text().encode("utf-8")
    if target.is_file() and target.read_bytes() == text:
        return None
    requirements_dir.mkdir(parents=True, exist_ok=True)
    write_file_atomic(target, text)
    return target

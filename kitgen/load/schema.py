"""``kitgen schema``: the requirement file's format as JSON Schema, for editors and validators."""

from __future__ import annotations

from typing import Any

from kitgen.load.model import KitFile


def kit_schema() -> dict[str, Any]:
    schema = KitFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kitgen requirement file"
    return schema

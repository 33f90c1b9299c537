"""The file format reference stands in the project (docs/file-format.md), generated from the
models so it cannot drift, linked from the README and from the fixes of errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import REPO, battlecard, minimal_kit, playbook, run_kitgen, write_kit

from kitgen.base.errors import InvalidKitFile
from kitgen.load.formatdoc import all_sections, anchor
from kitgen.load.reader import load_kit

DOC = REPO / "docs" / "file-format.md"


def test_the_committed_reference_is_current(tmp_path: Path) -> None:
    result = run_kitgen("schema", "--markdown", cwd=tmp_path)
    assert result.code == 0
    assert DOC.read_text(encoding="utf-8") == result.stdout, (
        "docs/file-format.md is stale: run `kitgen schema --markdown > docs/file-format.md`"
    )


def test_every_key_of_every_part_is_explained() -> None:
    text = DOC.read_text(encoding="utf-8")
    for model, (title, _) in all_sections().items():
        section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
        for name, info in model.model_fields.items():
            assert f"| `{info.alias or name}` |" in section, f"{title}: {name}"


def test_links_inside_the_reference_resolve() -> None:
    text = DOC.read_text(encoding="utf-8")
    anchors = {anchor(h) for h in re.findall(r"^## (.+)$", text, re.M)}
    assert set(re.findall(r"\]\(#([^)]+)\)", text)) <= anchors


def test_the_readme_links_the_reference_and_stands_alone() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "(docs/file-format.md)" in readme
    for path in [REPO / "README.md", REPO / "SECURITY.md", REPO / "CHANGELOG.md", DOC,
                 *sorted((REPO / "kitgen").rglob("*.py"))]:
        assert "PRODUCT.md" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize(
    "data, section",
    [({"battlecards": [{k: v for k, v in battlecard().items() if k != "summary"}]},
      "battlecard"),
     ({"playbook": playbook(nay_sayer={"concerns": ["IT."], "approach": ["SOC 2."], "zzz": 1})},
      "nay-sayer")],
)
def test_a_fix_names_the_section_that_explains_the_keys(
    tmp_path: Path, data: dict[str, object], section: str
) -> None:
    with pytest.raises(InvalidKitFile) as caught:
        load_kit(write_kit(tmp_path, minimal_kit(**data)), tmp_path)
    fixes = [p.fix for p in caught.value.problems if "file format" in p.fix]
    assert fixes and all(f.endswith(f"(file format: docs/file-format.md#{section})")
                         for f in fixes), [str(p) for p in caught.value.problems]
    headings = re.findall(r"^## (.+)$", DOC.read_text(encoding="utf-8"), re.M)
    assert section in {anchor(h) for h in headings}

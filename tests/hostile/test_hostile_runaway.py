"""Runaway rendering (issue 5, item 6): a template or input that would make thousands of pages,
loop without end, build a huge value or lay out pathologically is stopped — by the page limit
(KITGEN_MAX_PAGES), the time limit (KITGEN_RENDER_TIMEOUT, for the template and for WeasyPrint's
layout), the HTML size limit or the sandbox's size checks — with a clear error, exit 2, and
nothing written. Limits are set small through the environment to keep the tests fast; the
cases that depend on WeasyPrint run in a real process, where those variables are read.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MARA, SAM, Ran, run_kitgen, tree

from hostile.support import (
    CATALOG,
    KIT,
    Stages,
    kit_text,
    staged_kit_text,
    workspace_with,
)

pytestmark = pytest.mark.hostile_runaway

STOPPED = "was stopped"


def children_cpu_seconds() -> float:
    """CPU time of the child processes this one has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def with_template(root: Path, text: str, name: str = "battlecard.html.j2") -> None:
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / name).write_text(text)


def assert_stopped(result: Ran, says: tuple[str, ...], root: Path,
                   before: dict[str, bytes]) -> None:
    text = result.output
    assert result.code == 2, text
    assert any(phrase in text for phrase in says), text
    assert "Traceback" not in text and "internal error" not in text
    # Nothing written, no staging folder left.
    assert tree(root / "kits", leave_out={CATALOG}) == before


# --- in WeasyPrint's layout: real processes --------------------------------------------------


def test_thousands_of_pages_are_stopped(stages: Stages,
                                        copy_of: Callable[[Path], Path]) -> None:
    root = copy_of(stages.built)
    with_template(root, '{% for i in range(5000) %}<p style="break-after: page">page {{ i }}</p>'
                        "{% endfor %}")
    before = tree(root / "kits", leave_out={CATALOG})
    # CPU seconds, not the wall clock: what the run cost, however busy the machine is.
    started = children_cpu_seconds()
    result = run_kitgen("build", cwd=root, real_process=True,
                        env={"KITGEN_RENDER_TIMEOUT": "2", "KITGEN_CACHE": "off"})
    assert children_cpu_seconds() - started < 60
    assert_stopped(result, (STOPPED, "pages; the limit is"), root, before)


def test_the_page_limit_stops_a_long_template(stages: Stages,
                                              copy_of: Callable[[Path], Path]) -> None:
    root = copy_of(stages.built)
    with_template(root, '{% for i in range(12) %}<p style="break-after: page">p{{ i }}</p>'
                        "{% endfor %}")
    before = tree(root / "kits", leave_out={CATALOG})
    result = run_kitgen("build", cwd=root, env={"KITGEN_MAX_PAGES": "5", "KITGEN_CACHE": "off"},
                        real_process=True)
    assert_stopped(result, ("would be 12 pages; the limit is 5",), root, before)
    assert "KITGEN_MAX_PAGES" in result.text


def test_the_page_limit_stops_a_long_input(stages: Stages,
                                           copy_of: Callable[[Path], Path]) -> None:
    """Not a template: a requirement file with 60 stallers makes a playbook too long."""
    root = copy_of(stages.built)
    text = staged_kit_text(stages.policy)
    one = text[text.index("    - id: send-info"):text.index("  nay_sayer:")]
    many = "".join(one.replace("send-info", f"stall-{n}", 1) for n in range(60))
    workspace_with(root, text.replace(one, one + many))
    before = tree(root / "kits", leave_out={CATALOG})
    result = run_kitgen("build", cwd=root, env={"KITGEN_MAX_PAGES": "5", "KITGEN_CACHE": "off"},
                        real_process=True)
    assert_stopped(result, ("playbook.pdf would be", "the limit is 5"), root, before)


def test_pathologically_nested_layout_is_a_clear_error(stages: Stages,
                                                       copy_of: Callable[[Path], Path]) -> None:
    root = copy_of(stages.built)
    with_template(root, "{% for i in range(3000) %}<div>{% endfor %}deep")
    before = tree(root / "kits", leave_out={CATALOG})
    result = run_kitgen("build", cwd=root, env={"KITGEN_CACHE": "off"}, real_process=True)
    assert_stopped(result, ("nested", "too deep", STOPPED), root, before)


# --- in the template: in-process, where the limits are read at render time -----------------

TEMPLATE_RUNAWAYS = {
    "nested-loops": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                     "{% endfor %}", "ran longer than 1 s and was stopped"),
    "html-without-end": ("{% for i in range(100000) %}{{ 'x' * 999 }}{% endfor %}",
                         "characters of HTML"),
    "macro-recursion": ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
                        "calls itself without end"),
    "include-itself": ("{% include 'battlecard.html.j2' %}", "calls itself without end"),
    "string-times-huge": ("{{ 'x' * 10000000000 }}", "may not make values that large"),
    "list-times-huge": ("{{ [1, 2] * 999999999 }}", "may not make values that large"),
    "power-tower": ("{{ 9 ** 999999 }}", "may not make values that large"),
    "format-width": ("{{ '{:>999999999}'.format(1) }}", "may not make values that large"),
    "percent-width": ("{{ '%0999999999d' % 1 }}", "may not make values that large"),
    "padding-method": ("{{ 'x'.ljust(999999999) }}", "may not make values that large"),
    "center-filter": ("{{ 'x'|center(999999999) }}", "may not make values that large"),
    "format-filter": ("{{ '%0999999999d'|format(1) }}", "may not make values that large"),
    "batch-filter": ("{{ range(10)|batch(999999999)|list }}", "may not make values that large"),
    "lipsum-flood": ("{% for i in range(100000) %}{{ lipsum(5) }}{% endfor %}",
                     "ran longer than 1 s and was stopped"),
}


@pytest.mark.parametrize("name", list(TEMPLATE_RUNAWAYS))
def test_runaway_template_is_stopped(stages: Stages, copy_of: Callable[[Path], Path],
                                     monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    template, says = TEMPLATE_RUNAWAYS[name]
    root = copy_of(stages.built)
    with_template(root, template)
    before = tree(root / "kits", leave_out={CATALOG})
    monkeypatch.setenv("KITGEN_RENDER_TIMEOUT", "1")
    started = time.process_time()
    result = run_kitgen("build", cwd=root, env={"KITGEN_RENDER_TIMEOUT": "1"})
    assert time.process_time() - started < 30
    assert_stopped(result, (says,), root, before)


def test_a_runaway_release_is_stopped_too(stages: Stages,
                                          copy_of: Callable[[Path], Path]) -> None:
    """The release renders the same templates: one that runs away only once released (it
    tests `build.draft`) is stopped there, and nothing is released, nothing half-released."""
    root = copy_of(stages.built)
    with_template(root, "{% if not build.draft %}{% for i in range(100000) %}"
                        "{% for j in range(100000) %}{% endfor %}{% endfor %}{% endif %}ok")
    assert run_kitgen("build", cwd=root).code == 0  # version 2: the draft renders
    for side, who in (("sales", SAM), ("marketing", MARA)):
        approved = run_kitgen("approve", KIT, "--side", side, "--name", who[0], "--email", who[1],
                              "--yes", cwd=root)
        assert approved.code == 0, approved.text
    before = tree(root / "kits", leave_out={CATALOG})
    result = run_kitgen("build", "--release", cwd=root, env={"KITGEN_RENDER_TIMEOUT": "1"})
    assert_stopped(result, ("ran longer than 1 s and was stopped",), root, before)
    assert not (root / "kits" / KIT / "2" / "released").exists()


def test_valid_kit_text_is_not_slowed_by_the_guards() -> None:
    """The sandbox's checks leave ordinary templates alone: the built-in ones render the kit."""
    from kitgen.load.reader import load_kit
    from kitgen.render.documents import BuildInfo, plan_documents
    from kitgen.render.html import render_html
    from kitgen.render.sandbox import make_environment

    path = Path(__file__).parent / "valid-kit.yaml"
    kit = load_kit(path).kit
    env = make_environment(None)
    build = BuildInfo("1", "0" * 64, True, "2027-03-01", "2027-03-01T00:00:00Z", "0")
    documents = plan_documents(kit)
    started = time.process_time()
    for document in documents:
        assert "<html" in render_html(env, kit, document, build, documents)
    assert time.process_time() - started < 5
    assert kit_text()  # the same file the suite builds

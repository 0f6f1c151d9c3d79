"""Nothing from the scanned repository runs in, or breaks, the HTML report.

The hostile repository puts markup everywhere it can reach the page: file names (``<``,
``>``, quotes are legal there), a docstring that closes the style element, a source line that
closes the script element, the git branch, a registered family's name, a journal run, and the
collection errors and test ids of a real pytest run over those files, and a journal run over
them whose verification record names a regressed test and its failure message.
"""

from __future__ import annotations

import html
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_support import HELPER, PYPROJECT, JournalRun, commit, git, measure, record_skips, write

from declone.cli import main
from declone.measure.pytestrun import ItemOutcome, Outcome
from declone.measure.verify import (
    Verification,
    VerifyOutcome,
    compare_outcomes,
    record_verification,
)
from declone.migrate.journal import rollback

HOSTILE_FILE = 'tests/test_"><img src=x onerror=alert(1)>.py'
QUOTED_FILE = "tests/test_'<script>alert(3)'.py"
DOCSTRING = "</style><script>alert(1)</script>"
SOURCE_LINE = 'return "</script><script>alert(2)</script>"'
BRANCH = 'evil"><script>alert(4)</script>'
FAMILY_KEY = "<script>alert(5)</script>"
RUN_REASON = "<img src=x onerror=alert(6)>"

RAW_STRINGS = [
    '"><img src=x onerror=alert(1)>',
    "<script>alert(3)",
    DOCSTRING,
    "</script><script>alert(2)</script>",
    BRANCH,
    FAMILY_KEY,
    RUN_REASON,
]

EVIL_COPY = (
    HELPER.replace('"""Records calls', f'"""{DOCSTRING} Records calls')
    + f"\n    def evil(self):\n        {SOURCE_LINE}\n"
)


class _Elements(HTMLParser):
    """Every element and attribute of a page, and whether the parse ends where it began."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.open: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        self._in_script = tag == "script"
        if tag not in {"meta", "br", "hr", "img", "input", "link"}:  # void elements
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False
        assert self.open, f"</{tag}> closes nothing"
        assert self.open[-1] == tag, f"</{tag}> closes <{self.open[-1]}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


@pytest.fixture
def hostile_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "hostile"
    root.mkdir()
    git(root, "init", "-q", "-b", BRANCH)
    write(
        root,
        {
            ".gitignore": ".declone/\n",
            "pyproject.toml": PYPROJECT
            + f'\n[tool.declone.families]\n"{FAMILY_KEY}" = "tests.support:Helper"\n',
            "tests/__init__.py": "",
            "tests/test_plain.py": HELPER,
            "tests/test_other.py": HELPER,
            QUOTED_FILE: HELPER,
            HOSTILE_FILE: EVIL_COPY,
        },
    )
    commit(root, "hostile")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    measure(root, "--save", "baseline")
    write(root, {"tests/test_more.py": HELPER})
    measure(root)
    # A real journal run over the hostile files; one is rolled back after a regression whose
    # message (from the test run) and test id carry markup.
    run = JournalRun(root, "TestHelper", "tests.support:TestHelper", "20250101T000000Z-0001")
    migrated = "from tests.support import TestHelper\n"
    run.apply({"tests/test_plain.py": ("replace TestHelper", migrated)})
    run.apply({QUOTED_FILE: ("replace TestHelper", migrated)})
    assert rollback(root, run.id, [QUOTED_FILE]).restored == (QUOTED_FILE,)
    test_id = f"{QUOTED_FILE}::test_it"
    before = {test_id: ItemOutcome(test_id, Outcome.PASSED, 0.01)}
    after = {test_id: ItemOutcome(test_id, Outcome.FAILED, 0.01, RUN_REASON)}
    verification = Verification(
        run_id=run.id,
        files=("tests/test_plain.py", QUOTED_FILE),
        targets=(QUOTED_FILE,),
        python=sys.executable,
        before=before,
        after=after,
        changes=tuple(
            replace(change, files=(QUOTED_FILE,)) for change in compare_outcomes(before, after)
        ),
    )
    record_verification(root, run.id, [VerifyOutcome(verification, rolled_back=(QUOTED_FILE,))])
    record_skips(root, run.id, [{"path": HOSTILE_FILE, "reason": RUN_REASON}])
    return root


def test_repo_text_is_escaped_and_the_page_keeps_its_shape(
    hostile_repo: Path, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    assert main(["report", "--root", str(hostile_repo), "--html", str(page), "--json"]) == 0
    text = page.read_text(encoding="utf-8")
    for raw in RAW_STRINGS:
        assert raw not in text, raw
    # The hostile text is there, shown as text: the page did not just leave it out.
    assert html.escape(HOSTILE_FILE, quote=True) in text
    assert html.escape(QUOTED_FILE, quote=True) in text
    assert html.escape(SOURCE_LINE, quote=True) in text
    assert html.escape(DOCSTRING, quote=True) in text
    assert html.escape(BRANCH, quote=True) in text
    assert html.escape(FAMILY_KEY, quote=True) in text
    assert html.escape(RUN_REASON, quote=True) in text
    assert html.escape(f"{QUOTED_FILE}::test_it", quote=True) in text

    elements = _Elements()
    elements.feed(text)
    elements.close()
    assert elements.tags.count("script") == 1
    assert elements.tags.count("style") == 1
    assert "img" not in elements.tags
    assert not [name for name, _ in elements.attributes if name.startswith("on")]
    assert elements.open == [], "every element that opened was closed, in order"
    # The one script is ours, byte for byte.
    from importlib import resources

    ours = resources.files("declone.report").joinpath("templates", "report.js").read_text("utf-8")
    assert elements.scripts == [ours]


def test_markdown_and_terminal_do_not_pass_markup_through(
    hostile_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--root", str(hostile_repo), "--markdown", "-"]) == 0
    markdown = capsys.readouterr().out
    assert "<script>" not in markdown
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in markdown
    assert main(["report", "--root", str(hostile_repo), "--no-progress"]) == 0
    terminal = capsys.readouterr().out
    assert RUN_REASON in terminal  # shown literally, not taken as rich markup

"""Golden snapshots of what declone prints on the bundled example, at 80 and 200 columns.

Each command runs as a user runs it (``python -m declone`` in a subprocess, stdout a pipe,
``COLUMNS`` set) on a copy of ``examples/websocket-suite``. Its output must fit the width,
line by line, and match ``tests/cli/snapshots/NAME-WIDTH.txt`` once what varies between runs
(temporary paths, timings, run ids, dates, commit hashes) is masked.
``DECLONE_UPDATE_SNAPSHOTS=1`` rewrites the golden files instead of comparing.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.cells import cell_len

from declone.cli.demo import prepare_repo

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "websocket-suite"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("DECLONE_UPDATE_SNAPSHOTS") == "1"
WIDTHS = (80, 200)
FAMILY = "TestWebSocketConnection"
EXTRACT = ("--extract-to", "tests/support/websocket_connection.py")


@dataclass(frozen=True)
class Output:
    argv: tuple[str, ...]
    stdout: str
    stderr: str


def declone(cwd: Path, width: int, *argv: str, env: dict[str, str] | None = None) -> Output:
    """``declone ARGV`` in a subprocess whose stdout and stderr are pipes, ``COLUMNS`` wide."""
    environ = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    environ.update(env or {}, COLUMNS=str(width))
    done = subprocess.run(
        [sys.executable, "-m", "declone", *argv],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr
    return Output(argv, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def short_folder() -> Iterator[Path]:
    """A folder whose path has the same length on every run (``/tmp/`` and eight random
    characters), so that a line naming it wraps the same way wherever the tests run."""
    base = "/tmp" if Path("/tmp").is_dir() else None
    folder = Path(tempfile.mkdtemp(prefix="d", dir=base))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _digest(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def example_digest() -> Iterator[None]:
    """The example itself is never touched: only copies of it are."""
    before = _digest(EXAMPLE)
    yield
    assert _digest(EXAMPLE) == before


@pytest.fixture(scope="module")
def pristine(short_folder: Path, example_digest: None) -> Path:
    """A git repository holding the example as it is."""
    return prepare_repo(EXAMPLE, short_folder / "pristine")


@pytest.fixture(scope="module")
def migrated(short_folder: Path, example_digest: None) -> Path:
    """The example after ``migrate`` consolidated one family, committed and registered."""
    root = prepare_repo(EXAMPLE, short_folder / "migrated")
    declone(root, 200, "migrate", FAMILY, *EXTRACT, "--commit", "--register", "--no-cache")
    return root


# --- masking -----------------------------------------------------------------------------------

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A migration run's id: 20261207T022214Z-ca53.
    (re.compile(r"\b\d{8}T\d{6}Z-[0-9a-f]+\b"), "<run-id>"),
    # A time of day with its date, as the report shows it or in ISO form.
    (
        re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?"),
        "<date>",
    ),
    # Durations (0.37s, 3.11 s, 12 ms) and ratios of two (1.52x).
    (re.compile(r"\b\d+(\.\d+)?\s?(s|ms)\b"), "<time>"),
    (re.compile(r"\bx?\d+\.\d+x?\b"), "<ratio>"),
    # Commit hashes, as git log --oneline and declone abbreviate them (variant ids, 8
    # characters, stay).
    (re.compile(r"\b[0-9a-f]{10,40}\b"), "<commit>"),
)


def normalise(text: str, *paths: Path) -> str:
    """``text`` with what varies between runs masked, and no space at a line's end."""
    for path in sorted(paths, key=lambda p: -len(str(p))):
        text = text.replace(str(path), "<tmp>")
    text = text.replace(sys.executable, "<python>")
    return "".join(_masked(line).rstrip() + "\n" for line in text.splitlines())


def _masked(line: str) -> str:
    # In a table's row a mask is as wide as what it hides, when it can be, so that the
    # columns stay aligned.
    in_table = "│" in line or "┃" in line
    for pattern, mask in _MASKS:

        def hide(match: re.Match[str], mask: str = mask) -> str:
            return mask.ljust(len(match[0])) if in_table else mask

        line = pattern.sub(hide, line)
    return line


# --- assertions --------------------------------------------------------------------------------

#: ``declone check`` reports one finding per line, ``path:line:col: CODE message``, for editors
#: and CI annotations to read: data, which no width may wrap.
_CHECK_FINDING = re.compile(r"^\S+:\d+:\d+: DCL\d{3} ")


def assert_fits(text: str, width: int, *, is_data: Callable[[str], bool] = lambda _: False) -> None:
    too_long = [line for line in text.splitlines() if cell_len(line) > width and not is_data(line)]
    assert not too_long, f"{len(too_long)} lines longer than {width} columns:\n" + "\n".join(
        too_long
    )


def assert_snapshot(name: str, width: int, output: Output, *paths: Path) -> None:
    text = (
        normalise(f"$ declone {' '.join(output.argv)}", *paths)
        + f"--- stdout\n{normalise(output.stdout, *paths)}"
        f"--- stderr\n{normalise(output.stderr, *paths)}"
    )
    golden = SNAPSHOTS / f"{name}-{width}.txt"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        return
    assert golden.is_file(), f"{golden}: no snapshot; DECLONE_UPDATE_SNAPSHOTS=1 writes it"
    assert text == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs; DECLONE_UPDATE_SNAPSHOTS=1 rewrites it if the change is meant"
    )


def _is_diff_line(line: str) -> bool:
    return line[:1] in ("+", "-", " ", "@") or line == ""


# --- the commands ------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_scan(pristine: Path, short_folder: Path, width: int) -> None:
    output = declone(pristine, width, "scan", str(pristine), "--no-cache")
    assert_fits(output.stdout, width)
    assert_fits(output.stderr, width)
    assert f"{FAMILY} " in output.stdout  # the family's name whole, never cut
    assert_snapshot("scan", width, output, short_folder)


@pytest.mark.parametrize("width", WIDTHS)
def test_scan_family(pristine: Path, short_folder: Path, width: int) -> None:
    output = declone(pristine, width, "scan", str(pristine), "--family", FAMILY, "--no-cache")
    assert_fits(output.stdout, width)
    assert_fits(output.stderr, width)
    assert "tests/mission_critical/test_websocket_close_semantics.py:10:1" in output.stdout
    assert_snapshot("scan-family", width, output, short_folder)


@pytest.mark.parametrize("width", WIDTHS)
def test_plan(pristine: Path, short_folder: Path, width: int) -> None:
    output = declone(pristine, width, "plan", FAMILY, *EXTRACT, "--no-cache")
    assert_fits(output.stdout, width)
    assert_fits(output.stderr, width)
    assert "tests/mission_critical/test_websocket_close_semantics.py:10" in output.stdout
    assert_snapshot("plan", width, output, short_folder)


@pytest.mark.parametrize("width", WIDTHS)
def test_migrate_dry_run(pristine: Path, short_folder: Path, width: int) -> None:
    output = declone(pristine, width, "migrate", FAMILY, *EXTRACT, "--dry-run", "--no-cache")
    # stdout is the patch itself, byte for byte what the files would get (`> fix.patch`
    # applies): its source lines are data, as long as the repository's own.
    assert output.stdout.startswith("--- ")
    assert_fits(output.stdout, width, is_data=_is_diff_line)
    assert_fits(output.stderr, width)
    assert_snapshot("migrate-dry-run", width, output, short_folder)


@pytest.mark.parametrize("width", WIDTHS)
def test_report(migrated: Path, short_folder: Path, width: int) -> None:
    output = declone(migrated, width, "report", "--no-cache")
    assert_fits(output.stdout, width)
    assert_fits(output.stderr, width)
    run_id = re.search(r"\b\d{8}T\d{6}Z-[0-9a-f]+\b", output.stdout)
    assert run_id is not None  # whole: it is what `declone rollback` takes
    assert f"{FAMILY} " in output.stdout
    assert_snapshot("report", width, output, short_folder)


def test_demo(short_folder: Path, example_digest: None) -> None:
    """The whole pipeline, at 80 and 200 columns: everything fits, and its final part (the
    headline figures) is the snapshot; at 80 columns it says the same words, wrapped."""
    finals = {}
    for width in WIDTHS:
        cwd = short_folder / f"demo-{width}"
        cwd.mkdir()
        argv = ("demo", str(EXAMPLE), "--workdir", str(cwd / "w"), "--no-verify", "--rounds", "1")
        output = declone(cwd, width, *argv)
        assert_fits(output.stdout, width, is_data=lambda line: bool(_CHECK_FINDING.match(line)))
        assert_fits(output.stderr, width)
        lines = output.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if "declone demo: headline figures" in line)
        finals[width] = normalise("\n".join(lines[start + 1 :]), cwd)
    # Timings wrap the 80 columns' lines at places that vary from run to run: the snapshot is
    # the wide one, which no line of the final part needs to wrap.
    assert_snapshot("demo", 200, Output(("demo", "(its final part)"), finals[200], ""))
    assert finals[80].split() == finals[200].split()


# --- a family of hundreds of copies ------------------------------------------------------------

_BODY = "".join(f"    def m{n}(self):\n        return {n}\n\n" for n in range(8))


def _family_of_many(write_tree: Callable[[dict[str, str]], Path]) -> Path:
    """``class C`` in 40 test modules: 30 copies of one body, and 10 variants of it, each adding
    a method of its own."""
    files = {f"tests/test_same_{n:02}.py": f"class C:\n{_BODY}" for n in range(30)}
    files.update(
        {
            f"tests/test_other_{n:02}.py": f"class C:\n{_BODY}    def own{n}(self):\n        pass\n"
            for n in range(10)
        }
    )
    return write_tree(files)


def test_a_family_of_many_copies_is_told_variant_by_variant(
    write_tree: Callable[[dict[str, str]], Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from declone.cli import main

    root = _family_of_many(write_tree)
    monkeypatch.setenv("COLUMNS", "80")
    capsys.readouterr()
    assert main(["scan", str(root), "--family", "C", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert_fits(out, 80)
    assert "variant" in out
    assert out.count("\nvariant ") == 8  # the dominant one and the next seven
    assert "+3 more variants (--all lists them)" in out
    assert "(30 copies, dominant)" in out
    assert "+27 more (--all lists them)" in out  # after the dominant variant's first three
    assert "Copies: 30 identical, 0 subset, 10 divergent (--all lists every copy" in out
    assert "tests/test_same_29.py" not in out
    assert len(out.splitlines()) < 150

    assert main(["scan", str(root), "--family", "C", "--no-cache", "--all"]) == 0
    every = capsys.readouterr().out
    assert_fits(every, 80)
    assert every.count("\nvariant ") == 11
    assert "more" not in every.replace("(--all lists them)", "")
    for n in range(30):
        # Listed under its variant, and again in the table of every copy's verdict.
        assert every.count(f"tests/test_same_{n:02}.py:1:1") == 2


# --- rules -------------------------------------------------------------------------------------


def test_a_rule_shortens_its_paths_from_the_left_or_wraps(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from declone.cli import output

    monkeypatch.setenv("COLUMNS", "60")
    capsys.readouterr()
    output.stdout().rule("scope ansible_collections/community/general/plugins/modules/x")
    (line,) = capsys.readouterr().out.splitlines()
    assert cell_len(line) == 60
    assert " scope …/community/general/plugins/modules/x " in line  # one folder less

    title = "migrate TestWebSocketConnection (extracted to tests/support/websocket.py, " * 2
    output.stdout().rule(title)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "─" * 60
    assert_fits("\n".join(lines), 60)
    assert " ".join(" ".join(lines[1:]).split()) == title.strip()  # every word, paths whole


def test_a_message_wraps_at_a_known_width_and_stays_one_line_in_a_pipe(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from declone.cli import output

    message = "tests/unit/test_x.py:9: skipped Recorder: " + "a reason that goes on " * 5
    monkeypatch.delenv("COLUMNS", raising=False)
    capsys.readouterr()
    output.warn(message)
    output.info(message)
    # A pipe or a file, no COLUMNS: one line each, for the programs that read them.
    assert capsys.readouterr().err == f"warning: {message}\n{message}\n"
    monkeypatch.setenv("COLUMNS", "40")
    output.warn(message)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "warning: tests/unit/test_x.py:9: skipped"
    assert all(line.startswith("  ") and cell_len(line) <= 40 for line in lines[1:])
    assert " ".join(" ".join(lines).split()) == f"warning: {message}".strip()

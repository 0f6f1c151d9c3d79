"""No file stops a scan: whatever the parsers raise on one file makes it a problem."""

from __future__ import annotations

import ast
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declone.cli import main
from declone.config import PytestConfig
from declone.model import FileProblem, FileRecord
from declone.scan.parsing import extract_file
from declone.scan.scanner import _Job, _read_and_extract
from migration_support import helper

# Generated text makes the compiler warn (``1j``-like literals, invalid escapes) when it is
# parsed through ``extract_file``, the library call, which leaves warnings to its caller.
pytestmark = [
    pytest.mark.filterwarnings("ignore::SyntaxWarning"),
    pytest.mark.filterwarnings("ignore:invalid (octal )?escape sequence:DeprecationWarning"),
]

DEFAULT = PytestConfig()

#: Python 3.14 reads t-strings (PEP 750) and ``except A, B:`` (PEP 758); older ones do not.
BEFORE_314 = sys.version_info < (3, 14)

HELPER = helper("RecordingClient")

INVALID = "syntax error: invalid syntax; fix it or exclude the file"
TOO_DEEP = "too deeply nested to parse (RecursionError); exclude the file"
TOO_COMPLEX = "too deeply nested or too large to parse (MemoryError); exclude the file"


def scan_json(capsys: pytest.CaptureFixture[str], root: Path) -> dict[str, Any]:
    assert main(["scan", str(root), "--json", "--no-cache"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def problem_of(text: str | bytes, path: str = "bad.py") -> FileProblem | None:
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    record = extract_file(path, data, DEFAULT)
    assert record.problem is None or record.classes == ()
    return record.problem


def test_python_314_syntax_never_stops_a_scan(write_tree, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_tree(
        {
            "client_a.py": HELPER,
            "client_b.py": HELPER,
            # LibCST parses this, then fails its own check with CSTLogicError("Logic error!").
            "tstrings_joined.py": 'x = t"a" t"b"\n',
            # These two LibCST reads, so their copies are found like any other.
            "tstring.py": 't"{x}"\n\n' + HELPER,
            "except_pep758.py": "try:\n    pass\nexcept A, B:\n    pass\n\n" + HELPER,
        }
    )
    document = scan_json(capsys, tmp_path)
    [family] = document["families"]
    assert family["name"] == "RecordingClient"
    assert {m["path"] for m in family["members"]} == {
        "client_a.py",
        "client_b.py",
        "tstring.py",
        "except_pep758.py",
    }
    expected = [{"path": "tstrings_joined.py", "line": 1, "reason": INVALID}] if BEFORE_314 else []
    assert document["problems"] == expected


@pytest.mark.skipif(not BEFORE_314, reason="Python 3.14 reads t-strings")
@pytest.mark.parametrize(
    ("text", "line"),
    [
        # LibCST: CSTLogicError, on joined t-strings and on an f-string joined to a t-string.
        pytest.param('x = t"a" t"b"\n', 1, id="t-strings-joined"),
        pytest.param('x = 1\ny = f"{x:{x}}" t"b"\n', 2, id="f-string-and-t-string"),
        # LibCST: TypeError from a node's validation (LibCST issue #1061), once the t-string
        # has sent the file to it.
        pytest.param('t"{x}"\ny = () if 0 else(lambda:())\n' + HELPER, 1, id="libcst-typeerror"),
    ],
)
def test_libcst_internal_errors_report_the_ast_syntax_error(text: str, line: int) -> None:
    assert problem_of(text) == FileProblem("bad.py", line, INVALID)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        # Python's limit of 200 nested brackets: LibCST was tried and overflowed its stack.
        pytest.param(
            "(" * 10000 + ")" * 10000 + "\n",
            1,
            "syntax error: too many nested parentheses; fix it or exclude the file",
            id="brackets",
        ),
        pytest.param(
            "x = 1\n" + "x = " + "[" * 201 + "]" * 201 + "\n",
            2,
            "syntax error: too many nested parentheses; fix it or exclude the file",
            id="brackets-201",
        ),
        pytest.param(
            "".join(" " * i + "if x:\n" for i in range(200)) + " " * 200 + "pass\n",
            101,
            "syntax error: too many levels of indentation; fix it or exclude the file",
            id="nested-ifs",
        ),
        # ast.parse: RecursionError while it builds the tree (Python 3.11 and 3.12), or the
        # class collector's RecursionError on the tree it built.
        pytest.param("x = " + "-" * 3000 + "1\n", 0, TOO_DEEP, id="unary-chain"),
        pytest.param(
            "class Deep:\n    def f(self):\n        return " + "-" * 2000 + "1\n",
            0,
            TOO_DEEP,
            id="unary-chain-in-a-class",
        ),
        pytest.param("x = 1" + " + 1" * 20000 + "\n", 0, TOO_DEEP, id="binary-chain"),
        # ast.parse: MemoryError, "Parser stack overflowed".
        pytest.param("x = " + "-" * 100000 + "1\n", 0, TOO_COMPLEX, id="parser-stack"),
    ],
)
def test_deep_nesting_is_a_problem_not_a_crash(text: str, line: int, reason: str) -> None:
    assert problem_of(text) == FileProblem("bad.py", line, reason)


@pytest.mark.skipif(not BEFORE_314, reason="Python 3.14 reads t-strings")
def test_deep_nesting_read_by_libcst_is_a_problem_not_a_crash() -> None:
    # The t-string sends the file to LibCST, which parses it; reading its positions and
    # classes then exceeds the recursion limit.
    text = 't"{x}"\nclass Deep:\n    def f(self):\n        return ' + "-" * 500 + "1\n"
    assert problem_of(text) == FileProblem("bad.py", 0, TOO_DEEP)


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        pytest.param(
            b"x = 1\ny = 2\nz = '\0'\n",
            3,
            "contains NUL bytes; not Python source, skipped",
            id="nul",
        ),
        pytest.param(b"\xef\xbb\xbfx = 1\nclass A(:\n    pass\n", 2, INVALID, id="bom"),
        pytest.param(b"x = 1\r\ny = 2\r\nclass A(:\r\n    pass\r\n", 3, INVALID, id="crlf"),
        pytest.param(b"\xef\xbb\xbfx = 1\r\nclass A(:\r\n    pass\r\n", 2, INVALID, id="bom-crlf"),
        pytest.param(b"x = 1\ry = 2\rclass A(:\r    pass\r", 3, INVALID, id="cr"),
        pytest.param(b"x = 1\n\x0cy = 2\nclass A(:\n    pass\n", 3, INVALID, id="form-feed"),
        # A codec that is not a text encoding, or decodes nothing: Python says "encoding
        # problem" (decoding raised LookupError or UnicodeError).
        pytest.param(
            b"# -*- coding: rot13 -*-\nx = 1\n",
            1,
            "bad coding cookie (encoding problem: rot13); fix the declaration",
            id="rot13",
        ),
        pytest.param(
            b"#!/usr/bin/env python\n# coding: base64\nx = 1\n",
            2,
            "bad coding cookie (encoding problem: base64); fix the declaration",
            id="base64",
        ),
        pytest.param(
            b"# coding: undefined\nx = 1\n",
            1,
            "bad coding cookie (encoding problem: undefined); fix the declaration",
            id="undefined",
        ),
    ],
)
def test_bad_bytes_are_problems_on_their_line(data: bytes, line: int, reason: str) -> None:
    assert problem_of(data) == FileProblem("bad.py", line, reason)


class _BrokenConfig(PytestConfig):
    """A configuration that fails where the class collector asks it: a bug stand-in."""

    def is_test_file(self, path: str) -> bool:
        raise RuntimeError("boom\nsecond line")

    def is_test_class_name(self, name: str) -> bool:
        raise RuntimeError("boom\nsecond line")

    def is_test_function_name(self, name: str) -> bool:
        raise RuntimeError("boom\nsecond line")


def test_an_exception_in_the_worker_costs_the_file_not_the_scan(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("class BrokenByItsConfig:\n    x = 1\n")
    blobs = _read_and_extract(_Job(str(tmp_path), "a.py", False, _BrokenConfig()))
    record = blobs.load_record()
    reason = "declone could not read it (RuntimeError: boom); please report this"
    assert record.problem == FileProblem("a.py", 0, reason)
    assert record.classes == ()
    assert blobs.digest == ""  # not cached: the next scan reads it again


# Property tests: whatever the text, extract_file returns a record and never raises.

TOKENS = [
    *("class ", "def ", "async ", "await ", "lambda ", "return ", "yield ", "if ", "elif "),
    *("else", "try", "except ", "finally", "with ", "as ", "for ", "in ", "not ", "and "),
    *("import ", "from ", "global ", "del ", "pass", "match ", "case ", "type ", "print"),
    *("A", "x", "self", "é", "λ", "名", "_", "1", "0x", "1e", "1j", ".", ",", ";", "=", "+", "-"),
    *("(", ")", "[", "]", "{", "}", ":", ":=", "->", "@", "*", "**", "!", "<", ">", "|"),
    *('"', "'", '"""', "'''", 't"', 'f"', 'rb"', 'rf"', "b'", "{x}", "{", "}", "\\"),
    *("\n", "\n", "\n", "    ", "    ", "\t", " ", "\r", "\r\n", "\x0c", "\0", "\u2028", "#"),
    "class A:\n    def f(self):\n        return 1\n",
    HELPER,
    # Newer grammar, which sends a file to LibCST's parser.
    *("type X = int\n", 'x = f"{"a"}"\n', "def f[T](x: T): pass\n", "except A, B:", 't"{x!r}"'),
]

PREFIXES = ["", "", "\ufeff", "# -*- coding: latin-1 -*-\n", "# coding: rot13\n"]

python_ish = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


def _encode(prefix: str, text: str) -> bytes:
    if prefix.startswith("# -*- coding: latin-1"):
        return (prefix + text).encode("latin-1", "replace")
    return (prefix + text).encode("utf-8", "surrogatepass")


def _check_record(record: FileRecord, path: str, data: bytes) -> None:
    assert isinstance(record, FileRecord)
    assert record.path == path
    if record.problem is not None:
        # A skipped file: no classes, and a reason that says what happened and what to do.
        assert record.classes == ()
        assert record.problem.path == path
        assert record.problem.lineno >= 0
        assert "; " in record.problem.reason
        assert "\n" not in record.problem.reason
    elif not record.parsed_by_fallback:
        ast.parse(data)  # a plain parse: Python reads the file


@settings(max_examples=150, deadline=None)
@given(prefix=st.sampled_from(PREFIXES), text=python_ish)
def test_extract_file_never_raises_on_python_ish_text(prefix: str, text: str) -> None:
    data = _encode(prefix, text)
    _check_record(extract_file("gen.py", data, DEFAULT), "gen.py", data)


VALID_MODULE = '''\
"""A module with a bit of everything."""
import os
from typing import Generic, TypeVar

T = TypeVar("T")


@decorate(option=True)
class Box(Generic[T]):
    """Holds one value."""

    size: int = 1

    def __init__(self, value: T) -> None:
        self.value = value
        self.seen = [x for x in range(3) if x]

    async def fetch(self, *args, key=None, **kwargs):
        async with lock() as held:
            return await held.get(f"{self.value!r:>{10}}", rb"\\d+")

    def label(self):
        match self.value:
            case {"name": name} if (n := len(name)) > 2:
                return name
            case [first, *rest]:
                return first
            case _:
                return lambda y: y @ self.value


def build():
    class Local(Box):
        pass

    try:
        return Local(os.sep)
    except (OSError, ValueError):
        raise
    finally:
        del T
'''

#: Python 3.12 to 3.14: ``ast`` rejects it on 3.11, LibCST reads it.
NEWER_MODULE = """\
type Pair[T] = tuple[T, T]


class Modern[T]:
    def __init__(self, value: T) -> None:
        self.value = value

    def render(self, width=10):
        return f"{"value"}: {self.value!r:>{width}}", t"{self.value}"

    def guard(self):
        try:
            return self.value
        except KeyError, IndexError:
            return None


class Plain:
    def get(self):
        return 1
"""

MODULES = [VALID_MODULE, NEWER_MODULE]
LINES = [line for module in MODULES for line in module.splitlines(keepends=True)]

mutation = st.tuples(
    st.sampled_from(
        ["delete-char", "duplicate-char", "insert-char", "delete-line", "duplicate-line", "insert"]
    ),
    st.integers(min_value=0, max_value=len(VALID_MODULE)),
    st.sampled_from(TOKENS),
)
mutated_module = st.builds(
    lambda module, mutations: _mutated(module, mutations).encode("utf-8", "surrogatepass"),
    st.sampled_from(MODULES),
    st.lists(mutation, min_size=1, max_size=4),
)


def _mutated(text: str, mutations: list[tuple[str, int, str]]) -> str:
    for kind, where, token in mutations:
        at = where % (len(text) + 1)
        lines = text.splitlines(keepends=True) or [""]
        line = where % len(lines)
        if kind == "delete-char":
            text = text[:at] + text[at + 1 :]
        elif kind == "duplicate-char":
            text = text[:at] + text[at : at + 1] + text[at:]
        elif kind == "insert-char":
            text = text[:at] + token + text[at:]
        elif kind == "delete-line":
            text = "".join(lines[:line] + lines[line + 1 :])
        elif kind == "duplicate-line":
            text = "".join(lines[: line + 1] + lines[line:])
        else:
            text = "".join([*lines[:line], LINES[where % len(LINES)], *lines[line:]])
    return text


@settings(max_examples=150, deadline=None)
@given(data=mutated_module)
def test_extract_file_never_raises_on_a_mutated_module(data: bytes) -> None:
    _check_record(extract_file("gen.py", data, DEFAULT), "gen.py", data)


@pytest.mark.parametrize(
    ("module", "classes"),
    [
        pytest.param(VALID_MODULE, ["Box", "build.<locals>.Local"], id="3.11"),
        pytest.param(NEWER_MODULE, ["Modern", "Plain"], id="3.14"),
    ],
)
def test_the_modules_before_mutation_have_their_classes(module: str, classes: list[str]) -> None:
    record = extract_file("gen.py", module.encode(), DEFAULT)
    assert record.problem is None
    assert [c.qualname for c in record.classes] == classes


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    files=st.lists(
        st.one_of(
            st.tuples(st.sampled_from(PREFIXES), python_ish).map(lambda pair: _encode(*pair)),
            mutated_module,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_scan_of_generated_files_exits_0_with_json(
    capsys: pytest.CaptureFixture[str], files: list[bytes]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "helper.py").write_text(HELPER)
        for number, data in enumerate(files):
            (root / f"gen_{number}.py").write_bytes(data)
        document = scan_json(capsys, root)
    assert document["summary"]["files"] == len(files) + 1
    assert {p["path"] for p in document["problems"]} <= {f"gen_{n}.py" for n in range(len(files))}

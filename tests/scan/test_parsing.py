from __future__ import annotations

import ast
import dataclasses
import io
import pickle
import textwrap
import tokenize
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from declone.config import PytestConfig
from declone.model import (
    ClassKind,
    ClassRecord,
    FileProblem,
    MethodInfo,
    frozen_instance,
    frozen_replace,
)
from declone.scan import classes, normalise, parsing
from declone.scan.commented import find_commented_classes
from declone.scan.parsing import extract_file, extract_source
from declone.scan.source import decode_source

DEFAULT = PytestConfig()

CONNECTION = '''\
class TestWebSocketConnection:
    """A fake connection."""

    def __init__(self):
        self.messages_sent = []
        self.is_connected = True

    async def send_json(self, message):
        if not self.is_connected:
            raise RuntimeError("closed")
        self.messages_sent.append(message)

    def get_messages(self):
        return self.messages_sent.copy()
'''


def only_class(source: str, path: str = "tests/test_x.py", config: PytestConfig = DEFAULT):
    record = extract_source(path, source, config)
    assert record.problem is None, record.problem
    assert len(record.classes) == 1, record.classes
    return record.classes[0]


def test_records_the_class_facts() -> None:
    cls = only_class(CONNECTION)
    assert cls.name == "TestWebSocketConnection"
    assert (cls.lineno, cls.end_lineno, cls.col) == (1, 14, 0)
    assert [m.signature for m in cls.methods] == [
        "def __init__(self)",
        "async def send_json(self, message)",
        "def get_messages(self)",
    ]
    assert cls.init_attributes == ("messages_sent", "is_connected")
    assert cls.kind is ClassKind.HELPER
    assert cls.warns_on_collection is True
    assert cls.source == CONNECTION
    assert cls.statement_count == 9


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(
            CONNECTION.replace("    def get_messages(self):", "    def get_messages( self ) :"),
            id="spacing",
        ),
        pytest.param(CONNECTION.replace('    """A fake connection."""\n', ""), id="no-docstring"),
        pytest.param(
            CONNECTION.replace('"""A fake connection."""', '"""Another text."""'),
            id="other-docstring",
        ),
        pytest.param(
            CONNECTION.replace(
                "        self.messages_sent.append(message)",
                "        self.messages_sent.append(message)  # keep it",
            ),
            id="comment",
        ),
        pytest.param(CONNECTION.replace("\n\n", "\n\n\n"), id="blank-lines"),
        pytest.param(
            CONNECTION.replace('raise RuntimeError("closed")', "raise RuntimeError('closed')"),
            id="quotes",
        ),
    ],
)
def test_fingerprint_ignores_formatting_comments_and_docstrings(variant: str) -> None:
    assert only_class(variant).fingerprint == only_class(CONNECTION).fingerprint


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(CONNECTION.replace("def get_messages", "async def get_messages"), id="async"),
        pytest.param(CONNECTION.replace(".copy()", ""), id="changed-statement"),
        pytest.param(
            CONNECTION.replace("(self, message)", "(self, message, timeout=1)"), id="signature"
        ),
        pytest.param(
            CONNECTION.replace(
                "class TestWebSocketConnection:", "class TestWebSocketConnection(Base):"
            ),
            id="base",
        ),
    ],
)
def test_fingerprint_changes_with_the_code(variant: str) -> None:
    assert only_class(variant).fingerprint != only_class(CONNECTION).fingerprint


def test_shape_ignores_the_class_name_but_fingerprint_does_not() -> None:
    renamed = CONNECTION.replace("TestWebSocketConnection", "MockWebSocketConnection")
    original, other = only_class(CONNECTION), only_class(renamed)
    assert original.shape == other.shape
    assert original.fingerprint != other.fingerprint or original.name != other.name


def test_self_references_by_name_are_normalised_in_the_shape() -> None:
    a = "class A:\n    def make(self):\n        return A()\n    def x(self):\n        return 1\n"
    b = a.replace("A", "B")
    assert only_class(a).shape == only_class(b).shape


def test_nested_classes_have_qualnames_and_know_they_are_in_functions() -> None:
    source = textwrap.dedent(
        """
        class Outer:
            class Inner:
                pass

        def test_thing():
            class Local:
                pass
            if True:
                class Deeper:
                    pass
        """
    )
    record = extract_source("tests/test_n.py", source, DEFAULT)
    found = {(c.qualname, c.in_function) for c in record.classes}
    assert found == {
        ("Outer", False),
        ("Outer.Inner", False),
        ("test_thing.<locals>.Local", True),
        ("test_thing.<locals>.Deeper", True),
    }


@pytest.mark.parametrize(
    "source",
    [
        "@decorated\n@twice(\n    'class'\n)\nclass Outer:\n    class Inner:\n        pass\n",
        "class Outer:  # a class\n    x = 1\n    class Inner: pass\n",
        "@dataclass\nclass Outer:\n    x: int = 0\n\n    class Inner:\n        pass\n",
    ],
    ids=["decorators-spanning-lines", "comment-on-the-class-line", "one-decorator"],
)
def test_a_class_nested_below_decorators_is_found(source: str) -> None:
    classes.MEMO.clear()
    record = extract_source("t.py", source, DEFAULT)
    assert [c.qualname for c in record.classes] == ["Outer", "Outer.Inner"]


@pytest.mark.parametrize(
    ("source", "may_hold"),
    [
        ("@register('class')\nclass Outer:  # class\n    def f(self):\n        return 1\n", False),
        ("@register\nclass Outer:\n    def f(self):\n        return 'class'\n", True),
        ("class Outer: pass", False),
    ],
)
def test_a_body_is_visited_only_where_class_stands_below_the_class_line(
    source: str, may_hold: bool
) -> None:
    lines = source.splitlines(keepends=True)
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    collector = classes.ClassCollector("t.py", lines, DEFAULT, None, False, 0, memo=classes.MEMO)
    written = "".join(lines[normalise.first_line(node) - 1 : node.end_lineno])
    assert collector._may_hold_classes(node, written) is may_hold


def test_real_test_classes_are_not_helpers() -> None:
    test_class = "class TestWebSocketConnection:\n    def test_sends(self):\n        assert True\n"
    assert only_class(test_class).kind is ClassKind.TEST
    blocked = "class TestThing:\n    def __init__(self):\n        pass\n    def test_a(self):\n        pass\n"
    record = only_class(blocked)
    assert record.kind is ClassKind.UNCOLLECTABLE_TEST
    assert record.warns_on_collection is False


def test_python_classes_and_functions_from_config_decide() -> None:
    config = PytestConfig(python_classes=("Check",), python_functions=("check_",))
    helper = "class TestThing:\n    def __init__(self):\n        pass\n"
    assert only_class(helper, config=config).warns_on_collection is False
    checker = "class CheckThing:\n    def __init__(self):\n        pass\n"
    assert only_class(checker, config=config).warns_on_collection is True
    tests = "class Suite:\n    def check_one(self):\n        pass\n"
    assert only_class(tests, config=config).kind is ClassKind.TEST


@pytest.mark.parametrize(
    ("source", "path", "warns"),
    [
        pytest.param(
            "class TestA:\n    def __init__(self): pass\n", "tests/test_a.py", True, id="init"
        ),
        pytest.param(
            "class TestA:\n    def __new__(cls): pass\n", "tests/test_a.py", True, id="new"
        ),
        pytest.param(
            "@dataclass\nclass TestA:\n    x: int\n", "tests/test_a.py", True, id="dataclass"
        ),
        pytest.param(
            "class TestA:\n    def __init__(self): pass\n",
            "tests/helpers.py",
            False,
            id="not-a-test-file",
        ),
        pytest.param(
            "class TestA:\n    __test__ = False\n    def __init__(self): pass\n",
            "tests/test_a.py",
            False,
            id="opted-out",
        ),
        pytest.param(
            "class Helper:\n    def __init__(self): pass\n",
            "tests/test_a.py",
            False,
            id="other-name",
        ),
        pytest.param(
            "def f():\n    class TestA:\n        def __init__(self): pass\n",
            "tests/test_a.py",
            False,
            id="in-function",
        ),
    ],
)
def test_collection_warning_sources(source: str, path: str, warns: bool) -> None:
    record = extract_source(path, source, DEFAULT)
    assert record.classes[0].warns_on_collection is warns


def test_commented_out_class_is_found_and_prose_is_not() -> None:
    source = textwrap.dedent(
        """\
        x = 1
        # class TestWebSocketConnection:
        #     def __init__(self):
        #         self.messages = []
        #
        #     def close(self):
        #         pass
        y = 2
        # the class below is for tests
        # class names are hard
        """
    )
    found = list(find_commented_classes("t.py", source))
    assert [(c.name, c.lineno, c.end_lineno) for c in found] == [("TestWebSocketConnection", 2, 7)]


@pytest.mark.parametrize(
    ("data", "reason", "line"),
    [
        pytest.param(b"x = 1\ny = '\0'\n", "NUL", 2, id="nul"),
        pytest.param(b"x = 1\ny = '\xff\xfe'\n", "not valid utf-8", 2, id="not-utf8"),
        pytest.param(b"# -*- coding: klingon -*-\nx = 1\n", "coding cookie", 1, id="bad-cookie"),
    ],
)
def test_undecodable_bytes_are_problems(data: bytes, reason: str, line: int) -> None:
    record = extract_file("bad.py", data, DEFAULT)
    assert record.problem is not None
    assert reason in record.problem.reason
    assert record.problem.lineno == line
    assert record.classes == ()


def test_encodings_bom_crlf_and_tabs_are_read() -> None:
    latin = "# -*- coding: latin-1 -*-\nclass A:\n    s = 'é'\n".encode("latin-1")
    assert extract_file("a.py", latin, DEFAULT).classes[0].name == "A"
    bom = b"\xef\xbb\xbfclass B:\r\n\tdef f(self):\r\n\t\treturn 1\r\n"
    record = extract_file("b.py", bom, DEFAULT)
    assert [c.name for c in record.classes] == ["B"]
    assert record.classes[0].methods[0].name == "f"
    assert decode_source(bom) == ("class B:\r\n\tdef f(self):\r\n\t\treturn 1\r\n", "utf-8-sig")


def test_syntax_error_is_reported_with_its_line() -> None:
    record = extract_file("broken.py", b"class A:\n    def f(self)\n        pass\n", DEFAULT)
    assert record.problem == FileProblem(
        "broken.py", 2, record.problem.reason if record.problem else ""
    )
    assert record.problem is not None
    assert record.problem.reason.startswith("syntax error")


def test_inconsistent_tabs_are_a_problem_not_a_crash() -> None:
    record = extract_file("tabs.py", b"class A:\n\tx = 1\n        y = 2\n", DEFAULT)
    assert record.problem is not None
    assert "inconsistent use of tabs" in record.problem.reason


NEWER_SYNTAX = """\
type Alias = int

class Modern[T]:
    def get(self) -> T:
        return self.value
    def label(self):
        return f"{"nested"} quotes"

class Plain:
    def __init__(self):
        self.messages_sent = []
    def get_messages(self):
        return self.messages_sent.copy()
"""


def test_newer_grammar_falls_back_to_libcst() -> None:
    record = extract_source("tests/test_new.py", NEWER_SYNTAX, DEFAULT)
    assert record.problem is None
    assert record.parsed_by_fallback is True
    names = {c.qualname: c for c in record.classes}
    assert set(names) == {"Modern", "Plain"}
    assert [m.name for m in names["Modern"].methods] == ["get", "label"]
    # A class that itself is plain 3.11 code gets the same fingerprint as anywhere else.
    plain_alone = NEWER_SYNTAX[NEWER_SYNTAX.index("class Plain") :]
    assert names["Plain"].fingerprint == only_class(plain_alone).fingerprint
    assert names["Plain"].lineno == 9


comment_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)


@settings(max_examples=60, deadline=None)
@given(
    blank_lines=st.lists(st.integers(min_value=0, max_value=3), min_size=14, max_size=14),
    comments=st.lists(comment_text, min_size=14, max_size=14),
)
def test_fingerprint_is_invariant_under_blank_lines_and_comments(
    blank_lines: list[int], comments: list[str]
) -> None:
    original = only_class(CONNECTION)
    lines = CONNECTION.splitlines()
    out: list[str] = []
    for line, blanks, comment in zip(lines, blank_lines, comments, strict=True):
        text = line
        if line.strip() and "#" not in comment.replace("#", ""):
            text = f"{line}  # {comment}" if not line.rstrip().endswith('"""') else line
        out.append(text)
        if line.strip() and not line.rstrip().endswith(":"):
            out.extend([""] * blanks)
    changed = only_class("\n".join(out) + "\n")
    assert changed.fingerprint == original.fingerprint
    assert changed.shape == original.shape


# -- the per-process memo and the fast paths must never change a result ----------------------

COPY = """\
class TestCopied:
    def __init__(self):
        self.value = TestCopied

    def run(self, times=1):
        return [self.value] * times
"""


def _indented(source: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line for line in source.splitlines(True))


def _fresh(path: str, source: str, config: PytestConfig = DEFAULT) -> list[ClassRecord]:
    """The classes, every fact computed from the tree, nothing remembered or reused."""
    collector = classes.ClassCollector(
        path, source.splitlines(keepends=True), config, None, False, 0, memo=None
    )
    return collector.collect(ast.parse(source).body)


def test_copies_get_their_own_positions_kinds_and_method_lines() -> None:
    source = (
        "import os\n\n"
        + COPY
        + "\n\ndef build():\n"
        + _indented(COPY, "    ")
        + "\n\nclass TestOuter:\n    def test_it(self):\n        pass\n\n"
        + _indented(COPY, "    ")
        + "\n\n\n"
        + COPY
    )
    classes.MEMO.clear()
    record = extract_source("tests/test_copies.py", source, DEFAULT)
    found = [
        (
            c.qualname,
            c.lineno,
            c.end_lineno,
            c.col,
            [m.lineno for m in c.methods],
            c.in_function,
            c.kind,
            c.warns_on_collection,
        )
        for c in record.classes
    ]
    assert found == [
        ("TestCopied", 3, 8, 0, [4, 7], False, ClassKind.HELPER, True),
        ("build.<locals>.TestCopied", 12, 17, 4, [13, 16], True, ClassKind.HELPER, False),
        ("TestOuter", 20, 29, 0, [21], False, ClassKind.TEST, False),
        ("TestOuter.TestCopied", 24, 29, 4, [25, 28], False, ClassKind.HELPER, True),
        ("TestCopied", 33, 38, 0, [34, 37], False, ClassKind.HELPER, True),
    ]
    copies = [c for c in record.classes if c.name == "TestCopied"]
    assert {(c.fingerprint, c.shape, c.statements, c.source) for c in copies} == {
        (copies[0].fingerprint, copies[0].shape, copies[0].statements, COPY)
    }
    # The same copy in a file pytest does not collect, or in a backup, does not warn.
    elsewhere = extract_source("tests/helpers.py", COPY, DEFAULT).classes[0]
    assert (elsewhere.lineno, elsewhere.warns_on_collection) == (1, False)
    backup = extract_source("tests/test_b.py", COPY, DEFAULT, is_backup=True).classes[0]
    assert (backup.in_backup, backup.warns_on_collection) == (True, False)
    # And every record equals the one computed with nothing remembered.
    fresh = _fresh("tests/test_copies.py", source)
    assert list(record.classes) == fresh
    assert [c.source for c in record.classes] == [c.source for c in fresh]


def test_other_pytest_settings_reclassify_a_remembered_class() -> None:
    classes.MEMO.clear()
    suite = "class Checks:\n    def check_one(self):\n        pass\n"
    assert only_class(suite).kind is ClassKind.HELPER
    config = PytestConfig(python_functions=("check_",))
    assert only_class(suite, config=config).kind is ClassKind.TEST


MARGIN_SENSITIVE = '''\
class Holder:
    TEXT = """
    first

    last
    """
'''


@pytest.mark.parametrize(
    "variants",
    [
        pytest.param(
            [MARGIN_SENSITIVE, "def f():\n" + _indented(MARGIN_SENSITIVE, "    ")],
            id="string-content-moves-with-the-margin",
        ),
        pytest.param(
            [MARGIN_SENSITIVE.replace("\n\n", "\n   \n"), MARGIN_SENSITIVE],
            id="whitespace-only-line-in-a-string",
        ),
        pytest.param(
            ["\f\n" + COPY, "# \f\n" + COPY.replace("self.value = ", "self.other = ")],
            id="form-feed-splits-lines-for-str-splitlines-only",
        ),
        pytest.param(
            ['s = "\u2028"\n' + COPY, "s = 1\n" + COPY.replace("times=1", "times=2")],
            id="unicode-line-separator",
        ),
        pytest.param([COPY, COPY.replace("\n", "\r\n"), COPY.replace("\n", "\r")], id="newlines"),
        pytest.param(
            [
                "class G:\n    x = 1; y = 2\n    def f(self): return 1; z = 3\n",
                "class G:\n    x = 1; y = 3\n    def f(self): return 1; z = 4\n",
            ],
            id="statements-sharing-a-line",
        ),
        pytest.param(
            [
                "class H:\n    def g(self,\n          a=1):\n        return 1\n",
                "class H:\n    def g(self,\n          a=2):\n        return 1\n",
            ],
            id="headers-alike-on-their-first-line",
        ),
        pytest.param(
            [
                "class H:\n    @staticmethod\n    def g():\n        return 1\n",
                "class H:\n    @classmethod\n    def g():\n        return 1\n",
            ],
            id="decorators-above-alike-headers",
        ),
        pytest.param(
            [
                "class H:\n    def g(self,\n          a): return 1\n",
                "class H:\n    def g(self,\n          b): return 1\n",
            ],
            id="body-on-the-last-line-of-the-header",
        ),
        pytest.param(
            [
                "class U:\n    def f(self): return 'é'\n    a = 'ü'; b = 1\n",
                "class U:\n    def f(self): return 'éé'\n    a = 'ü'; b = 2\n",
            ],
            id="non-ascii-columns",
        ),
        pytest.param(
            [
                "class P:\n    @property\n    def x(self):\n        return P\n"
                "    @x.setter\n    def x(self, v):\n        self._x = v\n",
                "class Q:\n    @property\n    def x(self):\n        return P\n"
                "    @x.setter\n    def x(self, v):\n        self._x = v\n",
            ],
            id="methods-sharing-a-name",
        ),
    ],
)
def test_remembered_facts_equal_fresh_ones(variants: list[str]) -> None:
    """Copies whose text is alike in all but what the memo must tell apart."""
    fresh = [_fresh(f"tests/test_{i}.py", text) for i, text in enumerate(variants)]
    classes.MEMO.clear()
    for _ in range(2):  # first with an empty memo, then with everything remembered
        for i, text in enumerate(variants):
            record = extract_source(f"tests/test_{i}.py", text, DEFAULT)
            assert list(record.classes) == fresh[i]
            assert [c.source for c in record.classes] == [c.source for c in fresh[i]]
    # The cases are worth their name: the copies differ in what a mixed-up memo would share.
    distinct = {(classes[0].fingerprint, classes[0].shape) for classes in fresh}
    assert len(distinct) == (1 if "\r" in variants[1] else len(variants))


def test_indentation_does_not_change_a_fingerprint() -> None:
    two = "class T:\n  x = [1,\n    2]\n  def f(self, a=None):\n    y = a; return y\n"
    four = "class T:\n    x = [1,\n      2]\n    def f(self, a=None):\n        y = a; return y\n"
    classes.MEMO.clear()
    first, second = (extract_source("t.py", text, DEFAULT).classes[0] for text in (two, four))
    assert (first.fingerprint, first.statements) == (second.fingerprint, second.statements)
    assert [first, second] == [_fresh("t.py", two)[0], _fresh("t.py", four)[0]]


def test_the_memo_stays_bounded() -> None:
    memo = classes.Memo(limit=3, budget=10**6)
    for number in range(10):
        record = classes.ClassCollector(
            "t.py", [f"class C{number}: pass\n"], DEFAULT, None, False, 0, memo=memo
        ).collect(ast.parse(f"class C{number}: pass\n").body)
        assert record[0].name == f"C{number}"
        assert len(memo.classes) <= 3
        assert len(memo.headers) <= 3


def _collect(memo: classes.Memo, text: str) -> list[ClassRecord]:
    lines = text.splitlines(keepends=True)
    collector = classes.ClassCollector("t.py", lines, DEFAULT, None, False, 0, memo=memo)
    return collector.collect(ast.parse(text).body)


def test_the_memo_keeps_no_more_text_than_its_budget() -> None:
    """Large classes are forgotten, oldest first, once their text passes the budget: the
    budget is the characters of the keys and what is kept under them."""
    body = "".join(f"    def method_{n}(self):\n        return {n}\n" for n in range(20))
    texts = [f"class Big{number}:\n{body}" for number in range(6)]
    memo = classes.Memo(limit=1000, budget=2 * len(texts[0]) + 200)
    for number, text in enumerate(texts):
        assert _collect(memo, text)[0].name == f"Big{number}"
        # A class's entry is its text and its statements' hashes: two pass the budget.
        assert list(memo.classes) == [text]
        assert (
            sum(map(len, memo.methods))
            + sum(len(t) for facts in memo.methods.values() for t in facts.texts)
            <= memo.budget
        )
    # What the memo forgot is computed again, the same.
    assert _collect(memo, texts[0]) == _collect(classes.Memo(limit=1000, budget=10**6), texts[0])


def _reference_dump(node: object) -> str:
    """The canonical text spelled out field by field, as fingerprints always had it."""
    if isinstance(node, ast.AST):
        fields = "".join(_reference_dump(getattr(node, f, None)) + "," for f in node._fields)
        return f"{type(node).__name__}({fields})"
    if isinstance(node, list):
        return "[" + "".join(_reference_dump(item) + "," for item in node) + "]"
    return repr(node)


EVERY_SYNTAX = '''\
import os.path as p, sys
from . import x as y
@decorator(arg, *a, key=1, **kw)
class A(B, metaclass=M, **extra):
    """Doc."""
    x: int = 1
    y, *z = [1, 2.5, 3j, b"b", None, ..., True]
    def f(self, a, /, b=1, *args, c, d=2, **kw) -> "A":
        global g
        nonlocal_like = lambda q, *r, s=1, **t: (q, r, s, t)
        del self.a[1:2:3], self.b
        async def g():
            async for i in h():
                await i
            async with j() as (k, l):
                yield
            yield from m
        while not (a and b or c) is not None:
            a @= -b ** ~c
            break
        else:
            continue
        try:
            raise ValueError("x") from None
        except* (TypeError, KeyError) as error:
            pass
        finally:
            assert a, f"{a!r:>{b}} {c=}"
        match a:
            case [1, *rest] | {"k": v, **others} if v:
                pass
            case Point(x=0, y=_) as point:
                pass
            case str() | None:
                pass
        return {k: v for k, v in kw.items() if k} | {*args} or [i async for i in a]
    def __init__(self, value, *args, flag=None, **options):
        self.a, [self.b, self.c] = value
        self.d: int = 1
        self.e += 1
        try:
            self.f = 1
        except ValueError:
            self.g = 2
        match value:
            case 1:
                self.h = 3
        def inner():
            self.not_counted = 4
    def g(self, *, only):
        class Local(A): pass
try:
    class InTry: pass
except ImportError:
    class InExcept: pass
match sys:
    case _:
        class InCase: pass
'''


def test_dump_equals_the_field_by_field_text() -> None:
    trees = [
        ast.parse(EVERY_SYNTAX),
        ast.parse(CONNECTION),
        ast.parse(NEWER_SYNTAX[NEWER_SYNTAX.index("class Plain") :]),
    ]
    trees += [
        ast.parse(path.read_text("utf-8")) for path in Path(parsing.__file__).parent.glob("*.py")
    ]
    for tree in trees:
        for node in ast.walk(tree):
            assert normalise.dump(node) == _reference_dump(node)


def test_every_syntax_extracts_as_computed_afresh() -> None:
    classes.MEMO.clear()
    for _ in range(2):
        record = extract_source("tests/test_every.py", EVERY_SYNTAX, DEFAULT)
        assert list(record.classes) == _fresh("tests/test_every.py", EVERY_SYNTAX)
    found = {c.qualname: c for c in record.classes}
    assert set(found) == {"A", "A.g.<locals>.Local", "InTry", "InExcept", "InCase"}
    assert found["A"].init_attributes == ("a", "b", "c", "d", "e", "f", "g", "h")
    assert found["A"].decorators == ("decorator(arg, *a, key=1, **kw)",)
    assert found["A"].bases == ("B", "metaclass=M", "**extra")
    params = {m.name: m.params for m in found["A"].methods}
    assert params["f"] == ("self", "a", "b=", "*args", "c", "d=", "**kw")
    assert params["g"] == ("self", "*", "only")


line_text = st.text(alphabet=" \t\r\f\v\xa0\u3000ax#:", max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(line_text, min_size=1, max_size=6))
def test_dedent_equals_textwrap(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert normalise.dedent(text) == textwrap.dedent(text)


def _reference_decode(data: bytes) -> tuple[str, str] | FileProblem:
    """Decoding as the tokenize module decides it, for every input."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" not in exc.msg:
            return FileProblem("", 1, f"bad coding cookie or BOM ({exc.msg}); fix the declaration")
        encoding = "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return FileProblem(
            "",
            line,
            f"not valid {encoding} (byte {data[exc.start]:#04x}); add a coding cookie or re-encode",
        )


byte_pieces = st.sampled_from(
    [
        b"\n",
        b"# ",
        b"coding",
        b"coding: latin-1",
        b"coding=utf-8",
        b"x = 1",
        b"\xef\xbb\xbf",
        b"\xe9",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(byte_pieces, max_size=8))
def test_decoding_fast_path_agrees_with_tokenize(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert decode_source(data) == _reference_decode(data)


def _every_field(value: object) -> dict[str, object]:
    """Every field's value, those left out of equality (``source``) too."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}  # type: ignore[arg-type]


def test_records_are_whole_and_equal_to_ones_made_by_their_init() -> None:
    record = only_class(CONNECTION + "\n    @property\n    def open(self):\n        return True\n")
    for value in (record, *record.methods):
        rebuilt = type(value)(**_every_field(value))
        assert rebuilt == value
        assert _every_field(rebuilt) == _every_field(value)
        # Slots, not a dictionary per instance: a large repository has hundreds of
        # thousands of them.
        assert not hasattr(value, "__dict__")


def test_records_pickle_whole_and_small() -> None:
    record = only_class(CONNECTION)
    loaded = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
    assert loaded == record
    assert _every_field(loaded) == _every_field(record)  # ``source`` too
    assert [_every_field(m) for m in loaded.methods] == [_every_field(m) for m in record.methods]
    # Values only: no field name is written per instance.
    assert b"fingerprint" not in pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)


def test_frozen_instance_is_the_dataclass_and_stays_frozen() -> None:
    fields = {
        "name": "send",
        "is_async": True,
        "params": ("self", "item"),
        "lineno": 3,
        "decorators": (),
        "body_hash": "ab",
    }
    made = frozen_instance(MethodInfo, **fields)
    assert made == MethodInfo(**fields)
    assert hash(made) == hash(MethodInfo(**fields))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.name = "other"  # type: ignore[misc]


def test_frozen_replace_is_dataclasses_replace_and_leaves_the_original_alone() -> None:
    record = only_class(CONNECTION)
    changes = {"name": "Other", "path": "tests/test_y.py", "lineno": 40}
    replaced = frozen_replace(record, **changes)
    assert replaced == dataclasses.replace(record, **changes)  # type: ignore[arg-type]
    assert _every_field(replaced) == _every_field(dataclasses.replace(record, **changes))
    with pytest.raises(TypeError, match="no fields"):
        frozen_replace(record, colour="red")
    assert (record.name, record.path, record.lineno) == (
        "TestWebSocketConnection",
        "tests/test_x.py",
        1,
    )

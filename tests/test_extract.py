from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from declone.extract import decode_source, extract_file, extract_source, find_commented_classes
from declone.model import ClassKind, FileProblem
from declone.naming import PytestConfig

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

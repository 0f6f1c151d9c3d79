from __future__ import annotations

import textwrap

import pytest

from declone.config import PytestConfig
from declone.model import Family
from declone.plan.extraction import ExtractionError, build_extracted_module
from declone.scan.families import FamilyOptions, find_families
from declone.scan.parsing import extract_source

SOURCE = textwrap.dedent(
    '''\
    """A test module."""
    from __future__ import annotations

    import json
    from collections import deque as Queue
    from .helpers import encode, unused

    import pytest


    @some_decorator
    class TestRecorder:
        """Keeps messages."""

        def __init__(self) -> None:
            self.sent: Queue[str] = Queue()

        def send(self, message):
            self.sent.append(encode(json.dumps(message)))

        def again(self):
            return TestRecorder()
    '''
)


def family_of(source: str, other: str | None = None) -> Family:
    config = PytestConfig()
    records = [
        *extract_source("tests/unit/test_a.py", source, config).classes,
        *extract_source("tests/unit/test_b.py", other or source, config).classes,
    ]
    (family,) = find_families(records, FamilyOptions())
    return family


def extract(source: str, *, name: str = "TestRecorder", test_false: bool = True) -> str:
    family = family_of(source)
    copy = family.copies[0]
    module = build_extracted_module(
        family,
        copy,
        source,
        path="tests/support/recorder.py",
        module="tests.support.recorder",
        class_name=name,
        source_module="tests.unit.test_a",
        needs_test_false=test_false,
    )
    return module.text


def test_module_carries_imports_test_false_and_docstring() -> None:
    source = SOURCE.replace("@some_decorator\n", "")
    text = extract(source)
    assert text.startswith(
        '"""``TestRecorder``: the one definition of the ``TestRecorder`` family.'
    )
    assert "- ``tests/unit/test_a.py``" in text
    assert "- ``tests/unit/test_b.py``" in text
    assert "from __future__ import annotations\n" in text
    assert "import json\n" in text
    assert "from collections import deque as Queue\n" in text
    # The relative import is made absolute, and only the names the class uses come along.
    assert "from tests.unit.helpers import encode\n" in text
    assert "unused" not in text
    assert "import pytest" not in text
    assert '    """Keeps messages."""\n\n    __test__ = False' in text
    compile(text, "recorder.py", "exec")


def test_renaming_changes_the_definition_and_self_references() -> None:
    source = SOURCE.replace("@some_decorator\n", "")
    text = extract(source, name="Recorder", test_false=False)
    assert "class Recorder:" in text
    assert "return Recorder()" in text
    assert "__test__" not in text
    assert "TestRecorder" not in text.split('"""', 2)[2].split("__all__")[0]


def test_a_module_level_helper_cannot_come_along() -> None:
    with pytest.raises(ExtractionError, match="some_decorator"):
        extract(SOURCE)


def test_aliases_for_the_other_names() -> None:
    first = "class Helper:\n    def a(self):\n        return 1\n\n    def b(self):\n        return 2\n\n    def c(self):\n        return 3\n"
    second = first.replace("class Helper", "class OtherHelper")
    family = family_of(first, second)
    module = build_extracted_module(
        family,
        family.copies[0],
        first,
        path="tests/support/h.py",
        module="tests.support.h",
        class_name="Helper",
        source_module="tests.unit.test_a",
        needs_test_false=False,
    )
    assert module.aliases == ("OtherHelper",)
    assert module.text.rstrip().endswith("OtherHelper = Helper")
    assert '__all__ = ["Helper", "OtherHelper"]' in module.text


def test_class_without_docstring_gets_test_false_first() -> None:
    source = "class TestThing:\n    def __init__(self):\n        self.x = 1\n\n    def more(self):\n        return 2\n"
    text = extract(source, name="TestThing")
    assert (
        "class TestThing:\n    __test__ = False  # a helper, not a test: pytest must not collect it\n\n    def __init__"
        in text
    )

"""``--extract-to`` takes along every import the class needs: ``TYPE_CHECKING`` ones in such a
block, relative ones made absolute, sorted as isort sorts them; the module passes the linters."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import isort
import pytest

from declone.config import PytestConfig
from declone.model import Family
from declone.plan.extraction import (
    ExtractionError,
    build_extracted_module,
    first_party_names,
)
from declone.rewrite import ImportOrder
from declone.scan.families import FamilyOptions, find_families
from declone.scan.parsing import extract_source

RUFF = Path(sys.executable).with_name("ruff")

SOURCE = textwrap.dedent(
    '''\
    """A test module."""
    from __future__ import annotations

    import json
    from typing import TYPE_CHECKING

    import pytest

    from app.models import User
    from ..helpers import encode, unused
    from .kinds import Kind

    if TYPE_CHECKING:
        from collections.abc import Callable
        from .types import Message, Unused

    TIMEOUT = 1.5


    class Recorder:
        """Keeps messages."""

        def __init__(self, on_send: Callable[[Message], None] | None) -> None:
            self.sent: list[Message] = []
            self.on_send = on_send
            self.user = User()

        def send(self, message: Message) -> Kind:
            self.sent.append(encode(json.dumps(message)))
            return Kind.SENT

        def wait(self) -> float:
            if TIMEOUT < 0:
                pytest.fail("no time")
            return TIMEOUT

        def last(self) -> "Message":
            return self.sent[-1]
    '''
)

EXPECTED = '''\
"""``Recorder``: the one definition of the ``Recorder`` family.

Extracted by declone from ``tests/unit/test_a.py`` (line 20). It replaces the
copies named ``Recorder`` that were defined in:

- ``tests/unit/test_a.py``
- ``tests/unit/test_b.py``
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from app.models import User
from tests.helpers import encode
from tests.unit.kinds import Kind

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.unit.types import Message

__all__ = ["Recorder"]

TIMEOUT = 1.5


class Recorder:
    """Keeps messages."""

    def __init__(self, on_send: Callable[[Message], None] | None) -> None:
        self.sent: list[Message] = []
        self.on_send = on_send
        self.user = User()

    def send(self, message: Message) -> Kind:
        self.sent.append(encode(json.dumps(message)))
        return Kind.SENT

    def wait(self) -> float:
        if TIMEOUT < 0:
            pytest.fail("no time")
        return TIMEOUT

    def last(self) -> "Message":
        return self.sent[-1]
'''


def family_of(source: str) -> Family:
    config = PytestConfig()
    records = [
        *extract_source("tests/unit/test_a.py", source, config).classes,
        *extract_source("tests/unit/test_b.py", source, config).classes,
    ]
    return next(f for f in find_families(records, FamilyOptions()) if "Recorder" in f.names)


def extract(
    source: str,
    first_party: tuple[str, ...] = ("app", "tests"),
    import_order: ImportOrder | None = None,
) -> str:
    family = family_of(source)
    return build_extracted_module(
        family,
        family.copies[0],
        source,
        path="tests/support/recorder.py",
        module="tests.support.recorder",
        class_name="Recorder",
        source_module="tests.unit.test_a",
        needs_test_false=False,
        first_party=first_party,
        import_order=import_order,
    ).text


def test_type_checking_and_relative_imports_come_along_sorted() -> None:
    assert extract(SOURCE) == EXPECTED


def test_the_module_passes_ruff_isort_and_the_formatter(tmp_path: Path) -> None:
    # ruff tells first-party modules by the files it finds.
    for package in ("app", "tests", "tests/support"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "app/models.py").write_text("")
    module = tmp_path / "tests/support/recorder.py"
    module.write_text(extract(SOURCE))
    lint = subprocess.run(
        [RUFF, "check", "--isolated", "--select", "E,W,F,I", "--line-length", "79", module],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout
    formatted = subprocess.run(
        [RUFF, "format", "--isolated", "--check", "--diff", module],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert formatted.returncode == 0, formatted.stdout
    assert isort.check_code(
        module.read_text(), profile="black", line_length=79, known_first_party=["app", "tests"]
    )


def test_long_import_lines_are_wrapped_at_79_columns() -> None:
    names = ["first_helper_name", "second_helper_name", "third_helper_name", "fourth_one"]
    source = textwrap.dedent(
        f"""\
        from ..helpers import {", ".join(names)}


        class Recorder:
            def __init__(self):
                self.calls = [{"".join(f"{name}, " for name in names[:2])}]
                self.calls += [{"".join(f"{name}, " for name in names[2:])}]

            def send(self, message):
                self.calls.append(message)

            def close(self):
                self.calls.clear()
        """
    )
    text = extract(source)
    block = "".join(f"    {name},\n" for name in sorted(names))
    assert f"from tests.helpers import (\n{block})\n" in text
    assert max(len(line) for line in text.splitlines()) <= 79


def test_first_party_is_found_from_the_root_src_and_pythonpath() -> None:
    files = ["app/__init__.py", "src/lib/core.py", "tools/x/run.py", "setup.py", "README.md"]
    assert first_party_names(files, ("tools",)) == {"app", "src", "lib", "tools", "x", "setup"}


@pytest.mark.parametrize(
    ("module_level", "reason"),
    [
        ("def encode(m):\n    return m\n", "encode (a module-level function, line 1)"),
        ("class encode(str):\n    pass\n", "encode (another class of the module, line 1)"),
        (
            "import os\n\nencode = os.fspath\n",
            "encode (a module-level value computed at import time, line 3)",
        ),
        ("encode = []\n", "encode (a mutable module-level value its module may share, line 1)"),
        (
            "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    encode = str\n",
            "encode (defined under if TYPE_CHECKING, line 4)",
        ),
        (
            "try:\n    import json as encode\nexcept ImportError:\n    encode = None\n",
            "encode (bound 2 times in its module, first on line 1)",
        ),
        ("from json import *\n", "encode (not defined at the top of its module)"),
    ],
    ids=["function", "other-class", "computed", "mutable", "type-checking", "try", "star"],
)
def test_names_that_cannot_travel_are_refused_with_the_reason(
    module_level: str, reason: str
) -> None:
    source = module_level + textwrap.dedent(
        """

        class Recorder:
            def __init__(self):
                self.sent = []

            def send(self, message):
                self.sent.append(encode(message))

            def close(self):
                self.sent.clear()
        """
    )
    with pytest.raises(ExtractionError) as raised:
        extract(source)
    assert str(raised.value) == (
        f"tests/unit/test_a.py:{source[: source.index('class Recorder')].count(chr(10)) + 1}:1: "
        f"Recorder uses {reason} from its module, which an extracted module cannot take "
        "along; move it first or choose another variant"
    )


def test_a_relative_import_above_the_top_package_is_refused() -> None:
    source = "from ...far import encode\n\n\n" + textwrap.dedent(
        """\
        class Recorder:
            def send(self, message):
                return encode(message)

            def close(self):
                return None

            def again(self):
                return encode(None)
        """
    )
    with pytest.raises(ExtractionError, match=r"test_a.py:1:1: this relative import goes above"):
        extract(source)


LONG_IMPORTS = textwrap.dedent(
    """\
    from collections import ChainMap, Counter, OrderedDict, defaultdict, deque, namedtuple


    class Recorder:
        def kinds(self):
            return ChainMap, Counter, OrderedDict, defaultdict, deque, namedtuple
    """
)


def imports_of(order: ImportOrder | None) -> str:
    text = extract(LONG_IMPORTS, first_party=(), import_order=order)
    return text.split('"""\n\n', 1)[1].split("\n\n__all__")[0]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        pytest.param(
            None,
            "from collections import (\n    ChainMap,\n    Counter,\n    OrderedDict,\n"
            "    defaultdict,\n    deque,\n    namedtuple,\n)",
            id="unconfigured: black at the class's width",
        ),
        pytest.param(
            ImportOrder((("line_length", 100), ("profile", "black")), ".isort.cfg (isort)"),
            "from collections import ChainMap, Counter, OrderedDict, defaultdict, deque, namedtuple",
            id="the repository's 100 columns",
        ),
        pytest.param(
            ImportOrder((("line_length", 60),), "setup.cfg (isort)"),
            "from collections import (ChainMap, Counter, OrderedDict,\n"
            "                         defaultdict, deque, namedtuple)",
            id="isort's own grid at the repository's 60 columns",
        ),
    ],
)
def test_the_extracted_module_sorts_and_wraps_as_the_repository_configures(
    order: ImportOrder | None, expected: str
) -> None:
    assert imports_of(order) == expected

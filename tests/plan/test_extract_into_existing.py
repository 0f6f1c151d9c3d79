"""``--extract-to`` a module that exists (an earlier migration wrote it for another family): the
class is added to it, its imports merged into the module's import block."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from declone.cli import main
from declone.config import PytestConfig
from declone.model import Family
from declone.plan.extraction import ExtractionError, build_extracted_module
from declone.scan.families import FamilyOptions, find_families
from declone.scan.parsing import extract_source
from migration_support import commit_all, run_json

TEST_MODULE = '''\
import itertools
import json


class Recorder:
    """Records what it is sent."""

    def __init__(self):
        self.sent = []
        self.closed = False

    def send(self, message):
        self.sent.append(json.dumps(message))

    def close(self):
        self.closed = True


class Counter:
    def __init__(self):
        self.ids = itertools.count()
        self.count = 0

    def add(self):
        self.count = next(self.ids)

    def reset(self):
        self.count = 0


def test_both():
    assert Recorder().sent == [] and Counter().count == 0
'''

EXTENDED = '''\
"""``Recorder``: the one definition of the ``Recorder`` family.

Extracted by declone from ``tests/test_a.py`` (line 5). It replaces the copies
named ``Recorder`` that were defined in:

- ``tests/test_a.py``
- ``tests/test_b.py``
"""

import itertools
import json

__all__ = ["Recorder", "Counter", "Tally"]


class Recorder:
    """Records what it is sent."""

    def __init__(self):
        self.sent = []
        self.closed = False

    def send(self, message):
        self.sent.append(json.dumps(message))

    def close(self):
        self.closed = True


# Counter: the one definition of the Counter family, extracted by declone from
# tests/test_a.py (line 6). It replaces the copies named Counter, Tally that
# were defined in: tests/test_a.py, tests/test_b.py.
class Counter:
    def __init__(self):
        self.ids = itertools.count()
        self.count = 0

    def add(self):
        self.count = next(self.ids)

    def reset(self):
        self.count = 0


# The names the copies had: `declone finalize` retires each once unused.
Tally = Counter
'''

MODULE = "tests/support/doubles.py"


def test_a_second_family_is_added_to_the_module_and_rolled_back_exactly(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {
            "tests/test_a.py": TEST_MODULE,
            "tests/test_b.py": TEST_MODULE.replace("Counter", "Tally"),
        }
    )
    commit_all(root)
    code, _ = run_json(capsys, "migrate", "Recorder", "--root", str(root), "--extract-to", MODULE)
    assert code == 0
    commit_all(root)
    first = (root / MODULE).read_bytes()

    code, document = run_json(
        capsys, "migrate", "Counter", "--root", str(root), "--extract-to", MODULE
    )
    assert code == 0
    assert (root / MODULE).read_text() == EXTENDED
    assert document["changed"][0] == {
        "path": MODULE,
        "actions": ["extract Counter"],
        "created": False,
    }
    migrated = (root / "tests/test_b.py").read_text()
    assert "from tests.support.doubles import Counter as Tally\n" in migrated
    assert "class Tally" not in migrated
    # The module is a changed file of the run: rollback gives back its bytes, not nothing.
    assert main(["rollback", document["run_id"], "--root", str(root)]) == 0
    assert (root / MODULE).read_bytes() == first
    assert "class Counter" in (root / "tests/test_a.py").read_text()
    # Migrated again, then again: the class is in the module now, used as it stands.
    assert (
        run_json(capsys, "migrate", "Counter", "--root", str(root), "--extract-to", MODULE)[0] == 0
    )
    commit_all(root)
    code, again = run_json(
        capsys, "migrate", "Counter", "--root", str(root), "--extract-to", MODULE
    )
    assert (code, again["changed"]) == (0, [])
    assert (root / MODULE).read_text() == EXTENDED


def family_of(source: str) -> Family:
    config = PytestConfig()
    records = [
        *extract_source("tests/unit/test_a.py", source, config).classes,
        *extract_source("tests/unit/test_b.py", source, config).classes,
    ]
    return next(f for f in find_families(records, FamilyOptions()) if "Recorder" in f.names)


SOURCE = textwrap.dedent(
    """\
    from __future__ import annotations

    import json
    from typing import TYPE_CHECKING

    from .helpers import encode

    if TYPE_CHECKING:
        from .types import Message


    class Recorder:
        def __init__(self) -> None:
            self.sent: list[Message] = []

        def send(self, message: Message) -> None:
            self.sent.append(encode(json.dumps(message)))

        def close(self) -> None:
            self.sent.clear()
    """
)


def add_to(existing: str | bytes, source: str = SOURCE) -> bytes:
    family = family_of(source)
    module = build_extracted_module(
        family,
        family.copies[0],
        source,
        path=MODULE,
        module="tests.support.doubles",
        class_name="Recorder",
        source_module="tests.unit.test_a",
        needs_test_false=False,
        existing=existing if isinstance(existing, bytes) else existing.encode(),
        first_party=("tests",),
    )
    assert module.original is not None
    return module.data


def test_imports_merge_into_the_block_without_moving_its_lines() -> None:
    existing = textwrap.dedent(
        '''\
        """Doubles."""

        from __future__ import annotations

        import os
        from typing import TYPE_CHECKING

        import pytest

        from tests.unit.helpers import encode

        if TYPE_CHECKING:
            from collections.abc import Iterator

        __all__ = ["Paths"]


        class Paths:
            def walk(self) -> Iterator[str]:
                yield encode(os.sep)
                pytest.skip("done")
        '''
    )
    expected = existing.replace("import os\n", "import json\nimport os\n").replace(
        "    from collections.abc import Iterator\n",
        "    from collections.abc import Iterator\n\n    from tests.unit.types import Message\n",
    ).replace('__all__ = ["Paths"]', '__all__ = ["Paths", "Recorder"]') + textwrap.dedent(
        """\


        # Recorder: the one definition of the Recorder family, extracted by declone
        # from tests/unit/test_a.py (line 12). It replaces the copies named Recorder
        # that were defined in: tests/unit/test_a.py, tests/unit/test_b.py.
        class Recorder:
            def __init__(self) -> None:
                self.sent: list[Message] = []

            def send(self, message: Message) -> None:
                self.sent.append(encode(json.dumps(message)))

            def close(self) -> None:
                self.sent.clear()
        """
    )
    assert add_to(existing).decode() == expected


def test_a_module_without_imports_gets_a_block_after_its_docstring() -> None:
    existing = '"""Doubles."""\n\n\nclass Paths:\n    pass\n'
    text = add_to(existing).decode()
    assert text.startswith(
        '"""Doubles."""\n\n'
        "from __future__ import annotations\n\n"
        "import json\n"
        "from typing import TYPE_CHECKING\n\n"
        "from tests.unit.helpers import encode\n\n"
        "if TYPE_CHECKING:\n"
        "    from tests.unit.types import Message\n\n\n"
        "class Paths:\n    pass\n\n\n# Recorder: "
    )


def test_crlf_and_bom_are_kept() -> None:
    existing = '"""Doubles."""\r\n\r\nfrom __future__ import annotations\r\n\r\nX = 1\r\n'
    data = add_to(b"\xef\xbb\xbf" + existing.encode())
    assert data.startswith(
        b'\xef\xbb\xbf"""Doubles."""\r\n\r\nfrom __future__ import annotations\r\n'
    )
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"class Recorder:\r\n" in data


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        (
            "from tests.other import encode\n",
            "tests/support/doubles.py:1:1: the module already binds encode; the class needs "
            "`from tests.unit.helpers import encode`: extract it to another module",
        ),
        (
            "class Base:\n    pass\n\n\nRecorder = Base\n",
            "tests/support/doubles.py:5:1: the module already binds Recorder; choose another "
            "--name or another module to extract to",
        ),
        (
            "class Paths:\n    root: str = '/'\n",
            "tests/support/doubles.py:1:1: the class's module has `from __future__ import "
            "annotations` and tests/support/doubles.py does not",
        ),
    ],
    ids=["import-clash", "name-taken", "future-annotations"],
)
def test_a_module_that_cannot_take_the_class_is_refused(existing: str, message: str) -> None:
    with pytest.raises(ExtractionError) as raised:
        add_to(existing)
    assert str(raised.value).startswith(message)


def test_the_json_of_a_dry_run_shows_the_module_as_a_diff(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {
            MODULE: '"""Doubles."""\n\n__all__ = []\n',
            "tests/test_a.py": TEST_MODULE,
            "tests/test_b.py": TEST_MODULE,
        }
    )
    code, document = run_json(
        capsys, "migrate", "Counter", "--root", str(root), "--extract-to", MODULE, "--dry-run"
    )
    assert code == 0
    assert f"--- a/{MODULE}\n+++ b/{MODULE}\n" in document["diff"]
    assert (
        ' """Doubles."""\n \n-__all__ = []\n+import itertools\n+\n+__all__ = ["Counter"]\n'
        in (document["diff"])
    )
    assert json.loads(json.dumps(document["changed"]))[0]["created"] is False
    assert (root / MODULE).read_text() == '"""Doubles."""\n\n__all__ = []\n'


def test_a_name_the_class_imports_from_the_module_itself_needs_no_import() -> None:
    """The class's file imports ``encode`` from the very module it is added to (a class an
    earlier migration extracted there): the module binds it above the class, so no import,
    which would be the module importing itself."""
    existing = textwrap.dedent(
        '''\
        """Doubles."""

        import os

        __all__ = ["encode"]


        def encode(text):
            return text + os.sep
        '''
    )
    source = SOURCE.replace("from .helpers import encode", "from ..support.doubles import encode")
    text = add_to(existing, source).decode()
    assert "from tests.support.doubles import" not in text
    assert text.startswith(
        '"""Doubles."""\n\n'
        "from __future__ import annotations\n\n"
        "import json\n"
        "import os\n"
        "from typing import TYPE_CHECKING\n\n"
        "if TYPE_CHECKING:\n"
        "    from tests.unit.types import Message\n\n"
        '__all__ = ["encode", "Recorder"]\n'
    )
    assert "self.sent.append(encode(json.dumps(message)))" in text
    namespace: dict[str, object] = {}
    exec(compile(text, "tests/support/doubles.py", "exec"), namespace)  # the module runs
    assert "Recorder" in namespace

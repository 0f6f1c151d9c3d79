"""New imports go where the repository's isort (or ruff) puts them, and nothing else moves."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Any

import isort
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declone.errors import DecloneError
from declone.rewrite import ImportOrder, read_import_order
from declone.rewrite.importorder import MergedImport, NewImport, isort_config, place_import
from declone.rewrite.transform import ClassEdit, EditAction, RewriteStatus, rewrite_source


def src(text: str) -> bytes:
    return textwrap.dedent(text).encode()


def replace(
    source: bytes, module: str, order: ImportOrder | None, name: str = "FakeGateway"
) -> bytes:
    """Replace the module's ``class FakeGateway`` by an import of ``module.name``; the
    result is verified to be stable under a second run."""
    lineno = next(
        node.lineno
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef) and node.name == "FakeGateway"
    )
    edits = [ClassEdit("FakeGateway", lineno, EditAction.REPLACE, module, name)]
    result = rewrite_source(source, edits, order)
    assert result.status is RewriteStatus.CHANGED, result.reason
    again = rewrite_source(result.source, edits, order)
    assert again.status is RewriteStatus.UNCHANGED
    return result.source


@pytest.fixture
def settings_repo(tmp_path: Path, write_tree: Any) -> Any:
    """A repository root with ``files`` (a ``.git`` folder stops isort's search there)."""

    def build(files: dict[str, str]) -> Path:
        (tmp_path / ".git").mkdir(exist_ok=True)
        return write_tree({name: textwrap.dedent(text) for name, text in files.items()})  # type: ignore[no-any-return]

    return build


# -- isort's settings: profile black, known_first_party, force_sort_within_sections -------

ISORT_PYPROJECT = """\
    [tool.isort]
    profile = "black"
    known_first_party = ["shop"]
    force_sort_within_sections = true
    """

CHECKOUT = src('''\
    """Checkout tests."""
    import json
    import os

    import pytest
    from requests import Session

    from shop import cart
    from shop.payments import Card

    from .conftest import make_order


    class FakeGateway:
        def charge(self, card: Card) -> str:
            return json.dumps({"card": str(card)})


    def test_checkout():
        assert FakeGateway().charge(Card()) and os.sep and pytest and Session and cart and make_order
    ''')

CHECKOUT_TAIL = """

    def test_checkout():
        assert FakeGateway().charge(Card()) and os.sep and pytest and Session and cart and make_order
    """

ISORT_CASES = [
    pytest.param(
        "shop.testing.gateways",
        '''\
        """Checkout tests."""
        import os

        import pytest
        from requests import Session

        from shop import cart
        from shop.payments import Card
        from shop.testing.gateways import FakeGateway

        from .conftest import make_order
        ''',
        id="first-party-section",
    ),
    pytest.param(
        "responses",
        '''\
        """Checkout tests."""
        import os

        import pytest
        from requests import Session
        from responses import FakeGateway

        from shop import cart
        from shop.payments import Card

        from .conftest import make_order
        ''',
        id="third-party-section",
    ),
    pytest.param(
        "alembic.testing",
        '''\
        """Checkout tests."""
        import os

        from alembic.testing import FakeGateway
        import pytest
        from requests import Session

        from shop import cart
        from shop.payments import Card

        from .conftest import make_order
        ''',
        id="first-of-its-section-sorted-with-plain-imports",
    ),
    pytest.param(
        "unittest.mock",
        '''\
        """Checkout tests."""
        import os
        from unittest.mock import FakeGateway

        import pytest
        from requests import Session

        from shop import cart
        from shop.payments import Card

        from .conftest import make_order
        ''',
        id="stdlib-section",
    ),
    pytest.param(
        ".fakes",
        '''\
        """Checkout tests."""
        import os

        import pytest
        from requests import Session

        from shop import cart
        from shop.payments import Card

        from .conftest import make_order
        from .fakes import FakeGateway
        ''',
        id="local-folder-section",
    ),
    pytest.param(
        "shop.payments",
        '''\
        """Checkout tests."""
        import os

        import pytest
        from requests import Session

        from shop import cart
        from shop.payments import Card, FakeGateway

        from .conftest import make_order
        ''',
        id="joins-the-from-import-of-its-module",
    ),
]


@pytest.mark.parametrize(("module", "head"), ISORT_CASES)
def test_isort_settings_place_the_import(settings_repo: Any, module: str, head: str) -> None:
    root = settings_repo({"pyproject.toml": ISORT_PYPROJECT})
    order = read_import_order(root)
    assert order.source == "pyproject.toml (isort)"
    after = replace(CHECKOUT, module, order)
    assert after.decode() == textwrap.dedent(head) + textwrap.dedent(CHECKOUT_TAIL)


def test_a_new_section_opens_where_isort_opens_it(settings_repo: Any) -> None:
    root = settings_repo({"pyproject.toml": ISORT_PYPROJECT})
    before = src("""\
        import os

        from .conftest import make_order


        class FakeGateway:
            pass


        def test():
            assert os and make_order and FakeGateway
        """)
    after = src("""\
        import os

        from shop.testing import FakeGateway

        from .conftest import make_order


        def test():
            assert os and make_order and FakeGateway
        """)
    assert replace(before, "shop.testing", read_import_order(root)) == after
    first = src("""\
        from .conftest import make_order


        class FakeGateway:
            pass
        """)
    assert replace(first, "pathlib", read_import_order(root)) == src("""\
        from pathlib import FakeGateway

        from .conftest import make_order
        """)


# -- ruff's isort settings -----------------------------------------------------------------

RUFF_PYPROJECT = """\
    [tool.ruff]
    line-length = 100

    [tool.ruff.lint]
    select = ["E", "I"]

    [tool.ruff.lint.isort]
    known-first-party = ["shop"]
    force-single-line = true
    """


def test_ruff_settings_place_the_import(settings_repo: Any) -> None:
    root = settings_repo({"pyproject.toml": RUFF_PYPROJECT})
    order = read_import_order(root)
    assert order.source == "pyproject.toml [tool.ruff.lint.isort]"
    before = src("""\
        import os

        import pytest

        from shop.testing import Clock


        class FakeGateway:
            pass


        def test():
            assert os and pytest and Clock and FakeGateway
        """)
    # force-single-line: its own line, not joined to ``from shop.testing import Clock``.
    after = src("""\
        import os

        import pytest

        from shop.testing import Clock
        from shop.testing import FakeGateway


        def test():
            assert os and pytest and Clock and FakeGateway
        """)
    assert replace(before, "shop.testing", order) == after


def test_ruff_toml_section_order_and_line_length(settings_repo: Any) -> None:
    root = settings_repo(
        {
            "ruff.toml": """\
                line-length = 50

                [lint.isort]
                known-first-party = ["shop"]
                section-order = ["future", "standard-library", "first-party", "third-party", "local-folder"]
                """,
        }
    )
    order = read_import_order(root)
    assert order.source == "ruff.toml [lint.isort]"
    before = src("""\
        import os

        import pytest


        class FakeGateway:
            pass


        def test():
            assert os and pytest and FakeGateway
        """)
    # First-party before third-party, and wrapped at ruff's line length as black would.
    after = src("""\
        import os

        from shop.testing.payment_gateways import (
            FakeGateway,
        )

        import pytest


        def test():
            assert os and pytest and FakeGateway
        """)
    assert replace(before, "shop.testing.payment_gateways", order) == after


# -- an unsorted block: only the new line is placed ----------------------------------------


def test_unsorted_block_only_the_new_line_is_placed() -> None:
    before = src("""\
        import sys
        import requests
        import os
        from shop import cart
        import abc


        class FakeGateway:
            pass


        def test():
            assert sys and requests and os and cart and abc and FakeGateway
        """)
    # isort's defaults put ``from collections import ...`` after ``import sys`` (the last
    # plain stdlib import); the other lines stay where they were.
    after = src("""\
        import sys
        from collections import FakeGateway
        import requests
        import os
        from shop import cart
        import abc


        def test():
            assert sys and requests and os and cart and abc and FakeGateway
        """)
    assert replace(before, "collections", ImportOrder()) == after


def test_first_import_of_a_module_and_crlf() -> None:
    before = src('''\
        """Doc."""

        # Helpers below.

        class FakeGateway:
            pass
        value = 1
        ''').replace(b"\n", b"\r\n")
    after = src('''\
        """Doc."""

        from shop.testing import FakeGateway

        # Helpers below.

        value = 1
        ''').replace(b"\n", b"\r\n")
    assert replace(before, "shop.testing", ImportOrder()) == after
    top = src("""\
        class FakeGateway:
            pass


        def test():
            assert FakeGateway
        """)
    assert replace(top, "shop.testing", ImportOrder()) == src("""\
        from shop.testing import FakeGateway


        def test():
            assert FakeGateway
        """)


ANSIBLE_MODULE = '''\
    #!/usr/bin/python
    # Copyright: the authors
    from __future__ import absolute_import, division, print_function
    __metaclass__ = type

    ANSIBLE_METADATA = {"status": ["preview"], "supported_by": "community", "version": 1.1}

    DOCUMENTATION = r"""
    module: vlan
    """

    RETURN = r""" # """

    import json

    from ansible.module_utils.basic import AnsibleModule


    class FakeGateway:
        pass


    def main():
        return AnsibleModule, json, FakeGateway()
    '''


def test_imports_below_the_header_constants_take_the_new_import() -> None:
    # An Ansible module keeps only ``__future__`` above its documentation constants and its
    # imports below them: the new import joins those, as its author would write it.
    after = src('''\
        #!/usr/bin/python
        # Copyright: the authors
        from __future__ import absolute_import, division, print_function
        __metaclass__ = type

        ANSIBLE_METADATA = {"status": ["preview"], "supported_by": "community", "version": 1.1}

        DOCUMENTATION = r"""
        module: vlan
        """

        RETURN = r""" # """

        import json

        from ansible.module_utils.basic import AnsibleModule
        from ansible_collections.acme.net.plugins.module_utils.support import \\
            FakeGateway


        def main():
            return AnsibleModule, json, FakeGateway()
        ''')
    module = "ansible_collections.acme.net.plugins.module_utils.support"
    assert replace(src(ANSIBLE_MODULE), module, ImportOrder()) == after


def test_a_statement_between_future_and_imports_keeps_the_top_block() -> None:
    # A computed value is no header constant: the imports below it are not the module's.
    before = src("""\
        from __future__ import annotations
        __all__ = sorted(["main"])

        import os


        class FakeGateway:
            pass


        def main():
            return os, FakeGateway
        """)
    after = src("""\
        from __future__ import annotations

        from shop.testing import FakeGateway
        __all__ = sorted(["main"])

        import os


        def main():
            return os, FakeGateway
        """)
    assert replace(before, "shop.testing", ImportOrder()) == after


def test_joining_a_parenthesised_import_keeps_its_layout() -> None:
    before = src("""\
        from shop.testing import (
            Alpha,  # the first
            Zeta,
        )


        class FakeGateway:
            pass
        """)
    after = src("""\
        from shop.testing import (
            Alpha,  # the first
            FakeGateway,
            Zeta,
        )
        """)
    assert replace(before, "shop.testing", ImportOrder()) == after
    last = src("""\
        from shop.testing import Alpha, Beta


        class FakeGateway:
            pass
        """)
    assert replace(last, "shop.testing", ImportOrder()) == src("""\
        from shop.testing import Alpha, Beta, FakeGateway
        """)
    # An ``as`` import joins the line only with combine_as_imports, as isort does.
    assert replace(last, "shop.testing", ImportOrder(), name="Zed") == src("""\
        from shop.testing import Alpha, Beta
        from shop.testing import Zed as FakeGateway
        """)
    combining = ImportOrder((("combine_as_imports", True),))
    assert replace(last, "shop.testing", combining, name="Zed") == src("""\
        from shop.testing import Alpha, Beta, Zed as FakeGateway
        """)


# -- place_import, the pure placement --------------------------------------------------------

BLOCK = ["import os", "import sys", "", "import requests", "from shop import cart"]


@pytest.mark.parametrize(
    ("block", "line", "expected"),
    [
        pytest.param(
            ["import os", "import requests"],
            "import abc",
            NewImport("import abc", 0, None, 0),
            id="first-in-its-section-takes-the-next-lines-gap",
        ),
        pytest.param(
            ["import requests"],
            "import abc",
            NewImport("import abc", 0, None, 1),
            id="opens-the-first-section",
        ),
        pytest.param(
            ["from __future__ import annotations"],
            "import abc",
            NewImport("import abc", 1, 1),
            id="opens-a-section-after-future",
        ),
        pytest.param(
            ["import os", "import requests"],
            "from . import sibling",
            NewImport("from . import sibling", 2, 1),
            id="relative-is-the-local-folder-section",
        ),
        pytest.param(
            ["from shop import a", "from shop import d"],
            "from shop import c",
            MergedImport(0, ("a", None)),
            id="joins-the-statement-holding-its-predecessor",
        ),
        pytest.param(
            [],
            "from shop import c",
            NewImport("from shop import c", 0),
            id="empty-block",
        ),
    ],
)
def test_place_import(block: list[str], line: str, expected: NewImport | MergedImport) -> None:
    assert place_import(block, line, ImportOrder()) == expected


def test_place_import_rewrites_a_joined_line_that_grows_too_long() -> None:
    order = ImportOrder((("line_length", 40),))
    placed = place_import(
        ["from shop.models import Cart, Order"], "from shop.models import Item", order
    )
    assert placed == MergedImport(
        0, ("Cart", None), "from shop.models import (Cart, Item,\n                         Order)"
    )


# -- reading the settings ---------------------------------------------------------------------


def test_no_settings_isorts_defaults_and_first_party_from_the_tree(settings_repo: Any) -> None:
    root = settings_repo(
        {"src/shop/__init__.py": "", "tests/conftest.py": "", "tools.py": "", "json/x.py": ""}
    )
    order = read_import_order(root)
    assert order.source == "isort's defaults"
    # ``json`` is the standard library's, as both tools decide, whatever the tree holds.
    # ``src`` too: isort finds a folder of that name under the root, as it does ``tests``.
    assert dict(order.settings) == {"known_first_party": ("shop", "src", "tests", "tools")}


@pytest.mark.parametrize(
    ("files", "source", "expected"),
    [
        pytest.param(
            {"setup.cfg": "[isort]\nprofile = black\nknown_first_party = shop, billing\n"},
            "setup.cfg (isort)",
            {"profile": "black", "known_first_party": ("billing", "shop")},
            id="setup-cfg",
        ),
        pytest.param(
            {".isort.cfg": "[settings]\nline_length = 120\nforce_single_line = true\n"},
            ".isort.cfg (isort)",
            {"line_length": 120, "force_single_line": True},
            id="isort-cfg",
        ),
        pytest.param(
            {"tox.ini": "[tool:isort]\ncombine_as_imports = true\n"},
            "tox.ini (isort)",
            {"combine_as_imports": True},
            id="tox-ini",
        ),
        pytest.param(
            {
                "pyproject.toml": '[tool.isort]\nprofile = "google"\n',
                ".ruff.toml": '[lint.isort]\ncombine-as-imports = true\nrelative-imports-order = "closest-to-furthest"\n',
            },
            ".ruff.toml [lint.isort]",
            {
                "profile": "black",
                "line_length": 88,
                "combine_as_imports": True,
                "reverse_relative": True,
            },
            id="ruff-isort-settings-win-over-isort",
        ),
        pytest.param(
            {
                "pyproject.toml": '[tool.ruff]\nline-length = 99\n[tool.ruff.lint]\nextend-select = ["I"]\n'
            },
            "pyproject.toml (ruff's isort defaults)",
            {"profile": "black", "line_length": 99},
            id="ruff-selecting-isort-rules",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.ruff]\nline-length = 99\n[tool.isort]\nline_length = 70\n"},
            "pyproject.toml (isort)",
            {"line_length": 70},
            id="isort-settings-win-over-ruff-without-isort-rules",
        ),
        pytest.param(
            {
                ".flake8": "[flake8]\napplication-import-names = shop,billing\nimport-order-style = pycharm\n"
            },
            "flake8-import-order",
            {
                "known_first_party": ("shop", "billing"),
                "force_sort_within_sections": True,
                "case_sensitive": True,
                "reverse_relative": True,
            },
            id="flake8-import-order",
        ),
        pytest.param(
            {
                # isort switched off for editors; flake8-import-order is the sorter.
                "pyproject.toml": "[tool.isort]\nskip_glob = ['*']\n",
                "setup.cfg": "[flake8]\nimport-order-style = google\n"
                "application-import-names = shop\n",
            },
            "flake8-import-order",
            {
                "known_first_party": ("shop",),
                "force_sort_within_sections": True,
                "reverse_relative": True,
            },
            id="isort-skips-everything-flake8-sorts",
        ),
        pytest.param(
            {
                ".editorconfig": "root = true\n\n[*.py]\nmax_line_length = 79\nindent_style = space\n"
            },
            ".editorconfig (isort)",
            {"line_length": 79, "indent": "    "},
            id="editorconfig",
        ),
    ],
)
def test_read_import_order(
    settings_repo: Any, files: dict[str, str], source: str, expected: dict[str, object]
) -> None:
    order = read_import_order(settings_repo(files))
    assert order.source == source
    assert dict(order.settings) == expected
    isort_config(order.settings)


def test_source_paths_decide_first_party(settings_repo: Any) -> None:
    root = settings_repo(
        {
            "pyproject.toml": '[tool.isort]\nsrc_paths = ["lib"]\nknown_third_party = ["vendored"]\n',
            "lib/shop/__init__.py": "",
            "lib/vendored.py": "",
            "other/__init__.py": "",
        }
    )
    settings = dict(read_import_order(root).settings)
    # ``vendored`` is claimed by a known section; ``other`` is not under a source path.
    assert settings == {"known_third_party": ("vendored",), "known_first_party": ("shop",)}


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {"pyproject.toml": '[tool.isort]\nprofile = "nosuch"\n'}, "isort rejects", id="profile"
        ),
        pytest.param({"ruff.toml": "line-length = \n"}, "invalid TOML", id="toml"),
        pytest.param(
            {"ruff.toml": 'line-length = "wide"\n[lint.isort]\n'}, "whole number", id="line-length"
        ),
        pytest.param({".flake8": "[flake8\n"}, "cannot read the flake8 settings", id="flake8"),
    ],
)
def test_bad_settings_are_a_clear_error(
    settings_repo: Any, files: dict[str, str], message: str
) -> None:
    with pytest.raises(DecloneError, match=message):
        read_import_order(settings_repo(files))


# -- property: a sorted block stays sorted ---------------------------------------------------

POOL = [
    "from __future__ import annotations",
    "import os",
    "import sys",
    "from pathlib import Path",
    "from typing import Any, cast",
    "import pytest",
    "import requests",
    "from attrs import define",
    "from shop import cart",
    "from shop.models import Item, Order",
    "from . import conftest",
    "from ..support import helpers",
]
MODULES = [
    "collections",
    "zoneinfo",
    "responses",
    "aaa_first",
    "shop.testing",
    "shop.models",
    ".fakes",
    "..support",
]
ORDERS = [
    ImportOrder((("known_first_party", ("shop",)),)),
    ImportOrder(
        (
            ("profile", "black"),
            ("known_first_party", ("shop",)),
            ("force_sort_within_sections", True),
        )
    ),
    ImportOrder((("profile", "google"), ("known_first_party", ("shop",)))),
    ImportOrder((("force_single_line", True), ("lines_between_types", 1))),
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.sampled_from(POOL), unique=True, max_size=8),
    module=st.sampled_from(MODULES),
    order=st.sampled_from(ORDERS),
)
def test_a_sorted_block_stays_sorted(lines: list[str], module: str, order: ImportOrder) -> None:
    config = isort_config(order.settings)
    block = isort.code("\n".join(lines) + "\n", config=config) if lines else ""
    body = "\n\nclass FakeGateway:\n    pass\n\n\ndef test():\n    return FakeGateway\n"
    source = (block + body).encode()
    output = replace(source, module, order).decode()
    head = output.split("\n\n\ndef test")[0].rstrip("\n") + "\n"
    assert isort.code(head, config=config) == head


def test_flake8_import_order_puts_the_nearest_relative_import_first(settings_repo: Any) -> None:
    root = settings_repo({"setup.cfg": "[flake8]\nimport-order-style = google\n"})
    placed = place_import(
        ["from ... import types as sqltypes"],
        "from ..mysql.json import _FormatTypeMixin",
        read_import_order(root),
    )
    assert isinstance(placed, NewImport)
    assert (placed.text, placed.position) == ("from ..mysql.json import _FormatTypeMixin", 0)


NESTED_SETTINGS = {
    "pyproject.toml": '[project]\nname = "monorepo"\n',
    "collections/a/.isort.cfg": "[settings]\nprofile = black\nline_length = 100\n",
    "collections/b/setup.cfg": "[flake8]\nimport-order-style = google\n",
    "collections/c/ruff.toml": "[lint.isort]\ncombine-as-imports = true\n",
    "collections/d/ruff.toml": 'line-length = 79\nignore = ["E402"]\n',
}


@pytest.mark.parametrize(
    ("folder", "source", "expected"),
    [
        ("tests", "isort's defaults", {}),
        (
            "collections/a/tests/unit",
            ".isort.cfg (isort)",
            {"profile": "black", "line_length": 100},
        ),
        (
            "collections/b/tests",
            "flake8-import-order",
            {"force_sort_within_sections": True, "reverse_relative": True},
        ),
        (
            "collections/c",
            "ruff.toml [lint.isort]",
            {"profile": "black", "line_length": 88, "combine_as_imports": True},
        ),
        (
            "collections/d/tests",
            "ruff.toml (ruff, without import rules)",
            {"profile": "black", "line_length": 79},
        ),
    ],
    ids=[
        "root",
        "isort-of-a-collection",
        "flake8-of-a-collection",
        "ruff-of-a-collection",
        "ruff-without-import-rules",
    ],
)
def test_each_folder_sorts_by_the_settings_nearest_to_it(
    settings_repo: Any, folder: str, source: str, expected: dict[str, object]
) -> None:
    root = settings_repo(NESTED_SETTINGS)
    order = read_import_order(root, root / folder)
    assert (order.source, dict(order.settings)) == (source, expected)


LONG_MODULE = "ansible_collections.splunk.es.tests.unit.plugins.modules.support"


def test_a_long_import_is_wrapped_as_the_nearest_settings_say(settings_repo: Any) -> None:
    root = settings_repo(NESTED_SETTINGS)
    source = src(
        """\
        import os


        class FakeGateway:
            pass


        def test():
            return FakeGateway, os
        """
    )
    one_line = f"from {LONG_MODULE} import FakeGateway\n"
    assert 79 < len(one_line) < 100
    collection = replace(source, LONG_MODULE, read_import_order(root, root / "collections/a"))
    assert collection.decode() == "import os\n\n" + one_line + "\n\n" + (
        "def test():\n    return FakeGateway, os\n"
    )
    # isort's defaults where nothing is configured: 79 columns, isort's own backslash.
    wrapped = replace(source, LONG_MODULE, read_import_order(root, root / "tests")).decode()
    assert f"from {LONG_MODULE} import \\\n    FakeGateway\n" in wrapped
    # ruff without its import rules: black's parentheses at ruff's 79 columns.
    ruff = replace(source, LONG_MODULE, read_import_order(root, root / "collections/d")).decode()
    assert f"from {LONG_MODULE} import (\n    FakeGateway,\n)\n" in ruff


def test_flake8_import_order_takes_only_the_listed_names_for_first_party(
    settings_repo: Any,
) -> None:
    root = settings_repo(
        {
            "setup.cfg": "[flake8]\nimport-order-style = google\n"
            "application-import-names = sqlalchemy,test\n",
            "declone_support.py": "",
            "lib/sqlalchemy/__init__.py": "",
        }
    )
    settings = dict(read_import_order(root).settings)
    assert settings["known_first_party"] == ("sqlalchemy", "test")
    config = isort_config(read_import_order(root).settings)
    assert isort.place_module("declone_support", config=config) == "THIRDPARTY"


def test_a_new_section_goes_above_lines_isort_would_join(settings_repo: Any) -> None:
    """isort joins ``from m import a`` and ``from m import b`` into one statement: a new
    import that sorts before them goes above both, not between them."""
    root = settings_repo(
        {
            "setup.cfg": "[flake8]\nimport-order-style = google\n"
            "application-import-names = sqlalchemy,test\n"
        }
    )
    block = ["from sqlalchemy import desc", "from sqlalchemy import ForeignKey"]
    placed = place_import(block, "from declone_support import Address", read_import_order(root))
    assert isinstance(placed, NewImport)
    assert (placed.position, placed.blank_lines_after) == (0, 1)
    source = src(
        """\
        from sqlalchemy import desc
        from sqlalchemy import ForeignKey


        class FakeGateway:
            pass


        def test():
            return FakeGateway, desc, ForeignKey
        """
    )
    assert replace(source, "declone_support", read_import_order(root)).decode() == (
        "from declone_support import FakeGateway\n\n"
        "from sqlalchemy import desc\nfrom sqlalchemy import ForeignKey\n\n\n"
        "def test():\n    return FakeGateway, desc, ForeignKey\n"
    )

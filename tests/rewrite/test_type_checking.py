"""Imports only the removed copy used go, ``if TYPE_CHECKING:`` blocks and string annotations
included; imports still used elsewhere stay."""

from __future__ import annotations

import ast
import textwrap

import pytest

from declone.rewrite import ImportOrder
from declone.rewrite.bindings import count_name_uses
from declone.rewrite.transform import ClassEdit, EditAction, RewriteStatus, rewrite_source


def src(text: str) -> bytes:
    return textwrap.dedent(text).encode()


def edit(lineno: int) -> ClassEdit:
    return ClassEdit("FakeGateway", lineno, EditAction.REPLACE, "helpers.fakes", "FakeGateway")


CASES = [
    pytest.param(
        src("""\
            from __future__ import annotations

            from typing import TYPE_CHECKING

            import pytest

            if TYPE_CHECKING:
                from collections.abc import Iterator

                from shop.models import Order


            class FakeGateway:
                def orders(self) -> Iterator[Order]:
                    yield from ()


            def test_gateway():
                assert pytest and list(FakeGateway().orders()) == []
            """),
        13,
        src("""\
            from __future__ import annotations

            import pytest
            from helpers.fakes import FakeGateway


            def test_gateway():
                assert pytest and list(FakeGateway().orders()) == []
            """),
        (
            "from collections.abc import Iterator",
            "from shop.models import Order",
            "from typing import TYPE_CHECKING",
        ),
        id="block-and-its-guard-removed",
    ),
    pytest.param(
        src("""\
            from typing import TYPE_CHECKING, Any

            if TYPE_CHECKING:
                from collections.abc import Iterator
                from shop.models import Order


            class FakeGateway:
                def orders(self) -> "Iterator[Order]":
                    yield from ()


            def test_gateway(order: "Order") -> Any:
                assert list(FakeGateway().orders()) == []
            """),
        8,
        src("""\
            from typing import TYPE_CHECKING, Any
            from helpers.fakes import FakeGateway

            if TYPE_CHECKING:
                from shop.models import Order


            def test_gateway(order: "Order") -> Any:
                assert list(FakeGateway().orders()) == []
            """),
        ("from collections.abc import Iterator",),
        id="string-annotations-one-still-used-elsewhere",
    ),
    pytest.param(
        src("""\
            import typing

            if typing.TYPE_CHECKING:
                # Only for the checker.
                from .models import Refund


            class FakeGateway:
                def refund(self, refund: "Refund") -> None:
                    pass


            value = 1
            """),
        8,
        src("""\
            from helpers.fakes import FakeGateway


            value = 1
            """),
        ("from .models import Refund", "import typing"),
        id="typing-attribute-guard-and-relative-import",
    ),
    pytest.param(
        src("""\
            import typing

            if typing.TYPE_CHECKING:
                from .models import Refund


            class FakeGateway:
                def refund(self, refund: "Refund") -> None:
                    pass


            value: typing.Any = 1
            """),
        7,
        src("""\
            import typing
            from helpers.fakes import FakeGateway


            value: typing.Any = 1
            """),
        ("from .models import Refund",),
        id="typing-still-used-stays",
    ),
    pytest.param(
        src("""\
            from decimal import Decimal


            class FakeGateway:
                def total(self) -> "list[Decimal]":
                    return []
            """),
        4,
        src("""\
            from helpers.fakes import FakeGateway
            """),
        ("from decimal import Decimal",),
        id="top-level-import-used-in-a-string-annotation",
    ),
    pytest.param(
        src("""\
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from shop.models import Order
            else:
                Order = None


            class FakeGateway:
                def orders(self) -> "Order":
                    pass
            """),
        9,
        src("""\
            from typing import TYPE_CHECKING
            from helpers.fakes import FakeGateway

            if TYPE_CHECKING:
                from shop.models import Order
            else:
                Order = None
            """),
        (),
        id="block-with-else-left-alone",
    ),
    pytest.param(
        src("""\
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from shop.models import Order
                ORDERS = list[Order]


            class FakeGateway:
                def orders(self) -> "Order":
                    pass
            """),
        8,
        src("""\
            from typing import TYPE_CHECKING
            from helpers.fakes import FakeGateway

            if TYPE_CHECKING:
                from shop.models import Order
                ORDERS = list[Order]
            """),
        (),
        id="still-used-inside-the-block",
    ),
    pytest.param(
        src("""\
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from shop.models import Order, Refund
                from shop.money import Money


            class FakeGateway:
                def orders(self) -> "Order | Money":
                    pass


            def refund() -> "Refund":
                pass
            """),
        8,
        src("""\
            from typing import TYPE_CHECKING
            from helpers.fakes import FakeGateway

            if TYPE_CHECKING:
                from shop.models import Refund


            def refund() -> "Refund":
                pass
            """),
        ("from shop.models import Order", "from shop.money import Money"),
        id="one-name-of-a-from-import-in-the-block",
    ),
]


@pytest.mark.parametrize(("before", "lineno", "after", "removed"), CASES)
def test_type_checking_and_string_annotations(
    before: bytes, lineno: int, after: bytes, removed: tuple[str, ...]
) -> None:
    result = rewrite_source(before, [edit(lineno)])
    assert result.status is RewriteStatus.CHANGED, result.reason
    assert result.source.decode() == after.decode()
    assert result.removed_imports == removed
    assert rewrite_source(result.source, [edit(lineno)]).status is RewriteStatus.UNCHANGED


def test_with_the_repository_import_order() -> None:
    before, _, after, _ = CASES[0].values
    assert isinstance(before, bytes)
    result = rewrite_source(before, [edit(13)], ImportOrder())
    # isort's defaults: third-party ``import`` lines before ``from`` lines, one section.
    assert result.source == after


def test_string_annotations_count_as_reads() -> None:
    tree = ast.parse(
        'def f(a: "Foo", *b: "list[\'Bar\']", **c: "Baz | None") -> "mod.Qux":\n'
        "    x: \"Literal['not a name']\" = 1\n"
    )
    uses = count_name_uses([tree])
    assert uses.names["Foo"] == 0
    assert {name: uses.reads(name) for name in ("Foo", "Bar", "Baz", "mod", "Qux")} == {
        "Foo": 1,
        "Bar": 1,
        "Baz": 1,
        "mod": 1,
        "Qux": 0,
    }
    assert uses.annotation_names["not"] == 0

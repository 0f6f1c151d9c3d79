"""State a class makes for itself where it is defined, which its copies do not share.

Each copy of ``class Fake: sent = []`` has a list of its own; once the copies import one
class, every module appends to the same list, and a test that passed alone now sees another
module's calls. The same for a value a call makes at class level (``mapped_registry =
registry()``, ``log = logging.getLogger(__name__)``): each copy ran the call once, in its own
module. Such a copy stays where it is in the safe tier, its reason naming the statement.

A call that only declares (``property(...)``, ``field(default_factory=list)``) or makes an
immutable value (``frozenset(...)``) is no state: the one class would hold it the same way.
Pure: a class's ``ast`` node in, the statements out.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator

from declone.plan.staying import Stay

__all__ = ["own_state", "own_state_statements"]

#: Calls whose value is a declaration or an immutable value: one class may hold it for all.
_DECLARING_CALLS = frozenset(
    {
        "property",
        "staticmethod",
        "classmethod",
        "frozenset",
        "tuple",
        "str",
        "bytes",
        "int",
        "float",
        "bool",
        "complex",
        "range",
        "field",
        "dataclasses.field",
        "attr.ib",
        "attr.attrib",
        "attrs.field",
        "Field",
        "pydantic.Field",
        "TypeVar",
        "typing.TypeVar",
    }
)
#: Class attributes Python itself reads, whose list or dict value is no state of the class's.
_DECLARATIONS = frozenset({"__slots__", "__all__", "__match_args__", "__annotations__"})
_MUTABLE_DISPLAYS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


def own_state_statements(
    node: ast.ClassDef, kept_members: Collection[str] = ()
) -> Iterator[ast.stmt]:
    """The statements of ``node``'s body that make state of the class's own: a mutable
    container or a call's value bound at class level. Those that bind only ``kept_members``
    (what a residual subclass keeps: its copy still runs them) are left out."""
    for statement in node.body:
        targets, value = _binding(statement)
        if value is None or not targets or set(targets) <= _DECLARATIONS:
            continue
        if kept_members and set(targets) <= set(kept_members):
            continue
        if _makes_state(value):
            yield statement


def own_state(node: ast.ClassDef, kept_members: Collection[str] = ()) -> tuple[Stay, ...]:
    """Why ``node``'s copy must keep its own class: the first statement that makes state of
    its own, and how many more do; empty when none does."""
    found = list(own_state_statements(node, kept_members))
    if not found:
        return ()
    first = found[0]
    text = ast.unparse(first)
    if len(text) > 60:
        text = text[:57] + "..."
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    return (
        Stay(
            f"holds state of its own at class level (line {first.lineno}: `{text}`{more}): "
            "each copy has its own, and one shared class would share it between modules",
            "with class-level state of its own",
        ),
    )


def _binding(statement: ast.stmt) -> tuple[list[str], ast.expr | None]:
    if isinstance(statement, ast.Assign):
        return [t.id for t in statement.targets if isinstance(t, ast.Name)], statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return [statement.target.id], statement.value
    return [], None


def _makes_state(value: ast.expr) -> bool:
    if isinstance(value, _MUTABLE_DISPLAYS):
        return True
    if isinstance(value, ast.Call):
        return ast.unparse(value.func) not in _DECLARING_CALLS
    return False

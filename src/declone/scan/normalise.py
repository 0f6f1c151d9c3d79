"""The canonical text of Python syntax, and the small facts read off a class's syntax tree.

Pure functions over ``ast`` nodes. ``dump`` writes a node's structure without positions,
comments or layout: equal texts mean equal syntax, and their hashes are what fingerprints
are made of. Everything here runs on every class statement of a scan, so it is written for
speed; the tests check ``dump`` against the plain field-by-field spelling.
"""

from __future__ import annotations

import ast
import hashlib
import textwrap
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = [
    "COMPOUND_STATEMENTS",
    "PURE_DECORATORS",
    "class_attributes",
    "count_statement",
    "count_statements",
    "dedent",
    "dotted",
    "dump",
    "first_line",
    "init_attributes",
    "is_docstring",
    "is_pure_decorator",
    "params_of",
    "sets_test_false",
    "short_hash",
    "without_docstring",
]


#: Decorators that only shape the class or method they wrap. Any other decorator may register
#: the object where it is defined (venusian scans, plugin registries, ``@register``), which
#: an import from another module would silently change.
PURE_DECORATORS = frozenset(
    {
        "property",
        "staticmethod",
        "classmethod",
        "abstractmethod",
        "abc.abstractmethod",
        "cached_property",
        "functools.cached_property",
        "total_ordering",
        "functools.total_ordering",
        "dataclass",
        "dataclasses.dataclass",
        "overload",
        "typing.overload",
        "override",
        "typing.override",
        "final",
        "typing.final",
        "unique",
        "enum.unique",
    }
)


def is_pure_decorator(decorator: str) -> bool:
    """Whether a decorator, as written (``dataclass(frozen=True)``), only shapes what it wraps:
    one of ``PURE_DECORATORS``, or a property's setter, getter or deleter."""
    name = decorator.split("(", 1)[0]
    return name in PURE_DECORATORS or name.endswith((".setter", ".getter", ".deleter"))


def short_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


def dotted(node: ast.expr) -> str:
    """A base or decorator as ``ast.unparse`` writes it.

    Plain and dotted names are nearly all of them, and ``ast.unparse`` writes those exactly as
    joined here, at many times the cost.
    """
    attributes: list[str] = []
    inner = node
    while isinstance(inner, ast.Attribute):
        attributes.append(inner.attr)
        inner = inner.value
    if isinstance(inner, ast.Name):
        attributes.append(inner.id)
        return ".".join(reversed(attributes))
    return ast.unparse(node)


def is_docstring(statement: ast.stmt) -> bool:
    """A string literal statement: a docstring where it opens a body."""
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def without_docstring(body: Sequence[ast.stmt]) -> Sequence[ast.stmt]:
    return body[1:] if body and is_docstring(body[0]) else body


def params_of(args: ast.arguments) -> tuple[str, ...]:
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    names = [a.arg + ("=" if i >= first_default else "") for i, a in enumerate(positional)]
    if args.vararg is not None:
        names.append("*" + args.vararg.arg)
    elif args.kwonlyargs:
        names.append("*")
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        names.append(arg.arg + ("=" if default is not None else ""))
    if args.kwarg is not None:
        names.append("**" + args.kwarg.arg)
    return tuple(names)


def dump(node: ast.AST) -> str:
    """A canonical text of a node's structure: positions, comments and layout are absent.

    Same information as ``ast.dump(node, annotate_fields=False)``, written into one list
    instead of joined level by level; the tests check it against the plain field-by-field
    spelling. Fingerprints are hashes of it, kept in the scan cache: a change to the text
    needs a new cache format.
    """
    parts: list[str] = []
    _emit(node, parts.append)
    return "".join(parts)


def _node_types() -> list[type[ast.AST]]:
    """Every node type the parser can make (it makes no others)."""
    found: list[type[ast.AST]] = []
    pending: list[type[ast.AST]] = [ast.AST]
    while pending:
        node_type = pending.pop()
        found.append(node_type)
        pending.extend(node_type.__subclasses__())
    return found


# ``"Load()"``, ``"Add()"``, ...: the whole text of each node type without fields.
_FIELDLESS_TEXTS = {t: f"{t.__name__}()" for t in _node_types() if not t._fields}
# Statement types that hold statements (``if``, ``try``, ``def``, ``match``, ...). Most
# statements are simple, and knowing that from their type saves five attribute lookups each.
COMPOUND_STATEMENTS = frozenset(
    t
    for t in _node_types()
    if issubclass(t, ast.stmt)
    and not {"body", "orelse", "finalbody", "handlers", "cases"}.isdisjoint(t._fields)
)


# A parameter without annotation is written whole (most are), where its fields are these.
_PLAIN_ARG_FIELDS = ast.arg._fields == ("arg", "annotation", "type_comment")


def _emit(node: ast.AST, write: Callable[[str], None]) -> None:
    # Names and constants are a third of all nodes, contexts and operators (no fields) another
    # third: writing those whole instead of field by field is most of this function's speed.
    write(f"{node.__class__.__name__}(")
    for name in node._fields:
        value: Any = getattr(node, name, None)
        if value is None:  # absent annotations, returns, kinds, ...: a quarter of all values
            write("None,")
            continue
        value_type = value.__class__
        if value_type is ast.Name:
            write(f"Name({value.id!r},{_FIELDLESS_TEXTS[value.ctx.__class__]},),")
        elif value_type is ast.Constant:
            write(f"Constant({value.value!r},{value.kind!r},),")
        elif isinstance(value, ast.AST):
            text = _FIELDLESS_TEXTS.get(value_type)
            if text is None:
                _emit(value, write)
                write(",")
            else:
                write(f"{text},")
        elif isinstance(value, list):
            write("[")
            # Each item as a value above, written out again here rather than through a
            # helper: this loop runs for most nodes dumped, and a call per item shows.
            for item in value:
                item_type = item.__class__
                if item_type is ast.Name:
                    write(f"Name({item.id!r},{_FIELDLESS_TEXTS[item.ctx.__class__]},),")
                elif item_type is ast.Constant:
                    write(f"Constant({item.value!r},{item.kind!r},),")
                elif item_type is ast.arg and item.annotation is None and _PLAIN_ARG_FIELDS:
                    write(f"arg({item.arg!r},None,{item.type_comment!r},),")
                elif isinstance(item, ast.AST):
                    text = _FIELDLESS_TEXTS.get(item_type)
                    if text is None:
                        _emit(item, write)
                        write(",")
                    else:
                        write(f"{text},")
                else:
                    write(f"{item!r},")
            write("],")
        else:
            write(f"{value!r},")
    write(")")


def count_statements(body: Sequence[ast.stmt]) -> int:
    total = 0
    for statement in without_docstring(body):
        total += count_statement(statement)
    return total


def count_statement(statement: ast.stmt) -> int:
    """1, plus the statements in its blocks (each block's docstring excluded)."""
    total = 1
    if statement.__class__ in COMPOUND_STATEMENTS:
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if isinstance(inner, list):
                total += count_statements(inner)
        for handler in getattr(statement, "handlers", ()) or ():
            total += count_statements(handler.body)
    return total


def init_attributes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """``self.<name>`` targets assigned anywhere in ``__init__``'s statements, in order."""
    if not function.args.args:
        return ()
    self_name = function.args.args[0].arg
    seen: dict[str, None] = {}
    for statement in _statements(function.body):
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = list(statement.targets)
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            targets = [statement.target]
        while targets:
            target = targets.pop(0)
            if isinstance(target, (ast.Tuple, ast.List)):
                targets[:0] = target.elts
            elif (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == self_name
            ):
                seen.setdefault(target.attr, None)
    return tuple(seen)


def _statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in ``body`` and in the blocks nested in it, not in nested functions."""
    for statement in body:
        yield statement
        if statement.__class__ not in COMPOUND_STATEMENTS or isinstance(
            statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        ):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                yield from _statements(inner)
        for handler in getattr(statement, "handlers", ()) or ():
            yield from _statements(handler.body)
        for case in getattr(statement, "cases", ()) or ():
            yield from _statements(case.body)


def class_attributes(body: Sequence[ast.stmt]) -> tuple[str, ...]:
    names: dict[str, None] = {}
    for statement in body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, None)
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names.setdefault(statement.target.id, None)
    return tuple(names)


def sets_test_false(body: Sequence[ast.stmt]) -> bool:
    for statement in body:
        if (
            isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__test__" for t in statement.targets)
            and isinstance(statement.value, ast.Constant)
            and not statement.value.value
        ):
            return True
    return False


def dedent(text: str) -> str:
    """``textwrap.dedent(text)``, at no cost for most module-level classes."""
    # Without a margin (the first line is not indented) and without lines of only spaces and
    # tabs, which dedent empties, there is nothing to change: the same string is kept, not a
    # copy. Such a line ends in a space or a tab; three substring searches rule them out,
    # many times faster than a regular expression tried at every position.
    if text[:1].isspace() or " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        return textwrap.dedent(text)
    return text


def first_line(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The line of the first decorator, else of the statement itself."""
    if not node.decorator_list:
        return node.lineno
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])

"""A class's API as ``plan`` compares it: members, call signatures, awaitability.

A *member* is everything a class body binds under one name: a method (all its definitions, so
a property and its setter are one member), a class attribute, or a nested class. Each member
carries a normalised text of its statements (docstrings and the class's own name taken out),
so that two copies of one method compare equal whatever their layout and comments.

Pure functions over ``ast`` nodes.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from declone.scan import is_docstring

__all__ = [
    "Member",
    "MemberKind",
    "Signature",
    "attribute_uses",
    "awaitable_classes",
    "class_members",
    "find_class",
    "incompatibility",
]


class MemberKind(enum.StrEnum):
    METHOD = "method"
    ASYNC_METHOD = "async method"
    PROPERTY = "property"
    ATTRIBUTE = "attribute"
    CLASS = "class"
    #: A class-level statement that binds no name (``if``, an expression): it cannot be kept
    #: or dropped on its own.
    STATEMENT = "statement"


@dataclass(frozen=True, slots=True)
class Signature:
    """A function's parameters, ``self`` excluded, split the way calls bind them."""

    positional: tuple[tuple[str, bool], ...]
    keyword_only: tuple[tuple[str, bool], ...]
    varargs: bool
    varkw: bool

    @classmethod
    def of(cls, function: ast.FunctionDef | ast.AsyncFunctionDef, *, bound: bool) -> Signature:
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        first_default = len(positional) - len(arguments.defaults)
        params = [(a.arg, i >= first_default) for i, a in enumerate(positional)]
        if bound and params:
            params = params[1:]
        keyword_only = tuple(
            (a.arg, default is not None)
            for a, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
        )
        return cls(
            tuple(params), keyword_only, arguments.vararg is not None, arguments.kwarg is not None
        )

    def names(self) -> set[str]:
        return {name for name, _ in (*self.positional, *self.keyword_only)}


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    kind: MemberKind
    #: Normalised text of every statement that binds the name; equal text, equal behaviour.
    text: str
    signature: Signature | None = None
    decorators: tuple[str, ...] = ()
    #: ``self.<name>`` reads and writes inside a method.
    self_attributes: frozenset[str] = frozenset()
    #: The return annotation's plain name, e.g. ``"MessageList"``.
    returns: str = ""
    lineno: int = 0


def find_class(tree: ast.Module, name: str, lineno: int | None = None) -> ast.ClassDef | None:
    """The module-level ``class name`` (the one at ``lineno`` when given)."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ClassDef)
            and node.name == name
            and (lineno is None or node.lineno == lineno)
        ):
            return node
    return None


def _normalised(node: ast.AST, class_name: str) -> str:
    text = ast.dump(_without_docstrings(node), annotate_fields=False, include_attributes=False)
    return text.replace(repr(class_name), "'<class>'")


def _without_docstrings(node: ast.AST) -> ast.AST:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        body = node.body
        if len(body) > 1 and is_docstring(body[0]):
            clone = type(node)(**{field: getattr(node, field) for field in node._fields})
            clone.body = body[1:]
            return clone
    return node


def _bound_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [statement.name]
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
        targets = [statement.target]
    return [t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)]


def _self_attributes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    arguments = [*function.args.posonlyargs, *function.args.args]
    if not arguments:
        return frozenset()
    self_name = arguments[0].arg
    return frozenset(
        node.attr
        for node in ast.walk(function)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == self_name
    )


def _method_kind(
    function: ast.FunctionDef | ast.AsyncFunctionDef, decorators: Sequence[str]
) -> MemberKind:
    if any(d == "property" or d.endswith(".setter") or d.endswith(".getter") for d in decorators):
        return MemberKind.PROPERTY
    return (
        MemberKind.ASYNC_METHOD if isinstance(function, ast.AsyncFunctionDef) else MemberKind.METHOD
    )


def class_members(node: ast.ClassDef) -> tuple[Member, ...]:
    """The members of a class body, in order of first definition; the docstring is left out."""
    grouped: dict[str, list[ast.stmt]] = {}
    body = node.body[1:] if node.body and is_docstring(node.body[0]) else node.body
    for index, statement in enumerate(body):
        names = _bound_names(statement)
        key = names[0] if names else f"<statement {index}>"
        grouped.setdefault(key, []).append(statement)
    members = []
    for name, statements in grouped.items():
        text = "\n".join(_normalised(s, node.name) for s in statements)
        first = statements[0]
        functions = [s for s in statements if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
        if functions:
            decorators = tuple(ast.unparse(d) for f in functions for d in f.decorator_list)
            static = "staticmethod" in decorators
            # A property's getter comes first; a plain redefinition wins by coming last.
            main = functions[0] if "property" in decorators else functions[-1]
            members.append(
                Member(
                    name,
                    _method_kind(main, decorators),
                    text,
                    Signature.of(main, bound=not static),
                    decorators,
                    frozenset().union(*(_self_attributes(f) for f in functions)),
                    _return_name(main),
                    first.lineno,
                )
            )
        elif isinstance(first, ast.ClassDef):
            members.append(Member(name, MemberKind.CLASS, text, lineno=first.lineno))
        elif name.startswith("<statement"):
            members.append(Member(name, MemberKind.STATEMENT, text, lineno=first.lineno))
        else:
            alias_of = _aliased_method(first, members)
            if alias_of is not None:
                # ``get_events = events_of_type``: another name for a method, with its API.
                members.append(
                    Member(
                        name,
                        alias_of.kind,
                        text,
                        alias_of.signature,
                        alias_of.decorators,
                        alias_of.self_attributes,
                        alias_of.returns,
                        first.lineno,
                    )
                )
            else:
                members.append(Member(name, MemberKind.ATTRIBUTE, text, lineno=first.lineno))
    return tuple(members)


def _aliased_method(statement: ast.stmt, members: Sequence[Member]) -> Member | None:
    if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Name)):
        return None
    target = statement.value.id
    return next(
        (m for m in members if m.name == target and m.signature is not None),
        None,
    )


def _return_name(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    returns = function.returns
    if isinstance(returns, ast.Constant) and isinstance(returns.value, str):
        return returns.value
    if isinstance(returns, ast.Name):
        return returns.id
    return ""


def awaitable_classes(tree: ast.Module) -> frozenset[str]:
    """Module-level classes whose instances can be awaited (they define ``__await__``).

    A method that returns one of these works in both call styles: ``x.m()`` and
    ``await x.m()``; the built-in doubles use this for methods the copies disagree on.
    """
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(item, ast.FunctionDef) and item.name == "__await__" for item in node.body
        )
    )


def incompatibility(copy: Signature, canonical: Signature) -> str:
    """Why a call that works on the copy's signature may fail on the canonical's; "" if none.

    Positional parameters are matched by position (calls in test code pass them that way;
    their names may differ), keyword-only ones by name.
    """
    for index, (name, has_default) in enumerate(copy.positional):
        if index < len(canonical.positional):
            if has_default and not canonical.positional[index][1]:
                return f"{name} is optional in the copy, required in the canonical"
        elif not canonical.varargs:
            return f"the canonical takes no positional parameter for {name}"
    for index in range(len(copy.positional), len(canonical.positional)):
        other, has_default = canonical.positional[index]
        if not has_default and not copy.varargs:
            return f"the canonical requires {other}"
    if copy.varargs and not canonical.varargs:
        return "the copy takes *args, the canonical does not"
    if copy.varkw and not canonical.varkw:
        return "the copy takes **kwargs, the canonical does not"
    accepted = canonical.names()
    for name, _ in copy.keyword_only:
        if name not in accepted and not canonical.varkw:
            return f"the canonical has no parameter {name}"
    copy_names = copy.names()
    for name, has_default in canonical.keyword_only:
        if not has_default and name not in copy_names:
            return f"the canonical requires the keyword {name}"
    return ""


def attribute_uses(tree: ast.Module, excluded: Iterable[ast.AST] = ()) -> dict[str, int]:
    """``.name`` accesses anywhere in the module outside ``excluded`` subtrees: name -> line."""
    skipped = {id(node) for node in excluded}
    found: dict[str, int] = {}
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Attribute):
            line = found.get(node.attr)
            if line is None or node.lineno < line:
                found[node.attr] = node.lineno
        stack.extend(ast.iter_child_nodes(node))
    return found

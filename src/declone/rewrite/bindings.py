"""What a module binds and uses, read from its ``ast``: the facts the rewrite engine checks.

LibCST's ``ScopeProvider`` answers the same questions but costs many times a parse; these
checks need only module-level bindings and name counts, which one walk of CPython's own
syntax tree gives in a fraction of that. The rewrite engine still edits with LibCST.
"""

from __future__ import annotations

import ast
import re
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "Binding",
    "ModuleFacts",
    "NameUses",
    "count_name_uses",
    "import_bindings",
    "imported_module",
    "read_module_facts",
]

#: Calls that reach a module attribute by a string, e.g. ``getattr(module, "Name")``.
_ATTRIBUTE_BY_STRING = frozenset({"getattr", "setattr", "delattr", "hasattr"})
_NAMESPACE_CALLS = frozenset({"globals", "vars", "locals"})
_EVALUATORS = frozenset({"eval", "exec"})


@dataclass(frozen=True, slots=True)
class Binding:
    """One statement that binds a name in the module's namespace."""

    name: str
    lineno: int
    col: int
    #: The binding node: a ``ClassDef``, an ``ImportFrom``, a ``Name`` in store context...
    node: ast.AST

    def imports(self, module: str, obj: str) -> bool:
        """True when this binding is ``from module import obj [as name]``; a relative
        ``module`` (``..json``) matches the same relative import, dot for dot."""
        if not isinstance(self.node, ast.ImportFrom):
            return False
        if imported_module(self.node) != module:
            return False
        return any(
            alias.name == obj and (alias.asname or alias.name) == self.name
            for alias in self.node.names
        )


@dataclass(frozen=True, slots=True)
class NameUses:
    """How often each identifier is read, and which words appear in string constants."""

    names: Counter[str] = field(default_factory=Counter)
    #: Identifier-like words of every string constant: string annotations, ``__all__``.
    string_words: Counter[str] = field(default_factory=Counter)
    #: Names read inside string annotations (``x: "Foo"``, ``-> list["Foo"]``): forward
    #: references, which use an import as surely as a name does.
    annotation_names: Counter[str] = field(default_factory=Counter)

    def reads(self, name: str) -> int:
        """Reads of ``name`` as code: plain names and names in string annotations."""
        return self.names[name] + self.annotation_names[name]

    def mentions(self, name: str) -> int:
        return self.names[name] + self.string_words[name]


@dataclass(frozen=True, slots=True)
class ModuleFacts:
    bindings: tuple[Binding, ...]
    uses: NameUses
    #: Names declared ``global`` in a function, with the line of the declaration.
    globals_declared: dict[str, int]
    #: Names reached by a constant string: ``getattr(m, "Name")``, ``globals()["Name"]``.
    dynamic_names: dict[str, int]
    #: Lines of ``eval``/``exec`` calls: they can read or rebind any name.
    evaluator_lines: tuple[int, ...]

    def bindings_of(self, name: str) -> tuple[Binding, ...]:
        return tuple(binding for binding in self.bindings if binding.name == name)


#: Facts already read, by the tree they were read from, for as long as someone holds it: a
#: plan asks them of one file's tree for each of its copies, for the planner and for the
#: unused-copy guard (syntax trees are never changed once parsed).
_READ: weakref.WeakKeyDictionary[ast.Module, ModuleFacts] = weakref.WeakKeyDictionary()


def read_module_facts(tree: ast.Module) -> ModuleFacts:
    """The bindings and name uses of the module ``tree``; treat them as read-only."""
    facts = _READ.get(tree)
    if facts is None:
        facts = _READ[tree] = _read_module_facts(tree)
    return facts


def _read_module_facts(tree: ast.Module) -> ModuleFacts:
    visitor = _FactsVisitor()
    visitor.visit(tree)
    return ModuleFacts(
        bindings=tuple(visitor.bindings),
        uses=NameUses(visitor.names, visitor.words, visitor.annotation_names),
        globals_declared=visitor.globals_declared,
        dynamic_names=visitor.dynamic_names,
        evaluator_lines=tuple(visitor.evaluator_lines),
    )


def count_name_uses(nodes: Iterable[ast.AST]) -> NameUses:
    """Name reads and string words inside ``nodes`` (subtrees of one module)."""
    visitor = _FactsVisitor()
    for node in nodes:
        visitor.visit(node)
    return NameUses(visitor.names, visitor.words, visitor.annotation_names)


def imported_module(node: ast.ImportFrom) -> str:
    """The module of a ``from`` import as written: ``pkg.mod``, ``.support``, ``..``."""
    return "." * node.level + (node.module or "")


def import_bindings(
    node: ast.Import | ast.ImportFrom, *, relative: bool = False
) -> list[tuple[str, str, str | None, str | None]]:
    """``(bound name, module, object, asname)`` for each alias, as LibCST's import visitors
    name them. Star and ``__future__`` imports are left out, and ``from . import x`` unless
    ``relative`` (``x`` may be a sibling module the package loads that way: declone removes
    it only where it has no run-time effect, under ``if TYPE_CHECKING:``); a relative
    module is written with its dots (``..json``)."""
    found: list[tuple[str, str, str | None, str | None]] = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            bound = alias.asname or alias.name.partition(".")[0]
            found.append((bound, alias.name, None, alias.asname))
        return found
    if (node.level and node.module is None and not relative) or node.module == "__future__":
        return found
    module = imported_module(node)
    for alias in node.names:
        if alias.name != "*":
            found.append((alias.asname or alias.name, module, alias.name, alias.asname))
    return found


def _annotation_names(annotation: ast.expr | None) -> list[str]:
    """Names read by the strings of an annotation, parsed as the type checker would
    (``"Foo"``, ``list["Foo"]``, ``"dict[str, Foo]"``); a string that is no expression
    (``Literal["not a name"]``) reads nothing."""
    if annotation is None:
        return []
    found: list[str] = []
    pending: list[ast.AST] = [annotation]
    while pending:
        node = pending.pop()
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Constant) or not isinstance(sub.value, str):
                continue
            try:
                parsed = ast.parse(sub.value.strip(), mode="eval")
            except (SyntaxError, ValueError):
                continue
            found.extend(n.id for n in ast.walk(parsed) if isinstance(n, ast.Name))
            # A string inside the string: ``"list['Foo']"``.
            pending.append(parsed)
    return found


#: A run of letters, digits and underscores: ``\w`` is ``str.isalnum()`` or ``_``, character
#: by character, in Unicode patterns.
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    """The identifiers among the runs of letters, digits and underscores of ``text``.

    A string constant may be a module's whole documentation (thousands of characters): one
    regular expression search, not a Python step per character.
    """
    return [word for word in _WORD.findall(text) if word.isidentifier()]


class _FactsVisitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.depth = 0
        self.bindings: list[Binding] = []
        self.names: Counter[str] = Counter()
        self.words: Counter[str] = Counter()
        self.annotation_names: Counter[str] = Counter()
        self.globals_declared: dict[str, int] = {}
        self.dynamic_names: dict[str, int] = {}
        self.evaluator_lines: list[int] = []

    def _bind(self, name: str, node: ast.AST) -> None:
        if self.depth == 0:
            lineno = getattr(node, "lineno", 0)
            self.bindings.append(Binding(name, lineno, getattr(node, "col_offset", 0), node))

    def _scoped(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._bind(node.name, node)
        self.annotation_names.update(_annotation_names(node.returns))
        self._scoped(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._bind(node.name, node)
        self.annotation_names.update(_annotation_names(node.returns))
        self._scoped(node)

    def visit_arg(self, node: ast.arg) -> None:
        self.annotation_names.update(_annotation_names(node.annotation))
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.annotation_names.update(_annotation_names(node.annotation))
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._bind(node.name, node)
        self._scoped(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._scoped(node)

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._scoped(node)

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._scoped(node)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._scoped(node)

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._scoped(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        # An assignment expression binds in the enclosing function or module scope, even
        # inside a comprehension; at module level only comprehensions can hide it.
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._bind(alias.asname or alias.name.partition(".")[0], node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self._bind(alias.asname or alias.name, node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.names[node.id] += 1
        else:
            self._bind(node.id, node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._bind(node.name, node)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self._bind(node.name, node)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._bind(node.name, node)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self._bind(node.rest, node)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            self.globals_declared.setdefault(name, node.lineno)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.words.update(_words(node.value))

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name):
            if node.func.id in _EVALUATORS:
                self.evaluator_lines.append(node.lineno)
            elif node.func.id in _ATTRIBUTE_BY_STRING and len(node.args) >= 2:
                self._dynamic(node.args[1], node.lineno)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        value = node.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id in _NAMESPACE_CALLS
        ):
            self._dynamic(node.slice, node.lineno)
        self.generic_visit(node)

    def _dynamic(self, node: ast.AST, lineno: int) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.dynamic_names.setdefault(node.value, lineno)

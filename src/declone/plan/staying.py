"""Classes that must stay where they are: what makes moving a class's definition unsafe.

Replacing a copy with an import moves where its class statement runs. That is invisible for
most classes and changes behaviour for some:

* a metaclass other than ``type`` or ``ABCMeta`` runs where the class is defined, and may
  register it there;
* a base class that defines ``__init_subclass__`` or has such a metaclass, followed through
  the repository's imports (a base's own bases too, to a bounded depth), registers each
  subclass where the subclass is defined;
* a base from a third-party package declone cannot read (an ORM model, a declarative base, a
  framework's base class) may do either, unless ``[tool.declone] inert-bases`` lists it;
* a class decorator that is not known to be pure may register the class.

A class defined under a module-level ``if``, ``try`` or ``with`` stays too, whatever it is:
an import at the top of the file would run outside that block. Nor is it ever the source of
an extracted canonical: only a class statement that is one of its module's own statements
is (:func:`at_top_level`).

A ``@pytest.mark.X`` on a class takes effect on the tests pytest collects from it and from
the classes that inherit it: it is a reason to keep a helper in place only when a class that
pytest collects inherits it. A copy whose residual subclass would override most of what it
inherits has diverged: it stays as it is, with its diff against the canonical. Production
code never imports test code.

Pure functions: the files a base leads to are read through a ``TreeReader`` (a path to its
parsed module) that the caller supplies.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import enum
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from posixpath import dirname, join

from declone.config import PytestConfig
from declone.model import ClassRecord
from declone.plan.importability import (
    ImportContext,
    module_name_for,
    module_paths_for,
    sys_path_for,
)
from declone.scan import is_pure_decorator

__all__ = [
    "BaseReader",
    "Divergence",
    "Stay",
    "TreeReader",
    "at_top_level",
    "block_stay",
    "collected_heir",
    "default_test_code",
    "divergence",
    "enclosing_block",
    "mark_name",
    "source_diff",
    "staying_reasons",
    "subclasses_by_base",
]

#: A repository file (root-relative POSIX path) to its parsed module; None when it cannot be
#: read or parsed.
TreeReader = Callable[[str], ast.Module | None]

#: How many bases deep a class's ancestry is followed.
MAX_DEPTH = 8
_INERT_METACLASSES = frozenset({"type", "ABCMeta", "abc.ABCMeta"})
_CONSTRUCTORS = frozenset({"__init__", "__new__"})
_TEST_FOLDERS = frozenset({"test", "tests", "testing"})
#: Third-party modules that only backport the standard library's (``typing``'s) classes.
_STANDARD_BACKPORTS = frozenset({"typing_extensions"})
_INERT_HINT = "(list it in [tool.declone] inert-bases if it does not)"


@dataclass(frozen=True, slots=True)
class Stay:
    """Why a copy stays where it is, and that reason in a few words (its cause)."""

    reason: str
    cause: str


@dataclass(frozen=True, slots=True)
class BaseReader:
    """What following bases through the repository needs: pytest's ``sys.path`` rules, a
    reader of the files they lead to, and the bases declared inert."""

    context: ImportContext
    read_tree: TreeReader
    #: ``pkg.module.Base`` (as imported) or a bare ``Base``: known not to register subclasses.
    inert_bases: tuple[str, ...] = ()

    def is_inert(self, qualified: str) -> bool:
        bare = qualified.rpartition(".")[2]
        return any(entry in (qualified, bare) for entry in self.inert_bases)


class _Origin(enum.Enum):
    BUILTIN = "builtin"
    STDLIB = "stdlib"
    REPO = "repo"
    THIRD_PARTY = "third-party"
    UNFOLLOWED = "unfollowed"


@dataclass(frozen=True, slots=True)
class _Resolved:
    origin: _Origin
    #: The dotted name it resolves to: ``django.db.models.Model``, ``tests.models.Base``.
    qualified: str
    path: str = ""
    node: ast.ClassDef | None = None
    tree: ast.Module | None = None
    #: Why it could not be followed (``UNFOLLOWED``).
    why: str = ""

    @property
    def package(self) -> str:
        return self.qualified.partition(".")[0]


@dataclass(frozen=True, slots=True)
class _Hop:
    """A class on the way from a copy to what makes it stay: its name as written by the class
    that derives from it, and where it is defined (``""`` outside the repository)."""

    name: str
    location: str = ""

    def __str__(self) -> str:
        return f"`{self.name}` ({self.location})" if self.location else f"`{self.name}`"


# --- where the class statement is ---------------------------------------------------------

#: The module-level statements a class can be defined under, as their keyword reads.
_BLOCK_KEYWORDS: tuple[tuple[type[ast.stmt], str], ...] = (
    (ast.If, "if"),
    (ast.Try, "try"),
    (ast.TryStar, "try"),
    (ast.With, "with"),
    (ast.AsyncWith, "async with"),
    (ast.For, "for"),
    (ast.AsyncFor, "async for"),
    (ast.While, "while"),
    (ast.Match, "match"),
)


def at_top_level(copy: ClassRecord) -> bool:
    """Whether the copy's class statement is one of its module's own statements: not in a
    function or a class, and not under an ``if``, ``try`` or ``with`` (a class statement
    under a block is indented: it never starts at column 0)."""
    return copy.qualname == copy.name and not copy.in_function and copy.col == 0


def enclosing_block(tree: ast.Module, lineno: int) -> str:
    """The module-level block of ``tree`` that holds line ``lineno``, said as ``an `if` at
    line 3``; "" when no block does (an ``if``, a ``try``, a ``with``, a loop)."""
    for statement in tree.body:
        end = statement.end_lineno or statement.lineno
        if not statement.lineno < lineno <= end:
            continue
        keyword = next((k for kind, k in _BLOCK_KEYWORDS if isinstance(statement, kind)), "")
        if not keyword:
            return ""
        article = "an" if keyword[0] in "aeiou" else "a"
        return f"{article} `{keyword}` at line {statement.lineno}"
    return ""


def block_stay(tree: ast.Module, lineno: int) -> Stay | None:
    """Why the class statement at ``lineno`` stays when a module-level block of ``tree``
    holds it; None when none does."""
    block = enclosing_block(tree, lineno)
    if not block:
        return None
    return Stay(
        f"defined under {block}: kept, since an import at the top of the file would be outside it",
        "defined under " + block.partition(" at line ")[0],
    )


# --- the class's own traits and its bases ---------------------------------------------------


def staying_reasons(
    node: ast.ClassDef, tree: ast.Module, path: str, reader: BaseReader
) -> tuple[Stay, ...]:
    """Why the class ``node`` (in ``tree``, the module at ``path``) must stay where it is
    defined: its decorators, its metaclass, its bases; empty when it may move."""
    found: list[Stay] = []
    for decorator in node.decorator_list:
        text = ast.unparse(decorator)
        if is_pure_decorator(text) or mark_name(text):
            continue
        name = text.split("(", 1)[0]
        found.append(
            Stay(
                f"decorated with @{name}, which may register the class where it is defined",
                f"decorated with @{name}",
            )
        )
    metaclass = _metaclass(node)
    if metaclass:
        found.append(
            Stay(
                f"its metaclass `{metaclass}` runs where the class is defined and may register "
                "it there",
                "with a metaclass",
            )
        )
    for base in node.bases:
        problem = _base_problem(base, path, tree, reader, (), {(path, node.lineno)})
        if problem is not None:
            found.append(problem)
    return tuple(found)


def _metaclass(node: ast.ClassDef) -> str:
    """The class's metaclass as written, when it is not one known to be inert; else ""."""
    for keyword in node.keywords:
        if keyword.arg == "metaclass":
            text = ast.unparse(keyword.value)
            return "" if text in _INERT_METACLASSES else text
    return ""


def _base_problem(
    base: ast.expr,
    path: str,
    tree: ast.Module,
    reader: BaseReader,
    hops: tuple[_Hop, ...],
    seen: set[tuple[str, int]],
) -> Stay | None:
    """What in the ancestry of ``base`` (written in ``tree``, at ``path``) keeps a subclass
    where it is defined; ``hops`` are the classes already passed on the way."""
    name = _dotted(base)
    if name is None:
        hop = _Hop(ast.unparse(base))
        return _unfollowed((*hops, hop), "an expression declone cannot follow")
    resolved = _resolve_name(name, path, tree, reader, 0)
    if reader.is_inert(resolved.qualified) or reader.is_inert(name):
        return None
    if resolved.origin in (_Origin.BUILTIN, _Origin.STDLIB):
        return None
    if resolved.origin is _Origin.THIRD_PARTY:
        return _third_party((*hops, _Hop(name)), resolved.package)
    if resolved.origin is _Origin.UNFOLLOWED or resolved.node is None or resolved.tree is None:
        return _unfollowed((*hops, _Hop(name)), resolved.why)
    node = resolved.node
    key = (resolved.path, node.lineno)
    if key in seen:
        return None
    seen.add(key)
    hop = _Hop(name, f"{resolved.path}:{node.lineno}")
    chain = (*hops, hop)
    if any(
        isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        and item.name == "__init_subclass__"
        for item in node.body
    ):
        subject = _subject(chain, "defines", "__init_subclass__")
        return Stay(
            f"{subject}: each subclass registers where it is defined",
            "with a base that registers its subclasses",
        )
    metaclass = _metaclass(node)
    if metaclass:
        subject = _subject(chain, "has", f"the metaclass `{metaclass}`")
        return Stay(
            f"{subject}: it runs for each subclass where the subclass is defined",
            "with a base that has a metaclass",
        )
    if len(chain) >= MAX_DEPTH:
        return None
    for inner in node.bases:
        problem = _base_problem(inner, resolved.path, resolved.tree, reader, chain, seen)
        if problem is not None:
            return problem
    return None


def _subject(chain: Sequence[_Hop], verb: str, what: str) -> str:
    """``its base `B` (a.py:3) defines X``, or ``... inherits X from `C` (b.py:7)`` when the
    trait is further up."""
    first = f"its base {chain[0]}"
    if len(chain) == 1:
        return f"{first} {verb} {what}"
    return f"{first} inherits {what} from {chain[-1]}"


def _third_party(chain: Sequence[_Hop], package: str) -> Stay:
    if len(chain) == 1:
        subject = f"its base {chain[0]} comes from {package}"
    else:
        subject = f"its base {chain[0]} derives from {chain[-1]}, from {package}"
    return Stay(
        f"{subject}, which declone cannot read: a subclass may register where it is defined "
        + _INERT_HINT,
        f"with a base from {package}",
    )


def _unfollowed(chain: Sequence[_Hop], why: str) -> Stay:
    subject = f"its base {chain[0]}"
    if len(chain) > 1:
        subject += f" derives from {chain[-1]}, which"
    return Stay(
        f"{subject} cannot be followed ({why}): a subclass may register where it is defined "
        + _INERT_HINT,
        "with a base declone cannot follow",
    )


# --- resolving a name through the repository's imports --------------------------------------


def _dotted(node: ast.expr) -> str | None:
    """``a.b.C`` of a base written ``a.b.C``, ``a.b.C[T]`` or ``a.b.C(...)``; None otherwise."""
    if isinstance(node, ast.Subscript):
        return _dotted(node.value)
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _binding(tree: ast.Module, name: str) -> tuple[ast.stmt, ast.alias | None] | None:
    """The first module-level statement that binds ``name`` (conditional imports and
    ``try``/``except`` fallbacks included), with the import's alias when it is one."""
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        statement = stack.pop()
        if isinstance(statement, ast.Import | ast.ImportFrom):
            for alias in statement.names:
                bound = alias.asname or alias.name.partition(".")[0]
                if bound == name:
                    return statement, alias
        elif isinstance(statement, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            if statement.name == name:
                return statement, None
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return statement, None
        else:
            nested: list[ast.stmt] = []
            for field in ("body", "orelse", "finalbody"):
                nested.extend(getattr(statement, field, ()))
            for handler in getattr(statement, "handlers", ()):
                nested.extend(handler.body)
            stack.extend(reversed(nested))
    return None


def _resolve_name(
    name: str, path: str, tree: ast.Module, reader: BaseReader, depth: int
) -> _Resolved:
    """What the dotted ``name`` is in the module ``tree`` (the file at ``path``)."""
    head, _, rest = name.partition(".")
    attributes = rest.split(".") if rest else []
    found = _binding(tree, head)
    if found is None:
        if not attributes and hasattr(builtins, head):
            return _Resolved(_Origin.BUILTIN, f"builtins.{head}")
        return _Resolved(_Origin.UNFOLLOWED, name, path, why=f"{head} is not bound in {path}")
    if depth > MAX_DEPTH:
        return _Resolved(_Origin.UNFOLLOWED, name, path, why="too many imports deep")
    statement, alias = found
    if isinstance(statement, ast.Import) and alias is not None:
        module = alias.name if alias.asname else head
        return _in_module(0, module, attributes, path, reader, depth + 1)
    if isinstance(statement, ast.ImportFrom) and alias is not None:
        module = statement.module or ""
        return _in_module(statement.level, module, [alias.name, *attributes], path, reader, depth)
    if isinstance(statement, ast.ClassDef):
        node = _nested_class(statement, attributes)
        if node is not None:
            qualified = f"{module_name_for(reader.context, path)}.{name}"
            return _Resolved(_Origin.REPO, qualified, path, node, tree)
    value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else None
    target = _dotted(value) if value is not None else None
    if target is not None and not attributes and target != name:
        # ``Base = declarative_base()`` or ``Model = models.Model``: what made it says where
        # it comes from.
        made = _resolve_name(target, path, tree, reader, depth + 1)
        if made.origin is not _Origin.REPO or isinstance(value, ast.Name | ast.Attribute):
            return made
    line = statement.lineno
    return _Resolved(
        _Origin.UNFOLLOWED, name, path, why=f"{path}:{line} binds {head} to no class statement"
    )


def _nested_class(node: ast.ClassDef, names: Sequence[str]) -> ast.ClassDef | None:
    """``Outer.Inner``: the class ``names`` lead to from ``node``; None if one is missing."""
    for name in names:
        inner = next((c for c in node.body if isinstance(c, ast.ClassDef) and c.name == name), None)
        if inner is None:
            return None
        node = inner
    return node


def _in_module(
    level: int,
    module: str,
    attributes: list[str],
    importer: str,
    reader: BaseReader,
    depth: int,
) -> _Resolved:
    """``module.attributes`` as ``importer`` imports it (``level`` dots for a relative import)."""
    path = _module_file(reader.context, level, module, importer)
    if path is None:
        for count in range(1, len(attributes) + 1):
            sub = ".".join(filter(None, [module, *attributes[:count]]))
            if _module_file(reader.context, level, sub, importer) is not None:
                return _in_module(level, sub, attributes[count:], importer, reader, depth)
        if level:
            shown = "." * level + module
            return _Resolved(
                _Origin.UNFOLLOWED,
                shown,
                importer,
                why=f"{shown} is no file of the repository",
            )
        qualified = ".".join([module, *attributes])
        top = module.partition(".")[0]
        if top == "builtins":
            return _Resolved(_Origin.BUILTIN, qualified)
        if top in sys.stdlib_module_names or top in _STANDARD_BACKPORTS:
            return _Resolved(_Origin.STDLIB, qualified)
        return _Resolved(_Origin.THIRD_PARTY, qualified)
    tree = reader.read_tree(path)
    if tree is None:
        return _Resolved(_Origin.UNFOLLOWED, module, path, why=f"{path} cannot be read")
    if not attributes:
        return _Resolved(_Origin.UNFOLLOWED, module, path, why=f"{module} is a module")
    if _binding(tree, attributes[0]) is not None:
        return _resolve_name(".".join(attributes), path, tree, reader, depth + 1)
    sub = ".".join(filter(None, [module, attributes[0]]))
    if _module_file(reader.context, level, sub, importer) is not None:
        return _in_module(level, sub, attributes[1:], importer, reader, depth)
    return _Resolved(_Origin.UNFOLLOWED, module, path, why=f"{path} defines no {attributes[0]}")


def _module_file(context: ImportContext, level: int, module: str, importer: str) -> str | None:
    """The repository file of ``module`` as ``importer`` imports it; None outside the repo.

    Absolute imports follow ``sys.path`` under pytest (then the root, as a repository's own
    tooling often puts it there); relative ones the importer's folders.
    """
    if level == 0:
        entries: Iterable[str] = dict.fromkeys((*sys_path_for(context, importer), ""))
        candidates = module_paths_for(module, entries)
    else:
        folder = dirname(importer)
        for _ in range(level - 1):
            folder = dirname(folder)
        if module:
            candidates = module_paths_for(module, (folder,))
        else:
            candidates = (join(folder, "__init__.py") if folder else "__init__.py",)
    return next((c for c in candidates if c in context.files), None)


# --- marks ----------------------------------------------------------------------------------


def mark_name(decorator: str) -> str:
    """``pytest.mark.slow`` for a decorator written ``pytest.mark.slow(...)`` or
    ``mark.slow``; "" for any other."""
    name = decorator.split("(", 1)[0]
    parts = name.split(".")
    if (parts[:2] == ["pytest", "mark"] and len(parts) == 3) or (
        parts[0] == "mark" and len(parts) == 2
    ):
        return name
    return ""


def subclasses_by_base(classes: Iterable[ClassRecord]) -> dict[str, tuple[ClassRecord, ...]]:
    """Every class under the last part of each base's name (``helpers.Recorder`` under
    ``Recorder``): where to look for a class's subclasses."""
    found: dict[str, list[ClassRecord]] = {}
    for record in classes:
        for base in record.bases:
            found.setdefault(base.split("[", 1)[0].rpartition(".")[2], []).append(record)
    return {name: tuple(records) for name, records in found.items()}


def collected_heir(
    copy: ClassRecord,
    subclasses: Mapping[str, Sequence[ClassRecord]],
    pytest: PytestConfig,
    reader: BaseReader,
) -> ClassRecord | None:
    """A class pytest collects that inherits ``copy`` (directly or through other classes of
    the repository), the nearest first; None when there is none.

    pytest collects a class whose name matches ``python_classes``, in a test file, outside a
    function, with no ``__init__`` or ``__new__`` of its own or inherited from ``copy``.
    """
    if any(method.name in _CONSTRUCTORS for method in copy.methods):
        return None
    frontier = [copy]
    seen = {(copy.path, copy.lineno)}
    for _ in range(MAX_DEPTH):
        following: list[ClassRecord] = []
        for parent in frontier:
            for candidate in subclasses.get(parent.name, ()):
                key = (candidate.path, candidate.lineno)
                if key in seen or not _derives_from(candidate, parent, reader):
                    continue
                seen.add(key)
                if any(method.name in _CONSTRUCTORS for method in candidate.methods):
                    continue
                if (
                    pytest.is_test_file(candidate.path)
                    and pytest.is_test_class_name(candidate.name)
                    and not candidate.in_function
                ):
                    return candidate
                following.append(candidate)
        frontier = following
    return None


def _derives_from(candidate: ClassRecord, parent: ClassRecord, reader: BaseReader) -> bool:
    """Whether one of ``candidate``'s bases is the class ``parent``."""
    tree: ast.Module | None = None
    for base in candidate.bases:
        name = base.split("[", 1)[0]
        if name.rpartition(".")[2] != parent.name:
            continue
        if candidate.path == parent.path and name == parent.name:
            return True
        tree = tree or reader.read_tree(candidate.path)
        if tree is None:
            return False
        resolved = _resolve_name(name, candidate.path, tree, reader, 0)
        if (
            resolved.origin is _Origin.REPO
            and resolved.path == parent.path
            and resolved.node is not None
            and resolved.node.lineno == parent.lineno
        ):
            return True
    return False


# --- divergence, test code ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Divergence:
    """How a residual subclass would sit on the canonical."""

    #: The canonical's members the copy redefines.
    overridden: tuple[str, ...]
    #: The canonical's members the subclass would inherit.
    inherited: tuple[str, ...]
    #: How many members of the canonical count.
    total: int

    @property
    def inherits(self) -> bool:
        """A subclass that really inherits: at least one member, and it overrides fewer than
        half of the canonical's members."""
        return bool(self.inherited) and 2 * len(self.overridden) < self.total

    def describe(self, canonical_name: str) -> str:
        shown = ", ".join(self.overridden) or "none"
        members = "member" if self.total == 1 else "members"
        inherited = f"only {', '.join(self.inherited)}" if self.inherited else "nothing"
        return (
            f"a residual subclass would override {len(self.overridden)} of {canonical_name}'s "
            f"{self.total} {members} ({shown}) and inherit {inherited}: the copy diverged"
        )


def divergence(kept: Sequence[str], canonical_members: Sequence[str]) -> Divergence:
    """What a residual that keeps ``kept`` overrides and inherits of ``canonical_members``."""
    keep = set(kept)
    return Divergence(
        tuple(name for name in canonical_members if name in keep),
        tuple(name for name in canonical_members if name not in keep),
        len(canonical_members),
    )


def source_diff(canonical: str, copy: str, canonical_label: str, copy_label: str) -> str:
    """The unified diff of the copy's class source against the canonical's."""

    def lines(text: str) -> list[str]:
        return [line if line.endswith("\n") else line + "\n" for line in text.splitlines(True)]

    return "".join(difflib.unified_diff(lines(canonical), lines(copy), canonical_label, copy_label))


def default_test_code(pytest: PytestConfig) -> Callable[[str], bool]:
    """Test code as pytest's options and common layouts say: a file matching
    ``python_files``, a ``conftest.py``, or one below a ``test``, ``tests`` or ``testing``
    folder."""

    def is_test_code(path: str) -> bool:
        folders, _, base = path.rpartition("/")
        if base == "conftest.py" or pytest.is_test_file(path):
            return True
        return any(part in _TEST_FOLDERS for part in folders.split("/") if part)

    return is_test_code

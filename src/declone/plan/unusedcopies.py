"""Copies nothing uses: removed with no import in their place.

A test module often carries a copy of a helper that none of its tests uses any more. Putting
the canonical's import in its place would leave an import nothing reads, which pyflakes and
ruff report (F401). Such a copy simply goes, when nothing could reach it through the module
either: no other file of the repository imports the class from the module (``from tests.test_views
import DummyRequest``; ``from . import DummyRequest`` inside the package of an
``__init__.py``), reads it as the module's attribute (``test_views.DummyRequest``) or names
it in a string or a configuration file (an entry point ``tests.test_views:DummyRequest``).
Modules are told by the last part of their name, so a same-named module elsewhere errs on
the side of keeping the copy.

A copy that nothing in its file uses but another file reaches through its module stays as it
is: the import in its place would only re-export the canonical, an import its module never
reads, which linters report all the same (the reason names the file that reaches it).

Only in test code and in files that ship alone (an Ansible module is run on its host, never
imported from outside the repository): a class in any other module that ships is part of what
its users may import, from outside the repository, and its module keeps the import.

Pure but for ``read_others``, which the caller gives: the plan and the family's parsed files
in, the plan with those copies marked out.
"""

from __future__ import annotations

import ast
import dataclasses
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from declone.plan.guards import skipped
from declone.plan.planner import Action, CopyPlan, Plan
from declone.rewrite import class_used_elsewhere

__all__ = ["NOT_IMPORTED", "OtherFiles", "without_unused_imports"]

#: What the plan says of a copy that goes with no import in its place.
NOT_IMPORTED = (
    "nothing in its file uses it and no other file imports it from there: it goes, no import added"
)

#: Reads the repository's other files: ``(path, bytes)`` pairs.
OtherFiles = Callable[[], Iterable[tuple[str, bytes]]]


def without_unused_imports(
    plan: Plan,
    trees: Mapping[str, ast.Module | None],
    read_others: OtherFiles,
    imported_only_here: Callable[[str], bool],
) -> Plan:
    """``plan`` with each copy that nothing uses, in its file or through it, planned to go
    without the canonical's import, in the files ``imported_only_here`` accepts (test code,
    files that ship alone). ``trees`` are the family's files parsed (``None`` for one that
    does not parse)."""
    unused = [
        entry
        for entry in plan.changes
        if imported_only_here(entry.path) and _unused_in_its_file(entry, trees.get(entry.path))
    ]
    if not unused:
        return plan
    keys = {(entry.path, entry.lineno) for entry in unused}
    reached = _reached_from_elsewhere(unused, read_others)

    def mark(entry: CopyPlan) -> CopyPlan:
        key = (entry.path, entry.lineno)
        if key not in keys:
            return entry
        if key in reached:
            return skipped(
                entry,
                f"nothing in its file uses it, and {reached[key]} names it through this module: "
                "the canonical's import here would only re-export it, an import the module "
                "never reads (F401); kept",
                "re-exported, unused in its file",
            )
        return dataclasses.replace(
            entry, adds_import=False, reason=f"{entry.reason}; {NOT_IMPORTED}"
        )

    return dataclasses.replace(plan, entries=tuple(mark(entry) for entry in plan.entries))


def _unused_in_its_file(entry: CopyPlan, tree: ast.Module | None) -> bool:
    if entry.action not in (Action.REPLACE, Action.ALIAS) or tree is None:
        return False
    return not class_used_elsewhere(tree, entry.lineno, entry.class_name)


def _module_word(path: str) -> str:
    """The last part of the module's dotted name: the file's stem, or its package's folder."""
    folder, name = posixpath.split(path)
    stem = name.rsplit(".", 1)[0]
    return posixpath.basename(folder) if stem == "__init__" and folder else stem


def _reached_from_elsewhere(
    unused: list[CopyPlan], read_others: OtherFiles
) -> dict[tuple[str, int], str]:
    """The copies of ``unused`` that another file may reach through their module, with the
    first such file."""
    searches = {(entry.path, entry.lineno): _Search.of(entry) for entry in unused}
    reached: dict[tuple[str, int], str] = {}
    for path, data in read_others():
        asking = [
            (key, search)
            for key, search in searches.items()
            if key not in reached and key[0] != path and search.raw in data
        ]
        if not asking:
            continue
        # Parsed once for all the copies it may reach (a family's copies share a name).
        nodes = _nodes(path, data.decode("utf-8", "replace"))
        for key, search in asking:
            if search.reaches(path, nodes):
                reached[key] = path
    return reached


def _nodes(path: str, text: str) -> list[ast.AST] | str | None:
    """What another file offers to reach a class through: a Python file's every node, a
    configuration file's text; ``None`` for a Python file that does not parse."""
    if not path.endswith((".py", ".pyi")):
        return text
    try:
        return list(ast.walk(ast.parse(text)))
    except (SyntaxError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class _Search:
    """How another file may reach one copy's class through its module."""

    name: str
    raw: bytes
    #: The last part of the module's dotted name (``test_views``, or a package's folder).
    word: str
    #: ``test_views.Dummy`` or ``test_views:Dummy`` in a string or a configuration file.
    dotted: re.Pattern[str]
    #: The folder of an ``__init__.py`` ("" at the root), whose files import the class as
    #: ``from . import X``; None for another module.
    package: str | None

    @classmethod
    def of(cls, entry: CopyPlan) -> _Search:
        folder, file_name = posixpath.split(entry.path)
        word = _module_word(entry.path)
        return cls(
            entry.class_name,
            entry.class_name.encode(),
            word,
            re.compile(rf"\b{re.escape(word)}[.:]{re.escape(entry.class_name)}\b"),
            folder if file_name == "__init__.py" else None,
        )

    def reaches(self, path: str, nodes: list[ast.AST] | str | None) -> bool:
        """Whether the file at ``path`` (``nodes``, see ``_nodes``) reaches the class through
        its module: imports it from there, reads it as the module's attribute, or names
        ``module.Class`` in a string; True for a Python file that does not parse (nothing is
        known)."""
        if nodes is None:
            return True
        if isinstance(nodes, str):
            return self.dotted.search(nodes) is not None
        inside = self.package is not None and (
            self.package == "" or path.startswith(f"{self.package}/")
        )
        return any(self._reached_by(node, inside) for node in nodes)

    def _reached_by(self, node: ast.AST, inside: bool) -> bool:
        if isinstance(node, ast.ImportFrom):
            if not any(alias.name == self.name for alias in node.names):
                return False
            if node.module is None:
                return inside  # ``from . import Dummy``
            return node.module.rpartition(".")[2] == self.word
        if isinstance(node, ast.Attribute) and node.attr == self.name:
            value = node.value
            owner = value.id if isinstance(value, ast.Name) else getattr(value, "attr", None)
            return owner == self.word
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self.dotted.search(node.value) is not None
        return False

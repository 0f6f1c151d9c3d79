"""Copies nothing uses: removed with no import in their place.

A test module often carries a copy of a helper that none of its tests uses any more. Putting
the canonical's import in its place would leave an import nothing reads, which pyflakes and
ruff report (F401). Such a copy simply goes, when nothing could reach it through the module
either: no other file of the repository mentions both the class and the module's name
(``from tests.test_views import DummyRequest``, ``test_views.DummyRequest``, an entry point
``tests.test_views:DummyRequest`` in ``setup.cfg``), and for a package's ``__init__.py``, no
file inside the package imports the class (``from . import DummyRequest``) or reads it as an
attribute. The test is by words, so it errs on the
side of keeping the import: a file that names both for another reason keeps it too.

Only in test code: a class in a module that ships is part of what its users may import, from
outside the repository, and its module keeps the import.

Pure but for ``read_others``, which the caller gives: the plan and the family's texts in,
the plan with those copies marked out.
"""

from __future__ import annotations

import ast
import dataclasses
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from declone.plan.planner import Action, CopyPlan, Plan
from declone.rewrite import class_used_elsewhere

__all__ = ["NOT_IMPORTED", "without_unused_imports"]

#: What the plan says of a copy that goes with no import in its place.
NOT_IMPORTED = (
    "nothing in its file uses it and no other file imports it from there: it goes, no import added"
)

#: Reads the repository's other files: ``(path, bytes)`` pairs.
OtherFiles = Callable[[], Iterable[tuple[str, bytes]]]


def without_unused_imports(
    plan: Plan,
    texts: Mapping[str, str],
    read_others: OtherFiles,
    is_test_code: Callable[[str], bool],
) -> Plan:
    """``plan`` with each copy in test code that nothing uses, in its file or through it,
    planned to go without the canonical's import."""
    unused = [
        entry
        for entry in plan.changes
        if is_test_code(entry.path) and _unused_in_its_file(entry, texts)
    ]
    if not unused:
        return plan
    reached = _reached_from_elsewhere(unused, read_others)
    marked = {
        (entry.path, entry.lineno) for entry in unused if (entry.path, entry.lineno) not in reached
    }
    if not marked:
        return plan

    def mark(entry: CopyPlan) -> CopyPlan:
        if (entry.path, entry.lineno) not in marked:
            return entry
        return dataclasses.replace(
            entry, adds_import=False, reason=f"{entry.reason}; {NOT_IMPORTED}"
        )

    return dataclasses.replace(plan, entries=tuple(mark(entry) for entry in plan.entries))


def _unused_in_its_file(entry: CopyPlan, texts: Mapping[str, str]) -> bool:
    if entry.action not in (Action.REPLACE, Action.ALIAS) or entry.path not in texts:
        return False
    try:
        tree = ast.parse(texts[entry.path])
    except (SyntaxError, ValueError):
        return False
    return not class_used_elsewhere(tree, entry.lineno, entry.class_name)


def _module_word(path: str) -> str:
    """The last part of the module's dotted name: the file's stem, or its package's folder."""
    folder, name = posixpath.split(path)
    stem = name.rsplit(".", 1)[0]
    return posixpath.basename(folder) if stem == "__init__" and folder else stem


def _reached_from_elsewhere(
    unused: list[CopyPlan], read_others: OtherFiles
) -> set[tuple[str, int]]:
    """The copies of ``unused`` that another file may reach through their module."""
    searches = {(entry.path, entry.lineno): _Search.of(entry) for entry in unused}
    reached: set[tuple[str, int]] = set()
    for path, data in read_others():
        text: str | None = None
        for key, search in searches.items():
            if key in reached or key[0] == path or search.raw not in data:
                continue
            if text is None:
                text = data.decode("utf-8", "replace")
            if search.reaches(path, text):
                reached.add(key)
    return reached


@dataclass(frozen=True, slots=True)
class _Search:
    """How another file may name one copy's class through its module."""

    name: str
    raw: bytes
    word: re.Pattern[str]
    module: re.Pattern[str]
    #: The folder of an ``__init__.py`` ("" at the root), whose files import the class as
    #: ``from . import X``; None for another module.
    package: str | None

    @classmethod
    def of(cls, entry: CopyPlan) -> _Search:
        folder, file_name = posixpath.split(entry.path)
        return cls(
            entry.class_name,
            entry.class_name.encode(),
            re.compile(rf"\b{re.escape(entry.class_name)}\b"),
            re.compile(rf"\b{re.escape(_module_word(entry.path))}\b"),
            folder if file_name == "__init__.py" else None,
        )

    def reaches(self, path: str, text: str) -> bool:
        if not self.word.search(text):
            return False
        if self.module.search(text):
            return True
        inside = self.package is not None and (
            self.package == "" or path.startswith(f"{self.package}/")
        )
        return inside and _imports_name(text, self.name)


def _imports_name(text: str, name: str) -> bool:
    """Whether ``text`` imports ``name`` from somewhere or reads it as an attribute (a file
    of the package that only defines a copy of its own does neither); True when it does not
    parse, since then nothing is known."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return True
    return any(
        (isinstance(node, ast.ImportFrom) and any(alias.name == name for alias in node.names))
        or (isinstance(node, ast.Attribute) and node.attr == name)
        for node in ast.walk(tree)
    )

"""Can a file import a module the way the repo's pytest imports it?

pytest puts folders on ``sys.path`` by rules of its own, and a canonical class is only useful
to the files that can import it under those rules:

- ``pythonpath`` ini entries, relative to the rootdir, are inserted first (pytest >= 7);
- with ``--import-mode=prepend`` (the default) or ``append``, every test module and every
  ``conftest.py`` is imported by its *basedir*: the first folder upward that has no
  ``__init__.py``. That folder is inserted into ``sys.path`` and the module is named by the
  packages below it (``tests/unit/test_x.py`` with ``tests/__init__.py`` and
  ``tests/unit/__init__.py`` is ``tests.unit.test_x``, and the root goes on ``sys.path``);
- with ``--import-mode=importlib`` nothing is inserted: only ``pythonpath`` entries and
  installed packages are importable.

Three more kinds of ``sys.path`` entries come from the repository itself, after pytest's:

- *source roots* a distribution declares (``package-dir``, ``packages.find where``, a
  ``src/`` or ``lib/`` layout): an installed package imports from there;
- *learned roots*: folders that the repository's own absolute imports show on ``sys.path``
  (an ``ansible_collections.ns.name.plugins...`` import that resolves to a file under the
  folder above ``ansible_collections`` says that this folder is on it, whichever runner
  puts it there);
- the folder above each Ansible collection's ``ansible_collections/<ns>/<name>``, where
  Ansible puts it (:mod:`declone.plan.shipping`).

Pure functions over the repository's file list: nothing here touches the disk. Paths are
POSIX strings relative to the root; ``""`` is the root itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from posixpath import dirname, join, normpath

from declone.config import PytestConfig

__all__ = [
    "ImportCheck",
    "ImportContext",
    "basedir_of",
    "check_import",
    "dotted_name",
    "import_context",
    "import_spelling",
    "imported_files",
    "learned_roots",
    "module_name_for",
    "module_paths_for",
    "sys_path_for",
    "with_roots",
]


@dataclass(frozen=True, slots=True)
class ImportContext:
    """What decides ``sys.path`` under the repo's pytest."""

    import_mode: str
    #: ``pythonpath`` entries, relative to the root, normalised (``""`` for the root).
    pythonpath: tuple[str, ...]
    #: Folders that hold an ``__init__.py``: regular packages.
    packages: frozenset[str]
    #: Folders that hold a ``conftest.py``.
    conftest_dirs: frozenset[str]
    #: Every file of the repo, to tell when an earlier ``sys.path`` entry shadows a module.
    files: frozenset[str] = frozenset()
    #: Source roots and learned roots (see the module's doc), searched after pytest's entries.
    roots: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportCheck:
    """Whether one file can import one module, and why."""

    importable: bool
    #: The ``sys.path`` entry it is found through (``"."`` for the root, ``"installed"``).
    via: str = ""
    reason: str = ""
    #: Something that must hold for the import to work that declone cannot see from the repo.
    condition: str = ""


def _normal(path: str) -> str:
    text = normpath(path) if path else "."
    return "" if text == "." else text


def import_context(pytest: PytestConfig, paths: Iterable[str]) -> ImportContext:
    """The context of a repo whose files (relative POSIX paths) are ``paths``."""
    packages: set[str] = set()
    conftests: set[str] = set()
    files = frozenset(paths)
    for path in files:
        folder, _, base = path.rpartition("/")
        if base == "__init__.py":
            packages.add(folder)
        elif base == "conftest.py":
            conftests.add(folder)
    config_dir = dirname(pytest.source) if pytest.source else ""
    pythonpath = tuple(_normal(join(config_dir, entry)) for entry in pytest.pythonpath)
    return ImportContext(
        pytest.import_mode, pythonpath, frozenset(packages), frozenset(conftests), files
    )


def basedir_of(context: ImportContext, path: str) -> str:
    """The first folder upward from ``path``'s folder that is not a package."""
    folder = dirname(path)
    while folder in context.packages:
        folder = dirname(folder)
    # The root itself may hold an __init__.py; pytest still stops at the filesystem's view,
    # but nothing above the root is ours to reason about.
    return folder


def module_name_for(context: ImportContext, path: str) -> str:
    """The dotted name pytest gives ``path`` in prepend/append mode (the basedir rule)."""
    base = basedir_of(context, path)
    relative = path[len(base) + 1 :] if base else path
    return dotted_name(relative)


def dotted_name(relative: str) -> str:
    """``a/b/c.py`` -> ``a.b.c``; ``a/b/__init__.py`` -> ``a.b``."""
    stem = relative[: -len(".py")] if relative.endswith(".py") else relative
    parts = stem.split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _ancestors(folder: str) -> list[str]:
    """``folder`` and every folder above it up to the root, root first."""
    chain = [folder]
    while folder:
        folder = dirname(folder)
        chain.append(folder)
    return list(reversed(chain))


def sys_path_for(context: ImportContext, target: str) -> tuple[str, ...]:
    """The repo folders on ``sys.path`` when pytest imports ``target``, in lookup order."""
    entries: list[str] = list(context.pythonpath)
    if context.import_mode in ("prepend", "append"):
        inserted = [
            basedir_of(context, join(folder, "conftest.py"))
            for folder in _ancestors(dirname(target))
            if folder in context.conftest_dirs
        ]
        inserted.append(basedir_of(context, target))
        # prepend puts each later insertion first; append adds them after the others.
        inserted_order = list(reversed(inserted)) if context.import_mode == "prepend" else inserted
        if context.import_mode == "prepend":
            entries = [*inserted_order, *entries]
        else:
            entries = [*entries, *inserted_order]
    entries.extend(context.roots)
    unique: dict[str, None] = {}
    for entry in entries:
        unique.setdefault(entry, None)
    return tuple(unique)


def with_roots(context: ImportContext, roots: Iterable[str]) -> ImportContext:
    """``context`` with more roots, after the ones it has (duplicates dropped)."""
    merged = tuple(dict.fromkeys((*context.roots, *(_normal(root) for root in roots))))
    return ImportContext(
        context.import_mode,
        context.pythonpath,
        context.packages,
        context.conftest_dirs,
        context.files,
        merged,
    )


def learned_roots(context: ImportContext, imports: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    """Folders the files' own absolute imports show on ``sys.path``, most used first.

    ``imports`` maps a file to the dotted modules it imports absolutely (``from a.b import c``
    gives ``a.b`` and ``a.b.c``: either may be the module). A folder counts when it is one of
    the importing file's own ancestors and the module resolves to a repository file under it
    through regular or namespace packages; the nearest such ancestor wins, as imports written
    for a runner that puts a collection's parent on ``sys.path`` all agree on it. A module
    that resolves to the importing file itself teaches nothing: ``import libvirt`` in
    ``module_utils/libvirt.py`` is the installed binding of that name.
    """
    votes: dict[str, int] = {}
    for path, modules in imports.items():
        ancestors = list(reversed(_ancestors(dirname(path))))
        for module in modules:
            for folder in ancestors:
                found = [c for c in module_paths_for(module, (folder,)) if c in context.files]
                if found:
                    if path not in found:
                        votes[folder] = votes.get(folder, 0) + 1
                    break
    return tuple(sorted(votes, key=lambda folder: (-votes[folder], folder)))


def import_spelling(
    context: ImportContext, target: str, module: str, module_path: str, *, relative: bool
) -> str:
    """How ``target`` writes an import of ``module`` (found at ``module_path``).

    Relative (``..support``) when ``relative`` says the file imports its package's modules
    that way and both files sit in one regular package tree under the same ``sys.path``
    entry; absolute (``module``) otherwise.
    """
    if not relative:
        return module
    own, theirs = _located(context, target), _located(context, module_path)
    if own[0] != theirs[0] or module != ".".join(theirs[1]):
        return module
    package = own[1] if target.endswith("__init__.py") else own[1][:-1]
    common = 0
    for mine, their in zip(package, theirs[1], strict=False):
        if mine != their:
            break
        common += 1
    if common == 0:
        return module
    # One dot is the file's own package, each more dot one package up.
    return "." * (len(package) - common + 1) + ".".join(theirs[1][common:])


def _located(context: ImportContext, path: str) -> tuple[str, tuple[str, ...]]:
    """``(basedir, parts)``: the folder above ``path``'s regular packages, and the dotted
    name below it in parts (a package's ``__init__`` left out)."""
    base = basedir_of(context, path)
    relative = path[len(base) + 1 :] if base else path
    return base, tuple(dotted_name(relative).split("."))


def module_paths_for(module: str, entries: Iterable[str]) -> tuple[str, ...]:
    """Where ``module`` would be found under each entry: ``a/b.py`` and ``a/b/__init__.py``."""
    relative = module.replace(".", "/")
    found: list[str] = []
    for entry in entries:
        for candidate in (f"{relative}.py", f"{relative}/__init__.py"):
            found.append(join(entry, candidate) if entry else candidate)
    return tuple(found)


def _label(entry: str) -> str:
    return entry or "."


def check_import(
    context: ImportContext,
    target: str,
    module: str,
    module_path: str | None,
    *,
    installed: bool = False,
) -> ImportCheck:
    """Can ``target`` do ``import module`` under pytest, finding it at ``module_path``?

    ``module_path`` is ``None`` for a module outside the repo: it imports only when it is
    installed in the interpreter that runs pytest (``installed``).
    """
    if module_path is None:
        condition = f"{module} must be installed in the interpreter that runs pytest"
        if installed:
            return ImportCheck(True, "installed", f"{module} is installed", condition)
        return ImportCheck(
            False,
            "",
            f"{module} is not installed in the interpreter that runs pytest; install it there",
            condition,
        )
    entries = sys_path_for(context, target)
    for entry in entries:
        candidates = module_paths_for(module, (entry,))
        if module_path in candidates:
            return ImportCheck(True, _label(entry), f"found through sys.path entry {_label(entry)}")
        shadow = next((c for c in candidates if c in context.files), None)
        if shadow is not None:
            return ImportCheck(
                False,
                "",
                f"{module} resolves to {shadow} first (sys.path entry {_label(entry)}), "
                f"not to {module_path}; rename one of them",
            )
    shown = ", ".join(_label(e) for e in entries) or "none"
    hint = (
        "add its folder to pytest's `pythonpath` ini option"
        if context.import_mode == "importlib"
        else "add the folder that holds the top package to pytest's `pythonpath` ini option"
    )
    return ImportCheck(
        False,
        "",
        f"{module} ({module_path}) is not reachable from sys.path under pytest "
        f"(--import-mode={context.import_mode}; entries: {shown}); {hint}",
    )


def imported_files(context: ImportContext, path: str, tree: ast.Module) -> frozenset[str]:
    """The repository files that ``path`` (its syntax tree ``tree``) imports at any depth,
    as pytest would find them: absolute imports through ``path``'s ``sys.path`` entries,
    relative ones from its package; ``from a import b`` counts ``a`` and, when it is one,
    the module ``a.b``."""
    entries = sys_path_for(context, path)
    package = dirname(path)
    found: set[str] = set()

    def add(candidates: Iterable[str]) -> None:
        hit = next((c for c in candidates if c in context.files), None)
        if hit is not None and hit != path:
            found.add(hit)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(module_paths_for(alias.name, entries))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            add(module_paths_for(node.module, entries))
            for alias in node.names:
                add(module_paths_for(f"{node.module}.{alias.name}", entries))
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            base = package
            for _ in range(node.level - 1):
                base = dirname(base)
            stem = join(base, *node.module.split(".")) if node.module else base
            add((f"{stem}.py", join(stem, "__init__.py")))
            for alias in node.names:
                add((join(stem, f"{alias.name}.py"), join(stem, alias.name, "__init__.py")))
    return frozenset(found)

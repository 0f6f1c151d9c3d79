"""Which tests a set of touched files reaches, and which touched files a test depends on.

Which tests run:

- the test files the run touched (``test_*.py`` and ``*_test.py``, pytest's default);
- every test file and ``conftest.py`` that imports a touched module *directly*, with a
  module-level ``import a.b`` or ``from a.b import c`` (relative forms too, and imports
  inside module-level ``if``/``try``/``with`` blocks). Imports inside functions, star
  imports and imports of imports are not followed: a test that reaches a touched module only
  through another, untouched helper is not selected; name its file with ``guard_tests``;
- the folder of a touched ``conftest.py`` or of a conftest that imports a touched module;
- the guard tests, always.

A touched module is known by every dotted suffix of its path (``src/pkg/ws.py`` is
``src.pkg.ws``, ``pkg.ws`` and ``ws``), since which one a test imports depends on the
``sys.path`` its suite sets up. A suffix shared with an unrelated module only selects more
tests than needed, never fewer.

Responsibility: a test's own file when it was touched; otherwise the touched modules that
its file, or a ``conftest.py`` in a folder above it, imports directly.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath

from declone.measure.pytestrun import SKIPPED_DIRECTORIES

__all__ = [
    "WALK_SKIPPED",
    "files_responsible",
    "imported_modules",
    "is_test_file",
    "module_names",
    "scan_imports",
    "select_targets",
]

#: Folders never read or copied: version control, environments, caches, declone's own.
WALK_SKIPPED = SKIPPED_DIRECTORIES | {".mypy_cache", ".ruff_cache", "node_modules"}

_TEST_FILE_PATTERNS = ("test_*.py", "*_test.py")


def is_test_file(path: str) -> bool:
    name = PurePosixPath(path).name
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _TEST_FILE_PATTERNS)


def _is_conftest(path: str) -> bool:
    return PurePosixPath(path).name == "conftest.py"


def module_names(path: str) -> frozenset[str]:
    """Every dotted name a ``.py`` file may be imported under (see the module docstring)."""
    pure = PurePosixPath(path)
    if pure.suffix != ".py":
        return frozenset()
    parts = list(pure.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return frozenset(".".join(parts[start:]) for start in range(len(parts)))


def imported_modules(source: bytes, path: str) -> frozenset[str]:
    """Dotted names (with every prefix) that ``path`` imports at module level."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes: the target's business
            tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError):
        return frozenset()  # pytest reports it as a collection error
    package = PurePosixPath(path).parent.parts
    names: set[str] = set()
    for node in _module_level_imports(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names.update(_prefixes(alias.name))
            continue
        base = _absolute_module(node.module, node.level, package)
        if base is None:
            continue
        names.update(_prefixes(base))
        for alias in node.names:
            if alias.name != "*":
                names.update(_prefixes(f"{base}.{alias.name}" if base else alias.name))
    names.discard("")
    return frozenset(names)


def _module_level_imports(body: Sequence[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If | ast.Try | ast.TryStar | ast.With):
            for name in ("body", "orelse", "finalbody"):
                yield from _module_level_imports(getattr(node, name, []))
            for handler in getattr(node, "handlers", []):
                yield from _module_level_imports(handler.body)


def _absolute_module(module: str | None, level: int, package: tuple[str, ...]) -> str | None:
    if level == 0:
        return module or ""
    if level - 1 > len(package):
        return None  # beyond the root: nothing of ours
    parts = list(package[: len(package) - (level - 1)])
    if module:
        parts.extend(module.split("."))
    return ".".join(parts)


def _prefixes(dotted: str) -> list[str]:
    parts = dotted.split(".")
    return [".".join(parts[: end + 1]) for end in range(len(parts))]


def _touched_modules(touched: Sequence[str]) -> dict[str, frozenset[str]]:
    return {path: names for path in touched if (names := module_names(path))}


def _imports_of(
    imported: frozenset[str], modules: Mapping[str, frozenset[str]], exclude: str
) -> list[str]:
    return [path for path, names in modules.items() if path != exclude and names & imported]


def _folder(path: str) -> str:
    return PurePosixPath(path).parent.as_posix()


def _inside(target: str, folder: str) -> bool:
    file_part = target.split("::", 1)[0]
    return folder == "." or file_part == folder or file_part.startswith(folder + "/")


def select_targets(
    touched: Sequence[str],
    imports: Mapping[str, frozenset[str]],
    guard_tests: Sequence[str] = (),
) -> tuple[str, ...]:
    """The test paths to run for ``touched`` files (see the module docstring), sorted.

    ``imports`` maps each test file and ``conftest.py`` to what it imports.
    """
    modules = _touched_modules(touched)
    targets = [path for path in touched if is_test_file(path)]
    targets += [_folder(path) for path in touched if _is_conftest(path)]
    for path, imported in imports.items():
        if _imports_of(imported, modules, exclude=path):
            targets.append(_folder(path) if _is_conftest(path) else path)
    candidates = (*targets, *guard_tests)
    folders = {t for t in candidates if "::" not in t and not t.endswith(".py")}
    kept = [
        target
        for target in candidates
        if not any(_inside(target, folder) for folder in folders if folder != target)
    ]
    return tuple(sorted(set(kept)))


def _conftests_above(test_file: str) -> list[str]:
    parents = PurePosixPath(test_file).parents
    return [(parent / "conftest.py").as_posix() for parent in parents]


def files_responsible(
    nodeid: str, touched: Sequence[str], imports: Mapping[str, frozenset[str]]
) -> tuple[str, ...]:
    """The touched files a test id depends on (see the module docstring)."""
    test_file = nodeid.split("::", 1)[0]
    if test_file in touched:
        return (test_file,)
    modules = _touched_modules(touched)
    found = _imports_of(imports.get(test_file, frozenset()), modules, exclude=test_file)
    for conftest in _conftests_above(test_file):
        if conftest in touched:
            found.append(conftest)
        found += _imports_of(imports.get(conftest, frozenset()), modules, exclude=conftest)
    return tuple(dict.fromkeys(found))


def _walk_python_files(root: Path) -> Iterator[str]:
    for directory, folders, names in os.walk(root):
        folders[:] = sorted(name for name in folders if name not in WALK_SKIPPED)
        base = Path(directory)
        for name in sorted(names):
            if name.endswith(".py"):
                yield (base / name).relative_to(root).as_posix()


def scan_imports(root: Path, touched: Sequence[str]) -> dict[str, frozenset[str]]:
    """What each test file and ``conftest.py`` under ``root`` imports, for the files that may
    import a touched module (a quick byte search skips the others before parsing)."""
    modules = _touched_modules(touched)
    needles = {name.rsplit(".", 1)[-1].encode() for names in modules.values() for name in names}
    imports: dict[str, frozenset[str]] = {}
    if not needles:
        return imports
    for path in _walk_python_files(root):
        if not (is_test_file(path) or _is_conftest(path)):
            continue
        try:
            source = (root / path).read_bytes()
        except OSError:
            continue  # unreadable: pytest will say so
        if any(needle in source for needle in needles):
            imports[path] = imported_modules(source, path)
    return imports

"""Which files are test code: what pytest's options and the repository's layout say.

A family of test helpers must not take in production classes that only look like them, and
a migration must not make production code import test code: both need to tell the two apart.
A path (relative to the root, ``/`` separators) is test code when

* its base name is ``conftest.py``, or matches ``python_files`` (pytest's own rule: the
  globs are matched against the base name);
* it lies below a ``testpaths`` entry (relative to the pytest configuration's folder; an
  entry may be a glob, as pytest allows, and an entry that is the root itself, ``.``, says
  nothing, since it would make every file test code);
* one of its folders is named like a test folder, in any case: ``test``, ``tests`` or
  ``testing``, or a name that starts with ``test_`` (``test_utils/``) or ends with ``_tests``
  (``unit_tests/``, ``integration_tests/``). The file's own name never counts here, and
  neither does a ``testing`` folder below a package folder that a distribution declares
  (``lib/sqlalchemy/testing/``, under ``package_dir = =lib``: see
  :func:`declone.scan.layout.declared_source_roots`): that is a support library that ships
  with the package, like ``numpy.testing``, and production code. ``test`` and ``tests``
  folders count everywhere (numpy ships ``numpy/core/tests/``);
* or one of the ``[tool.declone] test-paths`` globs (gitignore syntax, relative to the root)
  matches it.

Everything else is production code. "Modules imported only by tests" is not a rule: the scan
records classes, not imports, so it would have to parse and resolve every file's imports,
which it does not do today.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar

import pathspec

from declone.config import PytestConfig, Settings
from declone.scan.layout import declared_source_roots

__all__ = ["TestCode", "find_test_code", "is_test_folder"]

#: A test folder's name, in any case: ``test``, ``tests``, ``testing``, ``test_*``, ``*_tests``.
_TEST_FOLDER_NAME = re.compile(r"tests?|testing|test_[^/]*|[^/]*_tests", re.IGNORECASE)
#: A test folder among a path's folders, found in one search.
_TEST_FOLDER = re.compile(rf"(?:^|/)(?:{_TEST_FOLDER_NAME.pattern})(?:/|$)", re.IGNORECASE)
#: The one test folder name that a shipped package uses for a support library it installs.
_SUPPORT_LIBRARY = "testing"


def is_test_folder(name: str) -> bool:
    """A folder name that says its files are tests (see the module's docstring)."""
    return _TEST_FOLDER_NAME.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class TestCode:
    """Tells test code from production code (see the module's docstring)."""

    #: A value, not a test class, whatever pytest's ``python_classes`` say.
    __test__: ClassVar[bool] = False

    pytest: PytestConfig = field(default_factory=PytestConfig)
    #: ``[tool.declone] test-paths``: gitignore globs, relative to the root.
    test_paths: tuple[str, ...] = ()
    #: The package folders the distributions declare (``lib``, ``src``), relative to the
    #: root: a ``testing`` folder below one ships.
    packages: tuple[str, ...] = ()

    def is_test(self, path: str) -> bool:
        """Whether the root-relative POSIX ``path`` is test code."""
        return _predicate(self)(path)


def find_test_code(settings: Settings, scope_roots: Iterable[str] = ("",)) -> TestCode:
    """The repository's test code, from its pytest options, ``[tool.declone] test-paths`` and
    the package folders that the distributions rooted at ``scope_roots`` (root-relative
    folders, ``""`` for the root) declare."""
    packages = declared_source_roots(settings.root, scope_roots)
    return TestCode(settings.pytest, settings.test_paths, packages)


@functools.lru_cache(maxsize=16)
def _predicate(code: TestCode) -> Callable[[str], bool]:
    configured = _gitignore(code.test_paths)
    below_testpaths = _gitignore(_testpath_patterns(code.pytest))

    @functools.lru_cache(maxsize=65_536)
    def is_test(path: str) -> bool:
        folder, _, base = path.rpartition("/")
        if (
            folder
            and _TEST_FOLDER.search(folder) is not None
            and (not code.packages or _test_folder_outside(folder, code.packages))
        ):
            return True
        if base == "conftest.py" or code.pytest.is_test_file(base):
            return True
        return below_testpaths(path) or configured(path)

    return is_test


def _test_folder_outside(folder: str, packages: tuple[str, ...]) -> bool:
    """Whether ``folder`` has a test folder other than a shipped ``testing`` package (a
    ``testing`` folder below one of ``packages``)."""
    parts = folder.split("/")
    for depth, name in enumerate(parts):
        if not is_test_folder(name):
            continue
        if name.casefold() != _SUPPORT_LIBRARY:
            return True
        above = "/".join(parts[:depth])
        if not any(above == package or above.startswith(f"{package}/") for package in packages):
            return True
    return False


def _testpath_patterns(pytest: PytestConfig) -> tuple[str, ...]:
    """``testpaths`` as gitignore patterns anchored at the root: a folder's pattern matches
    every file below it, and the globs pytest allows in an entry keep their meaning."""
    base = posixpath.dirname(pytest.source)
    patterns = []
    for entry in pytest.testpaths:
        joined = posixpath.normpath(posixpath.join(base, entry.replace("\\", "/")))
        if joined == "." or joined == ".." or joined.startswith(("../", "/")):
            continue  # the root itself, or outside it
        patterns.append("/" + joined)
    return tuple(patterns)


def _gitignore(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    if not patterns:
        return lambda path: False
    return pathspec.GitIgnoreSpec.from_lines(patterns).match_file

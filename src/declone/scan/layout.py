"""Where a repository's distributions keep their packages: the edge that reads their metadata.

A package under ``lib/`` or ``src/`` imports as ``pkg``, not ``lib.pkg``, once installed, and
everything below the folder ships (a ``testing`` package in it is a support library, not
test code: see :mod:`declone.scan.testcode`). The folder is declared in the distribution's
metadata, in one of the ways the build backends read it:

* setuptools: ``[tool.setuptools] package-dir = {"" = "lib"}`` or
  ``[tool.setuptools.packages.find] where = ["lib"]`` in ``pyproject.toml``;
  ``[options] package_dir = =lib`` or ``[options.packages.find] where = lib`` in
  ``setup.cfg``; ``setup(package_dir={"": "lib"})`` in ``setup.py`` (read, never run);
* poetry: ``packages = [{include = "pkg", from = "lib"}]``;
* hatch: ``[tool.hatch.build.targets.wheel] packages = ["lib/pkg"]``.

Without a declaration, a ``src/`` folder next to the metadata that holds a package is the
conventional layout that every backend finds.
"""

from __future__ import annotations

import ast
import configparser
from collections.abc import Iterable
from pathlib import Path
from posixpath import dirname, join, normpath
from typing import Any

from declone.config import load_toml
from declone.errors import DecloneError

__all__ = ["declared_source_roots"]


def declared_source_roots(root: Path, scope_roots: Iterable[str]) -> tuple[str, ...]:
    """The package folders the distributions rooted at ``scope_roots`` declare, relative to
    ``root`` (``""`` for the root itself), each scope's own first."""
    found: list[str] = []
    for scope in dict.fromkeys(scope_roots):
        folder = root / scope
        declared = [
            *_from_pyproject(folder / "pyproject.toml"),
            *_from_setup_cfg(folder / "setup.cfg"),
            *_from_setup_py(folder / "setup.py"),
        ]
        if not declared and (folder / "src").is_dir() and _holds_package(folder / "src"):
            declared.append("src")
        for entry in declared:
            relative = _normal(join(scope, entry))
            if relative and not relative.startswith("..") and (root / relative).is_dir():
                found.append(relative)
    return tuple(dict.fromkeys(found))


def _normal(path: str) -> str:
    text = normpath(path) if path else "."
    return "" if text == "." else text


def _holds_package(folder: Path) -> bool:
    try:
        return any((child / "__init__.py").is_file() for child in folder.iterdir())
    except OSError:
        return False


def _from_pyproject(path: Path) -> list[str]:
    if not path.is_file():
        return []
    try:
        data = load_toml(path)
    except DecloneError:
        # A broken pyproject.toml is reported where it is read as configuration.
        return []
    tool = _table(data, "tool")
    setuptools = _table(tool, "setuptools")
    entries = _package_dir_roots(setuptools.get("package-dir"))
    entries += _strings(_table(_table(setuptools, "packages"), "find").get("where"))
    for package in _table(tool, "poetry").get("packages", []) or []:
        if isinstance(package, dict) and isinstance(package.get("from"), str):
            entries.append(package["from"])
    wheel = _table(_table(_table(_table(tool, "hatch"), "build"), "targets"), "wheel")
    entries += [dirname(p.rstrip("/")) for p in _strings(wheel.get("packages"))]
    return [entry for entry in entries if entry not in ("", ".")]


def _from_setup_cfg(path: Path) -> list[str]:
    if not path.is_file():
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (configparser.Error, UnicodeDecodeError, OSError):
        return []
    entries: list[str] = []
    if parser.has_option("options", "package_dir"):
        for line in parser.get("options", "package_dir").replace(",", "\n").splitlines():
            key, sep, value = line.partition("=")
            if sep and not key.strip() and value.strip():
                entries.append(value.strip())
    if parser.has_option("options.packages.find", "where"):
        entries.extend(parser.get("options.packages.find", "where").split())
    return [entry for entry in entries if entry not in ("", ".")]


def _from_setup_py(path: Path) -> list[str]:
    """``package_dir={"": "lib"}`` in a ``setup(...)`` call, read from the syntax tree."""
    if not path.is_file():
        return []
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, OSError):
        return []
    entries: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg != "package_dir" or not isinstance(keyword.value, ast.Dict):
                continue
            for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == ""
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    entries.append(value.value)
    return [entry for entry in entries if entry not in ("", ".")]


def _package_dir_roots(value: Any) -> list[str]:
    if isinstance(value, dict) and isinstance(value.get(""), str):
        return [value[""]]
    return []


def _table(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []

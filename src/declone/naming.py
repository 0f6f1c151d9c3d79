"""pytest's naming rules, read from the scanned repo's configuration and applied as pytest does.

pytest decides what to collect with three ini options: ``python_files`` (globs on the file's
base name), ``python_classes`` and ``python_functions`` (each pattern is a name prefix, or a
glob when it holds a wildcard). declone uses the same rules so that it tells helpers from test
classes exactly where pytest would.
"""

from __future__ import annotations

import configparser
import fnmatch
import functools
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from declone.errors import DecloneError, ExitCode

__all__ = ["PytestConfig", "matches_option", "read_pytest_config"]

_GLOB_CHARS = frozenset("*?[")


@functools.lru_cache(maxsize=65_536)
def matches_option(name: str, patterns: tuple[str, ...]) -> bool:
    """True when ``name`` matches one of pytest's prefix-or-glob patterns.

    (Remembered: a scan asks it of every method of every class, mostly the same names.)
    """
    for pattern in patterns:
        if name.startswith(pattern):
            return True
        if _GLOB_CHARS.intersection(pattern) and fnmatch.fnmatchcase(name, pattern):
            return True
    return False


@dataclass(frozen=True, slots=True)
class PytestConfig:
    """The parts of a repo's pytest configuration that decide collection and imports."""

    python_files: tuple[str, ...] = ("test_*.py", "*_test.py")
    python_classes: tuple[str, ...] = ("Test",)
    python_functions: tuple[str, ...] = ("test",)
    #: ``pythonpath`` entries, relative to the config file's folder (pytest >= 7).
    pythonpath: tuple[str, ...] = ()
    testpaths: tuple[str, ...] = ()
    #: ``--import-mode`` from ``addopts``: ``prepend`` (pytest's default), ``append``, ``importlib``.
    import_mode: str = "prepend"
    #: The file the configuration came from, relative to the root; empty for defaults.
    source: str = ""

    def is_test_file(self, path: str) -> bool:
        base = path.rsplit("/", 1)[-1]
        return any(fnmatch.fnmatch(base, pattern) for pattern in self.python_files)

    def is_test_class_name(self, name: str) -> bool:
        return matches_option(name, self.python_classes)

    def is_test_function_name(self, name: str) -> bool:
        return matches_option(name, self.python_functions)


def read_pytest_config(root: Path) -> PytestConfig:
    """Read pytest's configuration the way pytest picks its ini file in ``root``.

    The first of these wins: ``pytest.ini`` (any content), ``pyproject.toml`` with a
    ``[tool.pytest.ini_options]`` or ``[tool.pytest]`` table, ``tox.ini`` with ``[pytest]``,
    ``setup.cfg`` with ``[tool:pytest]``.
    """
    for candidate, reader in (
        ("pytest.ini", _read_ini_section("pytest", required=False)),
        (".pytest.ini", _read_ini_section("pytest", required=False)),
        ("pyproject.toml", _read_pyproject),
        ("tox.ini", _read_ini_section("pytest", required=True)),
        ("setup.cfg", _read_ini_section("tool:pytest", required=True)),
    ):
        path = root / candidate
        if not path.is_file():
            continue
        values = reader(path)
        if values is not None:
            return _config_from_values(values, candidate)
    return PytestConfig()


def _read_ini_section(section: str, *, required: bool) -> Any:
    def read(path: Path) -> dict[str, Any] | None:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
        except (configparser.Error, UnicodeDecodeError, OSError) as exc:
            raise DecloneError(
                f"{path}:1:1: cannot read pytest configuration ({exc}); fix the file",
                ExitCode.USAGE,
            ) from exc
        if not parser.has_section(section):
            return None if required else {}
        return dict(parser.items(section))

    return read


def _read_pyproject(path: Path) -> dict[str, Any] | None:
    data = load_toml(path)
    pytest_table = data.get("tool", {}).get("pytest")
    if not isinstance(pytest_table, dict):
        return None
    ini_options = pytest_table.get("ini_options")
    if isinstance(ini_options, dict):
        return ini_options
    # pytest 9's native table: the options sit directly under [tool.pytest].
    return pytest_table


def load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DecloneError(
            f"{path}:1:1: invalid TOML ({exc}); fix the file", ExitCode.USAGE
        ) from exc


def _as_tuple(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return None


def _import_mode(addopts: Any) -> str:
    if isinstance(addopts, list):
        words = [str(word) for word in addopts]
    elif isinstance(addopts, str):
        words = shlex.split(addopts)
    else:
        return "prepend"
    mode = "prepend"
    for index, word in enumerate(words):
        if word.startswith("--import-mode="):
            mode = word.split("=", 1)[1]
        elif word == "--import-mode" and index + 1 < len(words):
            mode = words[index + 1]
    return mode


def _config_from_values(values: dict[str, Any], source: str) -> PytestConfig:
    default = PytestConfig()
    return PytestConfig(
        python_files=_as_tuple(values.get("python_files")) or default.python_files,
        python_classes=_as_tuple(values.get("python_classes")) or default.python_classes,
        python_functions=_as_tuple(values.get("python_functions")) or default.python_functions,
        pythonpath=_as_tuple(values.get("pythonpath")) or (),
        testpaths=_as_tuple(values.get("testpaths")) or (),
        import_mode=_import_mode(values.get("addopts")),
        source=source,
    )

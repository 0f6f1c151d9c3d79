"""The scanned repository's configuration: ``[tool.declone]`` and pytest's own options.

One frozen ``Settings`` value is built at the edge, from ``[tool.declone]`` in the repo's
``pyproject.toml`` and then the command's flags, and passed explicitly to every stage.

pytest decides what to collect with three ini options: ``python_files`` (globs on the file's
base name), ``python_classes`` and ``python_functions`` (each pattern is a name prefix, or a
glob when it holds a wildcard). declone reads them, with ``pythonpath``, ``testpaths`` and the
import mode, into a ``PytestConfig``, so that it tells helpers from test classes exactly where
pytest would.
"""

from __future__ import annotations

import configparser
import dataclasses
import fnmatch
import functools
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from declone.errors import DecloneError, ExitCode

__all__ = [
    "DEFAULT_EXCLUDE",
    "PytestConfig",
    "Settings",
    "load_settings",
    "load_toml",
    "matches_option",
    "read_pytest_config",
    "repository_root",
]

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


#: Folders that are never source of the repo itself.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git/**",
    ".hg/**",
    ".venv/**",
    "venv/**",
    ".tox/**",
    ".nox/**",
    "**/__pycache__/**",
    "**/site-packages/**",
    "**/node_modules/**",
    ".declone/**",
    "build/**",
    "dist/**",
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that changes what declone finds; built once, passed everywhere."""

    root: Path
    include: tuple[str, ...] = ("**/*.py",)
    exclude: tuple[str, ...] = ()
    #: More backup copies (gitignore globs): ``.py`` files kept apart from live code, like
    #: backup-like names and the files below a backup folder, which always are.
    backup: tuple[str, ...] = ()
    #: More test code (gitignore globs), beside what pytest's own options say is test code.
    test_paths: tuple[str, ...] = ()
    #: Base classes known not to register their subclasses (``pkg.module.Base`` or ``Base``):
    #: a class derived from one of them may move.
    inert_bases: tuple[str, ...] = ()
    #: Files that copies under one name (a family, or a name listed apart) must span.
    min_copies: int = 2
    #: Near-clone threshold: Jaccard similarity of normalised statements.
    similarity: float = 0.8
    #: Structural and near-clone matching ignore classes with fewer statements than this.
    min_lines: int = 4
    #: Files larger than this are reported and skipped.
    max_file_size: int = 2 * 1024 * 1024
    jobs: int = 0
    use_cache: bool = True
    cache_dir: Path | None = None
    pytest: PytestConfig = field(default_factory=PytestConfig)
    #: ``[tool.declone.families]``: registered families, name -> "module:Class".
    families: dict[str, Any] = field(default_factory=dict)
    #: Every other key of ``[tool.declone]``, for the stages that own it (check, report).
    extra: dict[str, Any] = field(default_factory=dict)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given fields replaced; ``None`` values are ignored."""
        return dataclasses.replace(self, **{k: v for k, v in overrides.items() if v is not None})


_SCAN_KEYS: dict[str, type | tuple[type, ...]] = {
    "include": list,
    "exclude": list,
    "backup": list,
    "test-paths": list,
    "inert-bases": list,
    "min-copies": int,
    "similarity": (int, float),
    "min-lines": int,
    "max-file-size": int,
    "jobs": int,
    "cache-dir": str,
}
#: Keys that other stages read from ``Settings.extra``.
_OTHER_KEYS = frozenset({"families", "baseline", "canonical-imports-only"})


def load_settings(root: Path) -> Settings:
    """Read ``[tool.declone]`` and pytest's configuration from ``root``."""
    root = root.resolve()
    table: dict[str, Any] = {}
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table = load_toml(pyproject).get("tool", {}).get("declone", {})
        if not isinstance(table, dict):
            raise DecloneError(f"{pyproject}:1:1: [tool.declone] must be a table", ExitCode.USAGE)
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in table.items():
        if key in _SCAN_KEYS:
            expected = _SCAN_KEYS[key]
            if not isinstance(value, expected) or isinstance(value, bool):
                raise DecloneError(
                    f"{pyproject}:1:1: [tool.declone] {key} has the wrong type "
                    f"({type(value).__name__}); see the configuration reference in the README",
                    ExitCode.USAGE,
                )
            if isinstance(value, list) and not all(isinstance(item, str) for item in value):
                raise DecloneError(
                    f"{pyproject}:1:1: [tool.declone] {key} must be a list of strings "
                    f"(globs relative to the root), got {value!r}; see the configuration "
                    "reference in the README",
                    ExitCode.USAGE,
                )
            values[key.replace("-", "_")] = value
        elif key in _OTHER_KEYS:
            extra[key] = value
        else:
            known = ", ".join(sorted({*_SCAN_KEYS, *_OTHER_KEYS}))
            raise DecloneError(
                f"{pyproject}:1:1: unknown key [tool.declone] {key}; known keys: {known}",
                ExitCode.USAGE,
            )
    for key in ("include", "exclude", "backup", "test_paths", "inert_bases"):
        if key in values:
            values[key] = tuple(values[key])
    if "cache_dir" in values:
        values["cache_dir"] = (root / values["cache_dir"]).resolve()
    if "similarity" in values:
        values["similarity"] = float(values["similarity"])
    families = extra.pop("families", {})
    if not isinstance(families, dict):
        raise DecloneError(
            f"{pyproject}:1:1: [tool.declone.families] must be a table", ExitCode.USAGE
        )
    return Settings(
        root=root, pytest=read_pytest_config(root), families=families, extra=extra, **values
    )


def repository_root(root: Path | None) -> Path:
    """``--root`` when given, else the current folder; an absolute path to a folder."""
    chosen = Path.cwd() if root is None else Path(root)
    if not chosen.is_dir():
        raise DecloneError(f"{chosen}: not a folder; pass the repository root", ExitCode.USAGE)
    return chosen.resolve()

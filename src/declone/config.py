"""declone's settings: ``[tool.declone]`` in the scanned repo's ``pyproject.toml``, then flags.

One frozen ``Settings`` value is built at the edge and passed explicitly to every stage.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from declone.errors import DecloneError, ExitCode
from declone.naming import PytestConfig, load_toml, read_pytest_config

__all__ = ["DEFAULT_EXCLUDE", "Settings", "load_settings", "repository_root"]

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
    #: A name family needs a definition in at least this many files.
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
            values[key.replace("-", "_")] = value
        elif key in _OTHER_KEYS:
            extra[key] = value
        else:
            known = ", ".join(sorted({*_SCAN_KEYS, *_OTHER_KEYS}))
            raise DecloneError(
                f"{pyproject}:1:1: unknown key [tool.declone] {key}; known keys: {known}",
                ExitCode.USAGE,
            )
    for key in ("include", "exclude"):
        if key in values:
            values[key] = tuple(str(item) for item in values[key])
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

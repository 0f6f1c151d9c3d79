"""The repository's import-sorting settings, read as its sorter reads them (the I/O edge).

:func:`read_import_order` picks the sorter the repository configures, first match wins:

1. ruff with isort settings: ``[lint.isort]`` (or the older ``[isort]``) in ``.ruff.toml``
   or ``ruff.toml``, ``[tool.ruff.lint.isort]`` / ``[tool.ruff.isort]`` in
   ``pyproject.toml``;
2. isort's own settings, found as isort finds them (``.isort.cfg``, ``pyproject.toml``
   ``[tool.isort]``, ``setup.cfg``/``tox.ini`` ``[isort]``/``[tool:isort]``, from the
   root up to the first folder with ``.git``);
3. ruff selecting its ``I`` rules with no isort settings: ruff's defaults;
4. flake8-import-order (``application-import-names``, ``import-order-style`` in
   ``.flake8``, ``setup.cfg`` or ``tox.ini``);
5. ruff's settings without its import rules: ruff's defaults all the same (the repository
   is formatted black's way, and wraps a long import in parentheses);
6. ``.editorconfig`` (isort reads its ``max_line_length``), else isort's defaults.

ruff's options map to their isort equivalents, over ruff's own defaults (isort's ``black``
profile at ruff's ``line-length``). Modules found in the source roots (isort's ``src_paths``,
ruff's ``src``; the root and ``src/`` by default) become first-party, as both tools decide
it, unless a known section or the standard library already claims them; flake8-import-order
knows only its ``application-import-names``. Each sorter's settings are those nearest to the
changed file's folder, as the sorter finds them (a collection of a monorepo may configure
its own).
"""

from __future__ import annotations

import configparser
import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import isort
from isort.exceptions import ISortError

from declone.config import load_toml
from declone.errors import DecloneError, ExitCode
from declone.rewrite.importorder import ImportOrder, SettingValue, isort_config

__all__ = ["read_import_order"]

#: ruff's isort options and isort's names for them (values carry over as they are).
_RUFF_OPTIONS = {
    "case-sensitive": "case_sensitive",
    "combine-as-imports": "combine_as_imports",
    "extra-standard-library": "extra_standard_library",
    "force-single-line": "force_single_line",
    "force-sort-within-sections": "force_sort_within_sections",
    "force-to-top": "force_to_top",
    "from-first": "from_first",
    "known-first-party": "known_first_party",
    "known-local-folder": "known_local_folder",
    "known-third-party": "known_third_party",
    "length-sort": "length_sort",
    "lines-after-imports": "lines_after_imports",
    "lines-between-types": "lines_between_types",
    "no-sections": "no_sections",
    "order-by-type": "order_by_type",
    "single-line-exclusions": "single_line_exclusions",
    "split-on-trailing-comma": "split_on_trailing_comma",
}
_RUFF_SECTIONS = {
    "future": "FUTURE",
    "standard-library": "STDLIB",
    "third-party": "THIRDPARTY",
    "first-party": "FIRSTPARTY",
    "local-folder": "LOCALFOLDER",
}
#: flake8-import-order's styles that order modules alphabetically within each group.
_FLAKE8_SORTED_STYLES = frozenset(
    {"cryptography", "google", "smarkets", "appnexus", "edited", "pycharm"}
)
_ISORT_FILES = frozenset({".isort.cfg", "pyproject.toml", "setup.cfg", "tox.ini"})


def read_import_order(root: Path, folder: Path | None = None) -> ImportOrder:
    """The import order of the files in ``folder`` (the root by default) of the repository
    at ``root`` (see the module doc): each sorter's settings nearest to the folder, as the
    sorter finds them for a file there (a collection or a package of a monorepo may sort
    its imports its own way)."""
    start = root if folder is None else folder
    while start != root and not start.is_dir():  # a module about to be made in a new folder
        start = start.parent
    ruff = _ruff_config(root, start)
    isort_file, isort_settings = _isort_settings(start)
    isort_table = _ruff_isort_table(ruff) if ruff is not None else None
    defaults = (root, root / "src")
    if ruff is not None and isort_table is not None:
        table, name = isort_table
        settings, src = _from_ruff(ruff, table)
        source = f"{ruff.path.name} [{name}]"
    elif isort_file is not None and isort_file.name in _ISORT_FILES:
        settings, src = _from_isort(isort_settings, isort_file)
        source = f"{isort_file.name} (isort)"
    elif ruff is not None and _selects_isort_rules(ruff.table):
        settings, src = _from_ruff(ruff, {})
        source = f"{ruff.path.name} (ruff's isort defaults)"
    elif (flake8 := _flake8_settings(root, start)) is not None:
        # flake8-import-order knows first-party modules only by application-import-names:
        # a module of the source roots it does not list is third party to it.
        settings, src, source = flake8, (), "flake8-import-order"
    elif ruff is not None:
        # ruff without its import rules still formats the repository (black's style): a long
        # import is wrapped in parentheses, never with isort's default backslash.
        settings, src = _from_ruff(ruff, {})
        source = f"{ruff.path.name} (ruff, without import rules)"
    elif isort_file is not None:
        settings, src = _from_isort(isort_settings, isort_file)
        source = f"{isort_file.name} (isort)"
    else:
        settings, src, source = {}, defaults, "isort's defaults"
    settings = _with_first_party(settings, _source_modules(src), root)
    return ImportOrder(tuple(sorted(settings.items())), source)


# -- ruff --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RuffConfig:
    path: Path
    #: ruff's table: the whole ``ruff.toml``, or ``[tool.ruff]``.
    table: Mapping[str, Any]
    #: How the table is named in its file, before ``lint.isort``.
    prefix: str


def _folders_up(root: Path, start: Path) -> Iterator[Path]:
    """``start`` and each folder above it, up to ``root`` included."""
    folder = start
    while folder != root and folder.is_relative_to(root):
        yield folder
        folder = folder.parent
    yield root


def _ruff_config(root: Path, start: Path) -> _RuffConfig | None:
    """ruff's settings nearest to ``start`` (in each folder up to the root: ``.ruff.toml``,
    ``ruff.toml``, then ``pyproject.toml``'s ``[tool.ruff]``, the order ruff reads them in)."""
    for folder in _folders_up(root, start):
        for name in (".ruff.toml", "ruff.toml"):
            path = folder / name
            if path.is_file():
                return _RuffConfig(path, load_toml(path), "")
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = load_toml(pyproject).get("tool", {}).get("ruff")
            if isinstance(table, dict):
                return _RuffConfig(pyproject, table, "tool.ruff.")
    return None


def _ruff_isort_table(ruff: _RuffConfig) -> tuple[Mapping[str, Any], str] | None:
    lint = ruff.table.get("lint")
    if isinstance(lint, dict) and isinstance(lint.get("isort"), dict):
        return lint["isort"], f"{ruff.prefix}lint.isort"
    if isinstance(ruff.table.get("isort"), dict):
        return ruff.table["isort"], f"{ruff.prefix}isort"
    return None


def _selects_isort_rules(ruff: Mapping[str, Any]) -> bool:
    lint = ruff.get("lint")
    selected: list[str] = []
    for table in (ruff, lint if isinstance(lint, dict) else {}):
        for key in ("select", "extend-select"):
            value = table.get(key)
            if isinstance(value, list):
                selected.extend(str(code) for code in value)
    return any(code == "ALL" or code == "I" or code.startswith("I0") for code in selected)


def _from_ruff(
    ruff_config: _RuffConfig, table: Mapping[str, Any]
) -> tuple[dict[str, SettingValue], tuple[Path, ...]]:
    ruff, path = ruff_config.table, ruff_config.path
    settings: dict[str, SettingValue] = {
        "profile": "black",
        "line_length": _int(ruff.get("line-length", 88), path, "line-length"),
    }
    for option, isort_name in _RUFF_OPTIONS.items():
        if option in table:
            settings[isort_name] = _setting(table[option], path, option)
    if table.get("relative-imports-order") == "closest-to-furthest":
        settings["reverse_relative"] = True
    custom = table.get("sections", {})
    if isinstance(custom, dict):
        for name, modules in custom.items():
            settings[f"known_{name.lower()}"] = _setting(modules, path, f"sections.{name}")
    if isinstance(table.get("section-order"), list):
        settings["sections"] = tuple(
            _RUFF_SECTIONS.get(str(name), str(name).upper()) for name in table["section-order"]
        )
    if isinstance(table.get("no-lines-before"), list):
        settings["no_lines_before"] = tuple(
            _RUFF_SECTIONS.get(str(name), str(name).upper()) for name in table["no-lines-before"]
        )
    src = ruff.get("src", [".", "src"])
    roots = tuple(path.parent / str(entry) for entry in src) if isinstance(src, list) else ()
    return settings, roots


# -- isort -------------------------------------------------------------------------------


def _isort_settings(root: Path) -> tuple[Path | None, dict[str, Any]]:
    """isort's settings as isort finds and reads them, and the file they came from."""
    try:
        config = isort.Config(settings_path=str(root), quiet=True)
    except ISortError as exc:
        raise DecloneError(
            f"{root}: isort rejects its settings ({exc}); fix them", ExitCode.USAGE
        ) from exc
    for found in config.sources:
        source = Path(str(found.get("source", "")))
        if source.is_absolute() and source.name in {*_ISORT_FILES, ".editorconfig"}:
            settings = {key: value for key, value in found.items() if key != "source"}
            if _skips_everything(settings):
                # ``skip_glob = ['*']``: isort is switched off (for editors that run it
                # unasked); the repository sorts with another tool.
                return None, {}
            return source, settings
    return None, {}


def _skips_everything(settings: Mapping[str, Any]) -> bool:
    patterns = settings.get("skip_glob", ())
    if isinstance(patterns, str):
        patterns = (patterns,)
    return any(str(pattern).strip() in ("*", "**", "**/*") for pattern in patterns)


def _from_isort(
    settings: Mapping[str, Any], path: Path
) -> tuple[dict[str, SettingValue], tuple[Path, ...]]:
    values = {key: _setting(value, path, key) for key, value in settings.items()}
    src_paths = values.pop("src_paths", None)
    entries = src_paths if isinstance(src_paths, tuple) else ("src", ".")
    return values, tuple(path.parent / entry for entry in entries)


# -- flake8 ------------------------------------------------------------------------------


def _flake8_settings(root: Path, start: Path) -> dict[str, SettingValue] | None:
    """flake8-import-order's settings nearest to ``start`` (flake8 reads the folder it runs
    in: the repository's, or that of a package linted on its own)."""
    for folder in _folders_up(root, start):
        found = _flake8_settings_in(folder)
        if found is not None:
            return found
    return None


def _flake8_settings_in(folder: Path) -> dict[str, SettingValue] | None:
    for name in (".flake8", "setup.cfg", "tox.ini"):
        path = folder / name
        if not path.is_file():
            continue
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
        except (configparser.Error, UnicodeDecodeError, OSError) as exc:
            raise DecloneError(
                f"{path}:1:1: cannot read the flake8 settings ({exc}); fix the file",
                ExitCode.USAGE,
            ) from exc
        if not parser.has_section("flake8"):
            continue
        options = dict(parser.items("flake8"))
        names = options.get("application-import-names", options.get("application_import_names"))
        style = options.get("import-order-style", options.get("import_order_style"))
        if names is None and style is None:
            continue
        settings: dict[str, SettingValue] = {}
        if names:
            settings["known_first_party"] = _split(names)
        style = (style or "cryptography").strip()
        if style in _FLAKE8_SORTED_STYLES:
            settings["force_sort_within_sections"] = True
        # flake8-import-order puts the nearest relative import first (``.a`` before ``..b``).
        settings["reverse_relative"] = True
        if style == "pycharm":
            settings["case_sensitive"] = True
        return settings
    return None


# -- first-party modules -----------------------------------------------------------------


def _source_modules(roots: Iterable[Path]) -> list[str]:
    """Top-level modules and packages in the source roots, as isort and ruff find them: a
    folder or a ``.py`` file named like a module, or a root that is itself a package."""
    found: list[str] = []
    for root in roots:
        if not root.is_dir():
            continue
        if (root / "__init__.py").is_file() and root.name.isidentifier():
            found.append(root.name)
        for entry in sorted(root.iterdir()):
            name = entry.stem if entry.suffix == ".py" else entry.name
            if name.isidentifier() and (entry.is_dir() or entry.suffix == ".py"):
                found.append(name)
    return list(dict.fromkeys(found))


def _with_first_party(
    settings: dict[str, SettingValue], modules: list[str], root: Path
) -> dict[str, SettingValue]:
    """Add ``modules`` that no known section (nor the standard library) claims to
    ``known_first_party``: where both tools fall back on the source roots."""
    try:
        probe = isort_config(settings.items())
    except (ISortError, TypeError, ValueError) as exc:
        raise DecloneError(
            f"{root}: isort rejects the import settings ({exc}); fix them", ExitCode.USAGE
        ) from exc
    unclaimed = [
        name
        for name in modules
        if isort.place_module_with_reason(name, config=probe)[1].startswith("Default option")
    ]
    if not unclaimed:
        return settings
    known = settings.get("known_first_party", ())
    listed = _split(known) if isinstance(known, str) else known if isinstance(known, tuple) else ()
    return {**settings, "known_first_party": tuple(dict.fromkeys([*listed, *sorted(unclaimed)]))}


# -- values ------------------------------------------------------------------------------


def _setting(value: Any, path: Path, option: str) -> SettingValue:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(str(item) for item in value))
    raise DecloneError(
        f"{path}:1:1: import setting {option} has an unexpected value {value!r}; fix it",
        ExitCode.USAGE,
    )


def _int(value: Any, path: Path, option: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise DecloneError(
        f"{path}:1:1: {option} must be a whole number, not {value!r}; fix it", ExitCode.USAGE
    )


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace("\n", ",").split(",") if part.strip())

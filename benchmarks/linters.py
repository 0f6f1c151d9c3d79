"""The import linters a repository configures, run on some of its files, and what they find.

``benchmarks/realmigrate.py`` runs them on the files a migration changed, on the original
bytes and after, to prove that no migration adds an import-order or unused-import finding
that the repository's own tools would report. Three tools are recognised, each where it
finds its own settings, the nearest folder first from a file's import scope up to the
repository's root (never above it: a copy inside another checkout must not read that
checkout's settings):

- isort: ``.isort.cfg``, ``[tool.isort]`` in ``pyproject.toml``, ``[isort]`` or
  ``[tool:isort]`` in ``setup.cfg`` or ``tox.ini``, the first of them isort reads; settings
  whose ``skip_glob`` matches every file switch it off (``isort --check-only --diff``);
- ruff: ``.ruff.toml``, ``ruff.toml``, ``[tool.ruff]`` in ``pyproject.toml``
  (``ruff check --select I --diff`` and ``--select F401``, each only when the settings
  select it: ruff's default rules include F401 and not the import order);
- flake8: ``[flake8]`` in ``setup.cfg``, ``tox.ini`` or ``.flake8``, the first that has it;
  with ``import-order-style`` or ``application-import-names`` there, flake8-import-order
  too (``flake8 --select F401,I``; ``--select F401`` without them, since the plugin's
  default style is not one the repository asked for); a file below a folder its
  ``exclude`` names is not checked, as flake8 walking the tree skips it.

Each tool runs from the folder that holds its settings, on the files below it, so that it
reads them as the repository's own runs do (``exclude``, ``per-file-ignores``,
``skip_glob``: ``--force-exclude`` and ``--filter-files`` apply them to files named on the
command line too). A sorter's finding is a line it would remove or add (its diff, without
line numbers: a migration moves lines); flake8's and ruff's others are their code and
message. A finding after a migration that was not there before is one the migration added.
"""

from __future__ import annotations

import configparser
import fnmatch
import re
import subprocess
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CONFIG_FILES",
    "LINT_REQUIREMENTS",
    "Finding",
    "LintRun",
    "LintTool",
    "ToolRun",
    "diff_findings",
    "find_lint_runs",
    "flake8_excludes",
    "folder_linters",
    "message_findings",
    "new_findings",
    "read_configs",
    "run_tool",
    "skips_every_file",
]

#: The linters' pinned versions: flake8 and isort as pyramid 2.1's and SQLAlchemy 2.0.36's
#: lint environments pin them, flake8-import-order as it was when SQLAlchemy 2.0.36 shipped.
LINT_REQUIREMENTS = (
    "flake8==6.1.0",
    "flake8-import-order==0.18.2",
    "isort==5.13.2",
    "ruff==0.17.6",
)

#: The files that may hold a linter's settings, in no particular order.
CONFIG_FILES = (".isort.cfg", "pyproject.toml", "setup.cfg", "tox.ini", ".flake8", "ruff.toml")
_RUFF_FILES = (".ruff.toml", "ruff.toml")
#: The rules ruff runs when its settings select none.
_RUFF_DEFAULT_SELECT = ("E4", "E7", "E9", "F")
#: isort's own order, and the sections it reads in each.
_ISORT_SOURCES = (
    (".isort.cfg", ("settings", "isort")),
    ("pyproject.toml", ("tool.isort",)),
    ("setup.cfg", ("isort", "tool:isort")),
    ("tox.ini", ("isort", "tool:isort")),
)
#: flake8's own order.
_FLAKE8_SOURCES = ("setup.cfg", "tox.ini", ".flake8")
_IMPORT_ORDER_KEYS = (
    "import-order-style",
    "import_order_style",
    "application-import-names",
    "application_import_names",
)
_TOOLS = ("isort", "ruff", "flake8")
#: flake8's own ``exclude`` when the settings give none.
_FLAKE8_EXCLUDE = (".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox", ".eggs")
_FLAKE8_EXCLUDE_EGG = "*.egg"


@dataclass(frozen=True, slots=True)
class LintTool:
    """One linter as a folder configures it."""

    name: str
    #: Where its settings are: ``"pyproject.toml [tool.isort]"``.
    source: str
    #: The rules run (flake8's ``--select``; the sorter's own check otherwise).
    select: tuple[str, ...] = ()
    #: Why the tool does not run although configured ("" when it runs).
    off: str = ""
    #: flake8's ``exclude`` and ``extend-exclude`` patterns.
    exclude: tuple[str, ...] = ()


def _ini_sections(text: str) -> dict[str, dict[str, str]] | None:
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return {name: dict(parser.items(name)) for name in parser.sections()}


def _toml(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _patterns(value: object) -> list[str]:
    """A list setting as TOML (a list) or INI (commas or lines) writes it."""
    if isinstance(value, list):
        return [str(item) for item in value]
    if not isinstance(value, str):
        return []
    items = re.split(r"[,\n]", value.strip().strip("[]"))
    return [item.strip().strip("'\"") for item in items if item.strip().strip("'\"")]


def skips_every_file(settings: Mapping[str, object]) -> bool:
    """isort's settings skip every file: a ``skip_glob`` pattern matching a file at the top
    and one deep in the tree (``*``, ``**``)."""
    for key in ("skip_glob", "skip-glob", "extend_skip_glob", "extend-skip-glob"):
        for pattern in _patterns(settings.get(key)):
            if fnmatch.fnmatch("a.py", pattern) and fnmatch.fnmatch("a/b/c.py", pattern):
                return True
    return False


def _isort(configs: Mapping[str, str]) -> LintTool | None:
    for name, sections in _ISORT_SOURCES:
        text = configs.get(name)
        if text is None:
            continue
        settings: Mapping[str, object] | None = None
        found = ""
        if name == "pyproject.toml":
            table = (_toml(text) or {}).get("tool", {})
            if isinstance(table, dict) and isinstance(table.get("isort"), dict):
                settings, found = table["isort"], "tool.isort"
        else:
            parsed = _ini_sections(text) or {}
            for section in sections:
                if section in parsed:
                    settings, found = parsed[section], section
                    break
        if settings is None:
            continue
        source = f"{name} [{found}]"
        if skips_every_file(settings):
            return LintTool("isort", source, off="its skip_glob skips every file")
        return LintTool("isort", source)
    return None


def _ruff_selects(settings: Mapping[str, object], code: str) -> bool:
    """ruff, with these settings, reports ``code``: a ``select`` (or ruff's default,
    ``E4, E7, E9, F``) or ``extend-select`` prefix names it, and no ``ignore`` prefix as
    specific takes it back (ruff's more specific selector wins, ``ignore`` on a tie). Both
    the ``[lint]`` table and the top level, where older settings put the rules, are read."""
    lint = settings.get("lint")
    tables = [lint, settings] if isinstance(lint, dict) else [settings]

    def specificity(key: str, default: Sequence[str] = ()) -> int:
        """How closely ``key``'s selectors name ``code``: -1 not at all, 0 by ``ALL``."""
        selectors = [p for table in tables for p in _patterns(table.get(key)) if p]
        matching = [p for p in selectors or default if p == "ALL" or code.startswith(p)]
        return max((0 if p == "ALL" else len(p) for p in matching), default=-1)

    selected = max(specificity("select", _RUFF_DEFAULT_SELECT), specificity("extend-select"))
    return selected >= 0 and selected > specificity("ignore")


def _ruff_tool(source: str, settings: Mapping[str, object]) -> LintTool:
    rules = tuple(code for code in ("F401", "I001") if _ruff_selects(settings, code))
    select = tuple("I" if code == "I001" else code for code in rules)
    return LintTool("ruff", source, select, off="" if select else "selects neither F401 nor I")


def _ruff(configs: Mapping[str, str]) -> LintTool | None:
    for name in _RUFF_FILES:
        if name in configs:
            return _ruff_tool(name, _toml(configs[name]) or {})
    table = (_toml(configs.get("pyproject.toml", "")) or {}).get("tool", {})
    if isinstance(table, dict) and isinstance(table.get("ruff"), dict):
        return _ruff_tool("pyproject.toml [tool.ruff]", table["ruff"])
    return None


def _flake8(configs: Mapping[str, str]) -> LintTool | None:
    for name in _FLAKE8_SOURCES:
        text = configs.get(name)
        if text is None:
            continue
        section = (_ini_sections(text) or {}).get("flake8")
        if section is None:
            continue
        import_order = any(key in section for key in _IMPORT_ORDER_KEYS)
        select = ("F401", "I") if import_order else ("F401",)
        exclude = _patterns(section["exclude"]) if "exclude" in section else None
        if exclude is None:
            exclude = [*_FLAKE8_EXCLUDE, _FLAKE8_EXCLUDE_EGG]
        for key in ("extend-exclude", "extend_exclude"):
            exclude += _patterns(section.get(key))
        return LintTool("flake8", f"{name} [flake8]", select, exclude=tuple(exclude))
    return None


def flake8_excludes(path: str, patterns: Sequence[str]) -> bool:
    """flake8, walking the folder it runs from, would not check ``path`` (relative to that
    folder): the file or a folder above it matches an ``exclude`` pattern, by its name, or
    from the folder for a pattern with a slash. (Named on the command line, the file would
    be checked whatever its folders: the repository's own runs name folders.)"""
    parts = path.split("/")
    for end in range(1, len(parts) + 1):
        below = "/".join(parts[:end])
        for pattern in patterns:
            if "/" in pattern:
                if fnmatch.fnmatch(below, pattern.removeprefix("./").rstrip("/")):
                    return True
            elif fnmatch.fnmatch(parts[end - 1], pattern):
                return True
    return False


def folder_linters(configs: Mapping[str, str]) -> dict[str, LintTool]:
    """The linters one folder's files configure (file name -> text), by tool name."""
    found = {"isort": _isort(configs), "ruff": _ruff(configs), "flake8": _flake8(configs)}
    return {name: tool for name, tool in found.items() if tool is not None}


def read_configs(folder: Path) -> dict[str, str]:
    """The settings files a folder holds, by name."""
    configs: dict[str, str] = {}
    for name in {*CONFIG_FILES, *_RUFF_FILES}:
        path = folder / name
        if path.is_file():
            configs[name] = path.read_text(encoding="utf-8", errors="replace")
    return configs


@dataclass(frozen=True, slots=True)
class LintRun:
    """One tool run from one folder (root-relative, ``""`` for the root) on some files."""

    tool: LintTool
    folder: str
    paths: tuple[str, ...]


def _ancestors(folder: str) -> list[str]:
    """``folder`` and each folder above it, up to the root (``""``)."""
    found = [folder]
    while folder:
        folder = folder.rpartition("/")[0]
        found.append(folder)
    return found


def find_lint_runs(
    paths: Iterable[str],
    scope_of: Mapping[str, str],
    linters_in: Callable[[str], Mapping[str, LintTool]],
) -> list[LintRun]:
    """For each tool, the folder whose settings it reads for each path (the nearest from the
    path's scope up to the root) and the paths that folder's run covers. A tool configured
    but switched off there runs on none of them (the run carries ``off``)."""
    grouped: dict[tuple[str, str], list[str]] = {}
    tools: dict[tuple[str, str], LintTool] = {}
    for path in sorted(paths):
        for name in _TOOLS:
            for folder in _ancestors(scope_of.get(path, "")):
                tool = linters_in(folder).get(name)
                if tool is not None:
                    grouped.setdefault((name, folder), []).append(path)
                    tools[(name, folder)] = tool
                    break
    return [
        LintRun(tools[key], key[1], tuple(grouped[key]))
        for key in sorted(grouped, key=lambda key: (_TOOLS.index(key[0]), key[1]))
    ]


# -- findings ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """What one tool says about one file: ``code`` and ``message`` identify it, ``line``
    only says where (a migration moves lines)."""

    tool: str
    path: str
    code: str
    message: str
    line: int = 0

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.tool, self.path, self.code, self.message)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.tool} {self.code} {self.message}"


def new_findings(before: Iterable[Finding], after: Iterable[Finding]) -> list[Finding]:
    """The findings of ``after`` that ``before`` does not have, as often as they are more."""
    known = Counter(finding.key for finding in before)
    added = []
    for finding in after:
        if known[finding.key]:
            known[finding.key] -= 1
        else:
            added.append(finding)
    return added


def _root_relative(path: str, folder: str, run_dir: Path) -> str:
    """A path as a tool printed it (absolute, or relative to where it ran), from the
    repository's root."""
    candidate = Path(path)
    if candidate.is_absolute():
        for base in (run_dir, run_dir.resolve()):
            if candidate.is_relative_to(base):
                candidate = candidate.relative_to(base)
                break
    relative = candidate.as_posix().removeprefix("./")
    return f"{folder}/{relative}" if folder else relative


_MESSAGE_LINE = re.compile(
    r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<column>\d+): (?P<code>[A-Z]+[0-9]+) "
    r"(?:\[\*\] )?(?P<message>.*)$"
)


def message_findings(
    tool: str, output: str, folder: str = "", run_dir: Path = Path()
) -> list[Finding]:
    """flake8's (``--format default``) or ruff's (``--output-format concise``) lines."""
    findings = []
    for text in output.splitlines():
        match = _MESSAGE_LINE.match(text)
        if match is None:
            continue
        findings.append(
            Finding(
                tool,
                _root_relative(match["path"], folder, run_dir),
                match["code"],
                match["message"].strip(),
                int(match["line"]),
            )
        )
    return findings


_HUNK = re.compile(r"^@@ -(\d+)")


def _diff_header_path(text: str) -> str:
    """``/x/a.py:before<TAB>2024-01-01 ...`` (isort) or ``a.py`` (ruff): the path."""
    path = text.split("\t", 1)[0].strip()
    for suffix in (":before", ":after"):
        path = path.removesuffix(suffix)
    return path


def diff_findings(
    tool: str, code: str, output: str, folder: str = "", run_dir: Path = Path()
) -> list[Finding]:
    """A sorter's unified diff: each line it would remove (``- import os``) or add
    (``+ import os``), at its line in the file as it is."""
    findings = []
    path = ""
    line = 0
    for text in output.splitlines():
        if text.startswith("--- "):
            path = _root_relative(_diff_header_path(text[4:]), folder, run_dir)
            continue
        if text.startswith("+++ "):
            continue
        hunk = _HUNK.match(text)
        if hunk is not None:
            line = int(hunk[1])
            continue
        if not path or not text:
            continue
        if text[0] in "+-":
            findings.append(Finding(tool, path, code, f"{text[0]} {text[1:].strip()}", line))
        if text[0] in " -":
            line += 1
    return findings


# -- running the tools ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToolRun:
    """What one run of a tool found, or why it did not run to the end."""

    findings: tuple[Finding, ...]
    error: str = ""


def _commands(tool: LintTool, bin_dir: Path, files: Sequence[str]) -> list[list[str]]:
    if tool.name == "isort":
        isort = [str(bin_dir / "isort"), "--check-only", "--diff", "--filter-files"]
        return [[*isort, "--settings-path", ".", *files]]
    if tool.name == "ruff":
        ruff = [str(bin_dir / "ruff"), "check", "--no-cache", "--force-exclude"]
        commands = []
        if "I" in tool.select:
            commands.append([*ruff, "--select", "I", "--diff", *files])
        if "F401" in tool.select:
            commands.append([*ruff, "--select", "F401", "--output-format", "concise", *files])
        return commands
    flake8 = [str(bin_dir / "flake8"), "--select", ",".join(tool.select), "--no-show-source"]
    return [[*flake8, "--format", "default", *files]]


def run_tool(bin_dir: Path, tree: Path, run: LintRun, timeout: float = 1800) -> ToolRun:
    """``run``'s tool from its folder of ``tree``, on the run's files that ``tree`` has."""
    run_dir = tree / run.folder
    prefix = f"{run.folder}/" if run.folder else ""
    files = [p.removeprefix(prefix) for p in run.paths if (tree / p).is_file()]
    if run.tool.name == "flake8":
        files = [f for f in files if not flake8_excludes(f, run.tool.exclude)]
    if not files or run.tool.off:
        return ToolRun(())
    findings: list[Finding] = []
    for command in _commands(run.tool, bin_dir, files):
        try:
            result = subprocess.run(
                command, cwd=run_dir, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return ToolRun(tuple(findings), f"{run.tool.name} timed out after {timeout:.0f}s")
        if result.returncode not in (0, 1):
            tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-3:])
            return ToolRun(tuple(findings), f"{run.tool.name} exited {result.returncode}: {tail}")
        if "--diff" in command:
            code = "I001" if run.tool.name == "ruff" else "I"
            findings += diff_findings(run.tool.name, code, result.stdout, run.folder, run_dir)
        else:
            findings += message_findings(run.tool.name, result.stdout, run.folder, run_dir)
    return ToolRun(tuple(findings))

"""Prove ``declone migrate`` safe on real source distributions that nobody here wrote.

For each project (the pinned sdists ``benchmarks/realcode.py`` downloads and extracts, and
SQLAlchemy's), the extracted tree is copied to a fresh folder under
``benchmarks/.work/realmigrate/`` (the download is never modified), made a git repository
with one commit, and every ``.py`` file's bytes are recorded. The migrations then run with
the real CLI in a subprocess (``python -m declone migrate FAMILY ARGS --commit --json
--no-progress``: one git commit per batch, the way a user goes from one migration to the
next): the named ones of ``SETUPS``, or, in the every-family mode (``--all-families``, or
the project's setting), every duplicate family ``declone scan --json`` finds, each by its
``NAME@ID``: ``declone plan NAME@ID --json`` proposes a canonical (one module, or a
``{scope}`` template), and ``declone migrate NAME@ID --extract-to PROPOSAL`` runs it, the
safe tier only. A family whose plan refuses it (exit 2) or plans no change is not migrated,
its reason said and grouped; a plan or migration that crashes is a failure. Then:

1. definitions left: for each class name migrated, the module-level ``class NAME``
   statements (not inside a function or a class body) per import scope, before and after;
   ansible's target is at most one per collection;
2. every changed file parses, and every import the migrations added (an import that the
   file did not have; for a created module, that none of the files its classes came from
   had) resolves to a repository file that binds the imported name, in the importing
   file's own scope: the module path under the repository root or under an ancestor
   folder of the importer, a relative one from the importer's package; an Ansible module
   (``plugins/modules/``, ``lib/ansible/modules/``) imports only from the ``module_utils``
   that ship with it to the managed host;
3. a second run of each migration writes nothing: no run, no changed byte, exit code 0 (or
   1 again, nothing written, when the first run left a planned file unwritten);
4. the repository's own import linters (``benchmarks/linters.py``: isort, ruff, flake8 with
   flake8-import-order, as its settings configure them, pinned in a virtualenv of ours) on
   the changed and created files, on the original bytes (a git worktree of the first
   commit) and after: no finding after that was not there before;
5. ``declone rollback RUN_ID`` of every run, newest first, restores every recorded file
   byte for byte and removes every created module;
6. with ``--collect``: in a virtualenv of the project's own (pinned test requirements),
   ``pytest --collect-only <scope>/<tests>`` for each scope the migrations changed (the
   nearest pytest configuration inside the tree; the ids recorded by a small plugin, so
   that a project's ``addopts`` cannot change what is read), after the migration and, on
   the tree rollback restored byte for byte, before it: the collected ids must be
   identical (a scope that does not collect cleanly before is skipped, and said so; a
   project without test requirements, SQLAlchemy, is not collected);
7. with ``--collect``: each changed module imported (its dotted name from the repository
   root, or from a ``lib/``/``src/`` folder) in that virtualenv, one process per scope,
   before and after: the same modules import before and after (how many created modules
   import is reported too).

    python benchmarks/realmigrate.py [--only ansible|pyramid|salt|sqlalchemy] [--all-families]
                                     [--collect] [--json]

Every step is timed (wall seconds). The exit code is 1 when an invariant fails (each
failure is listed), 0 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import linters
import realcode

import scan
from declone.scan import find_scopes

__all__ = [
    "SETUPS",
    "WORK_DIR",
    "Collection",
    "FamilyAttempt",
    "ImportCheck",
    "ImportRef",
    "LintComparison",
    "Migration",
    "MigrationOutcome",
    "Proposal",
    "Setup",
    "added_imports",
    "check_import",
    "collection_from",
    "count_definitions",
    "duplicate_family_ids",
    "error_text",
    "import_refs",
    "lint_failures",
    "main",
    "module_classes",
    "module_name",
    "proposal_from",
    "pytest_config",
    "reason_group",
    "resolve_import",
]

WORK_DIR = scan.WORK_DIR / "realmigrate"


@dataclass(frozen=True, slots=True)
class Migration:
    """One ``declone migrate`` run: the family and the arguments after it."""

    family: str
    arguments: tuple[str, ...]

    @property
    def class_name(self) -> str:
        return self.family.partition("@")[0]


@dataclass(frozen=True, slots=True)
class Setup:
    project: realcode.Project
    #: The named migrations, run first.
    migrations: tuple[Migration, ...]
    #: Installed with pip into the project's virtualenv for ``--collect``.
    test_requirements: tuple[str, ...]
    #: Each scope's tests, relative to the scope's folder; ``None``: nothing is collected,
    #: the changed modules are only imported.
    tests: str | None
    #: Root-relative folders put on ``PYTHONPATH`` (a ``src`` layout's sources).
    pythonpath: tuple[str, ...] = ()
    #: Added to every ``pytest --collect-only`` command line, after the project's addopts.
    pytest_arguments: tuple[str, ...] = ()
    #: Most definitions of a class of ``migrations`` allowed in one scope after them.
    max_definitions_per_scope: int | None = None
    #: Every duplicate family the scan finds is migrated, by the plan's proposal.
    all_families: bool = False


#: ``mock`` and ``paramiko``: ibm/storage_virtualize's tests import them.
ANSIBLE_TEST_REQUIREMENTS = (
    "ansible-core==2.19.5",
    "mock==5.2.0",
    "paramiko==3.5.1",
    "pytest==8.4.2",
    "pytest-mock==3.15.1",
    "pytest-xdist==3.8.0",
)
#: pyramid's `testing` dependency group; pyramid itself brings its runtime requirements (the
#: copy's ``src`` comes first on ``PYTHONPATH``).
PYRAMID_TEST_REQUIREMENTS = (
    "pyramid==2.1",
    "webtest==3.0.7",
    "zope.component==6.1",
    "pytest==8.4.2",
)
#: Enough for ``import sqlalchemy`` from ``lib/``: its test suite is not collected.
SQLALCHEMY_REQUIREMENTS = ("typing_extensions==4.12.2",)
SQLALCHEMY = realcode.Project("sqlalchemy", "2.0.36")

_ANSIBLE_SUPPORT = "{scope}/tests/unit/declone_support.py"

SETUPS = {
    "ansible": Setup(
        realcode.PROJECTS["ansible"],
        (
            Migration("AnsibleFailJson", ("--extract-to", _ANSIBLE_SUPPORT)),
            Migration("AnsibleExitJson", ("--extract-to", _ANSIBLE_SUPPORT)),
        ),
        ANSIBLE_TEST_REQUIREMENTS,
        tests="tests/unit",
        # Several collections' addopts start two xdist workers: collect in one process.
        pytest_arguments=("-n", "0"),
        max_definitions_per_scope=1,
    ),
    "pyramid": Setup(
        realcode.PROJECTS["pyramid"],
        (),
        PYRAMID_TEST_REQUIREMENTS,
        tests="tests",
        pythonpath=("src",),
        all_families=True,
    ),
    # A library under lib/ that imports its own modules relatively, its import order kept
    # by flake8-import-order.
    "sqlalchemy": Setup(
        SQLALCHEMY,
        (),
        SQLALCHEMY_REQUIREMENTS,
        tests=None,
        pythonpath=("lib",),
        all_families=True,
    ),
    # A package at the root with its own isort settings; its runtime requirements are not
    # installed: with --collect the changed modules are imported, and those that need them
    # do not import before the migration either.
    "salt": Setup(
        realcode.PROJECTS["salt"],
        (),
        (),
        tests=None,
        all_families=True,
    ),
}

#: Wide enough that rich never wraps declone's error lines.
_CLI_ENVIRONMENT = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"}
_TIMEOUT = 1800


# -- definitions left ----------------------------------------------------------------------


def module_classes(tree: ast.Module) -> Iterator[ast.ClassDef]:
    """The classes a module defines as it runs: its top-level ``class`` statements and
    those under ``if``/``try``/``with``/loops, none inside a function or a class body."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.ClassDef):
            yield node
        elif isinstance(node, ast.ExceptHandler | ast.match_case):
            pending.extend(node.body)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            pending.extend(
                child
                for child in ast.iter_child_nodes(node)
                if isinstance(child, ast.stmt | ast.ExceptHandler | ast.match_case)
            )


def _parse(data: bytes) -> ast.Module | None:
    try:
        return ast.parse(data)
    except (SyntaxError, ValueError):  # ValueError: null bytes
        return None


def count_definitions(
    sources: Mapping[str, bytes], names: Iterable[str], scope_of: Mapping[str, str]
) -> dict[str, Counter[str]]:
    """For each class name, its module-level definitions per scope (files that do not
    parse count none)."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in names}
    needles = [name.encode() for name in counts]
    for path, data in sources.items():
        # Reading every file is cheap; parsing only those that mention a name keeps a
        # 17,800-file tree to seconds.
        if not any(needle in data for needle in needles):
            continue
        tree = _parse(data)
        if tree is None:
            continue
        for node in module_classes(tree):
            if node.name in counts:
                counts[node.name][scope_of[path]] += 1
    return counts


@dataclass(frozen=True, slots=True)
class Definitions:
    """One class name's module-level definitions per scope, before and after."""

    name: str
    before: Mapping[str, int]
    after: Mapping[str, int]

    @property
    def crowded_after(self) -> tuple[str, ...]:
        """The scopes still holding more than one definition."""
        return tuple(sorted(scope for scope, count in self.after.items() if count > 1))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scopes": len([scope for scope, count in self.before.items() if count]),
            "before": sum(self.before.values()),
            "after": sum(self.after.values()),
            "max_per_scope_before": max(self.before.values(), default=0),
            "max_per_scope_after": max(self.after.values(), default=0),
            "crowded_after": {scope: self.after[scope] for scope in self.crowded_after},
        }


# -- added imports -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportRef:
    """One imported name: ``from module import name`` (``level`` dots before the module),
    or ``import module`` (``name`` is ``None``)."""

    level: int
    module: str
    name: str | None
    line: int = 0

    @property
    def key(self) -> tuple[int, str, str | None]:
        return (self.level, self.module, self.name)

    def __str__(self) -> str:
        if self.name is None:
            return f"import {self.module}"
        return f"from {'.' * self.level}{self.module} import {self.name}"


def import_refs(tree: ast.AST) -> list[ImportRef]:
    """Every name imported anywhere in ``tree`` (functions and ``if`` blocks included)."""
    refs: list[ImportRef] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            refs.extend(ImportRef(0, alias.name, None, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            refs.extend(
                ImportRef(node.level, node.module or "", alias.name, node.lineno)
                for alias in node.names
            )
    return refs


def added_imports(before: Iterable[ImportRef], after: Iterable[ImportRef]) -> list[ImportRef]:
    """The imports of ``after`` that ``before`` does not have (wherever they stand)."""
    known = {ref.key for ref in before}
    return [ref for ref in after if ref.key not in known and ref.module != "__future__"]


def _import_bases(importer: str, level: int, pythonpath: Sequence[str] = ()) -> list[str]:
    """The folders a module path is looked up under: the root, the declared source
    folders (``lib``, ``src``) and the importer's ancestors for an absolute import; the
    importer's package for a relative one."""
    folder = importer.rpartition("/")[0]
    parts = folder.split("/") if folder else []
    if level == 0:
        ancestors = ("/".join(parts[:end]) for end in range(len(parts), 0, -1))
        return list(dict.fromkeys(["", *pythonpath, *ancestors]))
    if level - 1 > len(parts):
        return []
    return ["/".join(parts[: len(parts) - (level - 1)])]


def _module_file(sources: Mapping[str, bytes], base: str, dotted: str) -> str | None:
    stem = "/".join(part for part in (base, dotted.replace(".", "/")) if part)
    for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
        if candidate in sources:
            return candidate
    return None


def _find_in(sources: Mapping[str, bytes], base: str, ref: ImportRef) -> str | None:
    if ref.name not in (None, "*"):
        # ``from package import module`` names a file of its own.
        submodule = f"{ref.module}.{ref.name}" if ref.module else str(ref.name)
        found = _module_file(sources, base, submodule)
        if found is not None:
            return found
    if not ref.module:
        return _module_file(sources, base, "__init__") if base else None
    return _module_file(sources, base, ref.module)


def resolve_import(
    sources: Mapping[str, bytes], importer: str, ref: ImportRef, pythonpath: Sequence[str] = ()
) -> str | None:
    """The repository file (root-relative) that ``ref`` in ``importer`` imports, or
    ``None``."""
    for base in _import_bases(importer, ref.level, pythonpath):
        found = _find_in(sources, base, ref)
        if found is not None:
            return found
    return None


def _bound_names(tree: ast.Module) -> set[str] | None:
    """The names a module binds at module level; ``None`` when a star import makes that
    unknowable."""
    names: set[str] = set()
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.partition(".")[0])
            continue
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
            continue
        if isinstance(node, ast.ExceptHandler | ast.match_case):
            pending.extend(node.body)
            continue
        pending.extend(
            child
            for child in ast.iter_child_nodes(node)
            if isinstance(child, ast.stmt | ast.ExceptHandler | ast.match_case)
        )
    return names


@dataclass(frozen=True, slots=True)
class ImportCheck:
    """Where one added import leads."""

    importer: str
    ref: ImportRef
    #: The file it resolves to; ``None`` when none does.
    target: str | None
    importer_scope: str
    target_scope: str | None
    #: The target binds the imported name (or the name is the target module itself).
    name_bound: bool

    @property
    def status(self) -> str:
        if self.target is None:
            return "unresolved"
        if not self.name_bound:
            return "name missing"
        if self.target_scope != self.importer_scope:
            return "crossing"
        shipped_with = _shipped_with(self.importer, self.importer_scope)
        if shipped_with is not None and not self.target.startswith(shipped_with):
            return "ships apart"
        return "resolved"

    def describe(self) -> str:
        where = f"{self.importer}:{self.ref.line}: {self.ref}"
        if self.target is None:
            return f"{where}: resolves to no file of the repository"
        if not self.name_bound:
            return f"{where}: {self.target} does not define {self.ref.name}"
        if self.status == "ships apart":
            return (
                f"{where}: an Ansible module imports {self.target}, which is not under "
                f"{_shipped_with(self.importer, self.importer_scope)} and does not ship with it"
            )
        return (
            f"{where}: resolves to {self.target}, in scope {_shown(self.target_scope)}, "
            f"not the importer's {_shown(self.importer_scope)}"
        )


def _shipped_with(importer: str, scope: str) -> str | None:
    """The folder that ships with an Ansible module (its ``module_utils``): a module runs on
    the managed host with only what it imports from there; ``None`` for any other file. A
    collection's modules are under ``plugins/modules`` of its root, the importer's ``scope``
    (its tests mirror that layout below ``tests/unit``); ansible-core's under
    ``lib/ansible/modules``."""
    collection = f"{scope}/" if scope else ""
    if importer.startswith(f"{collection}plugins/modules/"):
        return f"{collection}plugins/module_utils/"
    head, found, _ = importer.partition("lib/ansible/modules/")
    if found and (not head or head.endswith("/")):
        return head + "lib/ansible/module_utils/"
    return None


def check_import(
    sources: Mapping[str, bytes],
    scope_of: Mapping[str, str],
    importer: str,
    ref: ImportRef,
    pythonpath: Sequence[str] = (),
) -> ImportCheck:
    target = resolve_import(sources, importer, ref, pythonpath)
    bound = True
    if target is not None and ref.name not in (None, "*") and not _is_submodule(target, ref):
        tree = _parse(sources[target])
        names = _bound_names(tree) if tree is not None else set()
        bound = names is None or ref.name in names
    return ImportCheck(
        importer,
        ref,
        target,
        scope_of[importer],
        scope_of.get(target) if target is not None else None,
        bound,
    )


def _is_submodule(target: str, ref: ImportRef) -> bool:
    stem = target.removesuffix(".py").removesuffix("/__init__")
    return stem.rpartition("/")[2] == ref.name


# -- pytest in the project's virtualenv ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Collection:
    """One ``pytest --collect-only -q`` of a folder."""

    ids: tuple[str, ...]
    errors: int
    exit_code: int
    seconds: float
    #: The output's last lines when something went wrong.
    tail: str = ""

    @property
    def clean(self) -> bool:
        return self.errors == 0 and self.exit_code in (0, 5)  # 5: no tests collected

    def to_json(self) -> dict[str, Any]:
        return {
            "collected": len(self.ids),
            "errors": self.errors,
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 2),
            "tail": self.tail,
        }


#: A pytest plugin that writes the collected ids and the collection errors as JSON to the
#: file named by $REALMIGRATE_COLLECTED, whatever the project's addopts do to the output.
_COLLECT_PLUGIN = """
import json
import os

_errors = []


def pytest_collectreport(report):
    if report.failed:
        _errors.append(report.nodeid)


def pytest_sessionfinish(session):
    ids = [item.nodeid for item in getattr(session, "items", [])]
    with open(os.environ["REALMIGRATE_COLLECTED"], "w", encoding="utf-8") as file:
        json.dump({"ids": ids, "errors": _errors}, file)
"""
_PLUGIN_NAME = "realmigrate_collected"


def collection_from(
    recorded: str | None, exit_code: int, output: str, seconds: float
) -> Collection:
    """A collection from the plugin's JSON; without it (pytest stopped before the end of
    its session), one error and the output's last lines."""
    if recorded is None:
        tail = "\n".join(output.strip().splitlines()[-8:])
        return Collection((), 1, exit_code, seconds, tail)
    found = json.loads(recorded)
    errors = len(found["errors"])
    tail = "" if not errors else "collection errors in " + ", ".join(found["errors"][:5])
    return Collection(tuple(sorted(found["ids"])), errors, exit_code, seconds, tail)


_CONFIG_FILES = (
    ("pytest.ini", None),
    (".pytest.ini", None),
    ("pyproject.toml", "[tool.pytest.ini_options]"),
    ("tox.ini", "[pytest]"),
    ("setup.cfg", "[tool:pytest]"),
)


def pytest_config(root: Path, folder: str) -> Path | None:
    """The configuration file pytest would find from ``folder`` upward, the search stopped
    at ``root`` (a copy under this checkout would otherwise pick up declone's own
    ``pyproject.toml``)."""
    current = folder
    while True:
        for name, section in _CONFIG_FILES:
            path = root / current / name
            if path.is_file() and (
                section is None or section in path.read_text(encoding="utf-8", errors="replace")
            ):
                return path
        if not current:
            return None
        current = current.rpartition("/")[0]


def module_name(path: str, pythonpath: Sequence[str] = ()) -> str:
    """The dotted name a root-relative ``.py`` path imports as (a ``pythonpath`` folder's
    files from that folder)."""
    for entry in pythonpath:
        if path.startswith(f"{entry}/"):
            path = path[len(entry) + 1 :]
            break
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _test_environment(root: Path, setup: Setup) -> dict[str, str]:
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("PYTEST_ADDOPTS", "PYTHONSAFEPATH", "VIRTUAL_ENV", "PYTHONPATH"):
        environment.pop(name, None)
    if setup.pythonpath:
        environment["PYTHONPATH"] = os.pathsep.join(str(root / p) for p in setup.pythonpath)
    return environment


def collect(python: Path, root: Path, folder: str, setup: Setup) -> Collection:
    """``python -m pytest --collect-only FOLDER`` from the repository root, the ids
    recorded by a plugin of ours (in a temporary folder, never in the repository)."""
    with tempfile.TemporaryDirectory(prefix="realmigrate-") as temporary:
        plugin = Path(temporary)
        (plugin / f"{_PLUGIN_NAME}.py").write_text(_COLLECT_PLUGIN, encoding="utf-8")
        recorded = plugin / "collected.json"
        environment = _test_environment(root, setup)
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [temporary, environment.get("PYTHONPATH", "")])
        )
        environment["REALMIGRATE_COLLECTED"] = str(recorded)
        config = pytest_config(root, folder)
        command = [str(python), "-m", "pytest", "--collect-only", "-q", "-p", _PLUGIN_NAME]
        command += ["-p", "no:cacheprovider", "--color=no", *setup.pytest_arguments]
        command += ["--rootdir", str(root), "--confcutdir", str(root)]
        command += ["-c", str(config) if config is not None else os.devnull, folder]
        started = time.perf_counter()
        try:
            result = subprocess.run(
                command,
                cwd=root,
                env=environment,
                capture_output=True,
                text=True,
                timeout=_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            seconds = time.perf_counter() - started
            return Collection((), 1, -1, seconds, f"timed out after {_TIMEOUT}s")
        seconds = time.perf_counter() - started
        text = recorded.read_text(encoding="utf-8") if recorded.is_file() else None
    return collection_from(text, result.returncode, result.stdout + result.stderr, seconds)


_IMPORT_SCRIPT = """
import importlib, json, sys
results = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except BaseException as exc:  # a skip or a sys.exit() is "does not import" too
        results[name] = f"{type(exc).__name__}: {exc}"[:300]
    else:
        results[name] = None
print("\\n@@imports@@" + json.dumps(results))
"""


def import_modules(
    python: Path, root: Path, modules: Sequence[str], setup: Setup
) -> dict[str, str | None]:
    """Each module imported in turn in one fresh process: ``None``, or why it did not."""
    if not modules:
        return {}
    try:
        result = subprocess.run(
            [str(python), "-c", _IMPORT_SCRIPT, *modules],
            cwd=root,
            env=_test_environment(root, setup),
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return dict.fromkeys(modules, f"timed out after {_TIMEOUT}s")
    marker = result.stdout.rfind("@@imports@@")
    if marker < 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return dict.fromkeys(modules, f"the import process failed: {tail[0]}")
    found: dict[str, str | None] = json.loads(result.stdout[marker + len("@@imports@@") :])
    return found


def ensure_virtualenv(setup: Setup, python: str) -> Path:
    """The project's virtualenv with its pinned test requirements (made once, remade when
    the pins change); its interpreter."""
    venv = WORK_DIR / f"venv-{setup.project.name}"
    return _ensure_venv(venv, setup.test_requirements, python) / "python"


def ensure_lint_virtualenv(python: str) -> Path:
    """The benchmark's own virtualenv with the pinned linters; its ``bin`` folder."""
    return _ensure_venv(WORK_DIR / "venv-lint", linters.LINT_REQUIREMENTS, python)


def _ensure_venv(venv: Path, requirements: Sequence[str], python: str) -> Path:
    marker = venv / "requirements.txt"
    wanted = "\n".join(requirements) + "\n"
    bin_dir = venv / "bin"
    if marker.is_file() and marker.read_text(encoding="utf-8") == wanted:
        return bin_dir
    shutil.rmtree(venv, ignore_errors=True)
    _run([python, "-m", "venv", str(venv)])
    if requirements:  # pip refuses an install of nothing
        _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", *requirements])
    marker.write_text(wanted, encoding="utf-8")
    return bin_dir


# -- the repository copy and declone as a subprocess ---------------------------------------


def _run(command: Sequence[str], cwd: Path | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise RuntimeError(f"{' '.join(command[:4])} ... exited {result.returncode}:\n{tail}")


def _git(root: Path, *arguments: str) -> None:
    _run(["git", "-C", str(root), *arguments])


def _head(root: Path) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


@contextlib.contextmanager
def original_worktree(root: Path, commit: str) -> Iterator[Path]:
    """A git worktree of ``commit`` beside ``root`` (the original files, whatever the
    migrations did to ``root``), removed afterwards."""
    tree = root.with_name(f"{root.name}-original")
    shutil.rmtree(tree, ignore_errors=True)
    _git(root, "worktree", "prune")
    _git(root, "worktree", "add", "--detach", "-q", str(tree), commit)
    try:
        yield tree
    finally:
        _git(root, "worktree", "remove", "--force", str(tree))


def copy_tree(tree: Path, scratch: Path) -> None:
    """A fresh copy of the extracted sdist, without its git folder."""
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(tree, scratch, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    (scratch / ".extracted").unlink(missing_ok=True)


def commit_tree(scratch: Path, message: str) -> None:
    """Make the copy a git repository with one commit, as a user's checkout is."""
    _git(scratch, "init", "-q")
    _git(scratch, "config", "user.email", "benchmarks@example.org")
    _git(scratch, "config", "user.name", "declone benchmarks")
    _git(scratch, "config", "commit.gpgsign", "false")
    _git(scratch, "add", "-A")
    _git(scratch, "commit", "-q", "-m", message)


def read_sources(root: Path, previous: Mapping[str, bytes] | None = None) -> dict[str, bytes]:
    """Every ``.py`` file's bytes (root-relative POSIX paths); a file whose bytes equal
    ``previous``'s shares its object, so that a snapshot of an unchanged tree costs nothing."""
    sources: dict[str, bytes] = {}
    for path in scan.python_files(root):
        relative = path.relative_to(root).as_posix()
        data = path.read_bytes()
        old = previous.get(relative) if previous is not None else None
        sources[relative] = old if old == data else data
    return sources


def differing(first: Mapping[str, bytes], second: Mapping[str, bytes]) -> list[str]:
    """The paths whose bytes differ, or that only one of the snapshots has."""
    return sorted(
        path
        for path in first.keys() | second.keys()
        if first.get(path) is not second.get(path) and first.get(path) != second.get(path)
    )


@dataclass(frozen=True, slots=True)
class MigrationOutcome:
    """What one ``declone migrate --json`` run said."""

    family: str
    exit_code: int
    seconds: float
    error: str
    run_id: str | None
    changed: tuple[str, ...]
    created: tuple[str, ...]
    summary: Mapping[str, int]
    scopes: int
    kept: int
    skipped: int
    not_migrated: tuple[str, ...]
    #: Each canonical module a migration extracted -> the files its class came from.
    extracted_from: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The arguments after the family, to run it again.
    arguments: tuple[str, ...] = ()
    #: The files its batches wrote and kept (not rolled back).
    written: tuple[str, ...] = ()
    #: Why a planned file was not written or a batch was rolled back (exit code 1).
    problems: tuple[str, ...] = ()

    @property
    def ran(self) -> bool:
        """It ran to the end (exit 0, or 1: a planned file not written), not a crash."""
        return self.exit_code in (0, 1) and not self.error

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "arguments": list(self.arguments),
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 2),
            "error": self.error,
            "run_id": self.run_id,
            "files_changed": len(self.changed),
            "modules_created": list(self.created),
            "summary": dict(self.summary),
            "scopes": self.scopes,
            "kept_scopes": self.kept,
            "skipped": self.skipped,
            "not_migrated": list(self.not_migrated),
            "files_written": len(self.written),
            "problems": list(self.problems),
        }


_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)')


def error_text(stderr: str) -> str:
    """declone's ``error:`` lines; for a traceback, its exception and innermost frame."""
    lines = stderr.strip().splitlines()
    errors = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    if errors:
        return " ".join(errors)
    frames = [match for line in lines if (match := _FRAME.match(line)) is not None]
    if frames and lines:
        where = frames[-1]
        path = where["file"].partition("/src/")[2] or where["file"]
        return f"{lines[-1]} (at {path}:{where['line']}, in {where['function']})"
    return "\n".join(lines[-5:])


def _declone(python: str, root: Path, *arguments: str) -> tuple[int, dict[str, Any], str, float]:
    started = time.perf_counter()
    result = subprocess.run(
        [python, "-m", "declone", *arguments, "--root", str(root), "--json"],
        capture_output=True,
        text=True,
        env=_CLI_ENVIRONMENT,
        check=False,
    )
    seconds = time.perf_counter() - started
    try:
        document = json.loads(result.stdout) if result.stdout.strip() else {}
    except json.JSONDecodeError:
        document = {}
    # Exit 1 with no document is a crash (a traceback), not declone's answer.
    answered = result.returncode == 0 or (result.returncode == 1 and bool(document))
    error = "" if answered else error_text(result.stderr)
    return result.returncode, document, error, seconds


def migrate(python: str, root: Path, migration: Migration) -> MigrationOutcome:
    code, document, error, seconds = _declone(
        python,
        root,
        "migrate",
        migration.family,
        *migration.arguments,
        "--commit",
        "--no-progress",
    )
    plans = document.get("scopes") or ([document] if "canonical" in document else [])
    extracted: dict[str, set[str]] = {}
    for plan in plans:
        canonical = plan.get("canonical") or {}
        origin = canonical.get("extracted_from")
        if canonical.get("path") and origin:
            extracted.setdefault(canonical["path"], set()).add(origin.rsplit(":", 2)[0])
    changes = document.get("changed", [])
    batches = document.get("batches", [])
    return MigrationOutcome(
        migration.family,
        code,
        seconds,
        error,
        document.get("run_id"),
        tuple(c["path"] for c in changes if not c.get("created")),
        tuple(c["path"] for c in changes if c.get("created")),
        document.get("summary", {}),
        len(plans) if "scopes" in document else int(bool(plans)),
        len(document.get("kept", [])),
        sum(1 for plan in plans for f in plan.get("files", []) if f.get("action") == "skip"),
        tuple(entry["path"] for entry in document.get("not_migrated", [])),
        {module: tuple(sorted(files)) for module, files in extracted.items()},
        migration.arguments,
        tuple(
            path
            for batch in batches
            for path in batch.get("files", [])
            if path not in batch.get("rolled_back", [])
        ),
        run_problems(document),
    )


def run_problems(document: Mapping[str, Any]) -> tuple[str, ...]:
    """What ``migrate --json`` says it did not do as planned: files not written, refused
    or rolled back, and the modules whose import check rolled a batch back."""
    problems = [
        f"{e['path']}: not written: {e['reason']}" for e in document.get("not_migrated", [])
    ]
    for batch in document.get("batches", []):
        number = batch.get("number")
        problems += [
            f"{e['path']}: refused in batch {number}: {e['reason']}"
            for e in batch.get("refused", [])
        ]
        if batch.get("rolled_back"):
            problems.append(
                f"batch {number} rolled back ({len(batch['rolled_back'])} files: "
                f"{', '.join(batch['rolled_back'][:3])})"
            )
        check = batch.get("import_check") or {}
        problems += [
            f"{m['path']}: module {m['module']} {m['result']}: {m.get('error') or ''}".rstrip(": ")
            for m in check.get("modules", [])
            if m.get("result") == "no longer imports"
        ]
    return tuple(problems)


def rollback(python: str, root: Path, run_id: str) -> tuple[int, dict[str, Any], str, float]:
    return _declone(python, root, "rollback", run_id)


# -- every family --------------------------------------------------------------------------


def duplicate_family_ids(document: Mapping[str, Any]) -> list[str]:
    """The ``NAME@ID`` of each duplicate family of a ``declone scan --json`` document, in
    the scan's order."""
    return [
        family.get("id", family["name"])
        for family in document.get("families", [])
        if family.get("kind") == "duplicate"
    ]


@dataclass(frozen=True, slots=True)
class Proposal:
    """What ``declone plan NAME@ID --json`` without a canonical proposes."""

    #: The arguments that give ``migrate`` the proposal (``--extract-to PATH``); ``None``
    #: when there is nothing to migrate.
    arguments: tuple[str, ...] | None
    #: The files the plan changes (copies replaced, aliased or made residual).
    planned: int
    #: Why nothing is migrated ("" when something is).
    reason: str = ""


_MIGRATING_ACTIONS = ("replace", "alias", "residual")


def _stays_reason(document: Mapping[str, Any]) -> str:
    """Why every copy of a plan stays: the causes of its skips, unsafe ones marked, and why
    the scopes it keeps keep their copies."""
    nothing = document.get("nothing_to_do")
    if nothing:
        # Every copy inside a function or a class (or under a block): said, not a failure.
        return reason_group(str(nothing), str(document.get("family") or ""))
    plans = document.get("scopes") or [document]
    causes: set[str] = set()
    for plan in plans:
        for entry in plan.get("files", []):
            if entry.get("action") != "skip":
                continue
            cause = entry.get("cause") or reason_group(entry.get("reason") or "", "")
            causes.add(f"{cause} (unsafe)" if entry.get("tier") == "unsafe" else cause)
    causes.update(reason_group(kept.get("reason") or "", "") for kept in document.get("kept", []))
    if not causes:
        return "nothing to do: no copy left to migrate"
    return "every copy stays: " + "; ".join(sorted(causes))


def proposal_from(document: Mapping[str, Any]) -> Proposal:
    """The proposal of a ``plan --json`` document: for one scope its canonical's path (its
    reference when the proposal keeps a copy in place), for several the ``{scope}``
    template; nothing when the plan changes no file."""
    summary = document.get("summary") or {}
    planned = sum(int(summary.get(action, 0)) for action in _MIGRATING_ACTIONS)
    if planned == 0:
        return Proposal(None, 0, _stays_reason(document))
    if not document.get("proposed", False):
        # The family's entry in [tool.declone.families] is the canonical: migrate takes it.
        return Proposal((), planned)
    if "scopes" in document:
        target = str(document.get("extract_to") or "")
        if "{scope}" not in target:
            return Proposal(None, planned, f"the proposal is no one --extract-to: {target!r}")
    else:
        canonical = document.get("canonical") or {}
        if canonical.get("origin") == "existing" and canonical.get("reference"):
            # A copy the proposal keeps where it stands: it cannot travel to a new module.
            return Proposal(("--canonical", str(canonical["reference"])), planned)
        target = str(canonical.get("path") or "")
        if not target:
            return Proposal(None, planned, "the proposal names no module")
    return Proposal(("--extract-to", target), planned)


_LOCATION = re.compile(r"^[^\s:]+:\d+(?::\d+)?: ")
_TAKE_ALONG = re.compile(
    r" uses (?P<names>.+) from its module, which an extracted module cannot take along"
)
_KIND = re.compile(r"\(([^()]*?)(?:, line \d+)?\)")


def reason_group(message: str, class_name: str) -> str:
    """A message without what is particular to one family (its place, its names), so
    that families refused for the same reason group together."""
    message = _LOCATION.sub("", message.strip(), count=1)
    take_along = _TAKE_ALONG.search(message)
    if take_along is not None:
        kinds = sorted(set(_KIND.findall(take_along["names"])))
        return "uses what an extracted module cannot take along: " + ", ".join(kinds)
    if class_name:
        message = re.sub(rf"\b{re.escape(class_name)}\b", "CLASS", message)
    message = re.sub(r"`[^`]*`", "`...`", message)
    message = re.sub(r"\b[0-9a-f]{8}\b", "ID", message)  # a variant's id
    return re.sub(r"\d+", "N", message)


@dataclass(frozen=True, slots=True)
class FamilyAttempt:
    """One family of the every-family mode: its plan, and its migration if one ran."""

    family: str
    plan_exit: int
    plan_seconds: float
    proposal: Proposal
    #: Why the family was not migrated ("" when it was), and that reason grouped.
    reason: str = ""
    group: str = ""
    outcome: MigrationOutcome | None = None

    @property
    def migrated(self) -> bool:
        return self.outcome is not None and self.outcome.ran and bool(self.outcome.written)

    @property
    def crashed(self) -> bool:
        """The plan or the migration ended in a traceback, or an exit code that says
        neither done nor refused."""
        if self.plan_exit not in (0, 2):
            return True
        outcome = self.outcome
        return outcome is not None and not outcome.ran and outcome.exit_code != 2

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "plan_exit_code": self.plan_exit,
            "plan_seconds": round(self.plan_seconds, 2),
            "proposal": (
                list(self.proposal.arguments) if self.proposal.arguments is not None else None
            ),
            "planned_files": self.proposal.planned,
            "migrated": self.migrated,
            "reason": self.reason,
            "reason_group": self.group,
            "migration": self.outcome.to_json() if self.outcome is not None else None,
        }


def attempt_family(python: str, root: Path, family: str) -> FamilyAttempt:
    """Plan ``family`` without a canonical; migrate it by the proposal if the plan changes
    a file."""
    class_name = family.partition("@")[0]
    code, document, error, seconds = _declone(python, root, "plan", family, "--no-progress")
    if code != 0 or error:
        reason = f"plan exited {code}: {error}"
        group = reason_group(error, class_name)
        return FamilyAttempt(family, code, seconds, Proposal(None, 0), reason, group)
    proposal = proposal_from(document)
    if proposal.arguments is None:
        return FamilyAttempt(family, code, seconds, proposal, proposal.reason, proposal.reason)
    outcome = migrate(python, root, Migration(family, proposal.arguments))
    attempt = FamilyAttempt(family, code, seconds, proposal, outcome=outcome)
    if attempt.migrated:
        return attempt
    if outcome.error:
        reason = f"migrate exited {outcome.exit_code}: {outcome.error}"
        group = reason_group(outcome.error, class_name)
    elif outcome.problems:
        reason = f"nothing written: {outcome.problems[0]}"
        group = "nothing written: " + reason_group(outcome.problems[0], class_name)
    else:
        reason = group = "nothing written: the migration found no file to change"
    return FamilyAttempt(family, code, seconds, proposal, reason, group, outcome)


# -- one project ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScopeCollection:
    scope: str
    before: Collection | None
    after: Collection | None
    #: Why the scope was not compared; "" when it was.
    skipped: str = ""

    @property
    def identical(self) -> bool | None:
        if self.before is None or self.after is None or self.skipped:
            return None
        return self.after.clean and self.before.ids == self.after.ids

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "before": self.before.to_json() if self.before else None,
            "after": self.after.to_json() if self.after else None,
            "identical": self.identical,
            "skipped": self.skipped,
        }


@dataclass(frozen=True, slots=True)
class LintComparison:
    """One linter on the changed and created files, on the original bytes and after."""

    tool: str
    #: Where it is configured (``folder: file [section]``), one entry per folder it ran from.
    sources: tuple[str, ...]
    files: int
    before: tuple[linters.Finding, ...]
    after: tuple[linters.Finding, ...]
    #: Settings that configure the tool but switch it off, and why.
    off: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def new(self) -> list[linters.Finding]:
        return linters.new_findings(self.before, self.after)

    @property
    def gone(self) -> list[linters.Finding]:
        return linters.new_findings(self.after, self.before)

    def to_json(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "configured": list(self.sources),
            "switched_off": list(self.off),
            "files": self.files,
            "before": len(self.before),
            "after": len(self.after),
            "new": [str(finding) for finding in self.new],
            "gone": len(self.gone),
            "errors": list(self.errors),
        }


def compare_lint(
    runs: Sequence[linters.LintRun],
    before: Mapping[linters.LintRun, linters.ToolRun],
    after: Mapping[linters.LintRun, linters.ToolRun],
) -> list[LintComparison]:
    """Each tool's runs put together: its findings before and after over every folder."""
    by_tool: dict[str, list[linters.LintRun]] = {}
    for run in runs:
        by_tool.setdefault(run.tool.name, []).append(run)
    comparisons = []
    for tool, tool_runs in by_tool.items():
        active = [run for run in tool_runs if not run.tool.off]
        errors = [
            f"{_shown(run.folder)} ({when}): {result[run].error}"
            for when, result in (("before", before), ("after", after))
            for run in active
            if run in result and result[run].error
        ]
        comparisons.append(
            LintComparison(
                tool,
                tuple(f"{_shown(run.folder)}: {run.tool.source}" for run in active),
                sum(len(run.paths) for run in active),
                tuple(f for run in active if run in before for f in before[run].findings),
                tuple(f for run in active if run in after for f in after[run].findings),
                tuple(
                    f"{_shown(run.folder)}: {run.tool.source}: {run.tool.off}"
                    for run in tool_runs
                    if run.tool.off
                ),
                tuple(errors),
            )
        )
    return comparisons


@dataclass(slots=True)
class ProjectReport:
    """What one project's run found, filled in step by step."""

    setup: Setup
    files: int = 0
    #: The commit of the copy as published.
    original_commit: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    #: Every family's plan and migration, in the every-family mode.
    all_families: bool = False
    #: The duplicate families the scan found (some may not be tried: ``--max-families``).
    families_found: int = 0
    attempts: list[FamilyAttempt] = field(default_factory=list)
    #: Every migration that ran: the named ones, then the every-family mode's.
    migrations: list[MigrationOutcome] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    definitions: list[Definitions] = field(default_factory=list)
    parsed: int = 0
    imports: list[ImportCheck] = field(default_factory=list)
    second_runs: list[MigrationOutcome] = field(default_factory=list)
    second_changed: list[str] = field(default_factory=list)
    rollback_restored: int = 0
    rollback_differing: list[str] = field(default_factory=list)
    collections: list[ScopeCollection] = field(default_factory=list)
    imported_before: dict[str, str | None] = field(default_factory=dict)
    imported_after: dict[str, str | None] = field(default_factory=dict)
    created_imported: dict[str, str | None] = field(default_factory=dict)
    lint: list[LintComparison] = field(default_factory=list)
    #: Why no linter ran on the changed files ("" when one did).
    lint_note: str = ""
    failures: list[str] = field(default_factory=list)

    def gained_imports(self) -> dict[str, str | None]:
        """The changed modules that import after the migration and did not before: why
        not, before."""
        return {
            name: error
            for name, error in self.imported_before.items()
            if error is not None and self.imported_after.get(name, "") is None
        }

    def families_json(self) -> dict[str, Any]:
        groups: dict[str, list[str]] = {}
        for attempt in self.attempts:
            if not attempt.migrated:
                groups.setdefault(attempt.group, []).append(attempt.family)
        return {
            "found": self.families_found,
            "tried": len(self.attempts),
            "migrated": sum(1 for attempt in self.attempts if attempt.migrated),
            "not_migrated": sum(len(families) for families in groups.values()),
            "not_migrated_by_reason": dict(
                sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
            ),
            "attempts": [attempt.to_json() for attempt in self.attempts],
        }

    def lost_imports(self) -> dict[str, str | None]:
        """The changed modules that imported before and not after: why not, after."""
        return {
            name: self.imported_after.get(name, "not imported after")
            for name, error in self.imported_before.items()
            if error is None and self.imported_after.get(name, "") is not None
        }

    def to_json(self) -> dict[str, Any]:
        statuses = Counter(check.status for check in self.imports)
        return {
            "project": self.setup.project.requirement,
            "python_files": self.files,
            "seconds": {step: round(s, 2) for step, s in self.seconds.items()},
            "migrations": [outcome.to_json() for outcome in self.migrations],
            "families": self.families_json() if self.all_families else None,
            "files_changed": self.changed,
            "modules_created": self.created,
            "definitions": [d.to_json() for d in self.definitions],
            "changed_files_parse": {
                "parsed": self.parsed,
                "files": len(self.changed) + len(self.created),
            },
            "added_imports": {
                "total": len(self.imports),
                "resolved": statuses["resolved"],
                "crossing_scopes": statuses["crossing"],
                "ansible_modules_beyond_module_utils": statuses["ships apart"],
                "unresolved": statuses["unresolved"] + statuses["name missing"],
                "problems": [c.describe() for c in self.imports if c.status != "resolved"],
            },
            "second_run": {
                "runs": [outcome.to_json() for outcome in self.second_runs],
                "files_changed": self.second_changed,
            },
            "rollback": {
                "files_restored": self.rollback_restored,
                "differing": self.rollback_differing,
                "exact": not self.rollback_differing,
            },
            "collect": [c.to_json() for c in self.collections],
            "lint": {
                "note": self.lint_note,
                "tools": [comparison.to_json() for comparison in self.lint],
            },
            "imports": {
                "modules": len(self.imported_after),
                "before": sum(1 for e in self.imported_before.values() if e is None),
                "after": sum(1 for e in self.imported_after.values() if e is None),
                "lost": self.lost_imports(),
                "gained": self.gained_imports(),
                "created_modules_import": sum(
                    1 for e in self.created_imported.values() if e is None
                ),
                "created_modules": len(self.created_imported),
            },
            "failures": self.failures,
        }


class _Clock:
    """Times the steps of a project into its report, and says each on stderr."""

    def __init__(self, report: ProjectReport) -> None:
        self._report = report
        self._started = time.perf_counter()
        self._step = ""

    def start(self, step: str) -> None:
        self._stop()
        self._step = step
        self._started = time.perf_counter()
        print(f"{self._report.setup.project.name}: {step} ...", file=sys.stderr, flush=True)

    def _stop(self) -> None:
        if self._step:
            self._report.seconds[self._step] = time.perf_counter() - self._started
            self._step = ""

    def stop(self) -> None:
        self._stop()


def _shown(scope: str | None) -> str:
    return "." if scope == "" else str(scope)


def run_project(
    setup: Setup,
    python: str,
    with_collect: bool,
    all_families: bool = False,
    max_families: int | None = None,
) -> ProjectReport:
    """Every step on a fresh copy of the project, in order; the failures in the report.
    ``max_families`` limits the every-family mode to the scan's best ranked families."""
    report = ProjectReport(setup, all_families=all_families or setup.all_families)
    clock = _Clock(report)
    root = WORK_DIR / setup.project.name
    original = _prepare(clock, report, root)
    report.files = len(original)
    for migration in setup.migrations:
        clock.start(f"migrate {migration.family}")
        outcome = migrate(python, root, migration)
        report.migrations.append(outcome)
        if not outcome.ran:
            report.failures.append(
                f"declone migrate {migration.family} exited {outcome.exit_code}: {outcome.error}"
            )
    if report.all_families:
        _migrate_every_family(report, clock, python, root, max_families)
    clock.start("check")
    after = read_sources(root, original)
    _check_migrated(report, root, original, after)
    _second_runs(report, clock, python, root, after)
    _lint(report, clock, python, root)
    venv = _virtualenv(report, clock, python) if with_collect else None
    after_collections: dict[str, Collection] = {}
    if venv is not None:
        clock.start("collect after")
        after_collections = _collect_scopes(venv, root, setup, report)
        clock.start("import after")
        report.imported_after = _import_changed(venv, root, setup, report.changed)
        report.created_imported = _import_changed(venv, root, setup, report.created)
    clock.start("rollback")
    _roll_back(report, python, root, original)
    if venv is not None:
        # The restored tree is the original, byte for byte: collect "before" there.
        clock.start("collect before")
        _compare_collections(report, venv, root, setup, after_collections)
        clock.start("import before")
        _compare_imports(report, venv, root, setup)
    clock.stop()
    return report


def _prepare(clock: _Clock, report: ProjectReport, root: Path) -> dict[str, bytes]:
    """The fresh committed copy, and its ``.py`` files' bytes."""
    setup = report.setup
    tree = realcode.extract(setup.project)
    clock.start("copy")
    copy_tree(tree, root)
    clock.start("git commit")
    commit_tree(root, f"{setup.project.requirement} as published")
    report.original_commit = _head(root)
    clock.start("record")
    return read_sources(root)


def _migrate_every_family(
    report: ProjectReport, clock: _Clock, python: str, root: Path, limit: int | None
) -> None:
    """Each duplicate family of a scan of the copy (after the named migrations), planned
    without a canonical and migrated by the proposal, one after the other."""
    clock.start("scan")
    try:
        families = duplicate_family_ids(realcode.scan_families(root, python))
    except RuntimeError as error:
        report.failures.append(f"no families to migrate: {error}")
        return
    report.families_found = len(families)
    families = families[:limit]
    clock.start("every family")
    name = report.setup.project.name
    for number, family in enumerate(families, 1):
        attempt = attempt_family(python, root, family)
        report.attempts.append(attempt)
        if attempt.outcome is not None and attempt.outcome.run_id is not None:
            report.migrations.append(attempt.outcome)
        verdict = "migrated" if attempt.migrated else f"not migrated: {attempt.reason[:120]}"
        print(f"{name}: {number}/{len(families)} {family}: {verdict}", file=sys.stderr, flush=True)
        if attempt.crashed:
            what = "migrate" if attempt.plan_exit in (0, 2) else "plan"
            report.failures.append(f"declone {what} {family} crashed: {attempt.reason}")
        elif attempt.outcome is not None and attempt.outcome.exit_code not in (0, 1, 2):
            report.failures.append(f"declone migrate {family}: {attempt.reason}")


def _second_runs(
    report: ProjectReport, clock: _Clock, python: str, root: Path, after: Mapping[str, bytes]
) -> None:
    """Each migration that ran, run again: it must write nothing."""
    clock.start("second runs")
    for first in report.migrations:
        if not first.ran:
            continue
        again = migrate(python, root, Migration(first.family, first.arguments))
        report.second_runs.append(again)
        if not second_run_writes_nothing(first, again):
            report.failures.append(
                f"second run of {first.family}: exit {again.exit_code}, run "
                f"{again.run_id}, {len(again.written)} files written"
                + (f": {again.error}" if again.error else "")
                + (f" ({'; '.join(again.problems[:3])})" if again.problems else "")
            )
    if report.second_runs:
        clock.start("second run check")
        report.second_changed = differing(after, read_sources(root, after))
        if report.second_changed:
            report.failures.append(
                f"the second runs changed {len(report.second_changed)} files: "
                + ", ".join(report.second_changed[:5])
            )


def _lint(report: ProjectReport, clock: _Clock, python: str, root: Path) -> None:
    """The repository's import linters on the changed and created files, on the original
    bytes (a worktree of the first commit) and after: no new finding."""
    paths = [*report.changed, *report.created]
    if not paths:
        report.lint_note = "no file changed"
        return
    clock.start("lint setup")
    scope_of = find_scopes(root, paths)
    found: dict[str, dict[str, linters.LintTool]] = {}

    def linters_in(folder: str) -> dict[str, linters.LintTool]:
        if folder not in found:
            found[folder] = linters.folder_linters(linters.read_configs(root / folder))
        return found[folder]

    runs = linters.find_lint_runs(paths, scope_of, linters_in)
    if not runs:
        report.lint_note = "no import linter configured where the files are"
        return
    try:
        bin_dir = ensure_lint_virtualenv(python)
    except RuntimeError as error:
        report.failures.append(f"no lint virtualenv, no linter run: {error}")
        return
    clock.start("lint after")
    after = {run: linters.run_tool(bin_dir, root, run) for run in runs}
    clock.start("lint before")
    with original_worktree(root, report.original_commit) as tree:
        before = {run: linters.run_tool(bin_dir, tree, run) for run in runs}
    report.lint = compare_lint(runs, before, after)
    report.failures += lint_failures(report.lint)


def lint_failures(comparisons: Sequence[LintComparison]) -> list[str]:
    """A tool that did not run, and each file with findings the migrations added: one
    line per tool and file."""
    failures = []
    for comparison in comparisons:
        failures += [f"{comparison.tool} did not run: {e}" for e in comparison.errors]
        by_path: dict[str, list[linters.Finding]] = {}
        for finding in comparison.new:
            by_path.setdefault(finding.path, []).append(finding)
        failures += [
            f"{comparison.tool}: {path}: findings the migrations added: "
            + "; ".join(f"line {f.line}: {f.code} {f.message}" for f in findings)
            for path, findings in by_path.items()
        ]
    return failures


def second_run_writes_nothing(first: MigrationOutcome, again: MigrationOutcome) -> bool:
    """A second run of a migration writes nothing: exit 0 and no run; or, when the first
    run left a planned file unwritten (exit 1), exit 1 again and nothing kept written."""
    if again.exit_code == 0:
        return again.run_id is None and not again.written
    return first.exit_code == 1 and again.exit_code == 1 and not again.error and not again.written


def _virtualenv(report: ProjectReport, clock: _Clock, python: str) -> Path | None:
    clock.start("virtualenv")
    try:
        return ensure_virtualenv(report.setup, python)
    except RuntimeError as error:
        report.failures.append(f"no virtualenv, nothing collected: {error}")
        return None


def _compare_imports(report: ProjectReport, python: Path, root: Path, setup: Setup) -> None:
    if report.rollback_differing:
        report.failures.append("imports before not measured: rollback was not exact")
        return
    report.imported_before = _import_changed(python, root, setup, report.changed)
    for name, error in report.lost_imports().items():
        report.failures.append(f"{name}: imports before the migration, not after: {error}")
    for name, error in report.gained_imports().items():
        report.failures.append(f"{name}: imports after the migration, not before: {error}")


def _check_migrated(
    report: ProjectReport,
    root: Path,
    original: Mapping[str, bytes],
    after: Mapping[str, bytes],
) -> None:
    """Definitions left, changed files parse, added imports resolve in their own scope."""
    changed_paths = differing(original, after)
    report.created = [path for path in changed_paths if path not in original]
    report.changed = [path for path in changed_paths if path in original]
    gone = [path for path in changed_paths if path not in after]
    if gone:
        report.failures.append(f"files deleted by the migrations: {', '.join(gone)}")
    told = {p for o in report.migrations for p in (*o.changed, *o.created)}
    untold = sorted(set(changed_paths) - told)
    if untold:
        report.failures.append(
            f"{len(untold)} files changed that no run reported: {', '.join(untold[:5])}"
        )

    scope_of = find_scopes(root, sorted(original.keys() | after.keys()))
    names = list(dict.fromkeys(o.family.partition("@")[0] for o in report.migrations))
    before_counts = count_definitions(original, names, scope_of)
    after_counts = count_definitions(after, names, scope_of)
    # The limit is the named migrations' target; a family the every-family mode migrates
    # may keep copies, each with its reason.
    named = {migration.class_name for migration in report.setup.migrations}
    for name in names:
        definitions = Definitions(name, before_counts[name], after_counts[name])
        report.definitions.append(definitions)
        limit = report.setup.max_definitions_per_scope if name in named else None
        for scope, count in sorted(definitions.after.items()):
            if limit is not None and count > limit:
                report.failures.append(
                    f"{_shown(scope)}: {count} definitions of {name} left, more than {limit}"
                )

    extracted: dict[str, set[str]] = {}
    for outcome in report.migrations:
        for module, sources in outcome.extracted_from.items():
            extracted.setdefault(module, set()).update(sources)
    for path in [*report.changed, *report.created]:
        if path not in after:
            continue
        tree = _parse(after[path])
        if tree is None:
            report.failures.append(f"{path}: does not parse after the migration")
            continue
        report.parsed += 1
        if path in original:
            old = [_parse(original[path])]
        else:
            old = [_parse(original[source]) for source in extracted.get(path, ())]
        before_refs = [ref for module in old if module is not None for ref in import_refs(module)]
        for ref in added_imports(before_refs, import_refs(tree)):
            check = check_import(after, scope_of, path, ref, report.setup.pythonpath)
            report.imports.append(check)
            if check.status != "resolved":
                report.failures.append(check.describe())


def _roll_back(
    report: ProjectReport, python: str, root: Path, original: Mapping[str, bytes]
) -> None:
    for outcome in reversed(report.migrations):
        if outcome.run_id is None:
            continue
        code, document, error, _ = rollback(python, root, outcome.run_id)
        if code != 0:
            report.failures.append(f"declone rollback {outcome.run_id} exited {code}: {error}")
        report.rollback_restored += len(document.get("restored", []))
    report.rollback_differing = differing(original, read_sources(root, original))
    for path in report.rollback_differing:
        what = "still exists" if path not in original else "differs from the original"
        report.failures.append(f"{path}: {what} after rollback")


def _changed_scopes(root: Path, report: ProjectReport) -> list[str]:
    paths = [*report.changed, *report.created]
    return sorted(set(find_scopes(root, paths).values()))


def _tests_folder(scope: str, tests: str) -> str:
    return f"{scope}/{tests}" if scope else tests


def _collect_scopes(
    python: Path, root: Path, setup: Setup, report: ProjectReport
) -> dict[str, Collection]:
    """Each changed scope's tests collected on the migrated tree."""
    found: dict[str, Collection] = {}
    if setup.tests is None:
        return found
    for scope in _changed_scopes(root, report):
        folder = _tests_folder(scope, setup.tests)
        if (root / folder).is_dir():
            found[scope] = collect(python, root, folder, setup)
    return found


def _compare_collections(
    report: ProjectReport,
    python: Path,
    root: Path,
    setup: Setup,
    after: Mapping[str, Collection],
) -> None:
    """Collect again on the restored tree (the original bytes) and compare."""
    if setup.tests is None:
        return
    for scope in _changed_scopes(root, report):
        folder = _tests_folder(scope, setup.tests)
        if scope not in after:
            report.collections.append(ScopeCollection(scope, None, None, f"no {folder}"))
            continue
        if report.rollback_differing:
            reason = "rollback was not exact: no tree to collect before"
            report.collections.append(ScopeCollection(scope, None, after[scope], reason))
            continue
        before = collect(python, root, folder, setup)
        if not before.clean:
            reason = f"does not collect before the migration ({before.errors} errors)"
            report.collections.append(ScopeCollection(scope, before, after[scope], reason))
            continue
        row = ScopeCollection(scope, before, after[scope])
        report.collections.append(row)
        if not row.identical:
            gained = sorted(set(after[scope].ids) - set(before.ids))
            lost = sorted(set(before.ids) - set(after[scope].ids))
            report.failures.append(
                f"{folder}: collected {len(before.ids)} ids before, {len(after[scope].ids)} "
                f"after ({after[scope].errors} errors; {len(lost)} lost, e.g. "
                f"{lost[:2]}; {len(gained)} new)"
                + (f"\n{after[scope].tail}" if after[scope].tail else "")
            )


def _import_changed(
    python: Path, root: Path, setup: Setup, paths: Sequence[str]
) -> dict[str, str | None]:
    """Each module imported in a fresh process per scope."""
    by_scope: dict[str, list[str]] = {}
    for path, scope in find_scopes(root, paths).items():
        by_scope.setdefault(scope, []).append(module_name(path, setup.pythonpath))
    results: dict[str, str | None] = {}
    for scope in sorted(by_scope):
        results.update(import_modules(python, root, sorted(by_scope[scope]), setup))
    return results


# -- output --------------------------------------------------------------------------------


#: More named migrations or definitions than this are summed up, not listed line by line.
_LISTED = 12


def render(report: ProjectReport) -> str:
    data = report.to_json()
    seconds = report.seconds
    lines = [
        f"declone migrate on {data['project']} ({report.files:,} .py files; copy "
        f"{seconds.get('copy', 0):.1f}s, git commit {seconds.get('git commit', 0):.1f}s)",
    ]
    if report.setup.migrations:
        lines += _render_migrations(report.migrations[: len(report.setup.migrations)])
    if report.all_families:
        lines += _render_families(report)
    lines.append(
        f"files changed {len(report.changed)}, modules created {len(report.created)}; "
        f"changed files that parse {report.parsed}/{len(report.changed) + len(report.created)}"
    )
    lines += _render_definitions(data["definitions"])
    imports = data["added_imports"]
    lines.append(
        f"added imports {imports['total']}: resolved {imports['resolved']}, crossing scopes "
        f"{imports['crossing_scopes']}, from an Ansible module beyond its module_utils "
        f"{imports['ansible_modules_beyond_module_utils']}, unresolved {imports['unresolved']} "
        f"(check {seconds.get('check', 0):.1f}s)"
    )
    lines += _render_lint(report)
    exits = Counter(o.exit_code for o in report.second_runs)
    second = ", ".join(f"exit {code}: {count}" for code, count in sorted(exits.items()))
    lines.append(
        f"second run: {len(report.second_runs)} runs ({second or 'none'}; "
        f"{seconds.get('second runs', 0):.1f}s), files written "
        f"{sum(len(o.written) for o in report.second_runs)}, files changed "
        f"{len(report.second_changed)}"
    )
    lines.append(
        f"rollback: files restored {report.rollback_restored}, exact "
        f"{'yes' if not report.rollback_differing else 'NO'} "
        f"({seconds.get('rollback', 0):.1f}s)"
    )
    lines += _render_collect(report, data)
    if report.failures:
        lines.append(f"INVARIANTS FAILED ({len(report.failures)}):")
        lines.extend(f"  - {failure}" for failure in report.failures)
    else:
        lines.append("every invariant holds")
    return "\n".join(lines)


def _render_migrations(outcomes: Sequence[MigrationOutcome]) -> list[str]:
    lines = [
        f"{'migration':<24} {'exit':>4} {'files':>6} {'created':>7} {'scopes':>6} "
        f"{'kept':>5} {'skip':>5} {'seconds':>8}  actions"
    ]
    for outcome in outcomes:
        actions = ", ".join(f"{a} {n}" for a, n in outcome.summary.items() if n)
        lines.append(
            f"{outcome.family[:24]:<24} {outcome.exit_code:>4} {len(outcome.changed):>6} "
            f"{len(outcome.created):>7} {outcome.scopes:>6} {outcome.kept:>5} "
            f"{outcome.skipped:>5} {outcome.seconds:>8.1f}  {actions}"
        )
        if outcome.error:
            lines.append(f"  error: {outcome.error}")
        lines.extend(f"  {problem}" for problem in outcome.problems)
    return lines


def _render_families(report: ProjectReport) -> list[str]:
    families = report.families_json()
    migrated = [a.outcome for a in report.attempts if a.migrated and a.outcome is not None]
    plan_seconds = sum(a.plan_seconds for a in report.attempts)
    migrate_seconds = sum(a.outcome.seconds for a in report.attempts if a.outcome is not None)
    lines = [
        f"every family: tried {families['tried']} of {families['found']}, migrated "
        f"{families['migrated']}, not "
        f"migrated {families['not_migrated']} (plan {plan_seconds:.0f}s, migrate "
        f"{migrate_seconds:.0f}s; scan {report.seconds.get('scan', 0):.1f}s)",
        f"  migrated: file writes {sum(len(o.written) for o in migrated)}, copies "
        + ", ".join(
            f"{action} {sum(int(o.summary.get(action, 0)) for o in migrated)}"
            for action in (*_MIGRATING_ACTIONS, "skip")
        ),
    ]
    exit_one = [a for a in report.attempts if a.outcome is not None and a.outcome.exit_code == 1]
    if exit_one:
        lines.append(f"  migrate exited 1 ({len(exit_one)}): a planned file not written")
        for attempt in exit_one:
            assert attempt.outcome is not None
            lines.append(f"    {attempt.family}:")
            lines.extend(f"      {problem}" for problem in attempt.outcome.problems)
    if families["not_migrated"]:
        lines.append("  not migrated, by reason:")
    by_family = {a.family: a for a in report.attempts}
    for group, names in families["not_migrated_by_reason"].items():
        example = by_family[names[0]]
        lines.append(f"    {len(names):>4}  {group}")
        if example.reason != group:
            lines.append(f"          e.g. {example.family}: {example.reason[:300]}")
    return lines


def _render_definitions(definitions: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["definitions (module-level class NAME per import scope):"]
    if len(definitions) > _LISTED:
        before = sum(d["before"] for d in definitions)
        after = sum(d["after"] for d in definitions)
        crowded = sum(1 for d in definitions if d["crowded_after"])
        return [
            *lines,
            f"  {len(definitions)} names: {before} -> {after}; names still defined more than "
            f"once in a scope {crowded}",
        ]
    for row in definitions:
        lines.append(
            f"  {row['name']:<22} in {row['scopes']} scopes: {row['before']} -> "
            f"{row['after']}; max per scope {row['max_per_scope_before']} -> "
            f"{row['max_per_scope_after']}"
        )
    return lines


def _render_lint(report: ProjectReport) -> list[str]:
    seconds = report.seconds
    if not report.lint:
        return [f"linters: none run ({report.lint_note or 'no file changed'})"]
    lines = [
        f"linters on the changed files ({seconds.get('lint after', 0):.1f}s after, "
        f"{seconds.get('lint before', 0):.1f}s before):",
        f"  {'tool':<8} {'files':>6} {'before':>7} {'after':>7} {'new':>5} {'gone':>5}  configured",
    ]
    for row in report.lint:
        where = "; ".join(row.sources[:3]) + (
            f" and {len(row.sources) - 3} more" if len(row.sources) > 3 else ""
        )
        lines.append(
            f"  {row.tool:<8} {row.files:>6} {len(row.before):>7} {len(row.after):>7} "
            f"{len(row.new):>5} {len(row.gone):>5}  {where or '-'}"
        )
        lines.extend(f"           switched off: {off}" for off in row.off)
    return lines


def _render_collect(report: ProjectReport, data: Mapping[str, Any]) -> list[str]:
    seconds = report.seconds
    lines: list[str] = []
    if report.collections:
        lines.append(
            f"collect ({seconds.get('collect after', 0):.1f}s after, "
            f"{seconds.get('collect before', 0):.1f}s before):"
        )
        lines.append(f"  {'scope':<44} {'before':>7} {'after':>7} {'errors':>9}  identical")
        for row in report.collections:
            before = len(row.before.ids) if row.before else "-"
            after = len(row.after.ids) if row.after else "-"
            errors = (
                f"{row.before.errors if row.before else '-'}/"
                f"{row.after.errors if row.after else '-'}"
            )
            verdict = (
                f"skipped: {row.skipped}" if row.skipped else ("yes" if row.identical else "NO")
            )
            lines.append(f"  {_shown(row.scope):<44} {before:>7} {after:>7} {errors:>9}  {verdict}")
    elif report.setup.tests is None and report.imported_after:
        lines.append("collect: not run (no test requirements: the changed modules are imported)")
    if report.imported_after or report.created_imported:
        modules = data["imports"]
        lines.append(
            f"changed modules that import: {modules['before']}/{modules['modules']} before, "
            f"{modules['after']}/{modules['modules']} after; created modules that import "
            f"{modules['created_modules_import']}/{modules['created_modules']}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Migrate families in real sdists and prove every invariant."
    )
    parser.add_argument("--only", choices=sorted(SETUPS), help="run one project only")
    parser.add_argument(
        "--collect",
        action="store_true",
        help="also compare pytest collection and module imports in a project virtualenv",
    )
    parser.add_argument(
        "--all-families",
        action="store_true",
        help="migrate every duplicate family by the plan's proposal (pyramid and sqlalchemy "
        "always do)",
    )
    parser.add_argument(
        "--max-families",
        type=int,
        metavar="N",
        help="in the every-family mode, try the scan's N best ranked families only",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs declone")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {}
    status = 0
    for key in [args.only] if args.only else list(SETUPS):
        setup = SETUPS[key]
        try:
            realcode.fetch(setup.project, args.python)
        except realcode.DownloadError as error:
            print(f"DOWNLOAD FAILED: {error}", file=sys.stderr)
            results[key] = {"error": str(error)}
            status = 1
            continue
        report = run_project(setup, args.python, args.collect, args.all_families, args.max_families)
        results[key] = report.to_json()
        if report.failures:
            status = 1
        if not args.json:
            print(render(report))
            print()
    if args.json:
        print(json.dumps(results, indent=2))
    return status


if __name__ == "__main__":
    raise SystemExit(main())

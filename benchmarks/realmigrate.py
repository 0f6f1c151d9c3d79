"""Prove ``declone migrate`` safe on real source distributions that nobody here wrote.

For each project (the pinned sdists ``benchmarks/realcode.py`` downloads and extracts), the
extracted tree is copied to a fresh folder under ``benchmarks/.work/realmigrate/`` (the
download is never modified), made a git repository with one commit, and every ``.py``
file's bytes are recorded. Each migration of ``SETUPS`` then runs with the real CLI in a
subprocess (``python -m declone migrate FAMILY ARGS --commit --json --no-progress``: one git
commit per batch, the way a user goes from one migration to the next), and:

1. definitions left: for each class name migrated, the module-level ``class NAME``
   statements (not inside a function or a class body) per import scope, before and after;
   ansible's target is at most one per collection;
2. every changed file parses, and every import the migrations added (an import that the
   file did not have; for a created module, that none of the files its classes came from
   had) resolves to a repository file that binds the imported name, in the importing
   file's own scope: the module path under the repository root or under an ancestor
   folder of the importer, a relative one from the importer's package;
3. a second run of each migration writes nothing: no run, no changed byte, exit code 0
   (or 1 when, as documented, the plan still lists copies it skips);
4. ``declone rollback RUN_ID`` of every run, newest first, restores every recorded file
   byte for byte and removes every created module;
5. with ``--collect``: in a virtualenv of the project's own (pinned test requirements),
   ``pytest --collect-only <scope>/<tests>`` for each scope the migrations changed (the
   nearest pytest configuration inside the tree; the ids recorded by a small plugin, so
   that a project's ``addopts`` cannot change what is read), after the migration and, on
   the tree rollback restored byte for byte, before it: the collected ids must be
   identical (a scope that does not collect cleanly before is skipped, and said so);
6. with ``--collect``: each changed module imported (its dotted name from the repository
   root) in that virtualenv, one process per scope, before and after: every module that
   imports before imports after (how many created modules import is reported too).

    python benchmarks/realmigrate.py [--only ansible|pyramid] [--collect] [--json]

Every step is timed (wall seconds). The exit code is 1 when an invariant fails (each
failure is listed), 0 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
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

import realcode

import scan
from declone.scan import find_scopes

__all__ = [
    "SETUPS",
    "WORK_DIR",
    "Collection",
    "ImportCheck",
    "ImportRef",
    "Migration",
    "MigrationOutcome",
    "Setup",
    "added_imports",
    "check_import",
    "collection_from",
    "count_definitions",
    "import_refs",
    "main",
    "module_classes",
    "module_name",
    "pytest_config",
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
    migrations: tuple[Migration, ...]
    #: Installed with pip into the project's virtualenv for ``--collect``.
    test_requirements: tuple[str, ...]
    #: Each scope's tests, relative to the scope's folder.
    tests: str
    #: Root-relative folders put on ``PYTHONPATH`` (a ``src`` layout's sources).
    pythonpath: tuple[str, ...] = ()
    #: Added to every ``pytest --collect-only`` command line, after the project's addopts.
    pytest_arguments: tuple[str, ...] = ()
    #: Most definitions of a migrated class allowed in one scope after the migrations.
    max_definitions_per_scope: int | None = None


ANSIBLE_TEST_REQUIREMENTS = (
    "ansible-core==2.19.5",
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

_ANSIBLE_SUPPORT = "{scope}/tests/unit/declone_support.py"
_PYRAMID_SUPPORT = "tests/declone_support.py"

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
        (
            Migration("DummyContext", ("--extract-to", _PYRAMID_SUPPORT, "--paths", "tests")),
            Migration("DummyResponse", ("--extract-to", _PYRAMID_SUPPORT, "--paths", "tests")),
        ),
        PYRAMID_TEST_REQUIREMENTS,
        tests="tests",
        pythonpath=("src",),
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


def _import_bases(importer: str, level: int) -> list[str]:
    """The folders a module path is looked up under: the root and the importer's
    ancestors for an absolute import; the importer's package for a relative one."""
    folder = importer.rpartition("/")[0]
    parts = folder.split("/") if folder else []
    if level == 0:
        return ["", *("/".join(parts[:end]) for end in range(len(parts), 0, -1))]
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


def resolve_import(sources: Mapping[str, bytes], importer: str, ref: ImportRef) -> str | None:
    """The repository file (root-relative) that ``ref`` in ``importer`` imports, or
    ``None``."""
    for base in _import_bases(importer, ref.level):
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
        return "resolved"

    def describe(self) -> str:
        where = f"{self.importer}:{self.ref.line}: {self.ref}"
        if self.target is None:
            return f"{where}: resolves to no file of the repository"
        if not self.name_bound:
            return f"{where}: {self.target} does not define {self.ref.name}"
        return (
            f"{where}: resolves to {self.target}, in scope {_shown(self.target_scope)}, "
            f"not the importer's {_shown(self.importer_scope)}"
        )


def check_import(
    sources: Mapping[str, bytes], scope_of: Mapping[str, str], importer: str, ref: ImportRef
) -> ImportCheck:
    target = resolve_import(sources, importer, ref)
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
    marker = venv / "requirements.txt"
    wanted = "\n".join(setup.test_requirements) + "\n"
    interpreter = venv / "bin" / "python"
    if marker.is_file() and marker.read_text(encoding="utf-8") == wanted:
        return interpreter
    shutil.rmtree(venv, ignore_errors=True)
    _run([python, "-m", "venv", str(venv)])
    _run([str(interpreter), "-m", "pip", "install", "-q", *setup.test_requirements])
    marker.write_text(wanted, encoding="utf-8")
    return interpreter


# -- the repository copy and declone as a subprocess ---------------------------------------


def _run(command: Sequence[str], cwd: Path | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise RuntimeError(f"{' '.join(command[:4])} ... exited {result.returncode}:\n{tail}")


def _git(root: Path, *arguments: str) -> None:
    _run(["git", "-C", str(root), *arguments])


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

    @property
    def ran(self) -> bool:
        return self.exit_code in (0, 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
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
        }


def _error_text(stderr: str) -> str:
    errors = [
        line.removeprefix("error:").strip()
        for line in stderr.splitlines()
        if line.startswith("error:")
    ]
    return " ".join(errors) if errors else "\n".join(stderr.strip().splitlines()[-5:])


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
    error = "" if result.returncode in (0, 1) else _error_text(result.stderr)
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
    )


def rollback(python: str, root: Path, run_id: str) -> tuple[int, dict[str, Any], str, float]:
    return _declone(python, root, "rollback", run_id)


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


@dataclass(slots=True)
class ProjectReport:
    """What one project's run found, filled in step by step."""

    setup: Setup
    files: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
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
    failures: list[str] = field(default_factory=list)

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
            "imports": {
                "modules": len(self.imported_after),
                "before": sum(1 for e in self.imported_before.values() if e is None),
                "after": sum(1 for e in self.imported_after.values() if e is None),
                "lost": self.lost_imports(),
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


def run_project(setup: Setup, python: str, with_collect: bool) -> ProjectReport:
    """Every step on a fresh copy of the project, in order; the failures in the report."""
    report = ProjectReport(setup)
    clock = _Clock(report)
    root = WORK_DIR / setup.project.name
    original = _prepare(clock, setup, root)
    report.files = len(original)
    for migration in setup.migrations:
        clock.start(f"migrate {migration.family}")
        outcome = migrate(python, root, migration)
        report.migrations.append(outcome)
        if not outcome.ran:
            report.failures.append(
                f"declone migrate {migration.family} exited {outcome.exit_code}: {outcome.error}"
            )
    clock.start("check")
    after = read_sources(root, original)
    _check_migrated(report, root, original, after)
    _second_runs(report, clock, python, root, after)
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


def _prepare(clock: _Clock, setup: Setup, root: Path) -> dict[str, bytes]:
    """The fresh committed copy, and its ``.py`` files' bytes."""
    tree = realcode.extract(setup.project)
    clock.start("copy")
    copy_tree(tree, root)
    clock.start("git commit")
    commit_tree(root, f"{setup.project.requirement} as published")
    clock.start("record")
    return read_sources(root)


def _second_runs(
    report: ProjectReport, clock: _Clock, python: str, root: Path, after: Mapping[str, bytes]
) -> None:
    """Each migration that ran, run again: it must write nothing."""
    for migration, first in zip(report.setup.migrations, report.migrations, strict=True):
        if not first.ran:
            continue
        clock.start(f"second run {migration.family}")
        again = migrate(python, root, migration)
        report.second_runs.append(again)
        if not _writes_nothing(again):
            report.failures.append(
                f"second run of {migration.family}: exit {again.exit_code}, run "
                f"{again.run_id}, {len(again.changed) + len(again.created)} files written"
                + (f": {again.error}" if again.error else "")
            )
    if report.second_runs:
        clock.start("second run check")
        report.second_changed = differing(after, read_sources(root, after))
        if report.second_changed:
            report.failures.append(
                f"the second runs changed {len(report.second_changed)} files: "
                + ", ".join(report.second_changed[:5])
            )


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


def _writes_nothing(outcome: MigrationOutcome) -> bool:
    wrote = outcome.run_id is not None or outcome.changed or outcome.created
    # Exit 1 is declone's documented answer while the plan still lists skipped copies.
    allowed = outcome.exit_code == 0 or (
        outcome.exit_code == 1 and outcome.skipped > 0 and not outcome.not_migrated
    )
    return allowed and not wrote


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
    names = list(dict.fromkeys(m.class_name for m in report.setup.migrations))
    before_counts = count_definitions(original, names, scope_of)
    after_counts = count_definitions(after, names, scope_of)
    limit = report.setup.max_definitions_per_scope
    for name in names:
        definitions = Definitions(name, before_counts[name], after_counts[name])
        report.definitions.append(definitions)
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
            check = check_import(after, scope_of, path, ref)
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


def _tests_folder(scope: str, setup: Setup) -> str:
    return f"{scope}/{setup.tests}" if scope else setup.tests


def _collect_scopes(
    python: Path, root: Path, setup: Setup, report: ProjectReport
) -> dict[str, Collection]:
    """Each changed scope's tests collected on the migrated tree."""
    found: dict[str, Collection] = {}
    for scope in _changed_scopes(root, report):
        folder = _tests_folder(scope, setup)
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
    for scope in _changed_scopes(root, report):
        folder = _tests_folder(scope, setup)
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


def render(report: ProjectReport) -> str:
    data = report.to_json()
    seconds = report.seconds
    lines = [
        f"declone migrate on {data['project']} ({report.files:,} .py files; copy "
        f"{seconds.get('copy', 0):.1f}s, git commit {seconds.get('git commit', 0):.1f}s)",
        f"{'migration':<24} {'exit':>4} {'files':>6} {'created':>7} {'scopes':>6} "
        f"{'kept':>5} {'skip':>5} {'seconds':>8}  actions",
    ]
    for outcome in report.migrations:
        actions = ", ".join(f"{a} {n}" for a, n in outcome.summary.items() if n)
        lines.append(
            f"{outcome.family[:24]:<24} {outcome.exit_code:>4} {len(outcome.changed):>6} "
            f"{len(outcome.created):>7} {outcome.scopes:>6} {outcome.kept:>5} "
            f"{outcome.skipped:>5} {outcome.seconds:>8.1f}  {actions}"
        )
        if outcome.error:
            lines.append(f"  error: {outcome.error}")
    lines.append(
        f"files changed {len(report.changed)}, modules created {len(report.created)}; "
        f"changed files that parse {report.parsed}/{len(report.changed) + len(report.created)}"
    )
    lines.append("definitions (module-level class NAME per import scope):")
    for definitions in data["definitions"]:
        lines.append(
            f"  {definitions['name']:<22} in {definitions['scopes']} scopes: "
            f"{definitions['before']} -> {definitions['after']}; max per scope "
            f"{definitions['max_per_scope_before']} -> {definitions['max_per_scope_after']}"
        )
    imports = data["added_imports"]
    lines.append(
        f"added imports {imports['total']}: resolved {imports['resolved']}, crossing scopes "
        f"{imports['crossing_scopes']}, unresolved {imports['unresolved']} "
        f"(check {seconds.get('check', 0):.1f}s)"
    )
    second = ", ".join(
        f"{o.family} exit {o.exit_code} ({o.seconds:.1f}s)" for o in report.second_runs
    )
    lines.append(f"second run: {second or 'not run'}; files changed {len(report.second_changed)}")
    lines.append(
        f"rollback: files restored {report.rollback_restored}, exact "
        f"{'yes' if not report.rollback_differing else 'NO'} "
        f"({seconds.get('rollback', 0):.1f}s)"
    )
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
        modules = data["imports"]
        lines.append(
            f"changed modules that import: {modules['before']}/{modules['modules']} before, "
            f"{modules['after']}/{modules['modules']} after; created modules that import "
            f"{modules['created_modules_import']}/{modules['created_modules']}"
        )
    if report.failures:
        lines.append(f"INVARIANTS FAILED ({len(report.failures)}):")
        lines.extend(f"  - {failure}" for failure in report.failures)
    else:
        lines.append("every invariant holds")
    return "\n".join(lines)


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
        report = run_project(setup, args.python, args.collect)
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

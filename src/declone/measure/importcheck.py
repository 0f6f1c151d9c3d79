"""``declone migrate``'s import check: every changed module still imports after its batch.

Before a batch is written, each of its Python files is imported in the target's interpreter
(``--python``), in a subprocess run from the repository root, under the name and with the
``sys.path`` entries the repository's pytest would give it (``declone.plan``'s importability
rules: ``pythonpath``, the basedir rule, declared source roots such as ``src/``). After the
batch, the modules that imported before are imported again in a second subprocess; one that
no longer imports (a circular import the new canonical import closes, a name it lost) rolls
the whole batch back through the journal. A module that did not import before is not held
against the batch.

Each subprocess imports its modules in turn, each one from a clean ``sys.modules``, catches
everything but ``KeyboardInterrupt`` (``SystemExit`` included) and prints one JSON line per
module. A module that hangs is stopped after ``module_timeout`` seconds (the rest go on in a
fresh process), and the whole check after ``timeout``.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from declone.config import Settings
from declone.errors import DecloneError, ExitCode
from declone.measure.batchverify import BatchWriter
from declone.migrate import Batch, BatchCallback
from declone.plan import (
    declared_source_roots,
    dotted_name,
    import_context,
    module_name_for,
    sys_path_for,
    with_roots,
)

__all__ = [
    "NOT_CHECKED",
    "ImportCheck",
    "ImportCheckOptions",
    "ImportChecker",
    "ImportStatus",
    "ImportTarget",
    "ModuleCheck",
    "ModuleImport",
    "chain_batch_callbacks",
    "import_check_document",
    "import_check_lines",
    "import_check_summary",
    "import_modules",
    "import_targets",
]

#: The verdict on a module that did not import before its batch.
NOT_CHECKED = "not checked: did not import before"
#: The verdict on a file the batch creates (the extracted module): the files that import it
#: are checked, and with them whether it imports.
NEW_FILE = "not checked: a new file"

#: Marks the child's own lines on its stdout (a module may print there too).
_MARKER = "declone-import-check "

_CHILD = r"""
import importlib, json, os, sys, traceback

def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        job = json.load(handle)
    channel = sys.stdout
    sys.stdout = sys.stderr
    here = {"", os.getcwd(), job["root"]}
    base = [entry for entry in sys.path if entry not in here]
    for path, module, entries, filename in job["modules"]:
        channel.write(MARKER + json.dumps({"path": path, "event": "start"}) + "\n")
        channel.flush()
        sys.path[:] = entries + base
        known = set(sys.modules)
        importlib.invalidate_caches()
        error = ""
        try:
            found = getattr(importlib.import_module(module), "__file__", None) or ""
            if os.path.realpath(found) != os.path.realpath(filename):
                error = "%s resolves to %s, not to %s" % (module, found or "a namespace", path)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            error = traceback.format_exception_only(type(exc), exc)[-1].strip()
        for name in set(sys.modules) - known:
            del sys.modules[name]
        channel.write(MARKER + json.dumps({"path": path, "event": "done", "error": error}) + "\n")
        channel.flush()

main()
""".replace("MARKER", repr(_MARKER))


class ImportStatus(enum.StrEnum):
    IMPORTS = "imports"
    FAILS = "fails"
    HANGS = "hangs"
    #: A file the batch creates: there was nothing to import before.
    ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class ImportTarget:
    """A file, the dotted name pytest gives it and the ``sys.path`` entries it sees then."""

    path: str
    module: str
    #: Root-relative folders, in lookup order (``""`` for the root).
    sys_path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ModuleImport:
    status: ImportStatus
    #: The exception's last line (``ImportError: cannot import name ...``), or why not.
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is ImportStatus.IMPORTS


@dataclass(frozen=True, slots=True)
class ModuleCheck:
    """One changed module before and after its batch (``after`` None: not checked)."""

    path: str
    module: str
    before: ModuleImport
    after: ModuleImport | None

    @property
    def broken(self) -> bool:
        return self.before.ok and self.after is not None and not self.after.ok

    @property
    def verdict(self) -> str:
        if self.before.status is ImportStatus.ABSENT:
            return NEW_FILE
        if not self.before.ok or self.after is None:
            return NOT_CHECKED
        return "imports" if self.after.ok else "no longer imports"

    @property
    def message(self) -> str:
        """``path: module pkg.mod no longer imports: ImportError: ...``."""
        error = f": {self.after.error}" if self.after is not None and self.after.error else ""
        return f"{self.path}: module {self.module} {self.verdict}{error}"


@dataclass(frozen=True, slots=True)
class ImportCheck:
    """A batch's import check, numbered like the batch."""

    batch: int
    modules: tuple[ModuleCheck, ...]
    rolled_back: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(module.broken for module in self.modules)


@dataclass(frozen=True, slots=True)
class ImportCheckOptions:
    python: str
    #: Seconds one module may take to import.
    module_timeout: float = 60.0
    #: Seconds the imports of one state (before or after) may take together.
    timeout: float = 600.0
    environ: Mapping[str, str] | None = None


def import_targets(
    settings: Settings, files: Sequence[str], paths: Sequence[str]
) -> dict[str, ImportTarget | None]:
    """Each Python file of ``paths`` as pytest would import it (None: no importable name).

    ``files`` are the repository's files: they decide the packages and ``conftest.py``
    folders of the basedir rule.
    """
    context = with_roots(
        import_context(settings.pytest, files), declared_source_roots(settings.root, [""])
    )
    targets: dict[str, ImportTarget | None] = {}
    for path in paths:
        if not path.endswith(".py"):
            continue
        # pytest's entries first, then the root, which ``python -m pytest`` puts on sys.path.
        entries = tuple(dict.fromkeys((*sys_path_for(context, path), "")))
        if context.import_mode == "importlib":
            entry = next(e for e in entries if not e or path.startswith(f"{e}/"))
            module = dotted_name(path[len(entry) + 1 :] if entry else path)
        else:
            module = module_name_for(context, path)
        valid = all(part.isidentifier() for part in module.split("."))
        targets[path] = ImportTarget(path, module, entries) if valid else None
    return targets


def import_modules(
    root: Path, targets: Sequence[ImportTarget], options: ImportCheckOptions
) -> dict[str, ModuleImport]:
    """Import each of ``targets`` in the target's interpreter, keyed by path."""
    results: dict[str, ModuleImport] = {}
    deadline = time.monotonic() + options.timeout
    pending = list(targets)
    while pending:
        results.update(_import_in_one_process(root, pending, options, deadline))
        left = [target for target in pending if target.path not in results]
        if len(left) == len(pending):  # pragma: no cover - each round settles one at least
            break
        pending = left
    return results


def _import_in_one_process(
    root: Path, targets: Sequence[ImportTarget], options: ImportCheckOptions, deadline: float
) -> dict[str, ModuleImport]:
    """The modules one subprocess got through: up to one that hangs or kills it."""
    by_path = {target.path: target for target in targets}
    results: dict[str, ModuleImport] = {}
    with tempfile.TemporaryDirectory(prefix="declone-imports-") as scratch:
        job = Path(scratch) / "job.json"
        job.write_text(json.dumps(_job(root, targets)), encoding="utf-8")
        errors = Path(scratch) / "stderr"
        with open(errors, "wb") as stderr:
            process = _start(root, job, options, stderr)
            lines: queue.Queue[str | None] = queue.Queue()
            assert process.stdout is not None
            threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
            current: str | None = None
            started = 0.0
            while True:
                limit = (
                    deadline if current is None else min(deadline, started + options.module_timeout)
                )
                try:
                    line = lines.get(timeout=max(0.0, limit - time.monotonic()))
                except queue.Empty:
                    _stop(process)
                    if current is not None and time.monotonic() < deadline:
                        results[current] = ModuleImport(
                            ImportStatus.HANGS,
                            f"still importing after {options.module_timeout:g} s; stopped",
                        )
                        return results
                    for path in by_path:
                        results.setdefault(
                            path,
                            ModuleImport(
                                ImportStatus.HANGS,
                                f"the import check stopped after {options.timeout:g} s",
                            ),
                        )
                    return results
                if line is None:
                    break
                event = _event(line)
                if event is None or event.get("path") not in by_path:
                    continue
                if event["event"] == "start":
                    current, started = event["path"], time.monotonic()
                else:
                    error = str(event.get("error") or "")
                    status = ImportStatus.FAILS if error else ImportStatus.IMPORTS
                    results[event["path"]] = ModuleImport(status, error)
                    current = None
            _finish(process)
        if current is not None:
            results[current] = ModuleImport(ImportStatus.FAILS, _crash(process, errors))
        elif not results and targets:
            # The interpreter ended before its first module: nothing of it imports.
            results[targets[0].path] = ModuleImport(ImportStatus.FAILS, _crash(process, errors))
    return results


def _job(root: Path, targets: Sequence[ImportTarget]) -> dict[str, Any]:
    absolute = root.absolute()
    return {
        "root": str(absolute),
        "modules": [
            [
                target.path,
                target.module,
                [str(absolute / entry) if entry else str(absolute) for entry in target.sys_path],
                str(absolute / target.path),
            ]
            for target in targets
        ],
    }


def _start(
    root: Path, job: Path, options: ImportCheckOptions, stderr: IO[bytes]
) -> subprocess.Popen[str]:
    environment = dict(os.environ if options.environ is None else options.environ)
    # Nothing of the check may land in the repository: no __pycache__ folders.
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        return subprocess.Popen(
            [options.python, "-B", "-c", _CHILD, str(job)],
            cwd=root,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        raise DecloneError(
            f"{options.python}: cannot run the interpreter ({exc.strerror}); "
            "pass --python the path of the target's python",
            ExitCode.TARGET,
        ) from exc


def _read_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _event(line: str) -> dict[str, Any] | None:
    if not line.startswith(_MARKER):
        return None
    try:
        event = json.loads(line[len(_MARKER) :])
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _stop(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _finish(process: subprocess.Popen[str]) -> None:
    """Wait for the child to end; a thread a module left running does not keep it."""
    try:
        process.wait(5.0)
    except subprocess.TimeoutExpired:
        _stop(process)


def _crash(process: subprocess.Popen[str], errors: Path) -> str:
    output = errors.read_text("utf-8", "replace").strip().splitlines()
    last = f": {output[-1].strip()}" if output else ""
    return f"the interpreter exited with code {process.returncode} while importing it{last}"


class ImportChecker:
    """The ``before_batch`` and ``after_batch`` hooks of the import check of one migration."""

    def __init__(
        self,
        settings: Settings,
        files: Sequence[str],
        writer: BatchWriter,
        options: ImportCheckOptions,
        on_check: Callable[[ImportCheck], None],
    ) -> None:
        self._settings = settings
        self._files = list(files)
        self._writer = writer
        self._options = options
        self._on_check = on_check
        self._before: dict[int, dict[str, tuple[str, ModuleImport]]] = {}

    def before_batch(self, batch: Batch) -> None:
        """Import the batch's modules as they are, before any of its files changes."""
        created = {change.path for change in batch.changes if change.created}
        self._before[batch.number] = self._import(
            [path for path in batch.paths if path not in created], absent=created
        )

    def after_batch(self, batch: Batch) -> tuple[str, ...]:
        """Import again what imported before; roll the batch back if one no longer does."""
        written = self._writer.written(batch)
        before = self._before.pop(batch.number, {})
        again = [path for path in written if path in before and before[path][1].ok]
        try:
            after = self._import(again)
        except DecloneError:
            # Never leave a batch behind that the check has not seen.
            self._writer.rollback(written)
            raise
        modules = tuple(
            ModuleCheck(
                path, before[path][0], before[path][1], after[path][1] if path in after else None
            )
            for path in written
            if path in before
        )
        broken = any(module.broken for module in modules)
        rolled_back = tuple(written) if broken else ()
        if rolled_back:
            self._writer.rollback(rolled_back)
        self._on_check(ImportCheck(batch.number, modules, rolled_back))
        return rolled_back

    def _import(
        self, paths: Sequence[str], absent: set[str] | None = None
    ) -> dict[str, tuple[str, ModuleImport]]:
        """``path -> (module, how it imports)`` for the Python files of ``paths``."""
        targets = import_targets(self._settings, self._files, [*paths, *sorted(absent or ())])
        found: dict[str, tuple[str, ModuleImport]] = {}
        runnable = []
        for path, target in targets.items():
            if absent and path in absent:
                module = target.module if target else path
                found[path] = (module, ModuleImport(ImportStatus.ABSENT, "a new file"))
            elif target is None:
                found[path] = (path, ModuleImport(ImportStatus.FAILS, "no importable module name"))
            else:
                runnable.append(target)
        imported = import_modules(self._settings.root, runnable, self._options) if runnable else {}
        for target in runnable:
            found[target.path] = (target.module, imported[target.path])
        return found


def chain_batch_callbacks(*callbacks: BatchCallback | None) -> BatchCallback | None:
    """One ``after_batch`` that calls each of ``callbacks`` in turn (a callback that rolls
    files back itself, as the import check does, spares the next one those files)."""
    present = [callback for callback in callbacks if callback is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]

    def after_batch(batch: Batch) -> tuple[str, ...]:
        named: dict[str, None] = {}
        for callback in present:
            named.update(dict.fromkeys(callback(batch)))
        return tuple(named)

    return after_batch


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def import_check_lines(check: ImportCheck, total: int) -> list[str]:
    """What a person reads after a batch whose import check rolled it back (else nothing)."""
    if check.ok:
        return []
    lines = [
        f"batch {check.batch}/{total}: a changed module no longer imports; rolled back "
        f"{', '.join(check.rolled_back)}"
    ]
    lines.extend(f"  {module.message}" for module in check.modules if module.broken)
    return lines


def import_check_summary(checks: Sequence[ImportCheck]) -> str:
    """One line for the end of the migration."""
    modules = [module for check in checks for module in check.modules]
    fine = sum(1 for module in modules if module.verdict == "imports")
    skipped = sum(1 for module in modules if module.verdict == NOT_CHECKED)
    rest = f"; {_plural(skipped, 'changed module')} did not import before (not checked)"
    rest = rest if skipped else ""
    failed = [check for check in checks if not check.ok]
    if not failed:
        verb = "imports" if fine == 1 else "import"
        return f"import check: {_plural(fine, 'changed module')} {verb} as before{rest}"
    parts = []
    for check in failed:
        first = next(module for module in check.modules if module.broken)
        error = f": {first.after.error}" if first.after is not None else ""
        parts.append(f"batch {check.batch}: {first.module} no longer imports{error}")
    return f"import check: rolled back {'; '.join(parts)}{rest}"


def import_check_document(check: ImportCheck) -> dict[str, Any]:
    """A batch's ``import_check`` in ``migrate --json``."""
    return {
        "status": "passed" if check.ok else "rolled-back",
        "modules": [
            {
                "path": module.path,
                "module": module.module,
                "result": module.verdict,
                "before": str(module.before.status),
                "after": None if module.after is None else str(module.after.status),
                "error": (module.after.error if module.after is not None else module.before.error),
            }
            for module in check.modules
        ],
        "rolled_back": list(check.rolled_back),
    }

"""declone's recorder, loaded into the target's own pytest with ``-p declone_collect``.

It runs inside the target's interpreter, where declone is usually not installed, so it uses
the standard library and the public pytest hooks only, the ones that pytest 7, 8 and 9 share.
It writes one JSON object per line to the file named by ``DECLONE_RESULTS`` and flushes each
line at once, so that a run that is killed on a timeout still leaves every event it had
reached. Writing stops at the first event that cannot be written: the target's run must not
fail because of the recorder.

Events (``"event"`` key): ``start``, ``conftest_error``, ``collector`` (one per collected
node: its own time and the items it yielded), ``error`` (the exception behind a failed
collector), ``warning``, ``collected`` (the final test ids), ``logstart`` and ``test`` (in a
test run), ``profile``, ``finish`` and, on SIGTERM, ``terminated``.

Environment variables: ``DECLONE_RESULTS`` (output file; without it the recorder stays
silent), ``DECLONE_IMPORT_MARKERS=1`` (write begin/end lines around each collector on file
descriptor 2, so that ``-X importtime`` lines can be attributed to the module being
collected), ``DECLONE_PROFILE=N`` (profile the run with cProfile and report the top N
functions by cumulative time).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import sys
import time
from typing import Any

import pytest

try:
    import resource
except ImportError:  # not on Windows: the figures are then left out
    resource = None  # type: ignore[assignment]

__all__ = [
    "MARKER_PREFIX",
    "pytest_collection_finish",
    "pytest_collectreport",
    "pytest_configure",
    "pytest_exception_interact",
    "pytest_load_initial_conftests",
    "pytest_make_collect_report",
    "pytest_runtest_logreport",
    "pytest_runtest_logstart",
    "pytest_unconfigure",
    "pytest_warning_recorded",
]

#: Start of the lines written on file descriptor 2 around each collector.
MARKER_PREFIX = "declone-collect:"


class _Recorder:
    """The state of one pytest run: the output file and the collectors being timed."""

    def __init__(self, path: str) -> None:
        self.stream: Any = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed at unconfigure
        self.started = time.perf_counter()
        self.markers = os.environ.get("DECLONE_IMPORT_MARKERS") == "1"
        #: ``[nodeid, start, time spent in nested collectors]`` for each open collector.
        self.stack: list[list[Any]] = []
        self.running_test = ""
        #: Collectors this process ran itself; others' failures arrive relayed by xdist.
        self.collected_here: set[str] = set()
        self.previous_sigterm: Any = None
        self.profiler: Any = None
        self.profile_limit = int(os.environ.get("DECLONE_PROFILE", "0") or "0")
        if self.profile_limit > 0:
            import cProfile

            self.profiler = cProfile.Profile()
            self.profiler.enable()

    def emit(self, event: str, **fields: Any) -> None:
        if self.stream is None:
            return
        fields["event"] = event
        try:
            self.stream.write(json.dumps(fields, default=str) + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = None

    def mark(self, what: str, nodeid: str) -> None:
        if self.markers:
            os.write(2, f"{MARKER_PREFIX} {what} {nodeid}\n".encode("utf-8", "replace"))

    def finish(self, event: str, **fields: Any) -> None:
        self.emit_profile()
        self.emit(
            event,
            seconds=time.perf_counter() - self.started,
            **_resource_figures(),
            **fields,
        )

    def emit_profile(self) -> None:
        if self.profiler is None:
            return
        self.profiler.disable()
        import pstats

        stats: Any = pstats.Stats(self.profiler)
        rows = sorted(
            (row for row in stats.stats.items() if not _is_machinery(*row[0])),
            key=lambda item: item[1][3],
            reverse=True,
        )
        functions = [
            {
                "file": file,
                "line": line,
                "function": function,
                "calls": calls,
                "own_seconds": own,
                "cumulative_seconds": cumulative,
            }
            for (file, line, function), (_, calls, own, cumulative, _) in rows[: self.profile_limit]
        ]
        self.profiler = None
        self.emit("profile", functions=functions)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        if self.previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self.previous_sigterm)
            self.previous_sigterm = None


_recorder: _Recorder | None = None


def _machinery_directories() -> tuple[str, ...]:
    import _pytest
    import pluggy

    return tuple(
        os.path.dirname(module.__file__ or "") + os.sep for module in (_pytest, pluggy, pytest)
    )


def _is_machinery(file: str, line: int, function: str) -> bool:
    """Frames that wrap everything (pytest's hooks, pluggy, the import system, this plugin).

    Their cumulative time is the whole run; left in, they would hide the functions that
    make a collection slow, which are the target's own.
    """
    if file == "~":
        return (
            function.startswith(("<built-in method builtins.", "<built-in method _imp."))
            or "of 'generator' objects" in function
        )
    if file.startswith("<frozen importlib") or file == __file__:
        return True
    return file.startswith(_machinery_directories())


def _resource_figures() -> dict[str, Any]:
    if resource is None:
        return {}
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return {
        "cpu_seconds": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
        "peak_rss_bytes": own.ru_maxrss * scale,
    }


def _is_xdist_worker(config: Any) -> bool:
    # Workers send their reports to the controller, whose recorder writes them once.
    return hasattr(config, "workerinput")


def _recorder_for(config: Any) -> _Recorder | None:
    global _recorder
    if _recorder is None:
        path = os.environ.get("DECLONE_RESULTS")
        if not path or _is_xdist_worker(config) or os.environ.get("PYTEST_XDIST_WORKER"):
            return None
        _recorder = _Recorder(path)
        # Installed before the conftests load, so that a hang there leaves its figures too;
        # impossible outside the main thread, where a timeout then ends without them.
        with contextlib.suppress(ValueError):
            _recorder.previous_sigterm = signal.signal(signal.SIGTERM, _on_sigterm)
    return _recorder


def _on_sigterm(signum: int, frame: Any) -> None:
    recorder = _recorder
    if recorder is not None:
        now = time.perf_counter()
        recorder.finish(
            "terminated",
            collecting=[
                {"nodeid": nodeid, "seconds": now - start} for nodeid, start, _ in recorder.stack
            ],
            running=recorder.running_test,
        )
        recorder.close()
    os._exit(128 + signum)


def _stop_options(config: Any) -> list[str]:
    """The repo's own options that would stop collection at the first error."""
    tokens = list(config.getini("addopts")) + shlex.split(os.environ.get("PYTEST_ADDOPTS", ""))
    found = []
    for token in tokens:
        if (
            token in ("-x", "--exitfirst")
            or token.startswith("--maxfail")
            or (token.startswith("-x") and not token.startswith("--"))
        ):
            found.append(token)
    return found


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _exception_fields(exc: BaseException) -> dict[str, str]:
    # pytest wraps import and syntax errors in a CollectError raised ``from`` the original.
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return {"type": type(cause).__name__, "message": _first_line(str(cause))}


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config: Any) -> Any:
    global _recorder
    # Created before the conftests load, so that the profile and the timings include them.
    recorder = _recorder_for(early_config)
    outcome = yield
    excinfo = outcome.excinfo
    if recorder is None or excinfo is None:
        return
    failure = excinfo[1]
    # pytest 8 and 9 keep the original exception in ``cause``, pytest 7 in ``excinfo``.
    cause = getattr(failure, "cause", None)
    if cause is None and getattr(failure, "excinfo", None):
        cause = failure.excinfo[1]
    if cause is None:
        cause = failure
    recorder.emit(
        "conftest_error",
        path=str(getattr(failure, "path", "")),
        type=type(cause).__name__,
        message=_first_line(str(cause)),
    )
    recorder.finish("finish")
    recorder.close()
    _recorder = None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: Any) -> None:
    recorder = _recorder_for(config)
    if recorder is None:
        return
    inipath = getattr(config, "inipath", None)
    recorder.emit(
        "start",
        pytest=pytest.__version__,
        python=sys.version.split()[0],
        executable=sys.executable,
        rootdir=str(config.rootpath),
        inifile=str(inipath) if inipath else None,
        stop_options=_stop_options(config),
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: Any) -> Any:
    recorder = _recorder
    if recorder is None:
        yield
        return
    nodeid = collector.nodeid
    recorder.mark("begin", nodeid)
    frame = [nodeid, time.perf_counter(), 0.0]
    recorder.stack.append(frame)
    outcome = yield
    recorder.stack.pop()
    total = time.perf_counter() - frame[1]
    recorder.mark("end", nodeid)
    if recorder.stack:
        recorder.stack[-1][2] += total
    recorder.collected_here.add(nodeid)
    report = outcome.get_result()
    items = [node.nodeid for node in (report.result or ()) if isinstance(node, pytest.Item)]
    fields: dict[str, Any] = {}
    if report.failed:
        fields["longrepr"] = str(report.longrepr)[-2000:]
    recorder.emit(
        "collector",
        nodeid=nodeid,
        path=str(getattr(collector, "path", "")),
        kind=type(collector).__name__,
        seconds=total - frame[2],
        outcome=report.outcome,
        items=items,
        **fields,
    )


def pytest_collectreport(report: Any) -> None:
    recorder = _recorder
    if recorder is None or not report.failed or report.nodeid in recorder.collected_here:
        return
    # A collection error in a pytest-xdist worker, relayed to this controller.
    recorder.emit(
        "collector",
        nodeid=report.nodeid,
        path="",
        kind="relayed",
        seconds=0.0,
        outcome=report.outcome,
        items=[],
        longrepr=str(report.longrepr)[-2000:],
    )


def pytest_exception_interact(node: Any, call: Any, report: Any) -> None:
    recorder = _recorder
    if recorder is None or getattr(report, "when", None) != "collect":
        return
    if call.excinfo is None:
        return
    recorder.emit("error", nodeid=node.nodeid, **_exception_fields(call.excinfo.value))


def pytest_warning_recorded(warning_message: Any, when: str, nodeid: str, location: Any) -> None:
    recorder = _recorder
    if recorder is None:
        return
    recorder.emit(
        "warning",
        category=warning_message.category.__name__,
        message=_first_line(str(warning_message.message)),
        filename=str(warning_message.filename),
        lineno=warning_message.lineno,
        when=when,
        nodeid=nodeid,
    )


def pytest_collection_finish(session: Any) -> None:
    recorder = _recorder
    if recorder is not None:
        recorder.emit("collected", ids=[item.nodeid for item in session.items])


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    recorder = _recorder
    if recorder is not None:
        recorder.running_test = nodeid


def pytest_runtest_logreport(report: Any) -> None:
    recorder = _recorder
    if recorder is None:
        return
    message = ""
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        message = _first_line(getattr(crash, "message", "") or str(report.longrepr))
    recorder.emit(
        "test",
        nodeid=report.nodeid,
        when=report.when,
        outcome=report.outcome,
        wasxfail=hasattr(report, "wasxfail"),
        duration=report.duration,
        message=message,
    )


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: Any) -> None:
    global _recorder
    recorder = _recorder
    if recorder is None:
        return
    recorder.finish("finish")
    recorder.close()
    _recorder = None

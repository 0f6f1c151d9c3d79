"""The recorder plugin's events, checked inside a pytest run of its own (pytester).

The end-to-end tests run the plugin in real subprocesses; these run it in-process so that
each event's fields are checked one by one, with pytester's isolated temporary repos.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from declone.measure.collector import PLUGIN_MODULE, plugin_source

pytest_plugins = ("pytester",)

PLUGIN = "declone.measure.collector.declone_collect"


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv("DECLONE_RESULTS", str(path))
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("DECLONE_PROFILE", raising=False)
    monkeypatch.delenv("DECLONE_IMPORT_MARKERS", raising=False)
    monkeypatch.setenv("PYTEST_ADDOPTS", "")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return path


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def by_event(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [event for event in events if event["event"] == name]


def test_plugin_source_is_standard_library_only() -> None:
    import ast

    tree = ast.parse(plugin_source())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    allowed = {
        "__future__",
        "contextlib",
        "json",
        "os",
        "shlex",
        "signal",
        "sys",
        "time",
        "typing",
        "resource",
        "cProfile",
        "pstats",
    }
    assert imported - allowed == {"pytest", "_pytest", "pluggy"}
    assert PLUGIN_MODULE == "declone_collect"


def test_collection_events(
    pytester: pytest.Pytester, results: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECLONE_IMPORT_MARKERS", "1")
    pytester.makeini("[pytest]\naddopts = -x --maxfail=3\n")
    pytester.makepyfile(
        test_a="""
            class TestHelper:
                def __init__(self):
                    pass

            class TestReal:
                def test_x(self):
                    pass

            def test_one():
                pass
        """,
        test_b="raise KeyError('nope')\n",
    )
    pytester.runpytest_inprocess(
        "-p",
        PLUGIN,
        "--collect-only",
        "-q",
        "--maxfail=0",
        "-W",
        "default::pytest.PytestCollectionWarning",
    )
    events = read(results)
    start = by_event(events, "start")[0]
    assert start["stop_options"] == ["-x", "--maxfail=3"]
    assert start["rootdir"] == str(pytester.path)
    collectors = {event["nodeid"]: event for event in by_event(events, "collector")}
    assert collectors["test_a.py"]["items"] == ["test_a.py::test_one"]
    assert collectors["test_a.py::TestReal"]["items"] == ["test_a.py::TestReal::test_x"]
    assert collectors["test_a.py"]["kind"] == "Module"
    assert collectors["test_b.py"]["outcome"] == "failed"
    assert "KeyError" in collectors["test_b.py"]["longrepr"]
    assert by_event(events, "error") == [
        {"event": "error", "nodeid": "test_b.py", "type": "KeyError", "message": "'nope'"}
    ]
    (warning,) = by_event(events, "warning")
    assert warning["category"] == "PytestCollectionWarning"
    assert "'TestHelper'" in warning["message"]
    assert warning["filename"] == str(pytester.path / "test_a.py")
    assert by_event(events, "collected")[0]["ids"] == [
        "test_a.py::TestReal::test_x",
        "test_a.py::test_one",
    ]
    finish = by_event(events, "finish")[0]
    assert finish["cpu_seconds"] > 0
    assert events[-1]["event"] == "finish"


def test_test_run_events(pytester: pytest.Pytester, results: Path) -> None:
    pytester.makepyfile(
        test_run="""
            import pytest

            def test_ok():
                pass

            def test_bad():
                raise ValueError("bad value here")

            @pytest.mark.xfail
            def test_expected():
                assert False
        """
    )
    pytester.runpytest_inprocess("-p", PLUGIN)
    tests = by_event(read(results), "test")
    calls = {(t["nodeid"], t["when"]): t for t in tests}
    assert calls[("test_run.py::test_ok", "call")]["outcome"] == "passed"
    bad = calls[("test_run.py::test_bad", "call")]
    assert bad["outcome"] == "failed"
    assert bad["message"] == "ValueError: bad value here"
    expected = calls[("test_run.py::test_expected", "call")]
    assert (expected["outcome"], expected["wasxfail"]) == ("skipped", True)


def test_conftest_import_error(pytester: pytest.Pytester, results: Path) -> None:
    pytester.makeconftest("import a_module_nobody_has\n")
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = pytester.runpytest_inprocess("-p", PLUGIN, "--collect-only")
    assert result.ret == 4
    events = read(results)
    (error,) = by_event(events, "conftest_error")
    assert error["path"] == str(pytester.path / "conftest.py")
    assert error["type"] == "ModuleNotFoundError"
    assert error["message"] == "No module named 'a_module_nobody_has'"
    assert events[-1]["event"] == "finish"
    # The next run in this process starts a new recorder.
    (pytester.path / "conftest.py").write_text("")
    results.unlink()
    pytester.runpytest_inprocess("-p", PLUGIN, "--collect-only")
    assert by_event(read(results), "collected")[0]["ids"] == ["test_a.py::test_a"]


def test_profile_event(
    pytester: pytest.Pytester, results: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECLONE_PROFILE", "15")
    pytester.makepyfile(
        test_p="""
            def costly_helper():
                total = 0
                for number in range(1_000_000):
                    total += number
                return total

            VALUE = costly_helper()

            def test_p():
                pass
        """
    )
    pytester.runpytest_inprocess("-p", PLUGIN, "--collect-only")
    (profile,) = by_event(read(results), "profile")
    assert len(profile["functions"]) == 15
    names = [function["function"] for function in profile["functions"]]
    assert "costly_helper" in names
    assert all("pluggy" not in function["file"] for function in profile["functions"])


def test_silent_without_results_or_in_a_worker(
    pytester: pytest.Pytester, results: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw9")
    pytester.runpytest_inprocess("-p", PLUGIN)
    assert not results.exists()
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    monkeypatch.delenv("DECLONE_RESULTS")
    pytester.runpytest_inprocess("-p", PLUGIN)
    assert not results.exists()


def test_unwritable_results_do_not_break_the_run(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, results: Path
) -> None:
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    monkeypatch.setenv("DECLONE_RESULTS", "/dev/full")
    result = pytester.runpytest_inprocess("-p", PLUGIN)
    assert result.ret == 0


def test_sigterm_handler_is_restored_after_the_run(
    pytester: pytest.Pytester, results: Path
) -> None:
    import signal

    before = signal.getsignal(signal.SIGTERM)
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    pytester.runpytest_inprocess("-p", PLUGIN)
    assert signal.getsignal(signal.SIGTERM) is before
    assert read(results)[-1]["event"] == "finish"

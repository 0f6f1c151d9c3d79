"""The pure half of ``declone measure``: events and stderr in, frozen records out."""

from __future__ import annotations

import json

import pytest

from declone.measure.measurement import (
    FORCED_OPTIONS,
    ChangeKind,
    CollectionError,
    TreeChange,
    WarningRecord,
    build_measurement,
    collect_arguments,
    collection_errors_from_events,
    compare_measurements,
    comparison_to_json,
    diff_snapshots,
    measurement_from_json,
    measurement_to_json,
    parse_events,
    relative_path,
)

ROOT = "/repo"


def collector(nodeid: str, path: str, seconds: float, items=(), outcome="passed", **extra):  # type: ignore[no-untyped-def]
    return {
        "event": "collector",
        "nodeid": nodeid,
        "path": path,
        "kind": "Module",
        "seconds": seconds,
        "outcome": outcome,
        "items": list(items),
        **extra,
    }


START = {"event": "start", "pytest": "9.0.0", "python": "3.11.7", "stop_options": ["-x"]}
FINISH = {"event": "finish", "cpu_seconds": 1.5, "peak_rss_bytes": 1000}

STDERR = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |   encodings
import time:       900 |       1000 | pytest
declone-collect: begin tests/test_a.py
import time:      2000 |       2000 |   numpy.core
import time:       500 |       5000 | numpy
import time:       300 |        300 | json
declone-collect: begin tests/test_a.py::TestX
import time:        40 |         40 | decimal
declone-collect: end tests/test_a.py::TestX
declone-collect: end tests/test_a.py
some line printed by a conftest
"""


def events_for_run():  # type: ignore[no-untyped-def]
    return [
        START,
        collector("tests/test_a.py", "/repo/tests/test_a.py", 0.5, ["tests/test_a.py::test_1"]),
        collector(
            "tests/test_a.py::TestX",
            "/repo/tests/test_a.py",
            0.25,
            ["tests/test_a.py::TestX::test_2"],
        ),
        collector("tests/test_b.py", "/repo/tests/test_b.py", 0.1, outcome="failed"),
        {
            "event": "error",
            "nodeid": "tests/test_b.py",
            "type": "ModuleNotFoundError",
            "message": "No module named 'x'",
        },
        {
            "event": "warning",
            "category": "PytestCollectionWarning",
            "message": "cannot collect test class 'TestHelper' because it has a __init__ constructor (from: tests/test_a.py)",
            "filename": "/repo/tests/test_a.py",
            "lineno": 3,
            "when": "collect",
        },
        {
            "event": "warning",
            "category": "PytestCollectionWarning",
            "message": "cannot collect test class 'TestOther' because it has a __init__ constructor (from: tests/test_c.py)",
            "filename": "/repo/tests/test_c.py",
            "lineno": 9,
            "when": "collect",
        },
        {
            "event": "warning",
            "category": "DeprecationWarning",
            "message": "old api 3",
            "filename": "/elsewhere/lib.py",
            "lineno": 1,
        },
        {
            "event": "collected",
            "ids": ["tests/test_a.py::test_1", "tests/test_a.py::TestX::test_2"],
        },
        {
            "event": "profile",
            "functions": [
                {
                    "file": "/repo/tests/base.py",
                    "line": 4,
                    "function": "__init__",
                    "calls": 7,
                    "own_seconds": 0.1,
                    "cumulative_seconds": 2.0,
                }
            ],
        },
        FINISH,
    ]


def build(events, stderr=STDERR, exit_code=0, **options):  # type: ignore[no-untyped-def]
    return build_measurement(
        events,
        stderr,
        root=ROOT,
        python="/usr/bin/python3",
        command=("python", "-m", "pytest"),
        wall_seconds=2.0,
        exit_code=exit_code,
        **options,
    )


def test_forced_options_come_after_the_users_own() -> None:
    arguments = collect_arguments(["tests"], ["-x", "-k", "foo"])
    assert arguments[:4] == ("-X", "importtime", "-m", "pytest")
    assert arguments[-len(FORCED_OPTIONS) :] == FORCED_OPTIONS
    assert arguments.index("-x") < arguments.index("--maxfail=0")
    assert arguments[6:8] == ("-p", "declone_collect")


def test_parse_events_drops_a_line_cut_short() -> None:
    text = json.dumps({"event": "start"}) + "\n" + '{"event": "collec'
    assert parse_events(text) == [{"event": "start"}]
    assert parse_events('[1, 2]\n{"no": "event"}\n') == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/repo/tests/a.py", "tests/a.py"),
        ("/repo", "."),
        ("/other/a.py", "/other/a.py"),
        ("tests/a.py", "tests/a.py"),
        ("", ""),
    ],
)
def test_relative_path(path: str, expected: str) -> None:
    assert relative_path(path, ROOT) == expected


def test_measurement_gathers_every_figure() -> None:
    result = build(events_for_run())
    assert result.pytest_version == "9.0.0"
    assert result.cpu_seconds == 1.5
    assert result.peak_rss_bytes == 1000
    assert result.test_ids == ("tests/test_a.py::test_1", "tests/test_a.py::TestX::test_2")
    assert result.errors == (
        CollectionError(
            "tests/test_b.py", "ModuleNotFoundError", "No module named 'x'", "tests/test_b.py"
        ),
    )
    assert result.overridden_options == ("-x",)
    assert not result.partial
    # A module's time includes the classes collected inside it.
    first = result.modules[0]
    assert (first.path, first.seconds, first.tests) == ("tests/test_a.py", 0.75, 2)
    assert [p.function for p in result.profile] == ["__init__"]
    assert result.profile[0].location == "tests/base.py:4"


def test_warnings_are_grouped_by_category_and_pattern() -> None:
    result = build(events_for_run())
    assert result.warnings_by_category == {"DeprecationWarning": 1, "PytestCollectionWarning": 2}
    groups = {(g.category, g.pattern): g.count for g in result.warning_groups}
    assert groups == {
        (
            "PytestCollectionWarning",
            "cannot collect test class '*' because it has a __init__ constructor (from: *)",
        ): 2,
        ("DeprecationWarning", "old api *"): 1,
    }
    sources = [(w.subject, w.path, w.lineno) for w in result.collection_warnings]
    assert sources == [("TestHelper", "tests/test_a.py", 3), ("TestOther", "tests/test_c.py", 9)]
    assert result.warnings[-1].path == "/elsewhere/lib.py"


def test_imports_are_charged_to_the_module_being_collected() -> None:
    result = build(events_for_run())
    by_module = {timing.module: timing for timing in result.imports}
    # numpy.core is nested in numpy: only the outermost import is listed.
    assert "numpy.core" not in by_module
    assert by_module["numpy"].importer == "tests/test_a.py"
    assert by_module["numpy"].cumulative_us == 5000
    assert by_module["pytest"].importer == "<startup>"
    # The class collector's imports are charged to its file too.
    assert by_module["decimal"].importer == "tests/test_a.py"
    assert result.imports[0].module == "numpy"
    module = result.modules[0]
    assert [timing.module for timing in module.imports] == ["numpy", "json", "decimal"]


def test_without_collected_event_the_finished_collectors_items_are_kept() -> None:
    events = [
        START,
        collector("tests/test_a.py", "/repo/tests/test_a.py", 0.5, ["tests/test_a.py::test_1"]),
        {
            "event": "terminated",
            "collecting": [
                {"nodeid": "", "seconds": 3.0},
                {"nodeid": "tests/test_slow.py", "seconds": 2.5},
            ],
        },
    ]
    result = build(events, stderr="", exit_code=None, timeout=2)
    assert result.partial
    assert result.partial_reason == "timed out after 2 s while collecting tests/test_slow.py"
    assert result.test_ids == ("tests/test_a.py::test_1",)
    slow = result.modules[0]
    assert (slow.path, slow.seconds, slow.interrupted) == ("tests/test_slow.py", 2.5, True)
    assert result.cpu_seconds is None


def test_a_run_killed_without_its_last_event_is_still_partial() -> None:
    result = build([START], stderr="", exit_code=None, timeout=1.5)
    assert result.partial_reason == "timed out after 1.5 s"
    assert result.test_ids == ()


def test_conftest_error_and_unexplained_failure() -> None:
    longrepr = "tests/test_c.py:3: in <module>\n    raise ValueError\nE   ValueError: bad value\n"
    events = [
        {
            "event": "conftest_error",
            "path": "/repo/conftest.py",
            "type": "ImportError",
            "message": "no foo",
        },
        collector(
            "tests/test_c.py", "/repo/tests/test_c.py", 0.1, outcome="failed", longrepr=longrepr
        ),
        collector(
            "tests/test_d.py", "/repo/tests/test_d.py", 0.1, outcome="failed", longrepr="E   boom"
        ),
        collector(
            "tests/test_e.py", "/repo/tests/test_e.py", 0.1, outcome="failed", longrepr="odd text"
        ),
    ]
    errors = collection_errors_from_events(events, ROOT)
    assert [(e.path, e.exception_type, e.message) for e in errors] == [
        ("conftest.py", "ImportError", "no foo"),
        ("tests/test_c.py", "ValueError", "bad value"),
        ("tests/test_d.py", "CollectError", "boom"),
        ("tests/test_e.py", "CollectError", "odd text"),
    ]


def test_diff_snapshots() -> None:
    before = {"a.py": (1, 10), "b.py": (2, 20), "c.py": (3, 30)}
    after = {"a.py": (1, 10), "b.py": (2, 21), "d.log": (5, 50)}
    assert diff_snapshots(before, after) == (
        TreeChange("b.py", ChangeKind.MODIFIED),
        TreeChange("c.py", ChangeKind.REMOVED),
        TreeChange("d.log", ChangeKind.ADDED),
    )


def test_json_round_trip_keeps_everything() -> None:
    result = build(events_for_run(), changed_files=(TreeChange("report.txt", ChangeKind.ADDED),))
    document = json.loads(json.dumps(measurement_to_json(result)))
    assert document["warnings_by_category"]["PytestCollectionWarning"] == 2
    assert measurement_from_json(document) == result


def test_comparison() -> None:
    before = build(events_for_run())
    after_events = [
        START,
        collector("tests/test_a.py", "/repo/tests/test_a.py", 0.1, ["tests/test_a.py::test_1"]),
        collector(
            "tests/test_new.py", "/repo/tests/test_new.py", 0.2, ["tests/test_new.py::test_3"]
        ),
        {"event": "collected", "ids": ["tests/test_a.py::test_1", "tests/test_new.py::test_3"]},
        FINISH,
    ]
    after = build_measurement(
        after_events, "", root=ROOT, python="py", command=(), wall_seconds=1.0, exit_code=0
    )
    comparison = compare_measurements("before", before, after)
    assert comparison.wall_ratio == 0.5
    assert comparison.tests_added == ("tests/test_new.py::test_3",)
    assert comparison.tests_removed == ("tests/test_a.py::TestX::test_2",)
    assert [e.path for e in comparison.errors_removed] == ["tests/test_b.py"]
    assert comparison.errors_added == ()
    warnings = {c.key: (c.before, c.after) for c in comparison.warnings}
    assert warnings == {"DeprecationWarning": (1, 0), "PytestCollectionWarning": (2, 0)}
    assert comparison.modules[0].path == "tests/test_a.py"
    assert comparison.modules[0].delta == pytest.approx(-0.65)
    document = comparison_to_json(comparison)
    assert document["wall_ratio"] == 0.5
    assert document["modules"][0]["delta"] == pytest.approx(-0.65)


def test_ratio_is_undefined_against_a_zero_baseline() -> None:
    empty = build([START], stderr="")
    zero = measurement_from_json({**measurement_to_json(empty), "wall_seconds": 0.0})
    assert compare_measurements("z", zero, empty).wall_ratio is None


def test_warning_record_without_quotes_has_no_subject() -> None:
    record = WarningRecord("UserWarning", "plain text 12", "a.py", 1)
    assert record.subject == ""
    assert record.pattern == "plain text *"

"""The pytest plugin's fixtures, import cost, and collection warnings in real pytest runs."""

from __future__ import annotations

import asyncio
import json
import os
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import declone.testing.plugin
from declone.testing.plugin import FakeWebSocketFactory
from declone.testing.websocket import FakeWebSocketConnection, TestWebSocketConnection

HEAVY_MODULES = ("libcst", "rich", "starlette", "declone.cli")
#: Plugins a child pytest does not need; hypothesis's alone costs seconds of start-up.
FAST_STARTUP = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:xdist")


# -- fixtures, through the entry point that loaded the plugin into this very run --------------


def test_fake_websocket_is_a_fresh_open_connection(fake_websocket: FakeWebSocketConnection) -> None:
    assert isinstance(fake_websocket, FakeWebSocketConnection)
    assert fake_websocket.is_connected is True
    assert fake_websocket.messages_sent == []
    asyncio.run(fake_websocket.send_json({"type": "ping"}))
    fake_websocket.assert_sent({"type": "ping"})


def test_fake_websocket_is_not_shared_between_tests(
    fake_websocket: FakeWebSocketConnection,
) -> None:
    # The previous test sent a ping on its connection.
    assert fake_websocket.messages_sent == []


def test_factory_passes_options_and_tracks_connections(
    fake_websocket_factory: FakeWebSocketFactory,
    fake_websocket: FakeWebSocketConnection,
) -> None:
    alice = fake_websocket_factory(user_id="alice", fail_after=0)
    bob = fake_websocket_factory(user_id="bob")
    assert (alice.user_id, bob.user_id) == ("alice", "bob")
    assert alice is not bob
    assert fake_websocket_factory.connections == [fake_websocket, alice, bob]
    with pytest.raises(ConnectionError):
        asyncio.run(alice.send_json({}))


def test_factory_closes_every_connection_at_teardown() -> None:
    factory = FakeWebSocketFactory()
    first, second = factory(), factory()
    asyncio.run(second.close(code=1011, reason="error"))
    factory.close_all()
    assert (first.closed, first.close_code) == (True, 1000)
    assert (second.close_code, second.close_reason) == (1011, "error")


def test_plugin_module_defines_only_the_two_fixtures() -> None:
    # Executed afresh, as pytest does at start-up; its import ran before measurement began.
    namespace = runpy.run_path(declone.testing.plugin.__file__)
    fixtures = sorted(
        name for name, value in namespace.items() if hasattr(value, "_fixture_function_marker")
    )
    assert fixtures == ["fake_websocket", "fake_websocket_factory"]
    assert namespace["__all__"] == [
        "FakeWebSocketFactory",
        "fake_websocket",
        "fake_websocket_factory",
    ]


# -- real interpreters -------------------------------------------------------------------------


def clean_env() -> dict[str, str]:
    """The environment for a child pytest: none of this run's own pytest options."""
    return {key: value for key, value in os.environ.items() if key != "PYTEST_ADDOPTS"}


@pytest.mark.parametrize(
    ("module", "also_forbidden"),
    [
        ("declone.testing.websocket", ()),
        ("declone.testing", ("declone.testing.websocket", "asyncio")),
        ("declone.testing.plugin", ("declone.testing.websocket", "asyncio")),
    ],
)
def test_import_loads_nothing_heavy(module: str, also_forbidden: tuple[str, ...]) -> None:
    forbidden = (*HEAVY_MODULES, *also_forbidden)
    script = f"import json, sys, {module}\nprint(json.dumps(sorted(sys.modules)))\n"
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded = json.loads(completed.stdout)
    assert module in loaded
    assert [name for name in loaded if name.split(".")[0] in forbidden or name in forbidden] == []


def run_pytest(directory: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (directory / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", *FAST_STARTUP, "-q", *options, str(directory)],
        capture_output=True,
        text=True,
        cwd=directory,
        env=clean_env(),
        timeout=120,
        check=False,
    )


def test_importing_the_legacy_name_gives_no_collection_warning(tmp_path: Path) -> None:
    (tmp_path / "test_uses_double.py").write_text(
        textwrap.dedent(
            """
            import asyncio

            from declone.testing.websocket import (
                FakeWebSocketConnection,
                SSotWebSocketConnection,
                TestWebSocketConnection,
            )


            def test_legacy_name_records_messages():
                connection = TestWebSocketConnection()
                asyncio.run(connection.send_json({"type": "agent_started"}))
                assert connection.get_messages() == [{"type": "agent_started"}]


            def test_fixture_from_the_plugin(fake_websocket):
                assert isinstance(fake_websocket, SSotWebSocketConnection)


            def test_factory_from_the_plugin(fake_websocket_factory):
                connection = fake_websocket_factory(user_id="u1")
                assert connection.user_id == "u1"
                assert isinstance(connection, FakeWebSocketConnection)
            """
        ),
        encoding="utf-8",
    )
    completed = run_pytest(tmp_path, "-W", "error::pytest.PytestCollectionWarning")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "3 passed" in output
    assert "warning" not in output.lower()


def test_a_local_copy_with_init_does_warn_the_way_the_import_avoids(tmp_path: Path) -> None:
    # The control for the test above: the same run does report a copy's warning.
    (tmp_path / "test_has_copy.py").write_text(
        textwrap.dedent(
            """
            class TestWebSocketConnection:
                def __init__(self):
                    self.messages_sent = []


            def test_something():
                assert TestWebSocketConnection().messages_sent == []
            """
        ),
        encoding="utf-8",
    )
    completed = run_pytest(tmp_path)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "1 passed, 1 warning" in output
    assert "PytestCollectionWarning: cannot collect test class 'TestWebSocketConnection'" in output


def test_importing_the_legacy_name_here_is_not_collected() -> None:
    # This module imports ``TestWebSocketConnection`` too, and the suite turns collection
    # warnings into errors: reaching this test is the in-process version of the proof.
    assert TestWebSocketConnection.__test__ is False

"""declone's pytest plugin: the ``fake_websocket`` and ``fake_websocket_factory`` fixtures.

pytest loads this module in every run where declone is installed, so it only defines two
fixtures: the WebSocket double is imported when a test first asks for one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from declone.testing.websocket import FakeWebSocketConnection

__all__ = ["FakeWebSocketFactory", "fake_websocket", "fake_websocket_factory"]


class FakeWebSocketFactory:
    """Makes connections for one test and closes every one of them at its teardown."""

    def __init__(self) -> None:
        self.connections: list[FakeWebSocketConnection] = []

    def __call__(self, **options: Any) -> FakeWebSocketConnection:
        """A new connection; ``options`` are :class:`FakeWebSocketConnection`'s arguments."""
        from declone.testing.websocket import FakeWebSocketConnection

        connection = FakeWebSocketConnection(**options)
        self.connections.append(connection)
        return connection

    def close_all(self) -> None:
        for connection in self.connections:
            connection.close_nowait()


@pytest.fixture
def fake_websocket_factory() -> Iterator[FakeWebSocketFactory]:
    """Call it to make connections (``fake_websocket_factory(user_id="u1")``), closed at teardown."""
    factory = FakeWebSocketFactory()
    yield factory
    factory.close_all()


@pytest.fixture
def fake_websocket(fake_websocket_factory: FakeWebSocketFactory) -> FakeWebSocketConnection:
    """A fresh, open :class:`~declone.testing.websocket.FakeWebSocketConnection` per test."""
    return fake_websocket_factory()

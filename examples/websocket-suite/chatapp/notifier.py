"""Fan-out of agent events to every WebSocket connection a user has open."""

from __future__ import annotations

from typing import Any, Protocol


class Connection(Protocol):
    async def send_json(self, message: dict[str, Any]) -> None: ...

    async def close(self, code: int = 1000, reason: str = "Normal closure") -> None: ...


class WebSocketNotifier:
    """Keeps the open connections per user and delivers events to them."""

    def __init__(self) -> None:
        self._connections: dict[str, list[Connection]] = {}
        self.dropped = 0

    def connect(self, user_id: str, connection: Connection) -> None:
        self._connections.setdefault(user_id, []).append(connection)

    def disconnect(self, user_id: str, connection: Connection) -> None:
        connections = self._connections.get(user_id, [])
        if connection in connections:
            connections.remove(connection)
        if not connections:
            self._connections.pop(user_id, None)

    def connection_count(self, user_id: str) -> int:
        return len(self._connections.get(user_id, []))

    async def send_event(self, user_id: str, event: dict[str, Any]) -> int:
        """Send ``event`` to each of the user's connections; drop the closed ones.

        Returns how many connections received the event.
        """
        delivered = 0
        for connection in list(self._connections.get(user_id, [])):
            try:
                await connection.send_json(event)
            except RuntimeError:
                self.disconnect(user_id, connection)
                self.dropped += 1
            else:
                delivered += 1
        return delivered

    async def broadcast(self, event: dict[str, Any]) -> int:
        delivered = 0
        for user_id in list(self._connections):
            delivered += await self.send_event(user_id, event)
        return delivered

    async def close_all(self, user_id: str, reason: str = "Server shutdown") -> None:
        for connection in list(self._connections.get(user_id, [])):
            await connection.close(code=1001, reason=reason)
        self._connections.pop(user_id, None)

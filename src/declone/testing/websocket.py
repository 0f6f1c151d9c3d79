"""A fake WebSocket connection for tests: the one implementation that every copy can become.

Test suites copy the same small helper (``TestWebSocketConnection``, ``MockWebSocketConnection``,
...) into file after file: a list of sent messages, an ``is_connected`` flag, ``send_json`` and
``close``. :class:`FakeWebSocketConnection` keeps that observable behaviour, so a copy can be
replaced by an import, and adds what the copies lack: scripted inbound messages, receive
timeouts, starlette-compatible states and errors, failure injection and assertion helpers.

This module imports only the standard library. starlette is never imported: its enum and
exception are recognised when the code under test has already loaded them.

Not thread-safe: use a connection from the thread that runs its event loop.
"""

from __future__ import annotations

import asyncio
import enum
import json
import sys
from collections import deque
from collections.abc import AsyncIterator, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

__all__ = [
    "FakeWebSocketConnection",
    "MessageList",
    "SSotWebSocketConnection",
    "SendAfterClose",
    "TestWebSocketConnection",
    "WebSocketClosedError",
    "WebSocketDisconnect",
    "WebSocketState",
]

#: What sending on a closed connection raises: :class:`WebSocketClosedError` (a
#: ``RuntimeError``, as the copies raise) or :class:`WebSocketDisconnect` (as a server sees it).
SendAfterClose = Literal["runtime-error", "disconnect"]

_NORMAL_CLOSURE = 1000
_DEFAULT_CLOSE_REASON = "Normal closure"


class WebSocketState(enum.IntEnum):
    """Connection states, numbered like starlette's ``WebSocketState``.

    starlette's enum is a plain ``Enum``, which is equal to nothing but itself, so equality is
    widened here: a member equals the int of its value and any other enum's member with the
    same name and value. ``conn.client_state == starlette.websockets.WebSocketState.CONNECTED``
    then holds in both operand orders, without this module importing starlette.
    """

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3

    def __eq__(self, other: object) -> bool:
        if isinstance(other, enum.Enum) and not isinstance(other, WebSocketState):
            return bool(other.name == self.name and other.value == self.value)
        return int.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = int.__hash__


class WebSocketDisconnect(Exception):
    """The peer is gone: raised by receiving after close and, if configured, by sending.

    When the code under test has loaded starlette (or FastAPI), the instance raised is also a
    ``starlette.websockets.WebSocketDisconnect``, so the endpoint's own ``except`` clause
    catches it just as it would in production.
    """

    def __init__(self, code: int = _NORMAL_CLOSURE, reason: str | None = None) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason or ""

    def __str__(self) -> str:
        reason = f" ({self.reason})" if self.reason else ""
        return f"WebSocket disconnected with code {self.code}{reason}"


class WebSocketClosedError(RuntimeError):
    """A send on a connection that was closed; a ``RuntimeError`` like the copies raise."""


class MessageList(list[Any]):
    """A list of messages that can also be awaited, giving back the same list.

    Copies of the helper disagree on whether ``get_messages()`` is a coroutine, so tests call it
    both ways: ``conn.get_messages()`` and ``await conn.get_messages()``. Returning a list that
    defines ``__await__`` makes both work without knowing which style the caller uses.
    """

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, MessageList]:
        # ``yield from ()`` turns this into a generator that suspends nothing and returns the
        # list itself as the value of the ``await`` expression.
        yield from ()
        return self


@dataclass(frozen=True, slots=True)
class _QueuedDisconnect:
    """A client disconnect waiting in the inbound queue behind the messages queued before it."""

    code: int
    reason: str


class FakeWebSocketConnection:
    """An in-memory WebSocket connection that records what the code under test sends.

    It starts open (``is_connected`` is true), as the copies it replaces do; pass
    ``connected=False`` to start in ``CONNECTING`` and drive ``accept()``/``connect()``.
    Any other keyword argument (``user_id``, ``connection_id``, ``test_context``, ...) is kept
    in :attr:`context` and readable as an attribute.
    """

    # pytest collects ``Test*`` classes found in a test module, even imported ones; this one
    # (and its ``TestWebSocketConnection`` alias) is a helper, never a test.
    __test__ = False

    def __init__(
        self,
        *,
        incoming: Iterable[Any] = (),
        connected: bool = True,
        receive_timeout: float | None = 1.0,
        send_after_close: SendAfterClose = "runtime-error",
        fail_after: int | None = None,
        send_error: BaseException | type[BaseException] | None = None,
        send_delay: float = 0.0,
        **context: Any,
    ) -> None:
        #: Keyword arguments the caller passed for its own use (``user_id=...``, ...).
        self.context: dict[str, Any] = {}
        #: Everything sent, in order, as it was passed to ``send_json``/``send_text``/...
        self.messages_sent: list[Any] = []
        #: Everything the code under test received, in order.
        self.messages_received: list[Any] = []
        self.is_connected = connected
        self.closed = False
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.accepted = False
        self.accepted_subprotocol: str | None = None
        self.accepted_headers: list[tuple[bytes, bytes]] = []
        initial = WebSocketState.CONNECTED if connected else WebSocketState.CONNECTING
        self.client_state = initial
        self.application_state = initial
        #: Seconds a receive waits for a message to be queued; ``None`` waits forever.
        self.receive_timeout = receive_timeout
        self.send_after_close: SendAfterClose = send_after_close
        #: Failure injection: sends after the first ``fail_after`` raise ``send_error`` (a
        #: ``ConnectionError`` if unset); without ``fail_after``, ``send_error`` fails every send.
        self.fail_after = fail_after
        self.send_error = send_error
        #: Seconds every send waits before it is recorded.
        self.send_delay = send_delay
        #: Sends that got past the closed check, the count ``fail_after`` compares against.
        self.send_attempts = 0
        self._incoming: deque[Any] = deque(incoming)
        self._waiters: list[asyncio.Future[None]] = []
        # Checked once every attribute exists: a keyword named like one would be unreadable.
        hidden = sorted(name for name in context if hasattr(self, name))
        if hidden:
            raise TypeError(
                f"{type(self).__name__}() got keyword arguments that would hide its own "
                f"attributes: {', '.join(hidden)}; pass them under another name"
            )
        self.context.update(context)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: exposes the caller's keyword arguments.
        context = self.__dict__.get("context")
        if context is not None and name in context:
            return context[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open" if self.is_connected else "not connected"
        return (
            f"<{type(self).__name__} {state} sent={len(self.messages_sent)} "
            f"queued={len(self._incoming)}>"
        )

    @property
    def _closed(self) -> bool:
        """The flag's name in the copies, kept for tests that read or set it."""
        return self.closed

    @_closed.setter
    def _closed(self, value: bool) -> None:
        self.closed = value

    # -- lifecycle ---------------------------------------------------------------------------

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Accept the handshake, once, as a server does; the connection becomes open."""
        if self.closed:
            raise RuntimeError(f"accept() on a closed WebSocket (code {self.close_code})")
        if self.accepted:
            raise RuntimeError("accept() called twice; a WebSocket is accepted once")
        self.accepted = True
        self.accepted_subprotocol = subprotocol
        self.accepted_headers = list(headers or ())
        self._open()

    async def connect(self) -> None:
        """Open the connection, or reopen a closed one (a reconnect): sending works again."""
        self.closed = False
        self.close_code = None
        self.close_reason = None
        self._open()

    async def close(self, code: int = _NORMAL_CLOSURE, reason: str = _DEFAULT_CLOSE_REASON) -> None:
        """Close the connection; closing again changes nothing (the first code is kept)."""
        self.close_nowait(code, reason)

    def close_nowait(
        self, code: int = _NORMAL_CLOSURE, reason: str = _DEFAULT_CLOSE_REASON
    ) -> None:
        """:meth:`close` for synchronous code such as fixture teardown."""
        if self.closed:
            return
        self.closed = True
        self.is_connected = False
        self.close_code = code
        self.close_reason = reason
        self.client_state = WebSocketState.DISCONNECTED
        self.application_state = WebSocketState.DISCONNECTED
        # Receivers waiting for a message must now see the disconnect.
        self._wake_receivers()

    def _open(self) -> None:
        self.is_connected = True
        self.client_state = WebSocketState.CONNECTED
        self.application_state = WebSocketState.CONNECTED

    # -- sending -----------------------------------------------------------------------------

    async def send_json(self, data: Any, mode: str = "text") -> None:
        """Record ``data`` as it was passed (``mode`` is accepted for starlette's signature)."""
        await self._send("send_json", data)

    async def send_text(self, data: str) -> None:
        if not isinstance(data, str):
            raise TypeError(f"send_text() takes str, not {type(data).__name__}")
        await self._send("send_text", data)

    async def send_bytes(self, data: bytes | bytearray | memoryview) -> None:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"send_bytes() takes bytes, not {type(data).__name__}")
        await self._send("send_bytes", bytes(data))

    async def send(self, message: Any) -> None:
        """Record any message as it was passed."""
        await self._send("send", message)

    async def _send(self, method: str, payload: Any) -> None:
        # No lock is needed: between the checks and the append there is no ``await``, so
        # concurrent senders on one event loop cannot interleave inside a send.
        self._check_can_send(method)
        self._inject_send_failure(method)
        if self.send_delay > 0:
            await asyncio.sleep(self.send_delay)
            self._check_can_send(method)
        self.messages_sent.append(payload)

    def _check_can_send(self, method: str) -> None:
        if not self.closed:
            return
        if self.send_after_close == "disconnect":
            raise _disconnect_error(self.close_code, self.close_reason)
        raise WebSocketClosedError(
            f"WebSocket is closed: {method}() after close(code={self.close_code}, "
            f"reason={self.close_reason!r}); call connect() first to test a reconnect"
        )

    def _inject_send_failure(self, method: str) -> None:
        attempt = self.send_attempts
        self.send_attempts += 1
        failing = (
            self.send_error is not None if self.fail_after is None else attempt >= self.fail_after
        )
        if not failing:
            return
        error = self.send_error
        if error is None:
            raise ConnectionError(
                f"{method}() failed: injected failure after {self.fail_after} sends (fail_after)"
            )
        raise error() if isinstance(error, type) else error

    # -- receiving ---------------------------------------------------------------------------

    def queue_incoming(self, *messages: Any) -> None:
        """Script messages for the code under test to receive, in order."""
        self._incoming.extend(messages)
        self._wake_receivers()

    def queue_disconnect(self, code: int = _NORMAL_CLOSURE, reason: str = "") -> None:
        """Script a client disconnect after the messages queued so far."""
        self._incoming.append(_QueuedDisconnect(code, reason))
        self._wake_receivers()

    async def receive(self) -> Any:
        """The next queued message, as it was queued."""
        return await self._receive("receive")

    async def receive_json(self, mode: str = "text") -> Any:
        """The next message, decoded from JSON if it was queued as ``str`` or ``bytes``.

        ``mode`` is accepted for starlette's signature; a queued message says its own kind.
        """
        message = await self._receive("receive_json")
        if isinstance(message, str | bytes | bytearray):
            return json.loads(message)
        return message

    async def receive_text(self) -> str:
        """The next message as text: ``bytes`` decoded as UTF-8, other values as JSON."""
        message = await self._receive("receive_text")
        if isinstance(message, str):
            return message
        if isinstance(message, bytes | bytearray):
            return bytes(message).decode("utf-8")
        return json.dumps(message)

    async def receive_bytes(self) -> bytes:
        """The next message as bytes: text encoded as UTF-8, other values as JSON."""
        message = await self._receive("receive_bytes")
        if isinstance(message, bytes | bytearray):
            return bytes(message)
        text = message if isinstance(message, str) else json.dumps(message)
        return text.encode("utf-8")

    async def iter_json(self) -> AsyncIterator[Any]:
        """Received messages as JSON until the connection is disconnected."""
        try:
            while True:
                yield await self.receive_json()
        except WebSocketDisconnect:
            return

    async def iter_text(self) -> AsyncIterator[str]:
        """Received messages as text until the connection is disconnected."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            return

    async def _receive(self, method: str) -> Any:
        loop = asyncio.get_running_loop()
        timeout = self.receive_timeout
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            if self.closed:
                raise _disconnect_error(self.close_code, self.close_reason)
            if self._incoming:
                break
            await self._wait_for_incoming(method, loop, deadline)
        message = self._incoming.popleft()
        if isinstance(message, _QueuedDisconnect):
            self.close_nowait(message.code, message.reason)
            raise _disconnect_error(message.code, message.reason)
        self.messages_received.append(message)
        return message

    async def _wait_for_incoming(
        self, method: str, loop: asyncio.AbstractEventLoop, deadline: float | None
    ) -> None:
        # A fresh future per wait, on the running loop: the connection itself holds no
        # loop-bound primitive, so one connection works across several ``asyncio.run`` calls.
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        try:
            remaining = None if deadline is None else max(0.0, deadline - loop.time())
            await asyncio.wait_for(waiter, remaining)
        except TimeoutError:
            raise TimeoutError(
                f"{method}() waited {self.receive_timeout}s and nothing was queued; "
                "script messages with queue_incoming(...) or a disconnect with queue_disconnect()"
            ) from None
        finally:
            self._waiters.remove(waiter)

    def _wake_receivers(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    # -- inspection --------------------------------------------------------------------------

    def get_messages(self) -> MessageList:
        """A copy of the messages sent; works called plainly and awaited."""
        return MessageList(self.messages_sent)

    def get_received_messages(self) -> MessageList:
        """A copy of the messages received; works called plainly and awaited."""
        return MessageList(self.messages_received)

    def sent_of_type(self, message_type: str) -> MessageList:
        """The sent mappings whose ``"type"`` is ``message_type``, in order."""
        return MessageList(
            message
            for message in self.messages_sent
            if isinstance(message, Mapping) and message.get("type") == message_type
        )

    get_sent_events_by_type = sent_of_type

    def sent_types(self) -> list[Any]:
        """The ``"type"`` of every sent mapping, in order."""
        return [m.get("type") for m in self.messages_sent if isinstance(m, Mapping)]

    def clear(self) -> None:
        """Forget what was sent and received; state, inbound queue and injection stay."""
        self.messages_sent.clear()
        self.messages_received.clear()

    # -- assertions --------------------------------------------------------------------------

    def assert_sent(self, expected: Any) -> Any:
        """Return the first sent message matching ``expected``, or fail listing what was sent.

        A mapping matches a sent mapping that has all of its keys with equal values (extra
        keys are ignored); anything else must be equal.
        """
        for message in self.messages_sent:
            if _matches(message, expected):
                return message
        raise AssertionError(f"no sent message matches {expected!r}; {self._describe_sent()}")

    def assert_not_sent(self, unexpected: Any) -> None:
        """Fail if any sent message matches ``unexpected`` (as in :meth:`assert_sent`)."""
        for index, message in enumerate(self.messages_sent):
            if _matches(message, unexpected):
                raise AssertionError(
                    f"message {index} matches {unexpected!r}: {message!r}; {self._describe_sent()}"
                )

    def assert_sent_types(self, *expected: Any) -> None:
        """Fail unless the sent mappings' ``"type"`` values are exactly ``expected``, in order."""
        actual = self.sent_types()
        if actual != list(expected):
            raise AssertionError(f"sent types are {actual!r}, expected {list(expected)!r}")

    def assert_closed(self, code: int | None = None, reason: str | None = None) -> None:
        """Fail unless the connection is closed, with ``code`` and ``reason`` when given."""
        if not self.closed:
            raise AssertionError(f"WebSocket is still open; expected it closed ({self!r})")
        if code is not None and self.close_code != code:
            raise AssertionError(
                f"WebSocket closed with code {self.close_code} ({self.close_reason!r}), "
                f"expected code {code}"
            )
        if reason is not None and self.close_reason != reason:
            raise AssertionError(
                f"WebSocket closed with reason {self.close_reason!r}, expected {reason!r}"
            )

    def assert_open(self) -> None:
        """Fail if the connection was closed."""
        if self.closed:
            raise AssertionError(
                f"WebSocket was closed with code {self.close_code} ({self.close_reason!r})"
            )

    def _describe_sent(self) -> str:
        if not self.messages_sent:
            return "nothing was sent"
        lines = "".join(f"\n  {i}: {m!r}" for i, m in enumerate(self.messages_sent))
        return f"{len(self.messages_sent)} sent:{lines}"


#: The name the consolidated helper goes by in suites that call it the single source of truth.
SSotWebSocketConnection = FakeWebSocketConnection
#: The legacy name of the copies; importing it into a test module is safe (``__test__``).
TestWebSocketConnection = FakeWebSocketConnection


def _matches(message: Any, expected: Any) -> bool:
    if isinstance(expected, Mapping) and isinstance(message, Mapping):
        return all(key in message and message[key] == value for key, value in expected.items())
    return bool(message == expected)


def _disconnect_error(code: int | None, reason: str | None) -> WebSocketDisconnect:
    error_class = _disconnect_class()
    return error_class(_NORMAL_CLOSURE if code is None else code, reason)


def _disconnect_class() -> type[WebSocketDisconnect]:
    # Look starlette up only among modules already loaded: importing it here would cost every
    # user, and code that catches starlette's exception has necessarily loaded it already.
    starlette_websockets = sys.modules.get("starlette.websockets")
    foreign = getattr(starlette_websockets, "WebSocketDisconnect", None)
    if isinstance(foreign, type) and issubclass(foreign, Exception):
        return _disconnect_class_with_base(foreign)
    return WebSocketDisconnect


# One combined class per foreign base, so that every disconnect raised has the same type.
_DISCONNECT_CLASSES: dict[type[Exception], type[WebSocketDisconnect]] = {}


def _disconnect_class_with_base(foreign: type[Exception]) -> type[WebSocketDisconnect]:
    combined = _DISCONNECT_CLASSES.get(foreign)
    if combined is None:
        namespace = {"__module__": __name__, "__doc__": WebSocketDisconnect.__doc__}
        combined = cast(
            "type[WebSocketDisconnect]",
            type("WebSocketDisconnect", (WebSocketDisconnect, foreign), namespace),
        )
        _DISCONNECT_CLASSES[foreign] = combined
    return combined

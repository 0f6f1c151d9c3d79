"""FakeWebSocketConnection: every method and error path, one behaviour per test."""

from __future__ import annotations

import asyncio
import copy
import enum
import inspect
import re
import sys
import types
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest

from declone.testing.websocket import (
    FakeWebSocketConnection,
    MessageList,
    SSotWebSocketConnection,
    TestWebSocketConnection,
    WebSocketClosedError,
    WebSocketDisconnect,
    WebSocketState,
)

T = TypeVar("T")


def run(awaitable: Awaitable[T]) -> T:
    async def wrapper() -> T:
        return await awaitable

    return asyncio.run(wrapper())


# -- names and construction ----------------------------------------------------------------


def test_aliases_are_the_same_class_and_never_collected() -> None:
    assert SSotWebSocketConnection is FakeWebSocketConnection
    assert TestWebSocketConnection is FakeWebSocketConnection
    assert FakeWebSocketConnection.__test__ is False


def test_starts_open_and_empty() -> None:
    conn = FakeWebSocketConnection()
    assert conn.messages_sent == []
    assert conn.messages_received == []
    assert conn.is_connected is True
    assert conn.closed is False
    assert conn._closed is False
    assert conn.close_code is None
    assert conn.close_reason is None
    assert conn.accepted is False
    assert conn.client_state == WebSocketState.CONNECTED
    assert conn.application_state == WebSocketState.CONNECTED
    assert repr(conn) == "<FakeWebSocketConnection open sent=0 queued=0>"


def test_keeps_any_keyword_arguments_as_context_and_attributes() -> None:
    context = object()
    conn = FakeWebSocketConnection(user_id="u1", connection_id="c-7", test_context=context)
    assert conn.context == {"user_id": "u1", "connection_id": "c-7", "test_context": context}
    assert conn.user_id == "u1"
    assert conn.connection_id == "c-7"
    assert conn.test_context is context


def test_unknown_attribute_is_still_an_attribute_error() -> None:
    conn = FakeWebSocketConnection(user_id="u1")
    with pytest.raises(AttributeError, match="no attribute 'user_name'"):
        _ = conn.user_name


@pytest.mark.parametrize(
    ("keywords", "hidden"),
    [
        ({"get_messages": 1, "close": 2}, "close, get_messages"),
        ({"messages_sent": [], "user_id": "u1"}, "messages_sent"),
        ({"context": {}}, "context"),
        ({"_closed": True}, "_closed"),
    ],
)
def test_context_keyword_that_would_hide_an_attribute_is_refused(
    keywords: dict[str, Any], hidden: str
) -> None:
    with pytest.raises(TypeError) as caught:
        FakeWebSocketConnection(**keywords)
    assert str(caught.value) == (
        "FakeWebSocketConnection() got keyword arguments that would hide its own "
        f"attributes: {hidden}; pass them under another name"
    )


def test_copying_a_connection_does_not_recurse_through_getattr() -> None:
    conn = FakeWebSocketConnection(user_id="u1")
    run(conn.send_json({"n": 1}))
    clone = copy.deepcopy(conn)
    assert clone.user_id == "u1"
    assert clone.messages_sent == [{"n": 1}]


def test_legacy_closed_flag_reads_and_writes_closed() -> None:
    conn = FakeWebSocketConnection()
    conn._closed = True
    assert conn.closed is True
    with pytest.raises(RuntimeError, match="WebSocket is closed"):
        run(conn.send_json({}))


# -- sending -------------------------------------------------------------------------------


def test_send_methods_record_in_order_as_passed() -> None:
    conn = FakeWebSocketConnection()
    event = {"type": "agent_started"}

    async def scenario() -> None:
        await conn.send_json(event)
        await conn.send_text("hello")
        await conn.send_bytes(bytearray(b"\x00\x01"))
        await conn.send(["any", "value"])

    run(scenario())
    assert conn.messages_sent == [event, "hello", b"\x00\x01", ["any", "value"]]
    assert conn.messages_sent[0] is event
    assert type(conn.messages_sent[2]) is bytes


@pytest.mark.parametrize(
    ("method", "payload", "message"),
    [
        ("send_text", b"bytes", "send_text() takes str, not bytes"),
        ("send_bytes", "text", "send_bytes() takes bytes, not str"),
    ],
)
def test_send_with_the_wrong_type_fails_and_records_nothing(
    method: str, payload: Any, message: str
) -> None:
    conn = FakeWebSocketConnection()
    with pytest.raises(TypeError, match=re.escape(message)):
        run(getattr(conn, method)(payload))
    assert conn.messages_sent == []


def test_send_after_close_raises_runtime_error_by_default() -> None:
    conn = FakeWebSocketConnection()
    run(conn.close(code=1011, reason="boom"))
    with pytest.raises(WebSocketClosedError) as caught:
        run(conn.send_text("late"))
    assert isinstance(caught.value, RuntimeError)
    assert str(caught.value) == (
        "WebSocket is closed: send_text() after close(code=1011, reason='boom'); "
        "call connect() first to test a reconnect"
    )
    assert conn.messages_sent == []


def test_send_after_close_can_raise_a_disconnect() -> None:
    conn = FakeWebSocketConnection(send_after_close="disconnect")
    run(conn.close(code=1001, reason="going away"))
    with pytest.raises(WebSocketDisconnect) as caught:
        run(conn.send_json({}))
    assert (caught.value.code, caught.value.reason) == (1001, "going away")
    assert str(caught.value) == "WebSocket disconnected with code 1001 (going away)"


# -- failure injection ---------------------------------------------------------------------


def test_fail_after_lets_n_sends_through_then_raises_connection_error() -> None:
    conn = FakeWebSocketConnection(fail_after=2)

    async def scenario() -> list[str]:
        outcomes = []
        for n in range(4):
            try:
                await conn.send_json({"n": n})
            except ConnectionError as error:
                outcomes.append(str(error))
            else:
                outcomes.append("ok")
        return outcomes

    outcomes = run(scenario())
    assert outcomes[:2] == ["ok", "ok"]
    assert outcomes[2:] == ["send_json() failed: injected failure after 2 sends (fail_after)"] * 2
    assert conn.messages_sent == [{"n": 0}, {"n": 1}]
    assert conn.send_attempts == 4
    assert conn.is_connected is True


def test_send_error_instance_fails_every_send_without_fail_after() -> None:
    error = OSError("network down")
    conn = FakeWebSocketConnection(send_error=error)
    with pytest.raises(OSError, match="network down") as caught:
        run(conn.send_json({}))
    assert caught.value is error
    assert conn.messages_sent == []


def test_send_error_class_is_instantiated_after_fail_after() -> None:
    conn = FakeWebSocketConnection(fail_after=1, send_error=BrokenPipeError)
    run(conn.send_text("first"))
    with pytest.raises(BrokenPipeError):
        run(conn.send_text("second"))
    assert conn.messages_sent == ["first"]


def test_injection_can_be_switched_on_mid_test() -> None:
    conn = FakeWebSocketConnection()
    run(conn.send_json(1))
    conn.fail_after = conn.send_attempts
    with pytest.raises(ConnectionError):
        run(conn.send_json(2))
    conn.fail_after = None
    run(conn.send_json(3))
    assert conn.messages_sent == [1, 3]


def test_send_delay_waits_before_recording() -> None:
    conn = FakeWebSocketConnection(send_delay=0.05)

    async def scenario() -> tuple[list[Any], float]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        task = asyncio.create_task(conn.send_json("slow"))
        await asyncio.sleep(0)
        seen_during_delay = list(conn.messages_sent)
        await task
        return seen_during_delay, loop.time() - started

    seen_during_delay, elapsed = run(scenario())
    assert seen_during_delay == []
    assert elapsed >= 0.045
    assert conn.messages_sent == ["slow"]


def test_close_during_a_delayed_send_makes_the_send_fail() -> None:
    conn = FakeWebSocketConnection(send_delay=0.05)

    async def scenario() -> None:
        task = asyncio.create_task(conn.send_json("slow"))
        await asyncio.sleep(0)
        await conn.close()
        await task

    with pytest.raises(RuntimeError, match="WebSocket is closed"):
        run(scenario())
    assert conn.messages_sent == []


# -- lifecycle -----------------------------------------------------------------------------


def test_close_records_code_reason_and_states() -> None:
    conn = FakeWebSocketConnection()
    run(conn.close())
    assert (conn.closed, conn._closed, conn.is_connected) == (True, True, False)
    assert (conn.close_code, conn.close_reason) == (1000, "Normal closure")
    assert conn.client_state == WebSocketState.DISCONNECTED
    assert conn.application_state == WebSocketState.DISCONNECTED
    assert repr(conn) == "<FakeWebSocketConnection closed sent=0 queued=0>"


def test_second_close_keeps_the_first_code() -> None:
    conn = FakeWebSocketConnection()
    run(conn.close(code=1001, reason="going away"))
    run(conn.close(code=1011, reason="error"))
    conn.close_nowait(code=4000)
    assert (conn.close_code, conn.close_reason) == (1001, "going away")


def test_connected_false_starts_connecting_until_accept() -> None:
    conn = FakeWebSocketConnection(connected=False)
    assert conn.is_connected is False
    assert conn.client_state == WebSocketState.CONNECTING
    assert repr(conn) == "<FakeWebSocketConnection not connected sent=0 queued=0>"
    run(conn.accept(subprotocol="chat.v1", headers=[(b"x-test", b"1")]))
    assert conn.accepted is True
    assert conn.accepted_subprotocol == "chat.v1"
    assert conn.accepted_headers == [(b"x-test", b"1")]
    assert conn.is_connected is True
    assert conn.client_state == WebSocketState.CONNECTED
    assert conn.application_state == WebSocketState.CONNECTED


def test_accept_twice_fails() -> None:
    conn = FakeWebSocketConnection()
    run(conn.accept())
    assert conn.accepted_headers == []
    with pytest.raises(RuntimeError, match=r"accept\(\) called twice"):
        run(conn.accept())


def test_accept_after_close_fails() -> None:
    conn = FakeWebSocketConnection()
    run(conn.close(code=1008))
    with pytest.raises(RuntimeError, match=r"accept\(\) on a closed WebSocket \(code 1008\)"):
        run(conn.accept())


def test_connect_reopens_a_closed_connection() -> None:
    conn = FakeWebSocketConnection()
    run(conn.send_json("before"))
    run(conn.close(code=1006))
    run(conn.connect())
    assert (conn.closed, conn.is_connected, conn.close_code, conn.close_reason) == (
        False,
        True,
        None,
        None,
    )
    run(conn.send_json("after"))
    assert conn.messages_sent == ["before", "after"]


def test_connect_opens_a_connection_that_started_connecting() -> None:
    conn = FakeWebSocketConnection(connected=False)
    run(conn.connect())
    assert conn.is_connected is True
    assert conn.client_state == WebSocketState.CONNECTED


# -- receiving -----------------------------------------------------------------------------


def test_receive_returns_queued_messages_in_order_and_records_them() -> None:
    conn = FakeWebSocketConnection(incoming=[{"type": "ping"}])
    conn.queue_incoming("two", b"three")

    async def scenario() -> list[Any]:
        return [await conn.receive(), await conn.receive(), await conn.receive()]

    assert run(scenario()) == [{"type": "ping"}, "two", b"three"]
    assert conn.get_received_messages() == [{"type": "ping"}, "two", b"three"]
    assert repr(conn) == "<FakeWebSocketConnection open sent=0 queued=0>"


@pytest.mark.parametrize(
    ("queued", "method", "received"),
    [
        ({"a": 1}, "receive_json", {"a": 1}),
        ('{"a": 1}', "receive_json", {"a": 1}),
        (b"[1, 2]", "receive_json", [1, 2]),
        ("text", "receive_text", "text"),
        ("é".encode(), "receive_text", "é"),
        ({"a": 1}, "receive_text", '{"a": 1}'),
        (b"\x00", "receive_bytes", b"\x00"),
        (bytearray(b"\x01"), "receive_bytes", b"\x01"),
        ("é", "receive_bytes", "é".encode()),
        ([1], "receive_bytes", b"[1]"),
    ],
    ids=lambda value: repr(value),
)
def test_receive_converts_to_the_requested_kind(queued: Any, method: str, received: Any) -> None:
    conn = FakeWebSocketConnection(incoming=[queued])
    result = run(getattr(conn, method)())
    assert result == received
    assert type(result) is type(received)
    assert conn.messages_received == [queued]


def test_receive_json_of_invalid_text_raises_the_json_error() -> None:
    conn = FakeWebSocketConnection(incoming=["not json"])
    with pytest.raises(ValueError, match="Expecting value"):
        run(conn.receive_json())


def test_receive_on_an_empty_queue_times_out_with_advice() -> None:
    conn = FakeWebSocketConnection(receive_timeout=0.01)
    with pytest.raises(TimeoutError) as caught:
        run(conn.receive_text())
    assert str(caught.value) == (
        "receive_text() waited 0.01s and nothing was queued; script messages with "
        "queue_incoming(...) or a disconnect with queue_disconnect()"
    )
    assert conn._waiters == []


def test_receive_waits_for_a_message_queued_later() -> None:
    conn = FakeWebSocketConnection(receive_timeout=None)

    async def scenario() -> Any:
        receiver = asyncio.create_task(conn.receive_json())
        await asyncio.sleep(0.01)
        assert not receiver.done()
        conn.queue_incoming({"late": True})
        return await receiver

    assert run(scenario()) == {"late": True}


def test_receive_after_close_signals_disconnect_even_with_messages_queued() -> None:
    conn = FakeWebSocketConnection(incoming=["never read"])
    run(conn.close(code=1001, reason="bye"))
    with pytest.raises(WebSocketDisconnect) as caught:
        run(conn.receive())
    assert (caught.value.code, caught.value.reason) == (1001, "bye")
    assert conn.messages_received == []


def test_queued_disconnect_comes_after_the_messages_before_it() -> None:
    conn = FakeWebSocketConnection(incoming=["a"])
    conn.queue_disconnect(code=1001, reason="tab closed")
    conn.queue_incoming("after the disconnect")

    async def scenario() -> tuple[str, WebSocketDisconnect]:
        first = await conn.receive_text()
        with pytest.raises(WebSocketDisconnect) as caught:
            await conn.receive_text()
        return first, caught.value

    first, disconnect = run(scenario())
    assert first == "a"
    assert (disconnect.code, disconnect.reason) == (1001, "tab closed")
    assert str(WebSocketDisconnect()) == "WebSocket disconnected with code 1000"
    assert (conn.closed, conn.is_connected, conn.close_code) == (True, False, 1001)
    with pytest.raises(WebSocketDisconnect):
        run(conn.receive())


def test_close_wakes_a_waiting_receiver_with_a_disconnect() -> None:
    conn = FakeWebSocketConnection(receive_timeout=None)

    async def scenario() -> None:
        receiver = asyncio.create_task(conn.receive())
        await asyncio.sleep(0)
        await conn.close(code=1012)
        await receiver

    with pytest.raises(WebSocketDisconnect) as caught:
        run(scenario())
    assert caught.value.code == 1012


def test_cancelled_receive_leaves_no_waiter_behind() -> None:
    conn = FakeWebSocketConnection(receive_timeout=None)

    async def scenario() -> None:
        receiver = asyncio.create_task(conn.receive())
        await asyncio.sleep(0)
        receiver.cancel()
        with pytest.raises(asyncio.CancelledError):
            await receiver

    run(scenario())
    assert conn._waiters == []
    conn.queue_incoming("still delivered")
    assert run(conn.receive()) == "still delivered"


def test_one_connection_works_across_several_event_loops() -> None:
    conn = FakeWebSocketConnection(receive_timeout=0.01)
    with pytest.raises(TimeoutError):
        asyncio.run(conn.receive())
    conn.queue_incoming("x")
    assert asyncio.run(conn.receive()) == "x"


def test_iter_json_and_iter_text_stop_at_the_disconnect() -> None:
    conn = FakeWebSocketConnection(incoming=['{"n": 1}', {"n": 2}])
    conn.queue_disconnect()

    async def collect_json() -> list[Any]:
        return [message async for message in conn.iter_json()]

    assert run(collect_json()) == [{"n": 1}, {"n": 2}]

    other = FakeWebSocketConnection(incoming=["a", b"b"])
    other.queue_disconnect()

    async def collect_text() -> list[str]:
        return [message async for message in other.iter_text()]

    assert run(collect_text()) == ["a", "b"]


# -- inspection ----------------------------------------------------------------------------


def test_get_messages_is_a_copy_usable_plainly_and_awaited() -> None:
    conn = FakeWebSocketConnection()
    run(conn.send_json({"type": "a"}))
    plain = conn.get_messages()
    assert isinstance(plain, list)
    assert isinstance(plain, MessageList)
    assert plain == [{"type": "a"}]
    assert inspect.isawaitable(plain)
    plain.append("mutating the copy")
    assert conn.messages_sent == [{"type": "a"}]

    async def awaited() -> list[Any]:
        return await conn.get_messages()

    result = asyncio.run(awaited())
    assert result == [{"type": "a"}]
    assert result is not conn.messages_sent


def test_awaiting_the_same_message_list_twice_gives_it_back_each_time() -> None:
    messages = MessageList([1, 2])

    async def twice() -> tuple[MessageList, MessageList]:
        return await messages, await messages

    first, second = asyncio.run(twice())
    assert first is messages
    assert second is messages


def test_get_received_messages_is_an_awaitable_copy() -> None:
    conn = FakeWebSocketConnection(incoming=["hi"])
    run(conn.receive())
    received = run(conn.get_received_messages())
    received.clear()
    assert conn.get_received_messages() == ["hi"]


def test_sent_of_type_filters_mappings_by_type() -> None:
    conn = FakeWebSocketConnection()

    async def scenario() -> None:
        for message in ({"type": "a", "n": 1}, "text", {"type": "b"}, {"type": "a", "n": 2}, {}):
            await conn.send(message)

    run(scenario())
    assert conn.sent_of_type("a") == [{"type": "a", "n": 1}, {"type": "a", "n": 2}]
    assert conn.get_sent_events_by_type("b") == [{"type": "b"}]
    assert run(conn.get_sent_events_by_type("missing")) == []
    assert conn.sent_types() == ["a", "b", "a", None]


def test_clear_forgets_records_but_keeps_state_and_queue() -> None:
    conn = FakeWebSocketConnection(incoming=["one", "two"], fail_after=3)
    run(conn.send_json(1))
    run(conn.receive())
    conn.clear()
    assert (conn.messages_sent, conn.messages_received) == ([], [])
    assert run(conn.receive()) == "two"
    assert conn.send_attempts == 1
    assert conn.is_connected is True


# -- assertions ----------------------------------------------------------------------------


def test_assert_sent_matches_a_subset_of_keys_and_returns_the_message() -> None:
    conn = FakeWebSocketConnection()
    run(conn.send_json({"type": "agent_started", "run_id": "r1"}))
    run(conn.send_text("plain"))
    assert conn.assert_sent({"type": "agent_started"}) == {"type": "agent_started", "run_id": "r1"}
    assert conn.assert_sent("plain") == "plain"


def test_assert_sent_failure_lists_what_was_sent() -> None:
    conn = FakeWebSocketConnection()
    run(conn.send_json({"type": "agent_started"}))
    run(conn.send_json({"type": "agent_thinking"}))
    with pytest.raises(AssertionError) as caught:
        conn.assert_sent({"type": "agent_completed"})
    assert str(caught.value) == (
        "no sent message matches {'type': 'agent_completed'}; 2 sent:\n"
        "  0: {'type': 'agent_started'}\n"
        "  1: {'type': 'agent_thinking'}"
    )


def test_assert_sent_on_nothing_sent_says_so() -> None:
    conn = FakeWebSocketConnection()
    with pytest.raises(AssertionError, match=r"; nothing was sent$"):
        conn.assert_sent({"type": "x", "extra": 1})


def test_assert_sent_key_missing_from_message_does_not_match() -> None:
    conn = FakeWebSocketConnection()
    run(conn.send_json({"type": "x"}))
    with pytest.raises(AssertionError):
        conn.assert_sent({"type": "x", "run_id": None})


def test_assert_not_sent() -> None:
    conn = FakeWebSocketConnection()
    run(conn.send_json({"type": "agent_error", "detail": "x"}))
    conn.assert_not_sent({"type": "agent_completed"})
    with pytest.raises(AssertionError, match=r"^message 0 matches \{'type': 'agent_error'\}"):
        conn.assert_not_sent({"type": "agent_error"})


def test_assert_sent_types_compares_the_whole_sequence() -> None:
    conn = FakeWebSocketConnection()
    run(conn.send_json({"type": "a"}))
    run(conn.send_json({"type": "b"}))
    conn.assert_sent_types("a", "b")
    with pytest.raises(AssertionError, match=r"sent types are \['a', 'b'\], expected \['b', 'a'\]"):
        conn.assert_sent_types("b", "a")


def test_assert_closed_and_assert_open() -> None:
    conn = FakeWebSocketConnection()
    conn.assert_open()
    with pytest.raises(AssertionError, match="WebSocket is still open; expected it closed"):
        conn.assert_closed()
    run(conn.close(code=1011, reason="internal error"))
    conn.assert_closed()
    conn.assert_closed(code=1011, reason="internal error")
    with pytest.raises(
        AssertionError, match=r"closed with code 1011 \('internal error'\), expected code 1000"
    ):
        conn.assert_closed(code=1000)
    with pytest.raises(
        AssertionError, match=r"closed with reason 'internal error', expected 'Normal closure'"
    ):
        conn.assert_closed(reason="Normal closure")
    with pytest.raises(AssertionError, match=r"WebSocket was closed with code 1011"):
        conn.assert_open()


# -- states and starlette compatibility ----------------------------------------------------


class LocalIntState(enum.IntEnum):
    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3


class LocalPlainState(enum.Enum):
    """Shaped like starlette's ``WebSocketState``: a plain Enum, equal only to itself."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3


@pytest.mark.parametrize("foreign", [LocalIntState, LocalPlainState], ids=["IntEnum", "Enum"])
def test_states_equal_another_enums_members_of_the_same_name_and_value(
    foreign: type[enum.Enum],
) -> None:
    for ours in WebSocketState:
        theirs = foreign[ours.name]
        assert ours == theirs
        assert theirs == ours
        # ``!=`` is checked on its own: int's ``__ne__`` would not follow ``__eq__``.
        assert (ours != theirs) is False
        assert (theirs != ours) is False
        for other in foreign:
            if other is not theirs:
                assert ours != other
                assert other != ours
                assert (ours == other) is False


def test_states_follow_the_connection_against_a_starlette_shaped_enum() -> None:
    conn = FakeWebSocketConnection()
    assert conn.client_state == LocalPlainState.CONNECTED
    assert conn.application_state == LocalPlainState.CONNECTED
    run(conn.close())
    assert conn.client_state != LocalPlainState.CONNECTED
    assert conn.application_state == LocalPlainState.DISCONNECTED


def test_states_compare_as_ints_and_not_to_other_names() -> None:
    class Renamed(enum.Enum):
        OPEN = 1

    assert WebSocketState.CONNECTED == 1
    assert WebSocketState.CONNECTED != 2
    assert WebSocketState.CONNECTED != Renamed.OPEN
    assert WebSocketState.CONNECTED != "CONNECTED"
    assert hash(WebSocketState.CONNECTED) == hash(1)
    states: dict[object, str] = {WebSocketState.CONNECTED: "x"}
    assert states[1] == "x"


def test_states_equal_starlettes_members_when_it_is_installed() -> None:
    starlette_websockets = pytest.importorskip("starlette.websockets")
    starlette_state = starlette_websockets.WebSocketState
    conn = FakeWebSocketConnection()
    assert conn.client_state == starlette_state.CONNECTED
    assert conn.client_state == starlette_state.CONNECTED
    assert conn.client_state != starlette_state.DISCONNECTED
    run(conn.close())
    assert conn.application_state == starlette_state.DISCONNECTED
    assert conn.application_state != starlette_state.CONNECTED


def test_disconnect_is_starlettes_exception_when_starlette_is_loaded() -> None:
    starlette_websockets = pytest.importorskip("starlette.websockets")
    conn = FakeWebSocketConnection()
    conn.queue_disconnect(code=1001, reason="gone")

    async def endpoint() -> int:
        try:
            await conn.receive_json()
        except starlette_websockets.WebSocketDisconnect as error:
            return int(error.code)
        return 0

    assert run(endpoint()) == 1001
    with pytest.raises(WebSocketDisconnect) as caught:
        run(conn.receive())
    assert isinstance(caught.value, starlette_websockets.WebSocketDisconnect)
    with pytest.raises(starlette_websockets.WebSocketDisconnect) as again:
        run(conn.receive())
    assert type(again.value) is type(caught.value)


def test_disconnect_joins_whatever_starlette_exception_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The lookup goes through ``sys.modules`` only, so a module loaded under starlette's name
    # shows the mechanism whether or not starlette is installed.
    loaded = types.ModuleType("starlette.websockets")

    class StandInDisconnect(Exception):
        def __init__(self, code: int = 1000, reason: str | None = None) -> None:
            self.code = code
            self.reason = reason or ""

    loaded.WebSocketDisconnect = StandInDisconnect  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "starlette.websockets", loaded)
    conn = FakeWebSocketConnection()
    conn.queue_disconnect(code=4001, reason="kicked")
    raised = []
    for _ in range(2):
        with pytest.raises(StandInDisconnect) as caught:
            run(conn.receive())
        raised.append(caught.value)
    assert all(isinstance(error, WebSocketDisconnect) for error in raised)
    assert type(raised[0]) is type(raised[1])
    assert type(raised[0]).__name__ == "WebSocketDisconnect"
    assert [(error.code, error.reason) for error in raised] == [(4001, "kicked")] * 2


def test_disconnect_without_starlette_loaded_is_declones_own() -> None:
    conn = FakeWebSocketConnection()
    run(conn.close())
    with pytest.raises(WebSocketDisconnect) as caught:
        run(conn.receive())
    if "starlette.websockets" not in sys.modules:
        assert type(caught.value) is WebSocketDisconnect
    assert caught.value.args == (1000, "Normal closure")

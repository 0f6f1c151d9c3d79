"""FakeWebSocketConnection against a simple model, and under asyncio concurrency."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from declone.testing.websocket import (
    FakeWebSocketConnection,
    WebSocketClosedError,
    WebSocketDisconnect,
    WebSocketState,
)

# -- sequences of operations against a model ------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=6,
)
close_codes = st.sampled_from([1000, 1001, 1006, 1011, 4000])

operations = st.one_of(
    st.tuples(st.just("send_json"), json_values),
    st.tuples(st.just("send_text"), st.text(max_size=5)),
    st.tuples(st.just("send_bytes"), st.binary(max_size=5)),
    st.tuples(st.just("close"), close_codes),
    st.tuples(st.just("connect"), st.none()),
    st.tuples(st.just("queue"), json_values),
    st.tuples(st.just("queue_disconnect"), close_codes),
    st.tuples(st.just("receive"), st.none()),
    st.tuples(st.just("clear"), st.none()),
)


@dataclass
class Model:
    """What a connection should look like, in the fewest lines that say it."""

    sent: list[Any] = field(default_factory=list)
    received: list[Any] = field(default_factory=list)
    incoming: deque[tuple[str, Any]] = field(default_factory=deque)
    closed: bool = False
    close_code: int | None = None

    def close(self, code: int) -> None:
        if not self.closed:
            self.closed, self.close_code = True, code

    def apply(self, name: str, argument: Any) -> tuple[str, Any]:
        """Update the model; return the outcome a connection must show."""
        if name.startswith("send_"):
            if self.closed:
                return ("closed-error", None)
            self.sent.append(argument)
            return ("ok", None)
        if name == "close":
            self.close(argument)
        elif name == "connect":
            self.closed, self.close_code = False, None
        elif name == "queue":
            self.incoming.append(("message", argument))
        elif name == "queue_disconnect":
            self.incoming.append(("disconnect", argument))
        elif name == "clear":
            self.sent, self.received = [], []
        elif name == "receive":
            return self._receive()
        return ("ok", None)

    def _receive(self) -> tuple[str, Any]:
        if self.closed:
            return ("disconnect", self.close_code)
        if not self.incoming:
            return ("timeout", None)
        kind, value = self.incoming.popleft()
        if kind == "disconnect":
            self.close(value)
            return ("disconnect", value)
        self.received.append(value)
        return ("ok", value)


async def perform(conn: FakeWebSocketConnection, name: str, argument: Any) -> tuple[str, Any]:
    """Run one operation on the connection; return its outcome in the model's terms."""
    try:
        if name in ("send_json", "send_text", "send_bytes"):
            await getattr(conn, name)(argument)
        elif name == "close":
            await conn.close(code=argument)
        elif name == "connect":
            await conn.connect()
        elif name == "queue":
            conn.queue_incoming(argument)
        elif name == "queue_disconnect":
            conn.queue_disconnect(code=argument)
        elif name == "clear":
            conn.clear()
        else:
            return ("ok", await conn.receive())
    except WebSocketClosedError:
        return ("closed-error", None)
    except WebSocketDisconnect as disconnect:
        return ("disconnect", disconnect.code)
    except TimeoutError:
        return ("timeout", None)
    return ("ok", None)


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(operations, max_size=25))
def test_any_sequence_of_operations_matches_the_model(
    ops: list[tuple[str, Any]],
) -> None:
    async def scenario() -> None:
        conn = FakeWebSocketConnection(receive_timeout=0)
        model = Model()
        for name, argument in ops:
            expected = model.apply(name, argument)
            assert await perform(conn, name, argument) == expected, (name, argument)
            assert conn.get_messages() == model.sent
            assert await conn.get_received_messages() == model.received
            assert (conn.closed, conn.close_code) == (model.closed, model.close_code)
            assert conn.is_connected is not model.closed
            state = WebSocketState.DISCONNECTED if model.closed else WebSocketState.CONNECTED
            assert conn.client_state == state

    asyncio.run(scenario())


@settings(database=None)
@given(fail_after=st.integers(0, 6), sends=st.integers(0, 10))
def test_fail_after_records_exactly_the_first_n_sends(fail_after: int, sends: int) -> None:
    async def scenario() -> int:
        conn = FakeWebSocketConnection(fail_after=fail_after)
        failures = 0
        for n in range(sends):
            try:
                await conn.send_json(n)
            except ConnectionError:
                failures += 1
        assert conn.messages_sent == list(range(min(fail_after, sends)))
        return failures

    assert asyncio.run(scenario()) == max(0, sends - fail_after)


# -- concurrency -----------------------------------------------------------------------------


async def send_from_tasks(conn: FakeWebSocketConnection, yields_per_task: list[list[int]]) -> None:
    """One task per list; before its n-th send, a task yields to the loop ``list[n]`` times."""

    async def sender(task: int, yields: list[int]) -> None:
        for seq, count in enumerate(yields):
            for _ in range(count):
                await asyncio.sleep(0)
            await conn.send_json({"task": task, "seq": seq})

    await asyncio.gather(*(sender(task, yields) for task, yields in enumerate(yields_per_task)))


def assert_nothing_lost_and_order_kept(
    conn: FakeWebSocketConnection, yields_per_task: list[list[int]]
) -> None:
    sent = conn.get_messages()
    assert len(sent) == sum(len(yields) for yields in yields_per_task)
    for task, yields in enumerate(yields_per_task):
        assert [m["seq"] for m in sent if m["task"] == task] == list(range(len(yields)))


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.lists(st.integers(0, 3), max_size=12), min_size=1, max_size=12))
def test_concurrent_senders_lose_nothing_and_keep_per_task_order(
    yields_per_task: list[list[int]],
) -> None:
    conn = FakeWebSocketConnection()
    asyncio.run(send_from_tasks(conn, yields_per_task))
    assert_nothing_lost_and_order_kept(conn, yields_per_task)


@pytest.mark.parametrize("send_delay", [0.0, 0.001])
def test_two_hundred_tasks_sending_at_once(send_delay: float) -> None:
    conn = FakeWebSocketConnection(send_delay=send_delay)
    yields_per_task = [[task % 3] * 10 for task in range(200)]
    asyncio.run(send_from_tasks(conn, yields_per_task))
    assert_nothing_lost_and_order_kept(conn, yields_per_task)
    # Interleaved, not task after task (199 switches): the test would prove little otherwise.
    tasks = [m["task"] for m in conn.messages_sent]
    assert sum(a != b for a, b in itertools.pairwise(tasks)) > 1000


def test_concurrent_senders_hit_fail_after_exactly_once_per_extra_send() -> None:
    conn = FakeWebSocketConnection(fail_after=50, send_delay=0.001)

    async def scenario() -> list[BaseException | None]:
        return await asyncio.gather(*(conn.send_json(n) for n in range(80)), return_exceptions=True)

    outcomes = asyncio.run(scenario())
    assert sum(isinstance(o, ConnectionError) for o in outcomes) == 30
    assert sorted(conn.messages_sent) == list(range(50))


def test_concurrent_receivers_each_get_a_distinct_message() -> None:
    conn = FakeWebSocketConnection(receive_timeout=2.0)

    async def scenario() -> list[Any]:
        receivers = [asyncio.create_task(conn.receive_json()) for _ in range(20)]
        for n in range(20):
            await asyncio.sleep(0)
            conn.queue_incoming({"n": n})
        return await asyncio.gather(*receivers)

    received = asyncio.run(scenario())
    assert sorted(m["n"] for m in received) == list(range(20))
    assert sorted(m["n"] for m in conn.get_received_messages()) == list(range(20))
    assert conn._waiters == []


def test_close_disconnects_every_waiting_receiver() -> None:
    conn = FakeWebSocketConnection(receive_timeout=None)

    async def scenario() -> list[Any]:
        receivers = [asyncio.create_task(conn.receive()) for _ in range(10)]
        await asyncio.sleep(0)
        await conn.close(code=1001)
        return await asyncio.gather(*receivers, return_exceptions=True)

    outcomes = asyncio.run(scenario())
    assert [isinstance(o, WebSocketDisconnect) for o in outcomes] == [True] * 10
    assert {o.code for o in outcomes if isinstance(o, WebSocketDisconnect)} == {1001}

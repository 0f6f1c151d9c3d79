"""Integration: the frame-level stream, as the legacy browser client consumed it."""

import asyncio

from chatapp import WebSocketNotifier, make_event
from chatapp.frames import decode_frame, encode_frame

# The in-memory connection below was used before frames were tested directly; kept for reference.
# class TestWebSocketConnection:
#     """In-memory WebSocket connection that records every message sent to it."""
#
#     def __init__(self):
#         self.messages_sent = []
#         self.is_connected = True
#         self._closed = False
#
#     async def send_json(self, message):
#         if self._closed:
#             raise RuntimeError("WebSocket is closed")
#         self.messages_sent.append(message)
#
#     async def close(self, code=1000, reason="Normal closure"):
#         self._closed = True
#         self.is_connected = False
#
#     def get_messages(self):
#         return self.messages_sent.copy()


class FrameRecorder:
    """Transport that stores encoded text frames, as the legacy client received them."""

    def __init__(self):
        self.frames = []
        self.closed_with = None

    async def send_json(self, message):
        if self.closed_with is not None:
            raise RuntimeError("transport closed")
        self.frames.append(encode_frame(message))

    async def close(self, code=1000, reason="Normal closure"):
        self.closed_with = (code, reason)


def test_frames_decode_back_to_the_events():
    recorder = FrameRecorder()
    notifier = WebSocketNotifier()
    notifier.connect("legacy", recorder)
    event = make_event("agent_thinking", "r1", {"thought": "hmm"})
    asyncio.run(notifier.send_event("legacy", event))
    assert decode_frame(recorder.frames[0]) == event


def test_frames_are_compact_json():
    recorder = FrameRecorder()
    asyncio.run(recorder.send_json({"b": 1, "a": [1, 2]}))
    assert recorder.frames == ['{"a":[1,2],"b":1}']


def test_close_all_sends_going_away():
    recorder = FrameRecorder()
    notifier = WebSocketNotifier()
    notifier.connect("legacy", recorder)
    asyncio.run(notifier.close_all("legacy", reason="Deploy"))
    assert recorder.closed_with == (1001, "Deploy")

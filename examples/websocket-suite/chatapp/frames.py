"""Encoding of events as WebSocket text frames."""

from __future__ import annotations

import json
from typing import Any

MAX_FRAME_BYTES = 64 * 1024


def encode_frame(event: dict[str, Any]) -> str:
    """Serialize an event deterministically (sorted keys, compact separators)."""
    text = json.dumps(event, sort_keys=True, separators=(",", ":"))
    if len(text.encode("utf-8")) > MAX_FRAME_BYTES:
        raise ValueError("frame too large")
    return text


def decode_frame(text: str) -> dict[str, Any]:
    """Parse a text frame back into an event; reject anything that is not an object."""
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("frame must hold a JSON object")
    return value

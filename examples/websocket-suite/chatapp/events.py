"""Event records sent to the browser while an agent works on a task."""

from __future__ import annotations

import itertools
from typing import Any

EVENT_TYPES = (
    "agent_started",
    "agent_thinking",
    "tool_executing",
    "tool_completed",
    "agent_completed",
    "agent_error",
)

_sequence = itertools.count(1)


def make_event(event_type: str, run_id: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build one event; ``seq`` grows across the process so clients can order events."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type: {event_type!r}")
    return {
        "type": event_type,
        "run_id": run_id,
        "seq": next(_sequence),
        "payload": dict(payload or {}),
    }


def validate_event(event: dict[str, Any]) -> None:
    """Raise ``ValueError`` if ``event`` is not something a client can render."""
    missing = {"type", "run_id", "seq", "payload"} - event.keys()
    if missing:
        raise ValueError(f"event is missing {sorted(missing)}")
    if event["type"] not in EVENT_TYPES:
        raise ValueError(f"unknown event type: {event['type']!r}")
    if not isinstance(event["payload"], dict):
        raise ValueError("payload must be a dict")

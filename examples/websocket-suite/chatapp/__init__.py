"""chatapp: agents that stream their progress to users over WebSockets."""

from chatapp.agents import AgentRegistry, AgentRunner, EchoAgent, UnknownAgentError
from chatapp.events import EVENT_TYPES, make_event, validate_event
from chatapp.notifier import WebSocketNotifier

__all__ = [
    "EVENT_TYPES",
    "AgentRegistry",
    "AgentRunner",
    "EchoAgent",
    "UnknownAgentError",
    "WebSocketNotifier",
    "make_event",
    "validate_event",
]

"""Unit tests for AgentRegistry."""

import pytest

from chatapp import AgentRegistry, EchoAgent, UnknownAgentError


def test_create_returns_a_new_agent_each_time(registry):
    registry.register("echo", EchoAgent)
    assert registry.create("echo") is not registry.create("echo")


def test_duplicate_registration_is_refused(registry):
    registry.register("echo", EchoAgent)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("echo", EchoAgent)


def test_unknown_agent_error_is_a_key_error(registry):
    with pytest.raises(KeyError):
        registry.create("ghost")
    with pytest.raises(UnknownAgentError):
        registry.create("ghost")


def test_names_are_sorted():
    registry = AgentRegistry()
    for name in ("writer", "echo", "planner"):
        registry.register(name, EchoAgent)
    assert registry.names() == ["echo", "planner", "writer"]

import pytest

from chatapp import AgentRegistry, WebSocketNotifier


@pytest.fixture
def notifier():
    return WebSocketNotifier()


@pytest.fixture
def registry():
    return AgentRegistry()


@pytest.fixture
def user_id():
    return "user-42"

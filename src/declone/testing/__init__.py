"""Test doubles that declone ships for the helpers most often copied between test files.

This package stays light on purpose: it is imported by declone's pytest plugin in every
pytest run, so it imports nothing here. Import the double you need from its own module, e.g.
``from declone.testing.websocket import FakeWebSocketConnection``.
"""

__all__: list[str] = []

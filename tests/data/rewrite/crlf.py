# edit: replace FakeConnection@6 helpers.fakes:FakeConnection
import json
import os


class FakeConnection:
    def send(self, data):
        return json.dumps(data)


def test():
    assert FakeConnection().send(1) == "1"  # keeps its comment
    os.getcwd()
# output
# edit: replace FakeConnection@6 helpers.fakes:FakeConnection
import os
from helpers.fakes import FakeConnection


def test():
    assert FakeConnection().send(1) == "1"  # keeps its comment
    os.getcwd()

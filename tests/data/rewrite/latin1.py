# -*- coding: latin-1 -*-
# edit: replace FakeConnection@6 helpers.fakes:FakeConnection
"""Café tests."""
import os

class FakeConnection:
    name = "déjà vu"

def test():
    assert FakeConnection.name == "déjà vu"
# output
# -*- coding: latin-1 -*-
# edit: replace FakeConnection@6 helpers.fakes:FakeConnection
"""Café tests."""
import os
from helpers.fakes import FakeConnection

def test():
    assert FakeConnection.name == "déjà vu"

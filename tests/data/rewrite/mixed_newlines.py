# edit: replace FakeConnection@4 helpers.fakes:FakeConnection
import os

class FakeConnection:
    pass

x = os.sep
# output
# edit: replace FakeConnection@4 helpers.fakes:FakeConnection
import os
from helpers.fakes import FakeConnection

x = os.sep

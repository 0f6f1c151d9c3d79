# edit: alias MockConnection@5 helpers.fakes:FakeConnection
import os
GREETING = "héllo"

class MockConnection:
    pass

conn = MockConnection()
# output
﻿# edit: alias MockConnection@5 helpers.fakes:FakeConnection
import os
from helpers.fakes import FakeConnection as MockConnection

GREETING = "héllo"

conn = MockConnection()

# edit: replace FakeConnection@3 helpers.fakes:FakeConnection
def test():
    class FakeConnection:
        pass
    return FakeConnection

"""Two classes of one family in one file migrate in the same run."""

from __future__ import annotations

from declone.rewrite import ClassEdit, EditAction, ImportOrder, RewriteStatus, rewrite_source

BEFORE = """\
class MockRecorder:
    def send(self, message):
        self.sent.append(("mock", message))

    def close(self):
        self.closed = True


class Recorder:
    def send(self, message):
        self.sent.append(message)

    def close(self):
        self.closed = True


def test_it():
    assert MockRecorder and Recorder
"""

AFTER = """\
from tests.support import Recorder


class MockRecorder(Recorder):
    def send(self, message):
        self.sent.append(("mock", message))


def test_it():
    assert MockRecorder and Recorder
"""


def test_a_residual_and_the_copy_it_inherits_from_migrate_together() -> None:
    edits = [
        ClassEdit("MockRecorder", 1, EditAction.RESIDUAL, "tests.support", "Recorder", ("send",)),
        ClassEdit("Recorder", 9, EditAction.REPLACE, "tests.support", "Recorder"),
    ]
    result = rewrite_source(BEFORE.encode(), edits, import_order=ImportOrder())
    assert result.status is RewriteStatus.CHANGED, result.reason
    assert result.source.decode() == AFTER
    again = rewrite_source(result.source, edits, import_order=ImportOrder())
    assert again.status is RewriteStatus.UNCHANGED


def test_a_bound_name_taken_by_another_class_is_still_refused() -> None:
    edits = [
        ClassEdit("MockRecorder", 1, EditAction.RESIDUAL, "tests.support", "Recorder", ("send",)),
    ]
    result = rewrite_source(BEFORE.encode(), edits)
    assert result.status is RewriteStatus.SKIPPED
    assert "Recorder is already bound at line 9" in result.reason

"""Stage 3, migrate: the planned rewrites written, batch by batch, through a journal.

``journal`` keeps every original byte before a file is written (crash-safe) and rolls a run
back exactly; ``batches`` selects the files, cuts them into batches and writes them through
the journal; ``vcs`` is the git edge (dirty files, one commit per batch); ``finalize`` retires
legacy names once a family is consolidated.
"""

from declone.migrate.batches import (
    Batch,
    BatchCallback,
    BatchOutcome,
    JournalWriter,
    Selection,
    apply_batches,
    commit_message,
    make_batches,
    open_writer,
    registry_change,
    select_changes,
)
from declone.migrate.document import migration_document
from declone.migrate.finalize import FinalizePlan, legacy_names, plan_finalize
from declone.migrate.journal import (
    RUNS_DIRECTORY,
    EntryStatus,
    JournalEntry,
    JournalError,
    Run,
    SkippedFile,
    latest_run,
    list_runs,
    load_run,
    rollback,
    sha256,
)
from declone.migrate.vcs import ensure_clean, is_git_work_tree

__all__ = [
    "RUNS_DIRECTORY",
    "Batch",
    "BatchCallback",
    "BatchOutcome",
    "EntryStatus",
    "FinalizePlan",
    "JournalEntry",
    "JournalError",
    "JournalWriter",
    "Run",
    "Selection",
    "SkippedFile",
    "apply_batches",
    "commit_message",
    "ensure_clean",
    "is_git_work_tree",
    "latest_run",
    "legacy_names",
    "list_runs",
    "load_run",
    "make_batches",
    "migration_document",
    "open_writer",
    "plan_finalize",
    "registry_change",
    "rollback",
    "select_changes",
    "sha256",
]

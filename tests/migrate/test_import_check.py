"""``declone migrate``'s import check: every changed module that imported before its batch is
imported again after it, in the target's interpreter; one that no longer imports rolls the
batch back. Real migrations of tiny repos, real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from declone.config import load_settings
from declone.measure import (
    NOT_CHECKED,
    ImportCheckOptions,
    import_modules,
    import_targets,
)
from declone.measure.importcheck import ImportStatus, ImportTarget
from migration_support import commit_all, run_json

#: The canonical's copy: ``encode`` comes from ``tests.helpers``.
RECORDER = '''\
class Recorder:
    """Records what it is sent."""

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(encode(message))

    def close(self):
        self.sent.clear()
'''

TEST = "\n\ndef test_send():\n    r = Recorder()\n    r.send(1)\n    assert r.sent == ['1']\n"

#: ``tests.helpers`` defines ``encode`` and has a copy too: once it imports the canonical
#: module, which imports ``encode`` from it, the two import each other.
HELPERS = (
    "import json\n\n\ndef encode(message):\n    return json.dumps(message)\n\n\n"
    + RECORDER
    + "\n\ndef recorder():\n    return Recorder()\n"
)

CYCLE_ERROR = (
    "AttributeError: partially initialized module 'tests.helpers' has no attribute 'encode' "
    "(most likely due to a circular import)"
)


def cycle_repo(repo: Any) -> Path:
    # Imported by name at run time, the cycle is one the plan cannot see in the imports
    # (a plain ``from tests.helpers import encode`` is refused when planning).
    copy = 'import importlib\n\nencode = importlib.import_module("tests.helpers").encode\n\n\n'
    copy += RECORDER
    return commit_all(
        repo(
            {
                "tests/support/rec.py": copy,
                "tests/helpers.py": HELPERS,
                "tests/test_a.py": copy + TEST,
                "tests/test_b.py": copy + TEST,
            }
        )
    )


def migrate_argv(root: Path, *argv: str) -> list[str]:
    return [
        "migrate",
        "Recorder",
        "--root",
        str(root),
        "--canonical",
        "tests.support.rec:Recorder",
        "--no-cache",
        *argv,
    ]


def statuses(root: Path) -> dict[str, str]:
    (run,) = (root / ".declone/runs").iterdir()
    manifest = json.loads((run / "manifest.json").read_text())
    return {entry["path"]: entry["status"] for entry in manifest["files"]}


def test_a_batch_that_closes_an_import_cycle_is_rolled_back(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = cycle_repo(repo)
    helpers = (root / "tests/helpers.py").read_bytes()
    capsys.readouterr()
    order = ("--order", "tests/test_a.py", "tests/helpers.py", "--batch-size", "1")
    assert main(migrate_argv(root, *order)) == 1
    err = capsys.readouterr().err
    # Batch 2 went back byte for byte; batches 1 and 3 stay.
    assert (root / "tests/helpers.py").read_bytes() == helpers
    assert statuses(root) == {
        "tests/test_a.py": "done",
        "tests/helpers.py": "rolled-back",
        "tests/test_b.py": "done",
    }
    assert "class Recorder" not in (root / "tests/test_a.py").read_text()
    # Messages wrap at the width (COLUMNS): compare them with their whitespace collapsed.
    err = " ".join(err.split())
    assert "batch 2/3: a changed module no longer imports; rolled back tests/helpers.py" in err
    assert f"tests/helpers.py: module tests.helpers no longer imports: {CYCLE_ERROR}" in err
    assert f"import check: rolled back batch 2: tests.helpers no longer imports: {CYCLE_ERROR}" in (
        err
    )


def test_without_the_import_check_the_cycle_is_written(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = cycle_repo(repo)
    code, document = run_json(capsys, *migrate_argv(root, "--no-import-check"))
    assert code == 0
    assert "from tests.support.rec import Recorder" in (root / "tests/helpers.py").read_text()
    assert [batch["import_check"] for batch in document["batches"]] == [None]
    broken = subprocess.run(
        [sys.executable, "-c", "import tests.helpers"], cwd=root, capture_output=True, text=True
    )
    assert CYCLE_ERROR in broken.stderr


def test_a_passing_check_and_a_module_that_did_not_import_before(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = RECORDER.replace("encode(message)", "str(message)")
    root = commit_all(
        repo(
            {
                "tests/support/rec.py": plain,
                "tests/test_a.py": plain + TEST,
                "tests/test_b.py": plain + TEST,
                # Broken before the migration: not held against its batch.
                "tests/test_broken.py": "import not_installed_anywhere\n\n\n" + plain + TEST,
            }
        )
    )
    capsys.readouterr()
    assert main(migrate_argv(root)) == 0
    assert (
        "import check: 2 changed modules import as before; 1 changed module did not import "
        "before (not checked)"
    ) in capsys.readouterr().err
    assert "class Recorder" not in (root / "tests/test_broken.py").read_text()

    assert main(["rollback", "--root", str(root)]) == 0
    code, document = run_json(capsys, *migrate_argv(root))
    assert code == 0
    (batch,) = document["batches"]
    assert batch["import_check"] == {
        "status": "passed",
        "modules": [
            {
                "path": "tests/test_a.py",
                "module": "tests.test_a",
                "result": "imports",
                "before": "imports",
                "after": "imports",
                "error": "",
            },
            {
                "path": "tests/test_b.py",
                "module": "tests.test_b",
                "result": "imports",
                "before": "imports",
                "after": "imports",
                "error": "",
            },
            {
                "path": "tests/test_broken.py",
                "module": "tests.test_broken",
                "result": NOT_CHECKED,
                "before": "fails",
                "after": None,
                "error": "ModuleNotFoundError: No module named 'not_installed_anywhere'",
            },
        ],
        "rolled_back": [],
    }


def test_the_before_state_is_taken_before_the_batch_is_written(repo: Any) -> None:
    from declone.migrate import Batch, apply_batches, open_writer
    from declone.plan import FileChange
    from declone.rewrite import RewriteStatus

    root = repo({"tests/test_a.py": "a = 1\n"})
    change = FileChange("tests/test_a.py", RewriteStatus.CHANGED, b"a = 1\n", b"a = 2\n", ("x",))
    seen: list[bytes] = []
    apply_batches(
        root,
        open_writer(root, "Demo", "m:Demo"),
        [Batch(1, (change,))],
        before_batch=lambda batch: seen.append((root / batch.paths[0]).read_bytes()),
    )
    assert seen == [b"a = 1\n"]
    assert (root / "tests/test_a.py").read_bytes() == b"a = 2\n"


def test_names_and_sys_path_follow_pytest(write_tree: Any, tmp_path: Path) -> None:
    root = write_tree(
        {
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["lib"]\n',
            "tests/unit/__init__.py": "",
            "tests/unit/test_x.py": "",
            "src/pkg/__init__.py": "",
            "src/pkg/mod.py": "",
            "lib/tool.py": "",
            "notes-1.py": "",
        }
    )
    settings = load_settings(root)
    files = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    targets = import_targets(
        settings, files, ["tests/unit/test_x.py", "src/pkg/mod.py", "lib/tool.py", "notes-1.py"]
    )
    assert targets == {
        # tests/ has no __init__.py: pytest's basedir rule puts tests/ first on sys.path.
        "tests/unit/test_x.py": ImportTarget(
            "tests/unit/test_x.py", "unit.test_x", ("tests", "lib", "src", "")
        ),
        "src/pkg/mod.py": ImportTarget("src/pkg/mod.py", "pkg.mod", ("src", "lib", "")),
        "lib/tool.py": ImportTarget("lib/tool.py", "tool", ("lib", "src", "")),
        "notes-1.py": None,
    }


def test_hangs_exits_crashes_and_prints_are_each_reported(write_tree: Any) -> None:
    root = write_tree(
        {
            "pkg/__init__.py": "",
            "pkg/prints.py": "print('not a result line')\n",
            "pkg/hangs.py": "import time\n\ntime.sleep(60)\n",
            "pkg/exits.py": "import sys\n\nsys.exit(3)\n",
            "pkg/dies.py": "import os\n\nos._exit(5)\n",
            "pkg/fine.py": "X = 1\n",
        }
    )
    names = ("prints", "hangs", "exits", "dies", "fine")
    targets = [ImportTarget(f"pkg/{name}.py", f"pkg.{name}", ("",)) for name in names]
    options = ImportCheckOptions(sys.executable, module_timeout=1.0, timeout=60.0)
    results = import_modules(root, targets, options)
    assert {path: (r.status, r.error) for path, r in results.items()} == {
        "pkg/prints.py": (ImportStatus.IMPORTS, ""),
        "pkg/hangs.py": (ImportStatus.HANGS, "still importing after 1 s; stopped"),
        "pkg/exits.py": (ImportStatus.FAILS, "SystemExit: 3"),
        "pkg/dies.py": (
            ImportStatus.FAILS,
            "the interpreter exited with code 5 while importing it",
        ),
        "pkg/fine.py": (ImportStatus.IMPORTS, ""),
    }
    # The whole check is bounded too: what it did not reach is reported as stopped.
    stopped = import_modules(
        root, targets[1:2] + targets[4:], ImportCheckOptions(sys.executable, 30.0, timeout=1.0)
    )
    assert {r.error for r in stopped.values()} == {"the import check stopped after 1 s"}
    assert not any((root / "pkg").glob("__pycache__"))


def test_a_batch_the_import_check_rolls_back_is_not_verified(repo: Any) -> None:
    """Composed with ``--verify``, the import check runs first: what it rolls back, the
    verification never sees."""
    from declone.measure import ImportChecker, chain_batch_callbacks
    from declone.migrate import Batch, apply_batches, open_writer
    from declone.plan import FileChange
    from declone.rewrite import RewriteStatus

    root = repo({"tests/test_a.py": "X = 1\n"})
    after = b"from tests.test_a import Y\n\nX = 1\n"
    change = FileChange("tests/test_a.py", RewriteStatus.CHANGED, b"X = 1\n", after, ("x",))
    writer = open_writer(root, "Demo", "m:Demo")
    checks: list[Any] = []
    files = ["pyproject.toml", "tests/__init__.py", "tests/test_a.py"]
    checker = ImportChecker(
        load_settings(root), files, writer, ImportCheckOptions(sys.executable), checks.append
    )
    verified: list[tuple[str, ...]] = []

    def verify(batch: Batch) -> tuple[str, ...]:
        verified.append(writer.written(batch))
        return ()

    (outcome,) = apply_batches(
        root,
        writer,
        [Batch(1, (change,))],
        before_batch=checker.before_batch,
        after_batch=chain_batch_callbacks(checker.after_batch, verify),
    )
    assert verified == [()]
    assert outcome.rolled_back == ("tests/test_a.py",)
    assert (root / "tests/test_a.py").read_bytes() == b"X = 1\n"
    (module,) = checks[0].modules
    assert module.message.startswith(
        "tests/test_a.py: module tests.test_a no longer imports: ImportError: cannot import "
        "name 'Y' from partially initialized module 'tests.test_a'"
    )

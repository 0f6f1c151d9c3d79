"""Repositories for the report tests: real git history, real measurements, a journal run.

The history repository is built once per session (measuring runs a real pytest) and copied
for each test that needs it, so that no test can disturb another.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report_support import HELPER, PYPROJECT, commit, git, measure, module_source, write, write_run


@pytest.fixture(scope="session")
def history_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repo whose ``TestHelper`` copies are migrated to ``tests/support.py`` step by step.

    Commit 1 has three copies (the ``baseline`` measurement: 3 collection warnings, 6 live
    copies with ``MockAgent``'s); commit 2 migrates two of them; the working tree migrates
    the last one (measured uncommitted). Every measurement runs the real pytest. The journal
    holds a migration run for ``TestHelper`` and an undone one for ``MockAgent``, and
    ``OldWidget`` is registered though no copy of it is left.
    """
    root = tmp_path_factory.mktemp("history") / "repo"
    root.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        # The fixture repo needs none of the plugins of declone's own environment.
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        patch.delenv("PYTEST_ADDOPTS", raising=False)
        git(root, "init", "-q", "-b", "main")
        write(
            root,
            {
                ".gitignore": ".declone/\n",
                "pyproject.toml": PYPROJECT,
                "tests/__init__.py": "",
                **{f"tests/test_{x}.py": module_source(n, HELPER) for n, x in enumerate("abc")},
            },
        )
        commit(root, "three copies")
        measure(root, "--save", "baseline")
        write(
            root,
            {
                "tests/support.py": HELPER + "\n    __test__ = False\n",
                "tests/test_b.py": module_source(1, None),
                "tests/test_c.py": module_source(2, None),
            },
        )
        commit(root, "two copies migrated")
        measure(root)
        write(
            root,
            {
                "pyproject.toml": PYPROJECT
                + '\n[tool.declone.families]\nOldWidget = "tests.widgets:OldWidget"\n'
            },
        )
        commit(root, "register a family that is gone from the tree")
        write(root, {"tests/test_a.py": module_source(0, None)})
        measure(root)
    write_run(
        root,
        "20250101-120000-testhelper",
        {
            "family": "TestHelper",
            "created_at": "2025-01-01T12:00:00+00:00",
            "canonical": "tests.support:TestHelper",
            "verification": "passed",
            "files": [
                {"path": "tests/test_c.py", "action": "replace", "status": "migrated"},
                {"path": "tests/test_b.py", "action": "replace", "status": "migrated"},
                {
                    "path": "tests/test_x.py",
                    "action": "skip",
                    "status": "skipped",
                    "reason": "name rebound in the file",
                },
            ],
        },
    )
    write_run(
        root,
        "20250102-090000-mockagent",
        {
            "family": "MockAgent",
            "created_at": "2025-01-02T09:00:00+00:00",
            "canonical": "tests.agents:MockAgent",
            "verification": "regressed",
            "files": [
                {
                    "path": "tests/test_a.py",
                    "action": "replace",
                    "status": "rolled back",
                    "reason": "test_agent_0 regressed",
                }
            ],
        },
    )
    return root


@pytest.fixture
def history_repo(history_template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(history_template, root, symlinks=True)
    return root


@pytest.fixture
def plain_repo(tmp_path: Path) -> Path:
    """Copies and no history, no journal, no git."""
    root = tmp_path / "plain"
    write(
        root,
        {
            "tests/__init__.py": "",
            **{f"tests/test_{x}.py": module_source(n, HELPER) for n, x in enumerate("ab")},
        },
    )
    return root

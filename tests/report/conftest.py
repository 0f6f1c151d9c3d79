"""Repositories for the report tests: real git history, measurements, journal runs, verify.

The history repository is built once per session (measuring runs a real pytest) and copied
for each test that needs it, so that no test can disturb another.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report_support import (
    AGENT,
    AGENT_RUN,
    HELPER,
    HELPER_RUN,
    PYPROJECT,
    SKIP_REASON,
    JournalRun,
    commit,
    git,
    measure,
    module_source,
    record_skips,
    verify,
    write,
)


@pytest.fixture(scope="session")
def history_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repo whose ``TestHelper`` copies are migrated to ``tests/support.py`` step by step.

    Commit 1 has three copies (the ``baseline`` measurement: 3 collection warnings, 6 live
    copies with ``MockAgent``'s). A journal run for ``TestHelper`` extracts the canonical and
    migrates two copies (committed, measured), then the last one (measured uncommitted), and
    a real ``declone verify`` passes it. A second run replaces ``MockAgent`` in
    ``tests/test_a.py`` by an import of a module that does not exist: ``declone verify
    --rollback-on-regression`` finds the regression and rolls the file back. ``OldWidget``
    is registered though no copy of it is left. Every measurement and verification runs the
    real pytest.
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
        helper_run = JournalRun(root, "TestHelper", "tests.support:TestHelper", HELPER_RUN)
        helper_run.apply(
            {
                "tests/support.py": ("extract TestHelper", HELPER + "\n    __test__ = False\n"),
                "tests/test_b.py": ("replace TestHelper", module_source(1, None)),
                "tests/test_c.py": ("replace TestHelper", module_source(2, None)),
            }
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
        helper_run.apply({"tests/test_a.py": ("replace TestHelper", module_source(0, None))})
        measure(root)
        assert verify(root, HELPER_RUN) == 0
        record_skips(
            root,
            HELPER_RUN,
            [{"path": "tests/test_x.py", "line": 3, "class": "TestHelper", "reason": SKIP_REASON}],
        )
        agent_run = JournalRun(root, "MockAgent", "tests.agents:MockAgent", AGENT_RUN)
        migrated = module_source(0, None).replace(AGENT, "from tests.agents import MockAgent\n")
        agent_run.apply({"tests/test_a.py": ("replace MockAgent", migrated)})
        assert verify(root, AGENT_RUN, "--rollback-on-regression") == 1
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

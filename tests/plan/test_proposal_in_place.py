"""``declone plan`` without a canonical proposes an extraction; when the copy it would extract
needs what an extracted module cannot take along (another class of its module), the proposal
keeps that copy where it stands as the canonical, and the other copies import it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from migration_support import commit_all, run_json

ERRORS = '''\
"""The package's errors."""


class BaseError(Exception):
    """Every error of the package."""


class CloudError(BaseError):
    """A cloud call failed."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code
'''

CLOUD_ERRORS = '''\
"""Errors of the cloud layer, kept for callers that import them from here."""

from pkg.errors import BaseError


class CloudError(BaseError):
    """A cloud call failed."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


def fail(message):
    raise CloudError(message)
'''

CLOUD_ERRORS_AFTER = '''\
"""Errors of the cloud layer, kept for callers that import them from here."""

from pkg.errors import CloudError


def fail(message):
    raise CloudError(message)
'''


@pytest.fixture
def package(repo: Any) -> Path:
    root = repo({"pkg/__init__.py": "", "pkg/errors.py": ERRORS, "pkg/cloud/__init__.py": ""})
    (root / "pkg/cloud/errors.py").write_text(CLOUD_ERRORS)
    assert isinstance(root, Path)
    return commit_all(root)


def test_the_proposal_keeps_a_copy_that_cannot_travel_in_place(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "CloudError", "--root", str(package), "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert "proposing --canonical pkg.errors:CloudError; pass it" in err
    assert "--extract-to" not in err
    assert (
        "CloudError stays in pkg/errors.py as the canonical: CloudError uses BaseError "
        "(another class of the module, line 4) from its module, which an extracted module "
        "cannot take along" in " ".join(err.split())
    )
    code, document = run_json(capsys, "plan", "CloudError", "--root", str(package))
    assert code == 0
    assert document["proposed"] is True
    actions = {(e["path"], e["action"]) for e in document["files"]}
    assert actions == {("pkg/cloud/errors.py", "replace"), ("pkg/errors.py", "canonical")}


def test_the_proposed_canonical_migrates_as_planned(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["CloudError", "--root", str(package), "--canonical", "pkg.errors:CloudError"]
    code, document = run_json(capsys, "migrate", *args)
    assert code == 0, document
    assert (package / "pkg/cloud/errors.py").read_text() == CLOUD_ERRORS_AFTER
    assert (package / "pkg/errors.py").read_text() == ERRORS
    imported = subprocess.run(
        [sys.executable, "-c", "import pkg.cloud.errors as m; assert m.CloudError('x').code == 1"],
        cwd=package,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr


def test_an_explicit_extraction_is_still_refused(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["plan", "CloudError", "--root", str(package), "--no-cache"]
    assert main([*args, "--extract-to", "pkg/common.py"]) == 2
    assert "which an extracted module cannot take along" in capsys.readouterr().err


PARTS = """\
class Parameters:
    fields = ("name",)


class Changes(Parameters):
    def __init__(self, values):
        self.values = values


def run():
    return Changes({})
"""


def test_the_proposal_names_the_copy_as_migrate_finds_it(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # ``plugins/modules`` is a package in a folder that is not one: pytest's rule names the
    # module ``modules.alpha``, which ``--canonical`` cannot find; the proposal is the name
    # migrate resolves.
    root = repo(
        {
            "plugins/modules/__init__.py": "",
            "plugins/modules/alpha.py": PARTS,
            "plugins/modules/beta.py": PARTS,
        }
    )
    commit_all(root)
    assert main(["plan", "Changes", "--root", str(root), "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert "proposing --canonical plugins.modules.alpha:Changes; pass it" in err
    args = ["Changes", "--root", str(root), "--canonical", "plugins.modules.alpha:Changes"]
    code, document = run_json(capsys, "migrate", *args)
    assert code == 0, document
    beta = (root / "plugins/modules/beta.py").read_text()
    assert "class Changes" not in beta
    assert "import Changes" in beta

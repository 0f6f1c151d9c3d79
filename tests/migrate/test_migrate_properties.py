"""Properties of whole migrations on generated repositories.

Hypothesis writes small packages (test modules and production modules, each with a copy of
one helper among statements of their own, some importing one another) into a real git
repository, and ``declone migrate`` runs on them as a user runs it: scan, plan, LibCST
rewrite, journal, import check. Whatever the repository, every changed file parses, only
the copies and the import lines changed, no production module imports test code, every
changed module that imported before still imports (in a subprocess of its own), a second
run changes no byte, and rollback restores every byte.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from declone.cli import main
from migration_support import PYPROJECT, commit_all, own_statements

COPY = '''\
class Recorder:
    """Records what it is sent."""

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(json.dumps(message))
'''

HEADS = ["", '"""A module."""\n', "from __future__ import annotations\n"]
#: Statements of a module's own, ``{i}`` its number.
OWN = [
    "def test_send_{i}():\n    r = Recorder()\n    r.send({i})\n    assert r.sent == ['{i}']\n",
    "def make_{i}() -> 'Recorder':\n    return Recorder()\n",
    "VALUE_{i} = json.loads('[{i}]')\n",
    "# a comment of module {i}\n",
    "class Other{i}:\n    pass\n",
    "if sys.version_info >= (3,):\n    FLAG_{i} = True\n",
]
EXTRACT_TO = "tests/support.py"


@st.composite
def repositories(draw: st.DrawFn) -> dict[str, str]:
    """``{path: text}``: two to five modules with a copy, in ``tests/`` or in ``pkg/``."""
    count = draw(st.integers(2, 5))
    files: dict[str, str] = {}
    modules: list[str] = []
    for i in range(count):
        folder = draw(st.sampled_from(["tests", "tests", "pkg"]))
        stem = f"test_m{i}" if folder == "tests" else f"m{i}"
        imports = ["import json\n"]
        if draw(st.booleans()):
            imports.append("import sys\n")
        earlier = [m for m in modules if m.startswith("tests.") == (folder == "tests")]
        if earlier and draw(st.booleans()):
            module, _, name = draw(st.sampled_from(earlier)).rpartition(".")
            imports.append(f"from {module} import {name}\n")
        own = draw(st.lists(st.sampled_from(OWN), max_size=4))
        if any("sys." in part for part in own) and "import sys\n" not in imports:
            imports.append("import sys\n")
        position = draw(st.integers(0, len(own)))
        body = [*own[:position], COPY, *own[position:]]
        text = draw(st.sampled_from(HEADS)) + "".join(imports) + "\n\n"
        text += "\n\n".join(part.format(i=i) for part in body)
        files[f"{folder}/{stem}.py"] = text
        modules.append(f"{folder}.{stem}")
    return files


def run(*argv: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main([*argv, "--json"])
    return code, json.loads(out.getvalue()) if out.getvalue().strip() else {}


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*.py"))
        if ".declone" not in path.parts and ".git" not in path.parts
    }


def importing(root: Path, modules: list[str]) -> set[str]:
    """The modules that import, each in a fresh interpreter run from ``root``."""
    script = (
        "import importlib, sys\nsys.path.insert(0, '.')\nimportlib.import_module(sys.argv[1])\n"
    )
    found = set()
    for module in modules:
        result = subprocess.run(
            [sys.executable, "-c", script, module], cwd=root, capture_output=True, check=False
        )
        if result.returncode == 0:
            found.add(module)
    return found


def module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(repositories())
def test_a_migration_keeps_every_invariant(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        for path, text in {
            "pyproject.toml": PYPROJECT,
            "tests/__init__.py": "",
            "pkg/__init__.py": "",
            **files,
        }.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        commit_all(root)
        before = snapshot(root)
        original = Path(folder) / "original"
        shutil.copytree(root, original)
        argv = ("Recorder", "--root", str(root), "--no-cache", "--extract-to", EXTRACT_TO)

        code, document = run("migrate", *argv)
        assert code == 0, document
        after = snapshot(root)
        changed = sorted(p for p in after if after[p] != before.get(p))
        event(f"exit {code}, {len(changed)} files changed")

        for path in changed:
            tree = ast.parse(after[path], filename=path)
            if path in before:
                assert own_statements(after[path], "Recorder") == own_statements(
                    before[path], "Recorder"
                ), path
            if not path.startswith("tests/"):
                # Production code never imports test code.
                assert not any(
                    isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests")
                    for node in ast.walk(tree)
                ), path
        modules = [module_name(p) for p in changed if p in before]
        imported_before = importing(original, modules)
        assert imported_before <= importing(root, modules)
        event(f"{len(imported_before)} of {len(modules)} changed modules imported before")

        again, second = run("migrate", *argv)
        assert again == 0, second
        assert snapshot(root) == after

        if document.get("run_id"):
            code, _ = run("rollback", "--root", str(root))
            assert code == 0
        assert snapshot(root) == before

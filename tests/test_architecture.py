"""The layout's rules that import-linter cannot state (its contracts are in pyproject.toml).

``lint-imports`` checks the layers, the cycles and the public faces; these tests check what
is about statements rather than imports: who prints, and what the collector plugin needs.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import declone

PACKAGE = Path(declone.__file__).resolve().parent
STAGES = ("scan", "plan", "rewrite", "migrate", "measure", "check", "report")
SHARED = ("model.py", "errors.py", "config.py", "registry.py", "atomic.py", "jsontext.py")
#: Runs inside the target's pytest, not declone's process: it is measure's, but not its core.
COLLECTOR = PACKAGE / "measure" / "collector" / "declone_collect.py"


def core_modules() -> list[Path]:
    modules = [PACKAGE / name for name in SHARED]
    for stage in STAGES:
        modules.extend(p for p in sorted((PACKAGE / stage).rglob("*.py")) if p != COLLECTOR)
    return modules


def terminal_writes(tree: ast.AST) -> list[str]:
    """Where a module writes to the terminal itself: ``print``, ``sys.stdout``, ``sys.stderr``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ("print", "input", "breakpoint"):
                found.append(f"{node.lineno}: {node.func.id}()")
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
            and node.attr in ("stdout", "stderr", "stdin")
        ):
            found.append(f"{node.lineno}: sys.{node.attr}")
    return found


def imported_roots(tree: ast.AST) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.add("." if node.level else (node.module or "").split(".")[0])
    return roots


def test_every_stage_is_a_package_with_a_public_face() -> None:
    for stage in (*STAGES, "cli", "testing"):
        face = ast.parse((PACKAGE / stage / "__init__.py").read_text("utf-8"))
        assert ast.get_docstring(face), f"{stage}/__init__.py says what the stage is"
    for stage in STAGES:
        module = __import__(f"declone.{stage}", fromlist=["__all__"])
        assert module.__all__, f"declone.{stage} names its public face in __all__"
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert not missing, f"declone.{stage}.__all__ names what it lacks: {missing}"


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_the_core_never_writes_to_the_terminal(path: Path) -> None:
    writes = terminal_writes(ast.parse(path.read_text("utf-8")))
    assert not writes, f"{path.relative_to(PACKAGE)} writes to the terminal at {writes}"


def test_the_writes_check_sees_a_print() -> None:
    assert terminal_writes(ast.parse("import sys\nprint(1)\nsys.stderr.write('x')\n")) == [
        "2: print()",
        "3: sys.stderr",
    ]


def test_the_collector_plugin_needs_only_the_standard_library_and_pytest() -> None:
    roots = imported_roots(ast.parse(COLLECTOR.read_text("utf-8")))
    # _pytest and pluggy come with every pytest: they are pytest's own.
    pytest_itself = {"pytest", "_pytest", "pluggy", "__future__"}
    foreign = sorted(roots - set(sys.stdlib_module_names) - pytest_itself)
    assert not foreign, f"the collector plugin imports {foreign}"


def test_no_command_imports_another() -> None:
    from declone.cli.main import COMMANDS

    commands = {module for module, _ in COMMANDS.values()}
    for module in sorted(commands):
        path = PACKAGE / "cli" / f"{module.rsplit('.', 1)[1]}.py"
        tree = ast.parse(path.read_text("utf-8"))
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module is not None
        }
        assert not (imported & (commands - {module})), f"{module} imports another command"

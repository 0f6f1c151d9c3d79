"""Registered families in pyproject.toml: reading them, and registering one in place."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from declone.config import load_settings
from declone.errors import DecloneError
from declone.registry import (
    RegisteredFamily,
    is_canonical_path,
    module_of_path,
    read_registry,
    register_family,
)

PYPROJECT = """\
# The project's metadata.
[project]
name = "chat"   # keep this comment
version = "1.0"

[tool.declone]
exclude = ["examples/**"]  # the demo is a deliberate mess

[tool.ruff]
line-length = 100
"""


def test_register_family_preserves_formatting_and_comments(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    register_family(tmp_path, "WebSocketConnection", "tests.support.ws:WebSocketConnection")
    register_family(tmp_path, "MockAgent", "tests.support.agents:MockAgent", ("FakeAgent",))
    register_family(
        tmp_path, "MockAgent", "tests.support.agents:MockAgent", ("StubAgent", "FakeAgent")
    )
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    head, tail = PYPROJECT.split("[tool.ruff]")
    assert text == (
        head + "[tool.declone.families]\n"
        'WebSocketConnection = "tests.support.ws:WebSocketConnection"\n'
        'MockAgent = {canonical = "tests.support.agents:MockAgent", aliases = ["FakeAgent", "StubAgent"]}\n'
        "\n[tool.ruff]" + tail
    )
    assert read_registry(load_settings(tmp_path).families) == (
        RegisteredFamily(
            "MockAgent", "tests.support.agents", "MockAgent", ("FakeAgent", "StubAgent")
        ),
        RegisteredFamily("WebSocketConnection", "tests.support.ws", "WebSocketConnection"),
    )
    assert tomllib.loads(text)["tool"]["ruff"] == {"line-length": 100}


def test_register_family_creates_the_table_and_the_file(tmp_path: Path) -> None:
    register_family(tmp_path, "Conn", "support.ws:Conn")
    assert (
        tmp_path / "pyproject.toml"
    ).read_text() == '[tool.declone.families]\nConn = "support.ws:Conn"\n'


@pytest.mark.parametrize(
    ("name", "canonical", "aliases"),
    [
        pytest.param("not a name", "m:A", (), id="bad-name"),
        pytest.param("A", "m.A", (), id="no-colon"),
        pytest.param("A", "m:A", ("bad alias",), id="bad-alias"),
    ],
)
def test_register_family_rejects_bad_input(
    name: str, canonical: str, aliases: tuple[str, ...], tmp_path: Path
) -> None:
    with pytest.raises(DecloneError):
        register_family(tmp_path, name, canonical, aliases)
    assert not (tmp_path / "pyproject.toml").exists()


def test_register_family_refuses_invalid_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n")
    with pytest.raises(DecloneError, match="invalid TOML"):
        register_family(tmp_path, "A", "m:A")
    (tmp_path / "pyproject.toml").write_text('tool = "x"\n')
    with pytest.raises(DecloneError, match="must be a table"):
        register_family(tmp_path, "A", "m:A")


@pytest.mark.parametrize(
    ("path", "module", "expected"),
    [
        ("pkg/mod.py", "pkg.mod", True),
        ("src/pkg/mod.py", "pkg.mod", True),
        ("pkg/__init__.py", "pkg", True),
        ("otherpkg/mod.py", "pkg.mod", False),
        ("pkg/mod.py", "mod", True),
        ("pkg/model.py", "pkg.mod", False),
    ],
)
def test_canonical_paths(path: str, module: str, expected: bool) -> None:
    assert is_canonical_path(path, module) is expected


def test_module_of_path() -> None:
    assert module_of_path("__init__.py") == ""
    assert module_of_path("a/b/__init__.py") == "a.b"
    assert module_of_path("a/b.py") == "a.b"

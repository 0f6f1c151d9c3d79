"""Test code does not take in production code: a family centred in test code keeps a
production class that only looks like it out, as *related*; classes a framework loads by name
from their module are listed under their name, never as a family."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from declone.cli import main
from declone.config import load_settings
from declone.scan import scan_focused, scan_repository

SCHEMA = Path(__file__).resolve().parents[2] / "src" / "declone" / "schemas" / "scan.schema.json"

#: The fake's methods; a production class with one more is a near-clone (8 of 9 alike).
METHODS = ("connect", "send", "receive", "close", "ping", "pong", "flush", "reset")


def body(name: str, *methods: str) -> str:
    """A class of ``name`` with one method per item, each with a body of its own."""
    lines = [f"class {name}:"]
    for method in methods:
        lines += [
            f"    def {method}(self):",
            f"        self.{method}_calls = getattr(self, '{method}_calls', 0) + 1",
            f"        return {method!r}",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


FAKE = body("FakeSocket", *METHODS)
#: Production code that looks like the fake: its methods and one more.
WEBSOCKET = body("WebSocket", *METHODS, "accept")

TEST_HELPERS = {
    "tests/helpers_a.py": FAKE,
    "tests/helpers_b.py": FAKE,
    "tests/helpers_c.py": FAKE,
}


def scan_json(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["scan", str(root), "--json", *argv]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, json.loads(SCHEMA.read_text("utf-8")))
    return document


def families(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in document["families"] if f["kind"] == "duplicate"}


def paths(family: dict[str, Any]) -> list[str]:
    return [member["path"] for member in family["members"]]


def test_a_production_near_clone_is_related_to_a_test_family_not_a_member(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({**TEST_HELPERS, "app/websocket.py": WEBSOCKET})
    found = families(scan_json(capsys, root, "--no-cache"))
    assert list(found) == ["FakeSocket"]
    fake = found["FakeSocket"]
    assert paths(fake) == list(TEST_HELPERS)
    # 8 statements of 9 alike, each method being one statement more: 24 of 27.
    assert fake["related"] == [
        {"name": "WebSocket", "path": "app/websocket.py", "line": 1, "similarity": 0.8889}
    ]


def test_the_same_near_clone_in_test_code_is_a_member(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # What the production class would have been without the boundary.
    root = write_tree({**TEST_HELPERS, "tests/websocket.py": WEBSOCKET})
    fake = families(scan_json(capsys, root, "--no-cache"))["FakeSocket"]
    assert paths(fake) == [*TEST_HELPERS, "tests/websocket.py"]
    assert fake["related"] == []


def test_a_production_copy_of_the_very_body_stays_a_member(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(
        {**TEST_HELPERS, "app/fake.py": FAKE, "app/renamed.py": FAKE.replace("FakeSocket", "Fake")}
    )
    fake = families(scan_json(capsys, root, "--no-cache"))["FakeSocket"]
    assert sorted(paths(fake)) == sorted(["app/fake.py", "app/renamed.py", *TEST_HELPERS])
    assert {m["compatibility"] for m in fake["members"]} == {"identical"}
    assert fake["related"] == []


def test_a_production_class_of_the_centres_name_is_related_too(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Joined by name (it holds the centre's statements, but is not 0.8 alike as a whole).
    grown = body("FakeSocket", *METHODS, "accept", "reject", "drain")
    root = write_tree({**TEST_HELPERS, "app/fake.py": grown, "tests/grown.py": grown})
    fake = families(scan_json(capsys, root, "--no-cache"))["FakeSocket"]
    assert paths(fake) == ["tests/grown.py", *TEST_HELPERS]
    assert fake["matched_by"] == ["name"]
    assert fake["related"] == [
        {"name": "FakeSocket", "path": "app/fake.py", "line": 1, "similarity": round(24 / 33, 4)}
    ]


def test_a_production_near_clone_kept_out_makes_a_family_of_its_own(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(
        {**TEST_HELPERS, "app/websocket.py": WEBSOCKET, "lib/websocket.py": WEBSOCKET}
    )
    found = families(scan_json(capsys, root, "--no-cache"))
    assert paths(found["FakeSocket"]) == list(TEST_HELPERS)
    assert [r["path"] for r in found["FakeSocket"]["related"]] == [
        "app/websocket.py",
        "lib/websocket.py",
    ]
    assert paths(found["WebSocket"]) == ["app/websocket.py", "lib/websocket.py"]


def test_a_family_centred_in_production_code_is_unchanged(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    service = body("Service", *METHODS)
    root = write_tree(
        {
            "app/a.py": service,
            "app/b.py": service,
            "app/c.py": service,
            # Near-clones of it, in production code and in test code: both join.
            "app/grown.py": body("GrownService", *METHODS, "accept"),
            "tests/fake_service.py": body("FakeService", *METHODS, "reject"),
        }
    )
    found = families(scan_json(capsys, root, "--no-cache"))
    assert list(found) == ["Service"]
    assert paths(found["Service"]) == [
        "app/a.py",
        "app/b.py",
        "app/c.py",
        "app/grown.py",
        "tests/fake_service.py",
    ]
    assert found["Service"]["related"] == []


def test_test_paths_move_a_class_into_test_code_and_the_cached_scan_follows(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({**TEST_HELPERS, "support/websocket.py": WEBSOCKET})
    before = families(scan_json(capsys, root))["FakeSocket"]  # cached, overview included
    assert [r["path"] for r in before["related"]] == ["support/websocket.py"]
    write_tree({"pyproject.toml": '[tool.declone]\ntest-paths = ["support/"]\n'}, root)
    after = families(scan_json(capsys, root))["FakeSocket"]
    assert paths(after) == ["support/websocket.py", *TEST_HELPERS]
    assert after["related"] == []


def test_scan_family_lists_related_classes(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({**TEST_HELPERS, "app/websocket.py": WEBSOCKET})
    capsys.readouterr()
    assert main(["scan", str(root), "--family", "FakeSocket", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "Related production classes" in out
    assert "app/websocket.py:1:1  WebSocket  similarity 0.89" in out


def test_every_view_keeps_production_out(write_tree: Any) -> None:
    """The full records' view (``plan``) and the focused one (``check``) agree with
    ``scan``."""
    root = write_tree({**TEST_HELPERS, "app/websocket.py": WEBSOCKET})
    settings = load_settings(root)
    index, _ = scan_repository(settings)
    (fake,) = index.families
    assert [copy.path for copy in fake.copies] == list(TEST_HELPERS)
    assert [(r.name, r.path, r.lineno) for r in fake.related] == [
        ("WebSocket", "app/websocket.py", 1)
    ]
    assert fake.related[0].similarity == pytest.approx(24 / 27)
    focused, _ = scan_focused(settings, {"app/websocket.py"})
    assert focused.families == ()


MIGRATION = """\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField("order", "note", models.TextField(default="")),
        migrations.AddField("order", "paid", models.BooleanField(default=False)),
        migrations.AlterField("order", "total", models.IntegerField()),
    ]
"""

COMMAND = """\
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Does one thing"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        self.stdout.write("done")
        return None
"""


def test_classes_a_framework_loads_by_name_are_same_name_not_a_family(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(
        {
            # The very same bodies: a family anywhere else.
            "shop/migrations/0002_note.py": MIGRATION,
            "billing/migrations/0002_note.py": MIGRATION,
            "shop/management/commands/export.py": COMMAND,
            "billing/management/commands/export.py": COMMAND,
            "shop/commands/export.py": COMMAND,
            "billing/commands/export.py": COMMAND,
        }
    )
    document = scan_json(capsys, root, "--no-cache")
    found = families(document)
    # Outside a management/commands folder, the copies are an ordinary family.
    assert list(found) == ["Command"]
    assert paths(found["Command"]) == ["billing/commands/export.py", "shop/commands/export.py"]
    groups = {g["name"]: g for g in document["families"] if g["kind"] != "duplicate"}
    assert groups["Migration"]["kind"] == "same-name"
    assert [m["path"] for m in groups["Migration"]["members"]] == [
        "billing/migrations/0002_note.py",
        "shop/migrations/0002_note.py",
    ]
    assert groups["Command"]["kind"] == "same-name"
    assert [m["path"] for m in groups["Command"]["members"]] == [
        "billing/management/commands/export.py",
        "shop/management/commands/export.py",
    ]
    assert groups["Command"]["in_families"] == 2


def test_a_migration_nested_deeper_than_its_folder_is_an_ordinary_class(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Django loads the modules of the migrations package itself, not of folders below it.
    root = write_tree(
        {
            "shop/migrations/old/0002_note.py": MIGRATION,
            "billing/migrations/old/0002_note.py": MIGRATION,
        }
    )
    found = families(scan_json(capsys, root, "--no-cache"))
    assert paths(found["Migration"]) == [
        "billing/migrations/old/0002_note.py",
        "shop/migrations/old/0002_note.py",
    ]

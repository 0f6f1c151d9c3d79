"""Registered families: ``[tool.declone.families]`` in the repository's ``pyproject.toml``.

A registered family is a class that has been consolidated: it lives in one canonical module,
and ``declone check`` rejects any copy that comes back. An entry is either a string or a table::

    [tool.declone.families]
    WebSocketConnection = "tests.support.websocket:WebSocketConnection"
    MockAgent = { canonical = "tests.support.agents:MockAgent", aliases = ["FakeAgent"] }

Aliases are the names the copies used to have; a class by that name outside the canonical
module is a copy too. ``register_family`` edits the table in place with tomlkit, so that the
file's formatting, comments and key order survive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from declone.errors import DecloneError, ExitCode

__all__ = [
    "RegisteredFamily",
    "is_canonical_path",
    "module_of_path",
    "parse_canonical",
    "read_registry",
    "register_family",
]


@dataclass(frozen=True, slots=True)
class RegisteredFamily:
    """One consolidated family: where its class lives and which names its copies had."""

    name: str
    #: Dotted module path, e.g. ``"tests.support.websocket"``.
    module: str
    class_name: str
    aliases: tuple[str, ...] = ()

    @property
    def canonical(self) -> str:
        return f"{self.module}:{self.class_name}"

    @property
    def names(self) -> tuple[str, ...]:
        """Every class name that stands for this family: the class, the key, the aliases."""
        ordered = (self.class_name, self.name, *self.aliases)
        return tuple(dict.fromkeys(ordered))


def parse_canonical(text: str) -> tuple[str, str] | None:
    """``"pkg.module:Class"`` -> ``("pkg.module", "Class")``; None when malformed."""
    module, sep, class_name = text.partition(":")
    if not sep or not class_name.isidentifier():
        return None
    if not module or not all(part.isidentifier() for part in module.split(".")):
        return None
    return module, class_name


def read_registry(
    families: Mapping[str, Any], source: str = "pyproject.toml"
) -> tuple[RegisteredFamily, ...]:
    """The registered families of ``Settings.families``, sorted by name.

    Raises ``DecloneError`` (usage) for an entry that is neither form.
    """
    registered = []
    for name, entry in families.items():
        where = f"{source}:1:1: [tool.declone.families] {name}"
        aliases: tuple[str, ...] = ()
        if isinstance(entry, str):
            canonical = entry
        elif isinstance(entry, Mapping) and isinstance(entry.get("canonical"), str):
            canonical = entry["canonical"]
            raw_aliases = entry.get("aliases", [])
            if not isinstance(raw_aliases, list) or not all(
                isinstance(a, str) and a.isidentifier() for a in raw_aliases
            ):
                raise DecloneError(
                    f"{where}: aliases must be a list of class names", ExitCode.USAGE
                )
            aliases = tuple(raw_aliases)
            unknown = sorted(set(entry) - {"canonical", "aliases"})
            if unknown:
                raise DecloneError(
                    f"{where}: unknown key {unknown[0]!r}; use canonical and aliases",
                    ExitCode.USAGE,
                )
        else:
            raise DecloneError(
                f'{where}: expected "pkg.module:Class" or {{ canonical = "pkg.module:Class", '
                "aliases = [...] }",
                ExitCode.USAGE,
            )
        parsed = parse_canonical(canonical)
        if parsed is None:
            raise DecloneError(
                f'{where}: {canonical!r} is not "pkg.module:Class"; fix the entry', ExitCode.USAGE
            )
        registered.append(RegisteredFamily(str(name), parsed[0], parsed[1], aliases))
    return tuple(sorted(registered, key=lambda family: family.name))


def module_of_path(path: str) -> str:
    """The dotted module a repo-relative POSIX path defines: ``a/b/__init__.py`` -> ``a.b``."""
    stem = path.removesuffix(".py")
    if stem.endswith("/__init__") or stem == "__init__":
        stem = stem.removesuffix("__init__").rstrip("/")
    return stem.replace("/", ".")


def is_canonical_path(path: str, module: str) -> bool:
    """True when ``path`` defines ``module``, from the root or below a source folder.

    ``src/pkg/mod.py`` defines ``pkg.mod`` as well as ``src.pkg.mod``: which prefix is on
    ``sys.path`` is the project's business, and a suffix match on whole components never
    confuses ``pkg.mod`` with ``otherpkg.mod``.
    """
    dotted = module_of_path(path)
    return dotted == module or dotted.endswith("." + module)


def register_family(root: Path, name: str, canonical: str, aliases: tuple[str, ...] = ()) -> None:
    """Add or update ``name`` in ``root/pyproject.toml``'s ``[tool.declone.families]``.

    The rest of the file is kept byte for byte. Aliases already registered are kept, new ones
    appended; an entry with no aliases is written as a plain string. The file is written
    atomically and created when missing.
    """
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    from declone.atomic import write_bytes_atomic

    if not name.isidentifier():
        raise DecloneError(f"{name!r} is not a class name; pass the family's name", ExitCode.USAGE)
    if parse_canonical(canonical) is None:
        raise DecloneError(f'{canonical!r} is not "pkg.module:Class"', ExitCode.USAGE)
    bad_alias = next((alias for alias in aliases if not alias.isidentifier()), None)
    if bad_alias is not None:
        raise DecloneError(f"{bad_alias!r} is not a class name; fix the alias", ExitCode.USAGE)
    pyproject = root / "pyproject.toml"
    raw = pyproject.read_bytes() if pyproject.exists() else b""
    try:
        document = tomlkit.parse(raw.decode("utf-8"))
    except (TOMLKitError, UnicodeDecodeError) as exc:
        raise DecloneError(
            f"{pyproject}:1:1: invalid TOML ({exc}); fix the file", ExitCode.USAGE
        ) from exc
    created = not _has_families_table(document)
    families = _families_table(document, pyproject)
    previous = families.get(name)
    known: tuple[str, ...] = ()
    if isinstance(previous, Mapping) and isinstance(previous.get("aliases"), list):
        known = tuple(str(alias) for alias in previous["aliases"])
    merged = tuple(dict.fromkeys((*known, *aliases)))
    if merged:
        entry = tomlkit.inline_table()
        entry["canonical"] = canonical
        entry["aliases"] = list(merged)
        families[name] = entry
    else:
        families[name] = canonical
    text = tomlkit.dumps(document)
    if created:
        # A blank line after the new table keeps it apart from the next one; none at the end.
        families.add(tomlkit.nl())
        text = tomlkit.dumps(document)
        if text.endswith("\n\n") and not raw.endswith(b"\n\n"):
            text = text.rstrip("\n") + "\n"
    write_bytes_atomic(pyproject, text.encode("utf-8"))


def _has_families_table(document: Any) -> bool:
    tool = document.get("tool")
    declone = tool.get("declone") if isinstance(tool, Mapping) else None
    return isinstance(declone, Mapping) and "families" in declone


def _families_table(document: Any, pyproject: Path) -> Any:
    """``[tool.declone.families]`` of a tomlkit document, created (as a real table) if missing."""
    import tomlkit

    current = document
    for key in ("tool", "declone", "families"):
        if key not in current:
            table = tomlkit.table(is_super_table=key != "families")
            current[key] = table
        current = current[key]
        if not isinstance(current, Mapping):
            raise DecloneError(
                f"{pyproject}:1:1: {key} must be a table to hold [tool.declone.families]",
                ExitCode.USAGE,
            )
    return current

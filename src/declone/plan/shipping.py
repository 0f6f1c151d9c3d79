"""Files that ship on their own, with only some of the repository's modules: Ansible modules.

Ansible runs a module on the managed host, not where it is installed: the module's file goes
there alone, packed (AnsiballZ) with the ``module_utils`` it imports and nothing else. A
module that imports another module, or a helper module written beside it, imports fine under
pytest and fails on every host. A copy in a module may therefore only become an import of a
canonical in ``module_utils``: its collection's ``plugins/module_utils``, or ansible-core's
``lib/ansible/module_utils``; and that is where ``plan`` proposes to extract one.

Ansible modules are the files under ``plugins/modules`` of a collection (a folder holding
``MANIFEST.json`` or ``galaxy.yml``) and under ``lib/ansible/modules`` (ansible-core).

A collection's files import each other as ``ansible_collections.<namespace>.<name>...``, from
the folder above ``ansible_collections`` (``collection_import_roots``): a module's import of a
canonical kept in its ``module_utils`` is spelled so.

Pure but for ``collection_roots``, which looks for the collections' metadata files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from declone.scan import COLLECTION_MARKERS

__all__ = [
    "ShippingRule",
    "ShipsAlone",
    "collection_import_roots",
    "collection_roots",
    "shipping_rule",
]

_CORE_MODULES = "lib/ansible/modules/"
_CORE_UTILS = "lib/ansible/module_utils"


@dataclass(frozen=True, slots=True)
class ShipsAlone:
    """A file that ships on its own, and the only folder it may import a canonical from."""

    #: ``ansible_collections/ns/name/plugins/module_utils``: a canonical must lie below it.
    allowed: str

    def admits(self, canonical_path: str | None, canonical_module: str) -> bool:
        """Whether the file may import the canonical at ``canonical_path`` (None: installed,
        and then told by its module's name)."""
        if canonical_path is None:
            parts = canonical_module.split(".")
            return "module_utils" in parts
        return canonical_path.startswith(self.allowed + "/")

    @property
    def reason(self) -> str:
        return (
            "an Ansible module: it ships to the managed host alone, with the module_utils "
            f"it imports, so its canonical must lie under {self.allowed}/"
        )


#: A file's shipping, or None for a file imported where it is installed.
ShippingRule = Callable[[str], ShipsAlone | None]


def shipping_rule(collections: Iterable[str]) -> ShippingRule:
    """The rule of a repository whose Ansible collections are at ``collections`` (folders
    relative to the root, ``""`` for the root itself)."""
    prefixes = tuple(sorted((f"{c}/" if c else "" for c in collections), key=len, reverse=True))

    def ships_alone(path: str) -> ShipsAlone | None:
        for prefix in prefixes:
            if path.startswith(f"{prefix}plugins/modules/"):
                return ShipsAlone(f"{prefix}plugins/module_utils")
        start = path.find(_CORE_MODULES)
        if start == 0 or (start > 0 and path[start - 1] == "/"):
            return ShipsAlone(path[:start] + _CORE_UTILS)
        return None

    return ships_alone


def collection_import_roots(collections: Iterable[str]) -> tuple[str, ...]:
    """The ``sys.path`` entries Ansible gives its collections: the folder holding
    ``ansible_collections/<namespace>/<name>``, for each collection laid out that way (its
    files import each other as ``ansible_collections.<namespace>.<name>....``)."""
    found: dict[str, None] = {}
    for collection in sorted(collections):
        parts = collection.split("/")
        if len(parts) >= 3 and parts[-3] == "ansible_collections":
            found.setdefault("/".join(parts[:-3]), None)
    return tuple(found)


def collection_roots(root: Path, folders: Iterable[str]) -> frozenset[str]:
    """Those of ``folders`` (relative to ``root``) that hold an Ansible collection."""
    return frozenset(
        folder
        for folder in folders
        if any((root / folder / marker).is_file() for marker in COLLECTION_MARKERS)
    )

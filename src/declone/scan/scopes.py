"""Import scopes: the units of a repository that ship and import on their own.

A folder holding a distribution's metadata (``pyproject.toml``, ``setup.py``, ``setup.cfg``,
an Ansible collection's ``MANIFEST.json`` or ``galaxy.yml``) is the root of a scope, and so
is the repository's root. A file belongs to the nearest scope root above it. A class copied
into two scopes cannot be consolidated across them: neither may import from the other.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["COLLECTION_MARKERS", "SCOPE_MARKERS", "find_scopes"]

#: The files that make a folder an Ansible collection.
COLLECTION_MARKERS = ("MANIFEST.json", "galaxy.yml")
SCOPE_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", *COLLECTION_MARKERS)


def find_scopes(root: Path, paths: Iterable[str]) -> dict[str, str]:
    """Each of ``paths`` (root-relative, ``/``-separated) with its scope's root folder,
    root-relative (``""`` for the repository's root)."""
    folders: dict[str, str] = {"": ""}
    base = os.fspath(root)

    def scope_of(folder: str) -> str:
        known = folders.get(folder)
        if known is not None:
            return known
        # Strings, not paths: a large repository has thousands of folders, and building a
        # ``Path`` for each marker cost more than the file system's answer.
        here = os.path.join(base, folder)
        found = (
            folder
            if any(os.path.isfile(os.path.join(here, marker)) for marker in SCOPE_MARKERS)
            else scope_of(folder.rpartition("/")[0])
        )
        folders[folder] = found
        return found

    return {path: scope_of(path.rpartition("/")[0]) for path in paths}

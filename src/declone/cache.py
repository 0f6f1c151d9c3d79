"""The scan cache: one file per scanned root, outside the repo, keyed by content hash.

An entry keeps a file's size, mtime and ``FileRecord`` (whose ``digest`` is the sha256 of the
bytes it was built from). A file whose size and mtime are unchanged is not read again; one
whose stat changed is read and hashed, and its record reused when the content is the same.
Entries modified within two seconds of the cache's own write are re-hashed, since a file
rewritten in the same mtime tick could otherwise look unchanged ("racy" stat, as git knows it).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from declone import __version__
from declone.atomic import write_bytes_atomic
from declone.model import FileRecord
from declone.naming import PytestConfig

__all__ = ["CacheEntry", "ScanCache", "default_cache_dir"]

_FORMAT = 3
_RACY_NS = 2_000_000_000


def default_cache_dir() -> Path:
    """``$DECLONE_CACHE_DIR``, else ``$XDG_CACHE_HOME/declone``, else ``~/.cache/declone``."""
    explicit = os.environ.get("DECLONE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "declone"


@dataclass(frozen=True, slots=True)
class CacheEntry:
    size: int
    mtime_ns: int
    record: FileRecord


class ScanCache:
    """Loaded once per scan, updated in memory, written back atomically at the end."""

    def __init__(
        self, path: Path | None, key: str, entries: dict[str, CacheEntry], written_ns: int
    ) -> None:
        self.path = path
        self.key = key
        self.entries = entries
        self.written_ns = written_ns
        self.changed = False

    @classmethod
    def disabled(cls) -> ScanCache:
        return cls(None, "", {}, 0)

    @classmethod
    def open(
        cls, cache_dir: Path, root: Path, pytest: PytestConfig, max_file_size: int
    ) -> ScanCache:
        key = repr((_FORMAT, __version__, str(root), pytest, max_file_size))
        path = cache_dir / f"scan-{hashlib.sha256(key.encode()).hexdigest()[:20]}.pickle"
        try:
            with path.open("rb") as handle:
                data = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            return cls(path, key, {}, 0)
        if not isinstance(data, dict) or data.get("key") != key:
            return cls(path, key, {}, 0)
        return cls(path, key, data["entries"], data["written_ns"])

    def lookup_by_stat(self, path: str, size: int, mtime_ns: int) -> FileRecord | None:
        entry = self.entries.get(path)
        if entry is None or entry.size != size or entry.mtime_ns != mtime_ns:
            return None
        if mtime_ns >= self.written_ns - _RACY_NS:
            return None
        return entry.record

    def lookup_by_digest(self, path: str, digest: str) -> FileRecord | None:
        entry = self.entries.get(path)
        if entry is not None and entry.record.digest == digest:
            return entry.record
        return None

    def store(self, path: str, size: int, mtime_ns: int, record: FileRecord) -> None:
        entry = self.entries.get(path)
        if (
            entry is None
            or entry.size != size
            or entry.mtime_ns != mtime_ns
            or entry.record != record
        ):
            self.entries[path] = CacheEntry(size, mtime_ns, record)
            self.changed = True

    def prune(self, live_paths: set[str]) -> None:
        stale = [path for path in self.entries if path not in live_paths]
        for path in stale:
            del self.entries[path]
        self.changed = self.changed or bool(stale)

    def save(self, now_ns: int) -> None:
        if self.path is None:
            return
        # Re-save when entries look racy too, so that the next scan can trust their stat.
        racy = any(e.mtime_ns >= self.written_ns - _RACY_NS for e in self.entries.values())
        if not (self.changed or racy):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"key": self.key, "entries": self.entries, "written_ns": now_ns}
        write_bytes_atomic(self.path, pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))

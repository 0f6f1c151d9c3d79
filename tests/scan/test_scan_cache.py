"""The cache never changes what a scan finds: warm, incremental and focused scans agree with
a scan that reads everything."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declone.config import load_settings
from declone.scan.document import family_to_json, index_to_json
from declone.scan.scanner import scan_focused, scan_overview, scan_repository

BODY = """\
    def __init__(self):
        self.sent = []
        self.open = True

    def send(self, item):
        if not self.open:
            raise RuntimeError("closed")
        self.sent.append(item)

    def close(self):
        self.open = False
"""
EXTRA = "\n    def messages(self):\n        return list(self.sent)\n"
OTHER = """\
    def __init__(self, name):
        self.name = name
        self.calls = []

    def call(self, tool):
        self.calls.append(tool)
        return {"tool": tool, "agent": self.name}

    def reset(self):
        self.calls.clear()
"""
BODIES = (
    BODY,
    BODY + EXTRA,
    BODY.replace("self.sent.append(item)", "self.sent.insert(0, item)"),
    OTHER,
)
NAMES = ("Conn", "FakeConn", "Agent")


def source(name: str, body: int) -> str:
    return f"class {name}:\n{BODIES[body]}"


def families_of(root: Path, cache: Path | None) -> list[dict[str, object]]:
    config = load_settings(root)
    config = (
        config.with_overrides(cache_dir=cache) if cache else config.with_overrides(use_cache=False)
    )
    index, _ = scan_repository(config)
    return [family_to_json(f) for f in index.families]


def document_of(root: Path, cache: Path | None, *, overview: bool = False) -> dict[str, object]:
    """The whole ``scan --json`` document but its timings."""
    config = load_settings(root)
    config = (
        config.with_overrides(cache_dir=cache) if cache else config.with_overrides(use_cache=False)
    )
    index, _ = (scan_overview if overview else scan_repository)(config)
    return index_to_json(index)


def without_source_diffs(family: dict[str, object]) -> dict[str, object]:
    variants = [
        {**v, "diff": {**v["diff"], "source_diff": ""}}  # type: ignore[dict-item]
        for v in family["variants"]  # type: ignore[attr-defined]
    ]
    return {**family, "variants": variants}


def write(root: Path, files: dict[str, str], stamp: int) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (stamp, stamp))


repo_state = st.dictionaries(
    st.sampled_from([f"m{i}.py" for i in range(8)]),
    st.tuples(st.sampled_from(NAMES), st.integers(0, len(BODIES) - 1)),
    min_size=1,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(states=st.lists(repo_state, min_size=2, max_size=4))
def test_cached_scans_agree_with_uncached_ones(tmp_path_factory, states) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("repo")
    cache = tmp_path_factory.mktemp("cache")
    stamp = 1_600_000_000
    previous: set[str] = set()
    for state in states:
        for gone in previous - set(state):
            (root / gone).unlink()
        stamp += 10
        write(root, {name: source(*spec) for name, spec in state.items()}, stamp)
        previous = set(state)
        expected = families_of(root, None)
        assert families_of(root, cache) == expected
        assert families_of(root, cache) == expected  # warm, from the cache alone
        whole = document_of(root, None)
        assert document_of(root, cache, overview=True) == whole
        assert document_of(root, cache, overview=True) == whole  # the stored overview
        config = load_settings(root).with_overrides(cache_dir=cache)
        for focus in sorted(state)[:2]:
            focused, _ = scan_focused(config, {focus})
            wanted = [f for f in expected if any(m["path"] == focus for m in f["members"])]  # type: ignore[attr-defined]
            # A focused scan leaves the variants' source diffs out; everything else agrees.
            assert [without_source_diffs(family_to_json(f)) for f in focused.families] == [
                without_source_diffs(f) for f in wanted
            ]
            assert [r.path for r in focused.files] == [focus]


def test_focused_scan_reads_only_what_changed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    files = {f"pkg/m{i}.py": source("Conn", 0) for i in range(60)}
    files["pkg/other.py"] = source("Agent", 3)
    write(root, files, 1_600_000_000)
    config = load_settings(root).with_overrides(cache_dir=tmp_path / "cache")
    _, cold = scan_repository(config)
    assert cold.parsed == 61
    write(root, {"pkg/m0.py": source("FakeConn", 1)}, 1_600_000_100)
    index, stats = scan_focused(config, {"pkg/m0.py"})
    assert stats.parsed == 1
    assert [f.name for f in index.families] == ["Conn"]
    assert len(index.families[0].copies) == 60
    assert "FakeConn" in index.families[0].names
    _, warm = scan_repository(config)
    assert warm.parsed == 0

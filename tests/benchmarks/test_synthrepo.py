"""The synthetic benchmark repository: deterministic, counted exactly, realistic enough."""

from __future__ import annotations

import ast
import json
import random
import re
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import synthrepo  # noqa: E402

import scan  # noqa: E402


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> synthrepo.GeneratedRepo:
    return synthrepo.generate(tmp_path_factory.mktemp("synth") / "repo", files=50, seed=7)


def test_same_seed_gives_byte_identical_repositories(
    tiny: synthrepo.GeneratedRepo, tmp_path: Path
) -> None:
    again = synthrepo.generate(tmp_path / "again", files=50, seed=7)
    assert _tree(again.root) == _tree(tiny.root)
    assert again.to_json() | {"root": ""} == tiny.to_json() | {"root": ""}


def test_another_seed_gives_another_repository(
    tiny: synthrepo.GeneratedRepo, tmp_path: Path
) -> None:
    other = synthrepo.generate(tmp_path / "other", files=50, seed=8)
    assert other.files == tiny.files
    assert _tree(other.root) != _tree(tiny.root)


def test_counts_match_the_files_written(tiny: synthrepo.GeneratedRepo) -> None:
    files = sorted(tiny.root.rglob("*.py"))
    contents = [path.read_bytes() for path in files]
    assert tiny.files == len(files) == 50
    assert tiny.lines == sum(data.count(b"\n") for data in contents)
    assert tiny.bytes == sum(len(data) for data in contents)
    assert tiny.families == synthrepo.default_family_count(50) == 25
    assert tiny.family_copies == sum(count for _, count in tiny.variant_copies)
    assert [kind for kind, _ in tiny.variant_copies] == [k for k, _ in synthrepo.VARIANT_KINDS]
    assert tiny.unique_classes == 50
    tests = sum(len(re.findall(rb"^def test_", data, re.MULTILINE)) for data in contents)
    assert tiny.test_functions == tests


def test_every_file_parses_and_every_family_is_pasted_twice(
    tiny: synthrepo.GeneratedRepo,
) -> None:
    files_per_family: dict[str, set[Path]] = defaultdict(set)
    for path in tiny.root.rglob("*.py"):
        module = ast.parse(path.read_bytes())
        for node in module.body:
            if isinstance(node, ast.ClassDef) and "Scenario" not in node.name:
                files_per_family[node.name.removeprefix("Legacy")].add(path)
    assert len(files_per_family) == tiny.families
    assert min(len(paths) for paths in files_per_family.values()) >= 2


def _without_docstrings(node: ast.ClassDef) -> str:
    """The class's syntax tree without docstrings (``node`` is changed in place)."""
    for child in ast.walk(node):
        if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = child.body
            if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                child.body = body[1:]
    return ast.dump(node)


def _class(source: str) -> ast.ClassDef:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    return node


@pytest.mark.parametrize("seed", range(5))
def test_variants_differ_from_the_base_exactly_as_named(seed: int) -> None:
    family = synthrepo._draw_family(random.Random(seed), "FakeOrderClient")
    base = _class(family.variants["base"])
    base_shape = _without_docstrings(_class(family.variants["base"]))
    for kind in ("reformatted", "commented"):
        assert _without_docstrings(_class(family.variants[kind])) == base_shape
    assert family.variants["reformatted"] != family.variants["base"]
    assert "#" in family.variants["commented"]

    renamed = _class(family.variants["renamed"])
    assert renamed.name == "LegacyFakeOrderClient"
    renamed.name = base.name
    assert ast.dump(renamed) == ast.dump(base)

    extra = _class(family.variants["extra_method"])
    assert len(extra.body) == len(base.body) + 1
    assert ast.dump(extra.body[: len(base.body)][-1]) == ast.dump(base.body[-1])

    flipped = _class(family.variants["async_method"])
    kinds = [(type(a), type(b)) for a, b in zip(base.body, flipped.body, strict=True)]
    assert sum(1 for a, b in kinds if a is not b) == 1


def test_too_few_files_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 2"):
        synthrepo.generate(tmp_path / "one", files=1)


def test_floor_reads_what_was_generated(tiny: synthrepo.GeneratedRepo) -> None:
    floor = scan.measure_floor(tiny.root)
    assert (floor.files, floor.lines, floor.bytes) == (tiny.files, tiny.lines, tiny.bytes)
    assert floor.syntax_errors == 0
    assert floor.seconds > 0


def test_floor_counts_syntax_errors_and_skips_git_dirs(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "hook.py").write_text("x = 1\n")
    (tmp_path / "bad.py").write_text("def broken(:\n")
    (tmp_path / "nul.py").write_bytes(b"x = 1\0\n")
    (tmp_path / "good.py").write_text("y = 2\n")
    floor = scan.measure_floor(tmp_path)
    assert (floor.files, floor.syntax_errors) == (3, 2)


def test_prepared_repository_is_reused(tmp_path: Path) -> None:
    first = scan.prepare_synthetic_repo(12, seed=1, work_dir=tmp_path)
    stamp = next(first.root.rglob("*.py")).stat().st_mtime_ns
    second = scan.prepare_synthetic_repo(12, seed=1, work_dir=tmp_path)
    assert second == first
    assert next(second.root.rglob("*.py")).stat().st_mtime_ns == stamp
    if shutil.which("git"):
        assert (first.root / ".git").is_dir()


def test_incomplete_repository_is_replaced(tmp_path: Path) -> None:
    root = tmp_path / f"synth-v{synthrepo.GENERATOR_VERSION}-files10-seed3"
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_half_written.py").write_text("x = 1\n")
    repo = scan.prepare_synthetic_repo(10, seed=3, work_dir=tmp_path)
    assert repo.root == root
    assert not (root / "tests" / "test_half_written.py").exists()
    assert len(scan.python_files(root)) == 10
    assert sorted(path.name for path in tmp_path.iterdir()) == [root.name]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_declone_finds_every_generated_family(tmp_path: Path) -> None:
    repo = scan.prepare_synthetic_repo(40, seed=2, work_dir=tmp_path)
    run = scan.run_declone(repo.root, tmp_path / "cache", "cold")
    assert run.ok, run.stderr_tail
    assert run.summary["files"] == repo.files
    assert run.summary["families"] == repo.families
    assert run.peak_rss_mb > 0


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_compare_measures_cold_warm_and_an_edit_and_puts_the_file_back(tmp_path: Path) -> None:
    repo = scan.prepare_synthetic_repo(60, seed=3, work_dir=tmp_path)
    before = {path: path.read_bytes() for path in scan.python_files(repo.root)}
    figures = scan.compare(repo.root, work_dir=tmp_path)
    assert figures.cold.ok, figures.cold.stderr_tail
    assert figures.warm.ok, figures.warm.stderr_tail
    assert figures.edited is not None
    assert figures.edited.ok, figures.edited.stderr_tail
    assert figures.cold.summary["stats"]["parsed"] == repo.files
    assert figures.warm.summary["stats"]["parsed"] == 0
    assert figures.edited.summary["stats"]["parsed"] == 1
    # The edit adds one class, a helper of its own: one more class, the same families.
    assert figures.edited.summary["classes"] == figures.warm.summary["classes"] + 1
    assert figures.edited.summary["families"] == figures.warm.summary["families"] == repo.families
    assert {path: path.read_bytes() for path in scan.python_files(repo.root)} == before
    assert figures.to_json()["edited_ratio"] > 0
    assert "1 file edited" in scan.render_table("title", figures)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_compare_in_rounds_shows_the_median_round_and_every_ratio(tmp_path: Path) -> None:
    repo = scan.prepare_synthetic_repo(30, seed=4, work_dir=tmp_path)
    figures = scan.compare(repo.root, work_dir=tmp_path, rounds=3)
    colds = [cold for cold, _ in figures.rounds]
    assert len(colds) == 3
    assert colds == sorted(colds)
    assert figures.cold_ratio == colds[1]
    assert [r["cold_ratio"] for r in figures.to_json()["rounds"]] == [round(c, 3) for c in colds]
    assert "cold x floor in 3 rounds" in scan.render_table("title", figures)
    # The round's floor is the mean of the timings right before and after the cold run.
    before, after = figures.floor_before_after
    assert figures.floor.seconds == pytest.approx((before + after) / 2)
    assert figures.best_cold_ratio is not None
    assert "fastest cold run over the fastest floor" in scan.render_table("title", figures)


def test_the_best_cold_ratio_is_the_fastest_cold_run_over_the_fastest_floor() -> None:
    def figures(cold: float, floors: tuple[float, float]) -> scan.ScanFigures:
        floor = scan.Floor(1, 1, 1, 0, sum(floors) / 2)
        run = scan.DecloneRun("declone cold", (), 0, cold, 1.0, None, {}, "")
        return scan.ScanFigures(floor, run, run, floor_before_after=floors)

    rounds = [figures(9.0, (8.0, 10.0)), figures(8.5, (9.5, 9.0)), figures(11.0, (7.5, 8.0))]
    assert scan.best_cold_ratio(rounds) == 8.5 / 7.5
    assert scan.best_cold_ratio([figures(6.0, (8.0, 8.0))]) == 0.75


# -- the monorepo profile ------------------------------------------------------------------


@pytest.fixture(scope="module")
def mono(tmp_path_factory: pytest.TempPathFactory) -> synthrepo.GeneratedRepo:
    root = tmp_path_factory.mktemp("mono") / "repo"
    return synthrepo.generate(root, files=400, seed=5, profile="monorepo")


def test_the_monorepo_is_deterministic_and_counted_exactly(
    mono: synthrepo.GeneratedRepo, tmp_path: Path
) -> None:
    again = synthrepo.generate(tmp_path / "again", files=400, seed=5, profile="monorepo")
    assert _tree(again.root) == _tree(mono.root)
    files = sorted(mono.root.rglob("*.py"))
    contents = [path.read_bytes() for path in files]
    assert mono.files == len(files) == 400
    assert mono.lines == sum(data.count(b"\n") for data in contents)
    assert mono.bytes == sum(len(data) for data in contents)
    assert mono.families == synthrepo.monorepo_family_count(400) == 30
    assert mono.family_copies == 400 // 4 == sum(count for _, count in mono.variant_copies)
    assert mono.backup_files == len(list(mono.root.rglob("*.py.bak"))) == 2
    commented = sum(len(re.findall(rb"^# class ", data, re.MULTILINE)) for data in contents)
    assert mono.commented_copies == commented == 4
    assert mono.profile == "monorepo"


def test_the_monorepo_pastes_each_family_twice_at_least_and_mostly_keeps_code_unique(
    mono: synthrepo.GeneratedRepo,
) -> None:
    pasted: dict[str, set[Path]] = defaultdict(set)
    own = 0
    for path in mono.root.rglob("*.py"):
        for node in ast.parse(path.read_bytes()).body:
            if isinstance(node, ast.ClassDef):
                if any(c.isdigit() for c in node.name):
                    own += 1
                else:
                    pasted[node.name.removeprefix("Legacy")].add(path)
    assert len(pasted) == mono.families
    assert min(len(paths) for paths in pasted.values()) >= 2
    assert max(len(paths) for paths in pasted.values()) == mono.largest_family
    assert own == mono.unique_classes
    # A quarter of the files hold a pasted copy, the others only code of their own.
    holding = set().union(*pasted.values())
    assert len(holding) < mono.files // 2


def test_an_unknown_profile_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown profile 'huge'"):
        synthrepo.generate(tmp_path / "x", files=10, profile="huge")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_declone_finds_the_monorepos_families_and_its_largest(tmp_path: Path) -> None:
    repo = scan.prepare_synthetic_repo(200, seed=3, work_dir=tmp_path, profile="monorepo")
    assert repo.root.name == f"monorepo-v{synthrepo.MONOREPO_VERSION}-files200-seed3"
    run, stdout = scan.measure_process(
        [sys.executable, "-m", "declone", "scan", str(repo.root), "--json", "--no-cache"], "cold"
    )
    assert run.ok, run.stderr_tail
    document = json.loads(stdout)
    assert document["summary"]["families"] == repo.families
    assert document["summary"]["backup_copies"] > 0
    assert document["summary"]["commented_copies"] == repo.commented_copies
    duplicates = [f for f in document["families"] if f["kind"] == "duplicate"]
    assert max(f["copies"] for f in duplicates) == repo.largest_family
    assert run.peak_rss_mb > 0
    assert run.tree_peak_rss_mb is None or run.tree_peak_rss_mb >= run.peak_rss_mb / 2
    # The whole run's CPU time holds its own process's, workers or not.
    assert run.cpu_seconds > 0
    assert run.main_cpu_seconds is None or 0 < run.main_cpu_seconds <= run.cpu_seconds + 0.05


def test_the_memory_table_shows_each_size() -> None:
    floor = scan.Floor(1, 1, 1, 0, 10.0)
    run = scan.DecloneRun("declone cold", (), 0, 5.0, 120.0, 250.0, {}, "")
    warm = scan.DecloneRun("declone warm", (), 0, 0.4, 40.0, 45.0, {}, "")
    figures = scan.ScanFigures(floor, run, warm)
    assert figures.peak_rss_mb == 120.0
    assert figures.tree_peak_rss_mb == 250.0
    assert figures.verdicts() == {"cold_ratio": True, "warm_ratio": True, "peak_rss_mb": True}
    repo = synthrepo.GeneratedRepo(Path("r"), 0, 5000, 500_000, 1, 1, 1, (), 1, 1, "monorepo")
    table = scan.memory_table([(repo, figures)])
    assert "  5,000    500,000   0.500   0.040    120 MB    250 MB" in table.splitlines()


def test_the_table_splits_cold_cpu_time_between_declone_and_its_workers() -> None:
    floor = scan.Floor(1, 1, 1, 0, 10.0)
    cold = scan.DecloneRun("declone cold", (), 0, 8.0, 120.0, 250.0, {}, "", 15.0, 3.0)
    warm = scan.DecloneRun("declone warm", (), 0, 0.4, 40.0, 45.0, {}, "")
    table = scan.render_table("title", scan.ScanFigures(floor, cold, warm))
    assert (
        "declone cold, CPU time: 15.00 s in all (1.500 x floor), of which its main process "
        "3.00 s (0.300 x floor)"
    ) in table
    # Without /proc the split is not known, and not shown.
    unknown = scan.DecloneRun("declone cold", (), 0, 8.0, 120.0, None, {}, "", 15.0, None)
    assert "CPU time" not in scan.render_table("title", scan.ScanFigures(floor, unknown, warm))

"""Deterministic generator of synthetic repositories for scan benchmarks, in two profiles.

``suite`` (the default) looks like a large, old test suite where duplication is heavy: every
file is a test module with imports, two or three helper classes pasted from a shared pool of
*families*, one class of its own and a handful of test functions (10,000 files hold 25,000
pasted copies of 520 families).

``monorepo`` looks like a large code base where duplication is sparse: most files are
production modules with classes and functions of their own, a fifth are test modules, and
about one file in four holds a pasted copy (20,000 files hold about 5,000 copies of 1,500
families, a few families pasted a hundred times and most two or three times). One file in a
hundred also keeps a copy commented out line by line, and one in two hundred has a backup
beside it (``module.py.bak``).

In both, each family has a base body and five kinds of variant, the ones declone must
recognise: reformatted, re-commented (other comments and docstrings), an extra method, one
method switched to ``async``, and the same body under another name.

Everything is drawn from one seeded ``random.Random`` and written in a fixed order, so the
same ``profile``, ``files`` and ``seed`` always produce byte-identical files.

    python benchmarks/synthrepo.py OUT_DIR [--profile suite|monorepo] [--files N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

__all__ = [
    "GENERATOR_VERSION",
    "MONOREPO_VERSION",
    "PROFILES",
    "VARIANT_KINDS",
    "GeneratedRepo",
    "default_family_count",
    "generate",
    "main",
    "monorepo_family_count",
]

#: Bump when the output changes, so that cached repositories are regenerated.
GENERATOR_VERSION = 4
#: The same for the ``monorepo`` profile.
MONOREPO_VERSION = 1

#: ``suite``: every file pastes helpers (heavy duplication); ``monorepo``: sparse duplication.
PROFILES = ("suite", "monorepo")

#: Kinds of copy and how often each is pasted: most copies are faithful.
VARIANT_KINDS: tuple[tuple[str, int], ...] = (
    ("base", 55),
    ("reformatted", 12),
    ("commented", 12),
    ("extra_method", 8),
    ("async_method", 6),
    ("renamed", 7),
)

_FILES_PER_DIR = 100

_PREFIXES = ("Fake", "Stub", "Mock", "Dummy", "Test", "InMemory", "Recording", "Spy")
_DOMAINS = (
    "Order", "Payment", "User", "Session", "Cache", "Queue", "Socket", "Mailer", "Storage",
    "Ledger", "Inventory", "Search", "Billing", "Auth", "Token", "Report", "Upload", "Metrics",
    "Scheduler", "Notification", "Invoice", "Shipment", "Catalog", "Profile", "Audit", "Webhook",
    "Tenant", "Quota", "Feature", "Pricing", "Refund", "Coupon", "Thread", "Message", "Channel",
    "Document", "Workflow", "Agent", "Tool", "Pipeline",
)  # fmt: skip
_ROLES = (
    "Client", "Service", "Repository", "Gateway", "Connection", "Backend", "Adapter", "Handler",
    "Manager", "Store", "Provider", "Publisher",
)  # fmt: skip
_VERBS = (
    "send", "fetch", "store", "load", "publish", "record", "reset", "close", "open", "lookup",
    "update", "delete", "create", "flush", "retry", "validate", "render", "schedule", "cancel",
    "acknowledge", "emit", "collect", "apply", "resolve",
)  # fmt: skip
_NOUNS = (
    "message", "record", "event", "item", "batch", "request", "response", "payload", "entry",
    "token", "job", "result", "order", "user", "page", "chunk", "frame", "report", "state",
)  # fmt: skip
_PARAMS = ("key", "value", "payload", "item", "timeout", "count", "name", "data", "items", "limit")
_LIST_ATTRS = ("calls", "events", "messages", "payloads", "history", "errors", "pending", "sent")
_DICT_ATTRS = ("store", "headers", "config", "responses", "state", "index", "registry")
_FLAG_ATTRS = ("closed", "connected", "started", "failed", "enabled", "dirty")
_COUNTER_ATTRS = ("retries", "counter", "attempts", "hits", "misses", "version")
_VALUE_ATTRS = ("timeout", "name", "endpoint", "owner", "region", "limit")
_MESSAGES = ("not connected", "already closed", "limit reached", "unknown key", "bad payload")
_STDLIB = ("asyncio", "json", "os", "re", "time", "uuid", "datetime", "itertools", "functools")
_COMMENTS = (
    "keep the order: tests assert on it",
    "mirrors the production behaviour closely enough",
    "see the integration suite for the real thing",
    "copied from the shared helpers, adjusted here",
    "TODO: move to a shared module",
    "deliberately simple: no locking needed in tests",
)


@dataclass(frozen=True, slots=True)
class GeneratedRepo:
    """What :func:`generate` wrote; the counts are exact, computed while writing."""

    root: Path
    seed: int
    files: int
    lines: int
    bytes: int
    families: int
    #: Helper classes pasted from a family, over all files.
    family_copies: int
    #: ``(kind, copies)`` for every kind in :data:`VARIANT_KINDS`, in that order.
    variant_copies: tuple[tuple[str, int], ...]
    #: Classes that exist once (one per file).
    unique_classes: int
    test_functions: int
    profile: str = "suite"
    #: Copies of the most pasted family (0: not recorded by an older generator).
    largest_family: int = 0
    #: Family copies commented out line by line, and ``.py.bak`` files written beside a module.
    commented_copies: int = 0
    backup_files: int = 0

    def to_json(self) -> dict[str, object]:
        document = asdict(self)
        document["root"] = str(self.root)
        document["variant_copies"] = dict(self.variant_copies)
        return document


# -- the shape of a class, rendered in several styles -------------------------------------


@dataclass(frozen=True, slots=True)
class _Method:
    name: str
    params: tuple[str, ...]
    #: Statements as lines relative to the method body; nested lines start with 4 spaces.
    body: tuple[str, ...]
    is_async: bool = False


@dataclass(frozen=True, slots=True)
class _ClassShape:
    name: str
    doc: str
    attrs: tuple[tuple[str, str], ...]
    methods: tuple[_Method, ...]


@dataclass(frozen=True, slots=True)
class _Style:
    indent: str = "    "
    blank_between: bool = True
    quote: str = '"'
    spaced_defaults: bool = False
    comments: bool = False
    alt_docs: bool = False


_PLAIN = _Style()
_REFORMATTED = _Style(indent="  ", blank_between=False, quote="'", spaced_defaults=True)
_COMMENTED = _Style(comments=True, alt_docs=True)


def _requote(line: str, style: _Style) -> str:
    # Generated string literals never contain quotes, so swapping the delimiter is exact.
    return line.replace('"', style.quote) if style.quote != '"' else line


def _render_class(shape: _ClassShape, style: _Style, rng: random.Random) -> str:
    ind = style.indent
    doc = f"{shape.doc} Kept in sync by hand." if style.alt_docs else shape.doc
    lines = [f"class {shape.name}:", f'{ind}"""{doc}"""']
    default = " = None" if style.spaced_defaults else "=None"
    init_params = "".join(f", {name}{default}" for name, _ in shape.attrs if name in _VALUE_ATTRS)
    if style.blank_between:
        lines.append("")
    lines.append(f"{ind}def __init__(self{init_params}):")
    if style.comments:
        lines.append(f"{ind * 2}# {rng.choice(_COMMENTS)}")
    for name, value in shape.attrs:
        rhs = name if name in _VALUE_ATTRS else value
        lines.append(f"{ind * 2}self.{name} = {rhs}")
    for method in shape.methods:
        if style.blank_between:
            lines.append("")
        keyword = "async def" if method.is_async else "def"
        params = "".join(f", {p}" for p in method.params)
        lines.append(f"{ind}{keyword} {method.name}(self{params}):")
        if style.alt_docs:
            lines.append(f'{ind * 2}"""{method.name.replace("_", " ").capitalize()}."""')
        if style.comments and rng.random() < 0.4:
            lines.append(f"{ind * 2}# {rng.choice(_COMMENTS)}")
        for statement in method.body:
            nested = statement.startswith("    ")
            text = _requote(statement[4:] if nested else statement, style)
            lines.append(f"{ind * (3 if nested else 2)}{text}")
    return "\n".join(lines) + "\n"


# -- drawing shapes ------------------------------------------------------------------------


def _draw_attrs(rng: random.Random) -> tuple[tuple[str, str], ...]:
    pools = (
        (_LIST_ATTRS, "[]"),
        (_DICT_ATTRS, "{}"),
        (_FLAG_ATTRS, "False"),
        (_COUNTER_ATTRS, "0"),
        (_VALUE_ATTRS, "None"),
    )
    attrs = [(rng.choice(names), value) for names, value in pools]
    rng.shuffle(attrs)
    return tuple(attrs[: rng.randint(3, 5)])


def _statements(
    rng: random.Random, attrs: tuple[tuple[str, str], ...], params: tuple[str, ...]
) -> tuple[str, ...]:
    kinds = {value: name for name, value in attrs}
    arg = params[0] if params else "None"
    options: list[tuple[str, ...]] = [(f"result = {{{json.dumps(rng.choice(_NOUNS))}: {arg}}}",)]
    if "[]" in kinds:
        lst = kinds["[]"]
        options += [
            (f"self.{lst}.append({arg})",),
            (f"if not self.{lst}:", "    return None"),
            (f"for entry in list(self.{lst}):", f"    self.{lst}.remove(entry)"),
        ]
    if "{}" in kinds:
        dct = kinds["{}"]
        options += [
            (f"self.{dct}[{json.dumps(rng.choice(_NOUNS))}] = {arg}",),
            (f"value = self.{dct}.get({json.dumps(rng.choice(_PARAMS))})",),
        ]
    if "False" in kinds:
        flag = kinds["False"]
        options += [
            (f"if self.{flag}:", f"    raise RuntimeError({json.dumps(rng.choice(_MESSAGES))})"),
            (f"self.{flag} = {rng.choice(('True', 'False'))}",),
        ]
    if "0" in kinds:
        counter = kinds["0"]
        options += [(f"self.{counter} += {rng.randint(1, 3)}",)]
    if len(params) > 1:
        options.append((f"if {params[1]} is None:", f"    {params[1]} = {rng.randint(1, 99)}"))
    chosen = [
        line
        for option in rng.sample(options, min(len(options), rng.randint(1, 3)))
        for line in option
    ]
    if any(line.startswith("result = ") for line in chosen):
        chosen.append("return result")
    else:
        chosen.append(f"return {rng.choice(('self', 'None', arg))}")
    return tuple(chosen)


def _draw_method(
    rng: random.Random, attrs: tuple[tuple[str, str], ...], taken: set[str]
) -> _Method:
    name = f"{rng.choice(_VERBS)}_{rng.choice(_NOUNS)}"
    while name in taken:
        name = f"{rng.choice(_VERBS)}_{rng.choice(_NOUNS)}"
    taken.add(name)
    params = tuple(rng.sample(_PARAMS, rng.randint(0, 2)))
    return _Method(name, params, _statements(rng, attrs, params), is_async=rng.random() < 0.2)


def _draw_shape(rng: random.Random, name: str, methods: int) -> _ClassShape:
    attrs = _draw_attrs(rng)
    taken: set[str] = set()
    drawn = tuple(_draw_method(rng, attrs, taken) for _ in range(methods))
    doc = f"{name} for tests: records what the code under test asked of it."
    return _ClassShape(name, doc, attrs, drawn)


@dataclass(frozen=True, slots=True, eq=False)
class _Family:
    name: str
    #: Rendered source per variant kind, drawn once so that copies of a kind are identical.
    variants: dict[str, str]


def _family_names(rng: random.Random, count: int) -> list[str]:
    combos = [p + d + r for p in _PREFIXES for d in _DOMAINS for r in _ROLES]
    if count > len(combos):
        raise ValueError(f"at most {len(combos)} families, asked for {count}")
    return rng.sample(combos, count)


def _renamed(name: str) -> str:
    # "Legacy" is no prefix of any family name, so renamed copies never meet another family.
    return "Legacy" + name


def _draw_family(rng: random.Random, name: str) -> _Family:
    shape = _draw_shape(rng, name, rng.randint(2, 4))
    extra = _draw_method(rng, shape.attrs, {m.name for m in shape.methods})
    flip = rng.randrange(len(shape.methods))
    flipped = tuple(
        _Method(m.name, m.params, m.body, not m.is_async) if i == flip else m
        for i, m in enumerate(shape.methods)
    )
    variants = {
        "base": _render_class(shape, _PLAIN, rng),
        "reformatted": _render_class(shape, _REFORMATTED, rng),
        "commented": _render_class(shape, _COMMENTED, rng),
        "extra_method": _render_class(
            _ClassShape(name, shape.doc, shape.attrs, (*shape.methods, extra)), _PLAIN, rng
        ),
        "async_method": _render_class(
            _ClassShape(name, shape.doc, shape.attrs, flipped), _PLAIN, rng
        ),
        "renamed": _render_class(
            _ClassShape(_renamed(name), shape.doc, shape.attrs, shape.methods), _PLAIN, rng
        ),
    }
    return _Family(name, variants)


# -- files ---------------------------------------------------------------------------------


def _test_function(rng: random.Random, index: int, helper: str | None) -> str:
    noun = rng.choice(_NOUNS)
    lines = [f"def test_{rng.choice(_VERBS)}_{noun}_{index}():"]
    if helper is not None:
        lines.append(f"    helper = {helper}()")
        lines.append("    assert helper is not None")
    for step in range(rng.randint(1, 2)):
        key, value = json.dumps(rng.choice(_PARAMS)), rng.randint(0, 1000)
        lines.append(f"    {noun}_{step} = {{{key}: {value}}}")
        lines.append(f"    assert {noun}_{step}[{key}] == {value}")
    return "\n".join(lines) + "\n"


def _module_text(
    rng: random.Random, index: int, families: list[_Family], weights: list[int]
) -> tuple[str, list[tuple[str, str]], int]:
    kinds = [kind for kind, _ in VARIANT_KINDS]
    kind_weights = [weight for _, weight in VARIANT_KINDS]
    picked: list[_Family] = []
    wanted = rng.randint(2, 3)
    while len(picked) < wanted:
        family = rng.choices(families, weights)[0]
        if family not in picked:
            picked.append(family)
    # Every family is pasted at least twice: file i also takes family i // 2, as it is, so
    # that each family has a dominant body, whatever its other copies drifted into.
    anchor = families[(index // 2) % len(families)]
    if anchor not in picked:
        picked[0] = anchor
    chosen_kinds = [
        "base" if family is anchor else rng.choices(kinds, kind_weights)[0] for family in picked
    ]

    imports = sorted(rng.sample(_STDLIB, rng.randint(1, 4)))
    subject = f"{rng.choice(_DOMAINS).lower()} {rng.choice(_ROLES).lower()}"
    imports_text = "\n".join(f"import {name}" for name in imports)
    parts = [f'"""Tests for the {subject}, module {index}."""\n\n{imports_text}\n\nimport pytest\n']
    helper_names = []
    for family, kind in zip(picked, chosen_kinds, strict=True):
        parts.append(family.variants[kind])
        helper_names.append(_renamed(family.name) if kind == "renamed" else family.name)

    own = _draw_shape(rng, f"{rng.choice(_DOMAINS)}Scenario{index}", rng.randint(2, 3))
    # Among thousands of small random classes some pairs come out near-identical by chance;
    # two or three methods, one named after the file's index, keep every one of them unique.
    first = own.methods[0]
    own = replace(own, methods=(replace(first, name=f"{first.name}_{index}"), *own.methods[1:]))
    parts.append(_render_class(own, _PLAIN, rng))
    tests = rng.randint(3, 6)
    for number in range(tests):
        helper = rng.choice(helper_names) if rng.random() < 0.5 else None
        parts.append(_test_function(rng, number, helper))
    parts.append(f"@pytest.fixture\ndef scenario():\n    return {own.name}()\n")
    pasted = [(family.name, kind) for family, kind in zip(picked, chosen_kinds, strict=True)]
    return "\n\n".join(parts), pasted, tests


def _paths(root: Path, files: int) -> Iterator[Path]:
    for index in range(files):
        group, position = divmod(index, _FILES_PER_DIR)
        yield (
            root
            / "tests"
            / f"suite_{group // 10:03d}"
            / f"area_{group % 10}"
            / f"test_m{position:02d}_{index:05d}.py"
        )


def default_family_count(files: int) -> int:
    """520 families for 10,000 files, fewer for small repos (each family needs 2 files)."""
    return max(2, min(520, files // 2))


def generate(
    root: Path,
    files: int = 10_000,
    seed: int = 0,
    families: int | None = None,
    profile: str = "suite",
) -> GeneratedRepo:
    """Write a synthetic repository under ``root`` (emptied first) and return its counts."""
    if files < 2:
        raise ValueError("files must be at least 2")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if profile == "monorepo":
        return _generate_monorepo(root, files, seed, families)
    family_count = default_family_count(files) if families is None else families
    rng = random.Random(seed)
    family_pool = [_draw_family(rng, name) for name in _family_names(rng, family_count)]
    # Zipf-like popularity: a few helpers are everywhere, most appear in a handful of files.
    weights = [max(1, 1000 // (rank + 1)) for rank in range(family_count)]

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n', encoding="utf-8"
    )
    lines = total_bytes = tests = 0
    variant_counter: Counter[str] = Counter()
    family_counter: Counter[str] = Counter()
    made_dirs: set[Path] = set()
    for index, path in enumerate(_paths(root, files)):
        if path.parent not in made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(path.parent)
        text, pasted, file_tests = _module_text(rng, index, family_pool, weights)
        data = text.encode("utf-8")
        path.write_bytes(data)
        lines += text.count("\n")
        total_bytes += len(data)
        tests += file_tests
        variant_counter.update(kind for _, kind in pasted)
        family_counter.update(name for name, _ in pasted)
    return GeneratedRepo(
        root=root,
        seed=seed,
        files=files,
        lines=lines,
        bytes=total_bytes,
        families=family_count,
        family_copies=sum(variant_counter.values()),
        variant_copies=tuple((kind, variant_counter[kind]) for kind, _ in VARIANT_KINDS),
        unique_classes=files,
        test_functions=tests,
        largest_family=max(family_counter.values(), default=0),
    )


# -- the monorepo profile ------------------------------------------------------------------

#: Kinds of file in a monorepo, by share: most are production modules.
_TEST_SHARE = 0.2
_ROUTINE_LINES = (
    "total = 0",
    "seen = set()",
    "buffer = []",
    "started = time.monotonic()",
)


def monorepo_family_count(files: int) -> int:
    """1,500 families for 20,000 files, in proportion for other sizes (at least 2)."""
    return max(2, round(files * 0.075))


def _monorepo_paths(files: int, rng: random.Random) -> list[tuple[Path, bool]]:
    """Each file's path, relative to the root, and whether it is a test module."""
    paths: list[tuple[Path, bool]] = []
    for index in range(files):
        group, position = divmod(index, _FILES_PER_DIR)
        area = f"{_DOMAINS[group // 10 % len(_DOMAINS)].lower()}_{group // 10:03d}"
        if rng.random() < _TEST_SHARE:
            paths.append((Path("tests", area, f"unit_{group % 10}", f"test_{index:05d}.py"), True))
        else:
            name = f"{rng.choice(_ROLES).lower()}_{position:02d}_{index:05d}.py"
            paths.append((Path("src", "mono", area, f"pkg_{group % 10}", name), False))
    return paths


def _function(rng: random.Random, name: str) -> str:
    """A module-level function: a loop, a dictionary, a branch, a return."""
    params = rng.sample(_PARAMS, rng.randint(1, 3))
    first = params[0]
    lines = [
        f"def {name}({', '.join(params)}):",
        f'    """{name.replace("_", " ").capitalize()}."""',
    ]
    lines.append(f"    {rng.choice(_ROUTINE_LINES)}")
    lines.append(f"    result = {{{json.dumps(rng.choice(_NOUNS))}: {first}}}")
    for step in range(rng.randint(1, 3)):
        noun = rng.choice(_NOUNS)
        lines.append(f"    for {noun}_{step} in list({first} or ()):")
        lines.append(f"        result[{json.dumps(noun)}] = {noun}_{step}")
    if len(params) > 1:
        lines.append(f"    if {params[1]} is None:")
        lines.append(f"        raise ValueError({json.dumps(rng.choice(_MESSAGES))})")
    lines.append(f"    LOG.debug({json.dumps(name + ': %s')}, result)")
    lines.append("    return result")
    return "\n".join(lines) + "\n"


def _own_class(rng: random.Random, index: int, number: int) -> str:
    """A class of this file only: every method's name carries the file's index, so that no
    two of them are near-clones by chance (their headers differ)."""
    name = f"{rng.choice(_DOMAINS)}{rng.choice(_ROLES)}{index}{'ABCD'[number]}"
    shape = _draw_shape(rng, name, rng.randint(3, 6))
    methods = tuple(replace(m, name=f"{m.name}_{index}{number}") for m in shape.methods)
    return _render_class(replace(shape, methods=methods), _PLAIN, rng)


def _commented_out(source: str) -> str:
    lines = source.rstrip("\n").split("\n")
    return "# Kept for reference until the new one settles:\n" + "".join(
        f"# {line}\n" if line else "#\n" for line in lines
    )


def _monorepo_module(
    rng: random.Random,
    index: int,
    is_test: bool,
    pasted: list[tuple[_Family, str]],
    commented: _Family | None,
) -> tuple[str, int]:
    """One file's text and its test functions."""
    imports = sorted({"json", "logging", "time", *rng.sample(_STDLIB, rng.randint(0, 3))})
    subject = f"{rng.choice(_DOMAINS).lower()} {rng.choice(_ROLES).lower()}"
    header = f'"""{"Tests for the" if is_test else "The"} {subject}, module {index}."""\n\n'
    header += "\n".join(f"import {name}" for name in imports)
    header += "\n\nimport pytest\n" if is_test else "\n\nLOG = logging.getLogger(__name__)\n"
    parts = [header]
    parts.extend(family.variants[kind] for family, kind in pasted)
    for number in range(1 if is_test else rng.randint(1, 2)):
        parts.append(_own_class(rng, index, number))
    tests = 0
    if is_test:
        helpers = [_renamed(f.name) if kind == "renamed" else f.name for f, kind in pasted]
        tests = rng.randint(3, 6)
        for number in range(tests):
            helper = rng.choice(helpers) if helpers and rng.random() < 0.5 else None
            parts.append(_test_function(rng, number, helper))
    else:
        for number in range(rng.randint(2, 4)):
            name = f"{rng.choice(_VERBS)}_{rng.choice(_NOUNS)}_{index}_{number}"
            parts.append(_function(rng, name))
    if commented is not None:
        parts.append(_commented_out(commented.variants["base"]))
    return "\n\n".join(parts), tests


def _placements(
    rng: random.Random, families: list[_Family], paths: list[tuple[Path, bool]], files: int
) -> dict[int, list[tuple[_Family, str]]]:
    """Which files each family is pasted into, and as which variant.

    Every family is pasted at least twice as it is (so it has a dominant body); the other
    copies, a quarter of the files in all, go to families by a Zipf-like popularity. Families
    of even rank are test helpers, pasted into test modules; the others into production code.
    """
    count = len(families)
    copies = [2] * count
    extra = max(0, files // 4 - 2 * count)
    weights = [max(1, 1000 // (rank + 1)) for rank in range(count)]
    for rank in rng.choices(range(count), weights, k=extra):
        copies[rank] += 1
    tests = [i for i, (_, is_test) in enumerate(paths) if is_test]
    production = [i for i, (_, is_test) in enumerate(paths) if not is_test]
    kinds = [kind for kind, _ in VARIANT_KINDS]
    kind_weights = [weight for _, weight in VARIANT_KINDS]
    placed: dict[int, list[tuple[_Family, str]]] = {}
    for rank, family in enumerate(families):
        pool = tests if rank % 2 == 0 and len(tests) >= 2 else production
        chosen = sorted(rng.sample(pool, min(len(pool), copies[rank])))
        for number, file_index in enumerate(chosen):
            kind = "base" if number < 2 else rng.choices(kinds, kind_weights)[0]
            placed.setdefault(file_index, []).append((family, kind))
    return placed


def _generate_monorepo(root: Path, files: int, seed: int, families: int | None) -> GeneratedRepo:
    family_count = monorepo_family_count(files) if families is None else families
    rng = random.Random(seed)
    family_pool = [_draw_family(rng, name) for name in _family_names(rng, family_count)]
    paths = _monorepo_paths(files, rng)
    placed = _placements(rng, family_pool, paths, files)
    commented_at = set(rng.sample(range(files), files // 100))
    backed_up = set(rng.sample(sorted(placed), min(len(placed), files // 200)))

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "mono"\nversion = "1.0"\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        encoding="utf-8",
    )
    lines = total_bytes = tests = unique = 0
    variant_counter: Counter[str] = Counter()
    family_counter: Counter[str] = Counter()
    made_dirs: set[Path] = set()
    for index, (relative, is_test) in enumerate(paths):
        path = root / relative
        if path.parent not in made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(path.parent)
        pasted = placed.get(index, [])
        commented = rng.choice(family_pool) if index in commented_at else None
        text, file_tests = _monorepo_module(rng, index, is_test, pasted, commented)
        data = text.encode("utf-8")
        path.write_bytes(data)
        if index in backed_up:
            path.with_name(path.name + ".bak").write_bytes(data)
        lines += text.count("\n")
        total_bytes += len(data)
        tests += file_tests
        unique += text.count("\nclass ") + text.startswith("class ") - len(pasted)
        variant_counter.update(kind for _, kind in pasted)
        family_counter.update(family.name for family, _ in pasted)
    return GeneratedRepo(
        root=root,
        seed=seed,
        files=files,
        lines=lines,
        bytes=total_bytes,
        families=family_count,
        family_copies=sum(variant_counter.values()),
        variant_copies=tuple((kind, variant_counter[kind]) for kind, _ in VARIANT_KINDS),
        unique_classes=unique,
        test_functions=tests,
        profile="monorepo",
        largest_family=max(family_counter.values(), default=0),
        commented_copies=len(commented_at),
        backup_files=len(backed_up),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a synthetic repository to scan.")
    parser.add_argument("root", type=Path, help="output directory (emptied first)")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", choices=PROFILES, default="suite")
    args = parser.parse_args(argv)
    repo = generate(args.root, files=args.files, seed=args.seed, profile=args.profile)
    json.dump(repo.to_json(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

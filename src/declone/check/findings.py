"""``declone check``'s engine: a scan index, the registered families and a baseline in,
violations out.

Pure functions over frozen values; ``runner`` reads the files and the command prints.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from declone.check.baseline import Baseline, warning_key
from declone.check.rules import (
    BUDGET_RULE,
    IMPORT_RULE,
    NEW_FAMILY_RULE,
    REGISTERED_COPY_RULE,
    WARNING_RULE,
    CheckOptions,
    Violation,
)
from declone.model import ClassKind, ClassRecord, ScanIndex
from declone.registry import RegisteredFamily, is_canonical_path, module_of_path
from declone.scan import jaccard

__all__ = [
    "CollectionFigures",
    "ImportedName",
    "check_budget",
    "check_index",
    "find_imports",
]


@dataclass(frozen=True, slots=True)
class ImportedName:
    """``from module import name`` in a checked file, with relative imports resolved."""

    path: str
    line: int
    col: int
    module: str
    name: str
    #: The name the import binds in the file (``as`` name, else ``name``).
    bound: str = ""


_PathFilter = Callable[[str], bool]

# --- the engine ------------------------------------------------------------------------------


def check_index(
    index: ScanIndex,
    registry: Sequence[RegisteredFamily],
    baseline: Baseline | None,
    options: CheckOptions,
    imports: Iterable[ImportedName] = (),
    checked: frozenset[str] | None = None,
) -> tuple[Violation, ...]:
    """Every violation in ``checked`` files (all files when None), sorted by location.

    Families are resolved against the whole index: a copy in a checked file is a copy even
    when every other member lives in files that were not checked.
    """

    def wanted(path: str) -> bool:
        return checked is None or path in checked

    imports = tuple(imports)
    copies = list(_registered_copies(index, registry, options, wanted, imports))
    flagged = {(v.path, v.line) for v in copies}
    found = [
        *copies,
        *(
            v
            for v in _new_families(index, registry, baseline, wanted)
            if (v.path, v.line) not in flagged
        ),
        *_collection_warnings(index, baseline, wanted),
    ]
    if options.canonical_imports_only:
        found.extend(_non_canonical_imports(registry, (i for i in imports if wanted(i.path))))
    return tuple(sorted(set(found)))


def _canonical_record(index: ScanIndex, family: RegisteredFamily) -> ClassRecord | None:
    for cls in index.classes:
        if (
            cls.name == family.class_name
            and not cls.in_function
            and is_canonical_path(cls.path, family.module)
        ):
            return cls
    return None


def _is_subclass_of(
    cls: ClassRecord, family: RegisteredFamily, imports: Sequence[ImportedName] = ()
) -> bool:
    # ``class Loud(Connection)`` extends the registered class; it is not a copy of it. So
    # does ``class Connection(_Connection)`` after ``import Connection as _Connection``
    # from the canonical module: the residual subclass that ``declone migrate`` leaves.
    bound = {
        i.bound
        for i in imports
        if i.path == cls.path and i.name in family.names and _same_module(i.module, family.module)
    }
    return any(base.rsplit(".", 1)[-1] in family.names or base in bound for base in cls.bases)


def _registered_copies(
    index: ScanIndex,
    registry: Sequence[RegisteredFamily],
    options: CheckOptions,
    wanted: _PathFilter,
    imports: Sequence[ImportedName] = (),
) -> Iterable[Violation]:
    # A class created in a function cannot be replaced by an import: ``declone migrate``
    # skips it and ``declone plan`` reports it, so it is not a violation here as well.
    candidates = [
        c
        for c in index.classes
        if wanted(c.path) and c.kind is ClassKind.HELPER and not c.in_function
    ]
    if not candidates:
        return
    for family in registry:
        canonical = _canonical_record(index, family)
        for cls in candidates:
            if is_canonical_path(cls.path, family.module) or _is_subclass_of(cls, family, imports):
                continue
            how = _copy_kind(cls, family, canonical, options)
            if how is None:
                continue
            yield Violation(
                cls.path,
                cls.lineno,
                cls.col + 1,
                REGISTERED_COPY_RULE.id,
                f"{cls.name} {how} registered {family.canonical}",
                f"delete it and `from {family.module} import {_import_phrase(family, cls.name)}`",
                cls.qualname,
            )


def _import_phrase(family: RegisteredFamily, used_name: str) -> str:
    if used_name == family.class_name:
        return family.class_name
    return f"{family.class_name} as {used_name}"


def _copy_kind(
    cls: ClassRecord,
    family: RegisteredFamily,
    canonical: ClassRecord | None,
    options: CheckOptions,
) -> str | None:
    if cls.name in family.names:
        return "redefines" if cls.name == family.class_name else "is an old name (alias) of"
    if canonical is None or cls.statement_count < options.min_lines:
        return None
    if cls.shape == canonical.shape:
        return "is a structural clone of"
    small, large = sorted((len(cls.statement_hashes), len(canonical.statement_hashes)))
    if large and small / large < options.similarity:
        return None
    similarity = jaccard(cls.statement_hashes, canonical.statement_hashes)
    if similarity >= options.similarity:
        return f"is a near-clone ({similarity:.0%} alike) of"
    return None


def _new_families(
    index: ScanIndex,
    registry: Sequence[RegisteredFamily],
    baseline: Baseline | None,
    wanted: _PathFilter,
) -> Iterable[Violation]:
    registered_names = {name for family in registry for name in family.names}
    for family in index.families:
        if not any(wanted(copy.path) for copy in family.copies):
            continue
        if registered_names.intersection(family.names):
            continue  # DCL001 owns the copies of registered classes
        copies = sorted(family.copies, key=lambda c: (c.path, c.lineno))
        accepted = baseline.accepted(family) if baseline is not None else None
        if accepted is None:
            new = copies
            what = "a new duplicated family"
        else:
            new = [c for c in copies if c.path not in accepted.files]
            old = [c for c in copies if c.path in accepted.files]
            excess = len(old) - accepted.count
            if excess > 0:
                new.extend(old[-excess:])
            what = f"a new copy (the baseline accepts {accepted.count})"
        for cls in new:
            if wanted(cls.path):
                elsewhere = [path for path in family.files if path != cls.path]
                where = f"; also in {elsewhere[0]}" if elsewhere else ""
                more = f" and {len(elsewhere) - 1} more" if len(elsewhere) > 1 else ""
                yield Violation(
                    cls.path,
                    cls.lineno,
                    cls.col + 1,
                    NEW_FAMILY_RULE.id,
                    f"{cls.name} is {what}: {len(copies)} copies of {family.name}{where}{more}",
                    NEW_FAMILY_RULE.fix,
                    cls.qualname,
                )


def _collection_warnings(
    index: ScanIndex, baseline: Baseline | None, wanted: _PathFilter
) -> Iterable[Violation]:
    accepted = set(baseline.collection_warnings) if baseline is not None else set()
    for cls in index.warning_sources:
        if wanted(cls.path) and warning_key(cls.path, cls.qualname) not in accepted:
            yield Violation(
                cls.path,
                cls.lineno,
                cls.col + 1,
                WARNING_RULE.id,
                f"pytest collects helper {cls.name} (it matches python_classes) and warns: "
                "it has an __init__",
                WARNING_RULE.fix,
                cls.qualname,
            )


def _same_module(first: str, second: str) -> bool:
    # Either may carry a source-folder prefix (``src.pkg.mod`` vs ``pkg.mod``).
    return first == second or first.endswith("." + second) or second.endswith("." + first)


def _non_canonical_imports(
    registry: Sequence[RegisteredFamily], imports: Iterable[ImportedName]
) -> Iterable[Violation]:
    by_name = {name: family for family in registry for name in family.names}
    for imported in imports:
        family = by_name.get(imported.name)
        if family is None or _same_module(imported.module, family.module):
            continue
        if is_canonical_path(imported.path, family.module):
            continue
        yield Violation(
            imported.path,
            imported.line,
            imported.col,
            IMPORT_RULE.id,
            f"imports {imported.name} from {imported.module}, not from its canonical module "
            f"{family.module}",
            f"`from {family.module} import {_import_phrase(family, imported.name)}`",
            imported.name,
        )


# --- inputs read from the checked files (pure over their text) ------------------------------


def find_imports(path: str, text: str, names: frozenset[str]) -> tuple[ImportedName, ...]:
    """``from M import N`` statements in ``text`` importing one of ``names``; none if unparseable."""
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        return ()
    package = module_of_path(path).split(".")
    if not path.endswith("/__init__.py") and path != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = (
                package[: len(package) - node.level + 1] if node.level <= len(package) + 1 else []
            )
            module = ".".join([*base, *([node.module] if node.module else [])])
        else:
            module = node.module or ""
        for alias in node.names:
            if alias.name in names:
                found.append(
                    ImportedName(
                        path,
                        node.lineno,
                        node.col_offset + 1,
                        module,
                        alias.name,
                        alias.asname or alias.name,
                    )
                )
    return tuple(found)


# --- the collection budget ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CollectionFigures:
    """The parts of a ``declone measure`` result the budget compares."""

    wall_seconds: float
    warnings: int
    errors: int


def check_budget(
    before: CollectionFigures, after: CollectionFigures, ratio: float, baseline_name: str
) -> tuple[Violation, ...]:
    """Repository-level violations when ``after`` is over the budget set by ``before``."""
    found = []

    def violation(subject: str, message: str) -> Violation:
        return Violation("", 0, 0, BUDGET_RULE.id, message, BUDGET_RULE.fix, subject)

    if before.wall_seconds > 0 and after.wall_seconds > before.wall_seconds * ratio:
        found.append(
            violation(
                "time",
                f"collection took {after.wall_seconds:.2f}s, {after.wall_seconds / before.wall_seconds:.2f}x "
                f"baseline {baseline_name!r} ({before.wall_seconds:.2f}s); the budget is {ratio:.2f}x",
            )
        )
    if after.warnings > before.warnings:
        found.append(
            violation(
                "warnings",
                f"collection warnings grew from {before.warnings} to {after.warnings} "
                f"since baseline {baseline_name!r}",
            )
        )
    if after.errors > before.errors:
        found.append(
            violation(
                "errors",
                f"collection errors grew from {before.errors} to {after.errors} "
                f"since baseline {baseline_name!r}",
            )
        )
    return tuple(found)

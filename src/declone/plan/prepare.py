"""A family's plan from the repository: scan, resolve the canonical, plan every copy.

``plan``, ``migrate`` and ``finalize`` all start here; :func:`plan_changes` then rewrites the
planned files in memory, which is what ``migrate`` writes and ``plan --diff`` shows.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import posixpath
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from declone.errors import DecloneError, ExitCode
from declone.model import ClassRecord, FileProblem
from declone.plan.canonical import (
    CanonicalChoice,
    NothingToConsolidate,
    ResolvedCanonical,
    choice_from_registry,
    resolve_canonical,
)
from declone.plan.changes import FileChange, preview
from declone.plan.guards import (
    within_package,
    within_scope,
    without_cycles,
    without_dropped_comments,
)
from declone.plan.importability import (
    ImportContext,
    import_context,
    import_spelling,
    learned_roots,
    module_name_for,
    module_paths_for,
    sys_path_for,
    with_roots,
)
from declone.plan.layout import declared_source_roots
from declone.plan.planner import Plan, plan_migration
from declone.plan.shipping import (
    ShippingRule,
    collection_import_roots,
    collection_roots,
    shipping_rule,
)
from declone.plan.staying import at_top_level
from declone.plan.unusedcopies import OtherFiles, without_unused_imports
from declone.rewrite import ImportOrder, RewriteStatus, read_import_order
from declone.scan import (
    ScanStats,
    decode_source,
    find_scopes,
    find_test_code,
    scan_repository,
)

if TYPE_CHECKING:
    from pathlib import Path

    from declone.config import Settings
    from declone.model import Family, ScanIndex

__all__ = [
    "SCOPE_PLACEHOLDER",
    "PlanRequest",
    "PreparedPlan",
    "PreparedPlans",
    "ScopeNote",
    "absolute_imports",
    "plan_changes",
    "prepare_plan",
    "prepare_plans",
    "scope_path",
]

#: In ``--extract-to``, the root folder of each import scope: one canonical per scope.
SCOPE_PLACEHOLDER = "{scope}"


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What the user asked for: a family and how to choose its canonical."""

    family: str
    #: ``module:Class`` of an existing class.
    canonical: str | None = None
    #: Where to write a module extracted from one of the family's variants.
    extract_to: str | None = None
    variant: str = "dominant"
    #: The extracted class's new name.
    name: str | None = None
    #: The interpreter that runs the target's pytest: it decides what is importable.
    python: str = ""
    #: Root-relative folders or files: only the copies under them are planned (all if empty).
    only_paths: tuple[str, ...] = ()
    #: Plan unsafe actions too, instead of skipping those copies (``--unsafe``).
    unsafe: bool = False
    #: Migrate copies that hold comments the canonical lacks (``--drop-comments``).
    drop_comments: bool = False
    #: Without a canonical (given or registered), plan one extracted per scope, in the
    #: copies' nearest common test folder (``declone plan``'s proposal).
    propose: bool = False
    #: Set when a proposal is being planned: a copy that cannot travel to the proposed
    #: module stays where it is as the canonical.
    proposing: bool = False


@dataclass(frozen=True, slots=True)
class PreparedPlan:
    settings: Settings
    index: ScanIndex
    stats: ScanStats
    family: Family | None
    #: None when the family has no copies left (a migration ran) but the canonical exists.
    plan: Plan | None
    resolved: ResolvedCanonical
    #: Bytes of every file of the family, as read for the plan.
    sources: dict[str, bytes]
    #: What decides ``sys.path`` for the family's files, the repository's own roots included.
    context: ImportContext | None = None


@dataclass(frozen=True, slots=True)
class ScopeNote:
    """An import scope whose copies are left as they are, and why."""

    scope: str
    copies: tuple[ClassRecord, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class PreparedPlans:
    """A family's plans from one scan: one per import scope with ``{scope}``, else one."""

    settings: Settings
    index: ScanIndex
    stats: ScanStats
    #: The family as planned (only its copies under ``--paths``); None when none is left.
    family: Family | None
    parts: tuple[PreparedPlan, ...]
    #: Scopes planned with no canonical of their own (a single copy stays).
    kept: tuple[ScopeNote, ...]
    #: True when no canonical was given and each plan extracts to the module ``plan``
    #: proposes (see :func:`prepare_plans`).
    proposed: bool = False


def prepare_plan(
    settings: Settings,
    request: PlanRequest,
    *,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> PreparedPlan:
    """Scan the repository, resolve the canonical and plan the family (one canonical).

    A request whose ``extract_to`` holds ``{scope}`` has one plan per scope: see
    :func:`prepare_plans`.
    """
    prepared = prepare_plans(settings, request, on_total=on_total, on_progress=on_progress)
    if len(prepared.parts) != 1:
        raise DecloneError(
            f"--extract-to {request.extract_to}: one plan per scope; use prepare_plans",
            ExitCode.USAGE,
        )
    return prepared.parts[0]


def prepare_plans(
    settings: Settings,
    request: PlanRequest,
    *,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> PreparedPlans:
    """Scan the repository once, then plan the family: once, or scope by scope when
    ``--extract-to`` names ``{scope}`` or when ``propose`` asks for a proposal (no canonical
    given nor registered)."""
    index, stats = scan_repository(settings, on_total=on_total, on_progress=on_progress)
    try:
        return _prepare_plans(settings, request, index, stats)
    except NothingToConsolidate as nothing:
        if not request.only_paths:
            raise
        raise NothingToConsolidate(
            nothing.root, nothing.family, nothing.copies, under=request.only_paths
        ) from None


def _prepare_plans(
    settings: Settings, request: PlanRequest, index: ScanIndex, stats: ScanStats
) -> PreparedPlans:
    found = _named_family(index, request.family)
    family = _under_paths(found, request.only_paths) if found is not None else None
    if found is not None and family is None:
        shown = ", ".join(request.only_paths)
        raise DecloneError(
            f"--paths {shown}: no copy of {request.family} lies under them; "
            f"its copies are in {', '.join(found.files[:3])}"
            + (f" and {len(found.files) - 3} more files" if len(found.files) > 3 else ""),
            ExitCode.USAGE,
        )
    base = import_context(settings.pytest, [record.path for record in index.files])
    family_files = _read_family_files(settings, family)
    read_others = _files_naming(settings, index, family.names if family is not None else ())
    scope_of = find_scopes(settings.root, [record.path for record in index.files])
    packages = declared_source_roots(settings.root, {"", *scope_of.values()})
    collections = collection_roots(settings.root, {"", *scope_of.values()})
    context = with_roots(
        base,
        (
            *packages,
            *learned_roots(base, family_files.imports),
            *collection_import_roots(collections),
        ),
    )
    ships_alone = shipping_rule(collections)

    def guarded(part: PreparedPlan) -> PreparedPlan:
        if part.plan is None:
            return part
        plan = within_package(within_scope(part.plan, scope_of), packages)
        return dataclasses.replace(part, plan=plan)

    template = request.extract_to
    chosen = request.canonical is not None or template is not None
    registered = choice_from_registry(settings, request.family) is not None
    proposed = request.propose and not (chosen or registered) and family is not None
    if not proposed and (template is None or SCOPE_PLACEHOLDER not in template):
        part = _prepare_part(
            settings,
            request,
            index,
            stats,
            family,
            context,
            family_files,
            read_others,
            ships_alone,
            whole=found,
        )
        return PreparedPlans(settings, index, stats, family, (guarded(part),), ())
    if family is None:
        return PreparedPlans(settings, index, stats, None, (), ())
    if not any(at_top_level(copy) for copy in family.copies):
        raise NothingToConsolidate(settings.root, request.family, family.copies)
    if proposed:
        is_test = find_test_code(settings).is_test
        targets = {
            scope: _proposed_module(copies, is_test, ships_alone)
            for scope, copies in _copies_by_scope(family, scope_of).items()
        }
        target: Callable[[str], str] = targets.__getitem__
    else:
        assert template is not None
        target = functools.partial(scope_path, template)
    parts: list[PreparedPlan] = []
    kept: list[ScopeNote] = []
    for scope, copies in _copies_by_scope(family, scope_of).items():
        files = sorted({copy.path for copy in copies})
        if len(files) < settings.min_copies:
            kept.append(ScopeNote(scope, tuple(copies), _one_copy_reason(files)))
            continue
        sub = _restricted(family, {id(copy) for copy in copies})
        assert sub is not None
        sub = dataclasses.replace(sub, scopes=(scope,))
        scoped = dataclasses.replace(request, extract_to=target(scope), proposing=proposed)
        try:
            part = _prepare_part(
                settings, scoped, index, stats, sub, context, family_files, read_others, ships_alone
            )
        except NothingToConsolidate as nothing:
            # No copy of this scope can become an import; the other scopes' can.
            kept.append(ScopeNote(scope, tuple(copies), nothing.stays))
            continue
        parts.append(guarded(part))
    return PreparedPlans(
        settings, index, stats, family, tuple(parts), tuple(kept), proposed=proposed
    )


def _proposed_module(
    copies: list[ClassRecord], is_test: Callable[[str], bool], ships_alone: ShippingRule
) -> str:
    """Where ``plan`` proposes to extract a scope's canonical: ``declone_support.py`` in the
    copies' nearest common folder that is test code (their common folder when none is); in
    the folder a file that ships on its own may import from, when a copy is in one (an
    Ansible module's ``module_utils``: every other file of its collection may import it too).
    """
    shipped = next((alone for copy in copies if (alone := ships_alone(copy.path))), None)
    if shipped is not None:
        return f"{shipped.allowed}/declone_support.py"
    folder = posixpath.commonpath([posixpath.dirname(copy.path) or "." for copy in copies])
    folder = "" if folder == "." else folder
    candidate = folder
    while candidate and not is_test(f"{candidate}/declone_support.py"):
        candidate = posixpath.dirname(candidate)
    chosen = candidate if candidate else folder
    return f"{chosen}/declone_support.py" if chosen else "declone_support.py"


def scope_path(template: str, scope: str) -> str:
    """``--extract-to`` with ``{scope}`` replaced by the scope's root folder."""
    return posixpath.normpath(template.replace(SCOPE_PLACEHOLDER, scope or "."))


def _one_copy_reason(files: list[str]) -> str:
    return "in one file: stays" if len(files) == 1 else "in too few files (min-copies): stays"


def _prepare_part(
    settings: Settings,
    request: PlanRequest,
    index: ScanIndex,
    stats: ScanStats,
    family: Family | None,
    context: ImportContext,
    files: _FamilyFiles,
    read_others: OtherFiles,
    ships_alone: ShippingRule,
    *,
    whole: Family | None = None,
) -> PreparedPlan:
    """One canonical and the plan of ``family``'s copies to it (``files`` may hold more
    files: those of the whole family).

    ``whole`` is the family before ``--paths`` kept some of its copies: an existing
    canonical that is one of its copies outside those paths still compares body to body.
    """
    texts, parsed = files.texts, files.parsed
    preferred = _preferred_sources(settings, index, family, context, files) if family else ()
    choice = CanonicalChoice(
        request.canonical,
        request.extract_to,
        request.variant,
        request.name,
        preferred,
        in_place_if_stuck=request.proposing,
    )
    if request.canonical is None and request.extract_to is None:
        choice = choice_from_registry(settings, request.family) or choice
    described = whole if choice.reference is not None and whole is not None else family
    resolved = resolve_canonical(
        choice, settings, described, request.family, context, request.python
    )
    if family is None:
        return PreparedPlan(settings, index, stats, None, None, resolved, {})
    read_tree = _tree_reader(settings, index)
    is_test_code = find_test_code(settings).is_test
    plan = plan_migration(
        index,
        family,
        resolved.canonical,
        settings.pytest,
        context,
        {path: texts[path] for path in family.files if path in texts},
        trees={path: parsed[path] for path in family.files if path in parsed},
        installed=resolved.installed,
        unsafe=request.unsafe,
        read_tree=read_tree,
        inert_bases=settings.inert_bases,
        is_test_code=is_test_code,
        ships_alone=ships_alone,
    )
    if request.family in family.names:
        # The name the user gave wins over the scan's pick (the most common one).
        plan = dataclasses.replace(plan, family=request.family)
    if resolved.kept_in_place:
        canonical = resolved.canonical
        stays = (
            f"{canonical.name} stays in {canonical.path} as the canonical: {resolved.kept_in_place}"
        )
        plan = dataclasses.replace(plan, conditions=(stays, *plan.conditions))
    canonical_text = _canonical_text(settings, resolved)
    plan = without_cycles(plan, context, _parse(canonical_text), read_tree)
    plan = without_dropped_comments(
        plan,
        texts,
        parsed,
        _canonical_class_text(resolved, canonical_text, texts),
        drop_comments=request.drop_comments,
    )
    # Test code and an Ansible module are imported by the repository's own files only.
    plan = without_unused_imports(
        plan, parsed, read_others, lambda path: is_test_code(path) or bool(ships_alone(path))
    )
    sources = {path: files.raw[path] for path in family.files if path in files.raw}
    return PreparedPlan(settings, index, stats, family, plan, resolved, sources, context)


def _preferred_sources(
    settings: Settings,
    index: ScanIndex,
    family: Family,
    context: ImportContext,
    files: _FamilyFiles,
) -> tuple[str, ...]:
    """The family's files, best source of an extracted canonical first: one that the most of
    the family's files already import (a shared helper module), then one that is not a test
    module pytest collects, then one this interpreter's ``ast`` reads (not a newer grammar)."""
    imported_by: dict[str, int] = {}
    for path, modules in files.imports.items():
        entries = sys_path_for(context, path)
        for module in modules:
            for candidate in module_paths_for(module, entries):
                if candidate in files.texts and candidate != path:
                    imported_by[candidate] = imported_by.get(candidate, 0) + 1
                    break
    newer_grammar = {record.path for record in index.files if record.parsed_by_fallback}
    return tuple(
        sorted(
            family.files,
            key=lambda path: (
                -imported_by.get(path, 0),
                settings.pytest.is_test_file(path),
                path in newer_grammar or path not in files.texts,
                path,
            ),
        )
    )


@dataclass(frozen=True, slots=True)
class _FamilyFiles:
    """The family's files, each read, decoded and parsed once for every step of the plan."""

    #: Their bytes (a file that cannot be read is absent).
    raw: Mapping[str, bytes]
    #: Their text (a file that cannot be decoded is absent).
    texts: Mapping[str, str]
    #: Their syntax tree, for each text (``None`` for one that does not parse).
    parsed: Mapping[str, ast.Module | None]
    #: The modules each file that parses imports absolutely (``absolute_imports``).
    imports: Mapping[str, tuple[str, ...]]


def _read_family_files(settings: Settings, family: Family | None) -> _FamilyFiles:
    raw: dict[str, bytes] = {}
    texts: dict[str, str] = {}
    for path in family.files if family is not None else ():
        try:
            data = (settings.root / path).read_bytes()
        except OSError:
            continue
        raw[path] = data
        decoded = decode_source(data)
        if not isinstance(decoded, FileProblem):
            texts[path] = decoded[0]
    parsed = {path: _parse(text) for path, text in texts.items()}
    imports = {path: absolute_imports(tree) for path, tree in parsed.items() if tree is not None}
    return _FamilyFiles(raw, texts, parsed, imports)


def _canonical_text(settings: Settings, resolved: ResolvedCanonical) -> str:
    """The text of the canonical's module: as extraction writes it, or as it is on disk
    ("" outside the repository)."""
    if resolved.extracted is not None:
        return resolved.extracted.text
    path = resolved.canonical.path
    if path is None:
        return ""
    try:
        decoded = decode_source((settings.root / path).read_bytes())
    except OSError:
        return ""
    return "" if isinstance(decoded, FileProblem) else decoded[0]


def _canonical_class_text(
    resolved: ResolvedCanonical, module_text: str, texts: Mapping[str, str]
) -> str:
    """The canonical class as written, with the comment lines right above it: its comments
    are no loss. For a canonical taken from a copy, that copy as its file has it."""
    canonical = resolved.canonical
    source = canonical.source_copy
    if source is not None and source.path in texts:
        module_text, name, lineno = texts[source.path], source.name, source.lineno
    else:
        name, lineno = canonical.name, 0
    tree = _parse(module_text)
    node = next(
        (
            n
            for n in (tree.body if tree is not None else [])
            if isinstance(n, ast.ClassDef) and n.name == name and lineno in (0, n.lineno)
        ),
        None,
    )
    if node is None:
        return source.source if source is not None else canonical.source
    lines = module_text.splitlines()
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    while first > 1 and lines[first - 2].lstrip().startswith("#"):
        first -= 1
    return "\n".join(lines[first - 1 : node.end_lineno]) + "\n"


def _tree_reader(settings: Settings, index: ScanIndex) -> Callable[[str], ast.Module | None]:
    """Reads and parses a scanned file that a copy's bases lead to, each file once."""
    known = {record.path for record in index.files if not record.is_backup}

    @functools.cache
    def read(path: str) -> ast.Module | None:
        if path not in known:
            return None
        try:
            decoded = decode_source((settings.root / path).read_bytes())
        except OSError:
            return None
        return None if isinstance(decoded, FileProblem) else _parse(decoded[0])

    return read


def _import_orders(root: Path) -> Callable[[str], ImportOrder]:
    """Each file's import order, read once per folder (the sorters' settings nearest to it)."""

    @functools.cache
    def in_folder(folder: str) -> ImportOrder:
        return read_import_order(root, root / folder)

    return lambda path: in_folder(posixpath.dirname(path))


#: Files that may name a class by its module (an entry point ``pkg.mod:Class``).
_CONFIG_FILES = ("setup.cfg", "pyproject.toml", "tox.ini", "pytest.ini")


def _files_naming(settings: Settings, index: ScanIndex, names: Sequence[str]) -> OtherFiles:
    """The scanned files and the configuration files beside them that name one of
    ``names``, read on the first call only: each scope's plan of a family asks again, and
    only a file that names a class can reach it."""
    wanted = [name.encode() for name in names]

    @functools.cache
    def read() -> tuple[tuple[str, bytes], ...]:
        return tuple(
            (path, data)
            for path, data in _other_files(settings, index)
            if any(name in data for name in wanted)
        )

    return read


def _other_files(settings: Settings, index: ScanIndex) -> Iterator[tuple[str, bytes]]:
    """The bytes of every scanned file, and of the configuration files beside them."""
    folders = {""}
    for record in index.files:
        if record.is_backup:
            continue
        folders.add(posixpath.dirname(record.path))
        with contextlib.suppress(OSError):
            yield record.path, (settings.root / record.path).read_bytes()
    for folder in sorted(folders):
        for name in _CONFIG_FILES:
            path = posixpath.join(folder, name)
            with contextlib.suppress(OSError):
                yield path, (settings.root / path).read_bytes()


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def absolute_imports(tree: ast.Module) -> tuple[str, ...]:
    """The dotted modules a file imports absolutely at any depth: ``from a.b import c``
    gives ``a.b`` and ``a.b.c`` (``c`` may be a module)."""
    found: list[str] = []
    for node in _import_statements(tree.body):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif node.level == 0 and node.module:
            found.append(node.module)
            found.extend(f"{node.module}.{a.name}" for a in node.names if a.name != "*")
    return tuple(dict.fromkeys(found))


#: The fields of a statement that hold statements (``handlers`` and ``cases`` hold them one
#: level down, in their own ``body``).
_BLOCKS = ("body", "orelse", "finalbody")


def _import_statements(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement in ``body`` and the blocks nested in it, functions and classes
    included. Only statements are visited: an import is one, and expressions are most of a
    tree's nodes (``ast.walk`` visits them all, several times the cost)."""
    pending = [body]
    while pending:
        for node in pending.pop():
            if isinstance(node, ast.Import | ast.ImportFrom):
                yield node
                continue
            for field in _BLOCKS:
                inner = getattr(node, field, None)
                if inner and isinstance(inner, list) and isinstance(inner[0], ast.stmt):
                    pending.append(inner)
            for clause in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
                pending.append(clause.body)


def _named_family(index: ScanIndex, name: str) -> Family | None:
    """The family ``name`` names, as one: ``NAME@ID`` is that family alone; a bare ``NAME``
    is every family with a copy of that name (the best ranked first), so that one run
    consolidates every copy the planner finds compatible, whichever body the scan centred
    it on, and a second run finds nothing left."""
    if "@" in name:
        return index.family(name)
    found = [family for family in index.families if name in family.names]
    if len(found) < 2:
        return index.family(name)
    first, *rest = found
    seen = {id(copy) for copy in first.copies}
    copies, verdicts = list(first.copies), list(first.verdicts)
    for family in rest:
        for copy, verdict in zip(family.copies, family.verdicts, strict=True):
            if id(copy) not in seen:
                seen.add(id(copy))
                copies.append(copy)
                verdicts.append(verdict)
    return dataclasses.replace(
        first,
        names=tuple(dict.fromkeys(n for family in found for n in family.names)),
        copies=tuple(copies),
        verdicts=tuple(verdicts),
        variants=tuple(v for family in found for v in family.variants),
        matched_by=tuple(dict.fromkeys(m for family in found for m in family.matched_by)),
        removable_lines=sum(family.removable_lines for family in found),
        scopes=tuple(sorted({s for family in found for s in family.scopes})),
    )


def _under_paths(family: Family, only_paths: tuple[str, ...]) -> Family | None:
    """``family`` with only the copies under ``only_paths`` (all when empty)."""
    if not only_paths:
        return family
    prefixes = [p.rstrip("/") for p in only_paths]
    return _restricted(
        family,
        {
            id(copy)
            for copy in family.copies
            if any(
                p in ("", ".") or copy.path == p or copy.path.startswith(p + "/") for p in prefixes
            )
        },
    )


def _restricted(family: Family, keep: set[int]) -> Family | None:
    """``family`` with only the copies whose ``id()`` is in ``keep``; None when none is.

    Variants keep their order (the dominant one first among those left) and their diffs
    against the family's dominant variant.
    """
    if all(id(copy) in keep for copy in family.copies):
        return family
    pairs = [(c, v) for c, v in zip(family.copies, family.verdicts, strict=True) if id(c) in keep]
    if not pairs:
        return None
    variants = []
    for variant in family.variants:
        copies = tuple(c for c in variant.copies if id(c) in keep)
        if copies:
            representative = (
                variant.representative if id(variant.representative) in keep else copies[0]
            )
            variants.append(
                dataclasses.replace(variant, copies=copies, representative=representative)
            )
    return dataclasses.replace(
        family,
        copies=tuple(c for c, _ in pairs),
        verdicts=tuple(v for _, v in pairs),
        variants=tuple(variants),
        names=tuple(dict.fromkeys(n for n in family.names if any(c.name == n for c, _ in pairs))),
    )


def _copies_by_scope(family: Family, scope_of: dict[str, str]) -> dict[str, list[ClassRecord]]:
    groups: dict[str, list[ClassRecord]] = {}
    for copy in family.copies:
        groups.setdefault(scope_of.get(copy.path, ""), []).append(copy)
    return dict(sorted(groups.items()))


def import_spellings(prepared: PreparedPlan) -> dict[str, str]:
    """How each changed file writes the canonical's module: relative (``..support``) in a
    file that imports its package's modules relatively, absolute otherwise."""
    plan, context = prepared.plan, prepared.context
    canonical = prepared.resolved.canonical
    if plan is None or context is None or canonical.path is None:
        return {}
    spellings = {}
    for path in plan.files:
        decoded = decode_source(prepared.sources.get(path, b""))
        tree = None if isinstance(decoded, FileProblem) else _parse(decoded[0])
        if tree is None:
            continue
        relative = writes_relative_imports(tree, module_name_for(context, path))
        spelled = import_spelling(
            context, path, canonical.module, canonical.path, relative=relative
        )
        if spelled != canonical.module:
            spellings[path] = spelled
    return spellings


def writes_relative_imports(tree: ast.Module, module: str) -> bool:
    """True when a module imports within its own package relatively: it has relative
    imports and no absolute one of its own top-level package."""
    top = module.partition(".")[0]
    relative = False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            relative = True
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            absolute = [node.module]
        elif isinstance(node, ast.Import):
            absolute = [alias.name for alias in node.names]
        else:
            continue
        if any(name.partition(".")[0] == top for name in absolute):
            return False
    return relative


def plan_changes(prepared: PreparedPlan) -> tuple[FileChange, ...]:
    """The planned files rewritten in memory, the extracted module first.

    The module is written only for files that change: when every copy is skipped, or no
    planned rewrite changes its file, nothing would import it and there is no module. A
    module that exists (the class is added to it) is a changed file, its bytes the before.
    """
    if prepared.plan is None:
        return ()
    changes = list(
        preview(
            prepared.plan,
            prepared.sources,
            _import_orders(prepared.settings.root),
            import_spellings(prepared),
        )
    )
    extracted = prepared.resolved.extracted
    if extracted is not None and any(change.changed for change in changes):
        module = FileChange(
            extracted.path,
            RewriteStatus.CHANGED,
            extracted.original or b"",
            extracted.data,
            (f"extract {extracted.class_name}",),
            created=extracted.original is None,
        )
        changes.insert(0, module)
    return tuple(changes)

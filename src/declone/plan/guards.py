"""Last checks on a plan, each turning a planned copy back into a skip with its reason.

* **Scopes and packages.** No import crosses import scopes (units that ship on their own),
  nor leaves a package folder a distribution declares (``lib/``): an installed package could
  not import what lies outside it.

* **Import cycles.** A copy whose module the canonical's module imports (directly or through
  other modules of the repository) cannot import the canonical: the two modules would import
  each other, and whichever Python loads first finds the other half-initialised.
* **Comments.** A comment in a copy that the canonical does not have (``# duplicated on
  purpose, see #123``) would vanish with the copy. The copy stays, and the plan names the
  comment, unless ``--drop-comments``; then the plan still names what it drops.

Pure: the plan, the texts and a reader of parsed files in; a new plan out.
"""

from __future__ import annotations

import ast
import dataclasses
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from declone.plan.importability import ImportContext, imported_files
from declone.plan.planner import Action, CopyPlan, Plan, Tier
from declone.rewrite import comments_only_in_copy

__all__ = [
    "CYCLE_SEARCH_LIMIT",
    "import_chain",
    "skip_where",
    "skipped",
    "within_package",
    "within_scope",
    "without_cycles",
    "without_dropped_comments",
]

#: Files followed from the canonical's module when looking for an import cycle: enough for
#: the modules a test helper imports, bounded for a module that imports a whole framework.
CYCLE_SEARCH_LIMIT = 2_000


def skipped(entry: CopyPlan, reason: str, cause: str) -> CopyPlan:
    """``entry`` turned into a skip: nothing moves, so the tier is safe."""
    return dataclasses.replace(
        entry, action=Action.SKIP, reason=reason, cause=cause, tier=Tier.SAFE, keep_members=()
    )


def skip_where(plan: Plan, objection: Callable[[CopyPlan], tuple[str, str] | None]) -> Plan:
    """``plan`` with each copy it would change that ``objection`` names a ``(reason, cause)``
    for turned into a skip."""

    def guard(entry: CopyPlan) -> CopyPlan:
        found = objection(entry) if entry.changes_file else None
        return entry if found is None else skipped(entry, *found)

    return dataclasses.replace(plan, entries=tuple(guard(entry) for entry in plan.entries))


def within_scope(plan: Plan, scope_of: Mapping[str, str]) -> Plan:
    """Copies in another import scope than the canonical's are skipped: neither scope may
    import from the other (each ships on its own)."""
    path = plan.canonical.path
    if path is None:
        return plan
    home = scope_of.get(path, _nearest_scope(path, scope_of))

    def objection(entry: CopyPlan) -> tuple[str, str] | None:
        scope = scope_of.get(entry.path, "")
        if scope == home:
            return None
        return (
            f"in the scope {scope or '.'}, which ships apart from the canonical's "
            f"({home or '.'}); consolidate it scope by scope with --extract-to '{{scope}}/...'",
            "in another import scope",
        )

    return skip_where(plan, objection)


def within_package(plan: Plan, packages: Sequence[str]) -> Plan:
    """Copies in a package folder a distribution declares (``lib/``, ``src/``) are skipped
    when the canonical lies outside that folder: the installed package could not import it."""
    path = plan.canonical.path
    if path is None or not packages:
        return plan

    def package_of(file: str) -> str | None:
        return next((p for p in packages if file.startswith(p + "/")), None)

    home = package_of(path)

    def objection(entry: CopyPlan) -> tuple[str, str] | None:
        package = package_of(entry.path)
        if package is None or package == home:
            return None
        return (
            f"it ships in the package under {package}/, and the canonical {path} lies "
            "outside it, where the installed package cannot import it",
            "in a package the canonical is outside of",
        )

    return skip_where(plan, objection)


def _nearest_scope(path: str, scope_of: Mapping[str, str]) -> str:
    """The scope of a file the scan did not see (an extracted module not written yet)."""
    known = sorted(set(scope_of.values()), key=len, reverse=True)
    return next((s for s in known if not s or path.startswith(s + "/")), "")


def import_chain(
    context: ImportContext,
    start: str,
    start_tree: ast.Module,
    read_tree: Callable[[str], ast.Module | None],
    targets: frozenset[str],
) -> dict[str, tuple[str, ...]]:
    """For each of ``targets`` that ``start`` imports, directly or through other repository
    modules, the chain of files from ``start`` to it (breadth first: the shortest)."""
    chains: dict[str, tuple[str, ...]] = {}
    seen = {start}
    queue: deque[tuple[str, tuple[str, ...]]] = deque([(start, (start,))])
    while queue and len(seen) <= CYCLE_SEARCH_LIMIT:
        path, chain = queue.popleft()
        tree = start_tree if path == start else read_tree(path)
        if tree is None:
            continue
        for found in sorted(imported_files(context, path, tree)):
            if found in seen:
                continue
            seen.add(found)
            if found in targets:
                chains[found] = (*chain, found)
            queue.append((found, (*chain, found)))
    return chains


def without_cycles(
    plan: Plan,
    context: ImportContext,
    canonical_tree: ast.Module | None,
    read_tree: Callable[[str], ast.Module | None],
) -> Plan:
    """``plan`` with the copies whose module the canonical's module imports skipped."""
    canonical = plan.canonical
    targets = frozenset(entry.path for entry in plan.changes)
    if canonical.path is None or canonical_tree is None or not targets:
        return plan
    chains = import_chain(context, canonical.path, canonical_tree, read_tree, targets)
    if not chains:
        return plan

    def objection(entry: CopyPlan) -> tuple[str, str] | None:
        chain = chains.get(entry.path)
        if chain is None:
            return None
        return (
            f"importing {canonical.module} here would make an import cycle: {' -> '.join(chain)}",
            "in a module the canonical's module imports",
        )

    return skip_where(plan, objection)


def without_dropped_comments(
    plan: Plan,
    texts: Mapping[str, str],
    trees: Mapping[str, ast.Module | None],
    canonical_text: str,
    *,
    drop_comments: bool,
) -> Plan:
    """``plan`` with each copy that would lose a comment the canonical lacks kept as it is
    (or, with ``drop_comments``, planned with the comments it drops named). ``trees`` are
    ``texts`` parsed (``None`` for a text that does not parse)."""

    def guard(entry: CopyPlan) -> CopyPlan:
        if not entry.changes_file or entry.path not in texts:
            return entry
        tree = trees.get(entry.path)
        dropped = _dropped_comments(entry, texts[entry.path], tree, canonical_text)
        if not dropped:
            return entry
        first_line, first_text = dropped[0]
        more = f" and {len(dropped) - 1} more" if len(dropped) > 1 else ""
        said = f"{entry.path}:{first_line}: {first_text}{more}"
        count = "1 comment" if len(dropped) == 1 else f"{len(dropped)} comments"
        if drop_comments:
            return dataclasses.replace(entry, reason=f"{entry.reason}; drops {count} at {said}")
        return skipped(
            entry,
            f"would drop {count} the canonical lacks, at {said}; --drop-comments migrates it anyway",
            "with a comment the canonical lacks",
        )

    return dataclasses.replace(plan, entries=tuple(guard(entry) for entry in plan.entries))


def _dropped_comments(
    entry: CopyPlan, text: str, tree: ast.Module | None, canonical_text: str
) -> list[tuple[int, str]]:
    """Comments the rewrite of ``entry`` deletes that ``canonical_text`` does not have: those
    of the class (with the comment lines right above it), less those inside the members a
    residual keeps."""
    lines = text.splitlines()
    start = _first_removed_line(entry, tree, lines)
    copy_text = "\n".join(lines[start - 1 : entry.end_lineno]) + "\n"
    try:
        found = comments_only_in_copy(copy_text, canonical_text, start_line=start)
    except (SyntaxError, ValueError):
        return []
    kept = _kept_ranges(entry, tree)
    return [
        (comment.line, comment.text)
        for comment in found
        if not any(low <= comment.line <= high for low, high in kept)
    ]


def _first_removed_line(entry: CopyPlan, tree: ast.Module | None, lines: list[str]) -> int:
    """The first line the rewrite deletes with the class: its decorators, and the comment
    lines right above it unless the class opens the module (a module's header comments
    stay in place)."""
    if tree is None:
        return entry.lineno
    position = next(
        (
            i
            for i, n in enumerate(tree.body)
            if isinstance(n, ast.ClassDef) and n.lineno == entry.lineno
        ),
        None,
    )
    if position is None:
        return entry.lineno
    node = tree.body[position]
    start = min([node.lineno, *(d.lineno for d in _decorators(node))])
    if position == 0:
        return start
    while start > 1 and lines[start - 2].lstrip().startswith("#"):
        start -= 1
    return start


def _kept_ranges(entry: CopyPlan, tree: ast.Module | None) -> list[tuple[int, int]]:
    """Line ranges of the members a residual subclass keeps (their comments stay)."""
    if entry.action is not Action.RESIDUAL or not entry.keep_members or tree is None:
        return []
    node = next(
        (n for n in tree.body if isinstance(n, ast.ClassDef) and n.lineno == entry.lineno), None
    )
    if node is None:
        return []
    ranges = []
    for statement in node.body:
        names = _member_names(statement)
        if names & set(entry.keep_members):
            first = min([statement.lineno, *(d.lineno for d in _decorators(statement))])
            ranges.append((first, statement.end_lineno or statement.lineno))
    return ranges


def _member_names(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.Assign):
        return {t.id for t in statement.targets if isinstance(t, ast.Name)}
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return {statement.target.id}
    return set()


def _decorators(statement: ast.stmt) -> list[ast.expr]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return statement.decorator_list
    return []

"""``declone plan``'s engine: what happens to each copy of a family, and why.

Pure: a scan index, the family's name, a described canonical class, pytest's import rules and
the text of the family's files in; a frozen :class:`Plan` out. Each copy gets one action:

* ``replace``: delete the class, import the canonical under the same name;
* ``alias``: the same, importing ``Canonical as LocalName``;
* ``residual``: keep ``class LocalName(Canonical):`` with only the members the copy adds or
  changes;
* ``skip``: with the reason (incompatible divergence, a name rebound or used dynamically, a
  class created in a function or under a module-level ``if``, a decorator that may register
  it, a file that cannot be imported from, ...) and, in a few words, its cause (``defined in
  a function``), by which a view groups the skipped copies;
* ``canonical``: the copy *is* the canonical class; it stays;
* ``done``: the copy is already a residual subclass of the canonical (a migration ran).

Each action has a tier, as a linter's fixes do: ``safe`` (replace an identical or subset
copy, alias a renamed one, a residual subclass that really inherits) or ``unsafe`` (a residual
that would redefine half of the canonical or more, a class that must stay where it is
defined: see :mod:`declone.plan.staying`). An unsafe action is planned only when asked for
(``unsafe=True``); otherwise the copy is skipped with the reason, and the skip has the tier
``unsafe``: ``--unsafe`` would plan it.

Two ways of comparing a copy with the canonical:

* when the canonical is a member of the family (extracted from one of its variants, or an
  existing copy), bodies are comparable: a member whose normalised text differs is kept as
  an override, which keeps the copy's behaviour exactly;
* otherwise (a hand-written class, the built-in double) only the API is: a common method
  must have the same call style (or the canonical supports both) and a signature that
  accepts every call the copy's accepts; the canonical's body is trusted.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from declone.config import PytestConfig
from declone.model import ClassRecord, Family, ScanIndex
from declone.plan.classapi import (
    Member,
    MemberKind,
    Signature,
    attribute_uses,
    awaitable_classes,
    class_members,
    find_class,
    incompatibility,
)
from declone.plan.importability import ImportCheck, ImportContext, check_import
from declone.plan.ownstate import own_state
from declone.plan.shipping import ShippingRule, ShipsAlone
from declone.plan.staying import (
    BaseReader,
    Stay,
    TreeReader,
    block_stay,
    collected_heir,
    default_test_code,
    divergence,
    mark_name,
    source_diff,
    staying_reasons,
    subclasses_by_base,
)
from declone.rewrite import ModuleFacts, read_module_facts
from declone.scan import is_pure_decorator, sets_test_false

__all__ = [
    "Action",
    "Canonical",
    "CanonicalOrigin",
    "CopyPlan",
    "Plan",
    "Tier",
    "describe_canonical",
    "plan_migration",
]

_CONSTRUCTORS = ("__init__", "__new__")
#: The signature of a class without ``__init__``: ``Class()`` only.
_NO_ARGUMENTS = Signature((), (), varargs=False, varkw=False)
_HARMLESS_DUNDERS = frozenset({"__test__", "__doc__", "__all__"})
#: Attributes whose value changes when a class moves to another module or name.
_IDENTITY_ATTRIBUTES = frozenset({"__module__", "__qualname__"})


class Action(enum.StrEnum):
    REPLACE = "replace"
    ALIAS = "alias"
    RESIDUAL = "residual"
    SKIP = "skip"
    CANONICAL = "canonical"
    DONE = "done"


class Tier(enum.StrEnum):
    """How far an action can be trusted, as a linter's fixes are."""

    #: Keeps the copy's behaviour: planned by default.
    SAFE = "safe"
    #: May change behaviour or reads worse than the copy: planned only with ``--unsafe``.
    UNSAFE = "unsafe"


class CanonicalOrigin(enum.StrEnum):
    #: A class that already exists (``--canonical pkg.module:Class``).
    EXISTING = "existing"
    #: A module that migration writes from one of the family's variants (``--extract-to``).
    EXTRACTED = "extracted"
    #: A class outside the repository, imported from an installed package.
    INSTALLED = "installed"


@dataclass(frozen=True, slots=True)
class Canonical:
    """The class every copy becomes, as far as planning needs to know it."""

    module: str
    name: str
    origin: CanonicalOrigin
    #: Its file, relative to the root; None when it lives outside the repository.
    path: str | None
    members: tuple[Member, ...]
    bases: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()
    #: True when the class body sets ``__test__ = False`` (pytest never collects it).
    sets_test_false: bool = False
    #: Methods that work called plainly and awaited (they return an awaitable list, say).
    dual_call: frozenset[str] = frozenset()
    #: True when the canonical is one of the family's copies: bodies compare.
    same_origin: bool = False
    #: Other names its module binds to it (``MockWebSocketConnection = TestWebSocketConnection``).
    aliases: tuple[str, ...] = ()
    #: The copy it was taken from (extracted) or that it is (existing, in the family).
    source_copy: ClassRecord | None = None
    #: The class statement as ``ast.unparse`` writes it: what a diverged copy is diffed
    #: against when the canonical is not one of the family's copies.
    source: str = field(default="", repr=False, compare=False)

    @property
    def reference(self) -> str:
        return f"{self.module}:{self.name}"

    def member(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)

    @property
    def has_constructor(self) -> bool:
        return any(m.name in _CONSTRUCTORS for m in self.members)

    def provides(self) -> frozenset[str]:
        """Attribute names instances have: members and ``self.x`` set in any method."""
        names = {m.name for m in self.members}
        for member in self.members:
            names.update(member.self_attributes)
        return frozenset(names)


@dataclass(frozen=True, slots=True)
class CopyPlan:
    """What happens to one copy."""

    path: str
    class_name: str
    lineno: int
    end_lineno: int
    action: Action
    reason: str
    keep_members: tuple[str, ...] = ()
    import_check: ImportCheck | None = None
    #: Why a skipped copy is skipped, in a few words that read after a count ("3 defined in
    #: a function"); the same for every copy skipped for the same cause. "" for the others.
    cause: str = ""
    #: ``unsafe`` for an action that only ``--unsafe`` plans, and for the skip that stands for
    #: it without ``--unsafe``; ``safe`` for everything else.
    tier: Tier = Tier.SAFE
    #: A diverged copy's unified diff against the canonical's source.
    canonical_diff: str = field(default="", repr=False)
    #: False for a copy that nothing uses in its file nor imports from it: it goes and no
    #: import takes its place (see ``plan.unusedcopies``).
    adds_import: bool = True

    @property
    def location(self) -> str:
        return f"{self.path}:{self.lineno}"

    @property
    def changes_file(self) -> bool:
        return self.action in (Action.REPLACE, Action.ALIAS, Action.RESIDUAL)


@dataclass(frozen=True, slots=True)
class Plan:
    family: str
    canonical: Canonical
    entries: tuple[CopyPlan, ...]
    #: Things the plan relies on that declone cannot check from the repository.
    conditions: tuple[str, ...] = ()
    names: tuple[str, ...] = field(default=())
    #: Whether unsafe actions were planned (``--unsafe``).
    unsafe: bool = False

    @property
    def changes(self) -> tuple[CopyPlan, ...]:
        return tuple(e for e in self.entries if e.changes_file)

    @property
    def skipped(self) -> tuple[CopyPlan, ...]:
        return tuple(e for e in self.entries if e.action is Action.SKIP)

    @property
    def held_back(self) -> tuple[CopyPlan, ...]:
        """Copies skipped only because their action is unsafe: ``--unsafe`` plans them."""
        return tuple(e for e in self.skipped if e.tier is Tier.UNSAFE)

    @property
    def files(self) -> tuple[str, ...]:
        """Files the plan would change, sorted."""
        return tuple(sorted({e.path for e in self.changes}))

    def counts(self) -> dict[str, int]:
        found = Counter(e.action.value for e in self.entries)
        return {action.value: found.get(action.value, 0) for action in Action}


def describe_canonical(
    tree: ast.Module,
    module: str,
    name: str,
    *,
    origin: CanonicalOrigin,
    path: str | None,
    family: Family | None = None,
    lineno: int | None = None,
    aliases: tuple[str, ...] = (),
) -> Canonical | None:
    """The canonical ``name`` defined in ``tree`` (its module's syntax tree); None if absent.

    ``family`` makes it same-origin when the class is one of the family's copies (same path
    and line) or one of its variants' shapes (extracted).
    """
    node = find_class(tree, name, lineno)
    if node is None:
        return None
    members = class_members(node)
    awaitable = awaitable_classes(tree)
    dual = frozenset(
        m.name for m in members if m.kind is MemberKind.METHOD and m.returns in awaitable
    )
    source_copy = None
    if family is not None and path is not None:
        source_copy = next(
            (c for c in family.copies if c.path == path and c.lineno == node.lineno), None
        )
    return Canonical(
        module=module,
        name=name,
        origin=origin,
        path=path,
        members=members,
        bases=tuple(ast.unparse(b) for b in node.bases)
        + tuple(f"{k.arg}={ast.unparse(k.value)}" for k in node.keywords),
        decorators=tuple(ast.unparse(d) for d in node.decorator_list),
        sets_test_false=sets_test_false(node.body),
        dual_call=dual,
        same_origin=source_copy is not None,
        aliases=aliases,
        source_copy=source_copy,
        source=ast.unparse(node),
    )


def plan_migration(
    index: ScanIndex,
    family: Family,
    canonical: Canonical,
    pytest: PytestConfig,
    context: ImportContext,
    sources: Mapping[str, str],
    *,
    installed: bool = False,
    unsafe: bool = False,
    is_test_code: Callable[[str], bool] | None = None,
    read_tree: TreeReader | None = None,
    inert_bases: tuple[str, ...] = (),
    trees: Mapping[str, ast.Module | None] | None = None,
    ships_alone: ShippingRule | None = None,
) -> Plan:
    """One action per copy of ``family``.

    ``sources`` maps each of the family's files to its text (a missing file is skipped);
    ``installed`` says whether a canonical outside the repo is importable by the target's
    interpreter; ``unsafe`` plans unsafe actions instead of skipping them. ``is_test_code``
    tells test code from production code (by default pytest's ``python_files``,
    ``conftest.py`` and ``test``/``tests``/``testing`` folders); ``read_tree`` reads the
    repository files a copy's bases lead to (by default only the family's own files are
    known), and ``inert_bases`` are bases known not to register their subclasses.
    ``ships_alone`` tells the files that ship on their own (Ansible modules, see
    :mod:`declone.plan.shipping`); by default none does.
    """
    conditions: list[str] = []
    if canonical.path is None:
        conditions.append(
            f"{canonical.module} is imported from the installed package: the interpreter "
            "that runs pytest needs it installed" + ("" if installed else " (it is not)")
        )
    if trees is None:
        trees = {path: _parse(text) for path, text in sources.items()}
    marked = any(mark_name(d) for copy in family.copies for d in copy.decorators)
    planning = _Planning(
        canonical=canonical,
        pytest=pytest,
        context=context,
        trees=trees,
        name_counts=_module_level_name_counts(family, trees),
        installed=installed,
        unsafe=unsafe,
        is_test_code=is_test_code or default_test_code(pytest),
        reader=BaseReader(context, read_tree or trees.get, inert_bases),
        # Only a mark needs the subclasses of a copy: the index is walked when one has one.
        subclasses=subclasses_by_base(index.classes) if marked else {},
        ships_alone=ships_alone or _none_ships_alone,
    )
    entries = tuple(
        _plan_copy(copy, planning)
        for copy in sorted(family.copies, key=lambda c: (c.path, c.lineno))
    )
    return Plan(family.name, canonical, entries, tuple(conditions), family.names, unsafe)


@dataclass(frozen=True, slots=True)
class _Planning:
    """What every copy's plan reads besides the copy itself."""

    canonical: Canonical
    pytest: PytestConfig
    context: ImportContext
    trees: Mapping[str, ast.Module | None]
    name_counts: Mapping[tuple[str, str], int]
    installed: bool
    unsafe: bool
    is_test_code: Callable[[str], bool]
    reader: BaseReader
    subclasses: Mapping[str, tuple[ClassRecord, ...]]
    ships_alone: ShippingRule


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _module_level_name_counts(
    family: Family, trees: Mapping[str, ast.Module | None]
) -> dict[tuple[str, str], int]:
    counts: Counter[tuple[str, str]] = Counter()
    for path in family.files:
        tree = trees.get(path)
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                counts[(path, node.name)] += 1
    return dict(counts)


def _entry(copy: ClassRecord, action: Action, reason: str, **extra: object) -> CopyPlan:
    return CopyPlan(copy.path, copy.name, copy.lineno, copy.end_lineno, action, reason, **extra)  # type: ignore[arg-type]


def _skip(
    copy: ClassRecord, reason: str, cause: str, *, import_check: ImportCheck | None = None
) -> CopyPlan:
    return _entry(copy, Action.SKIP, reason, cause=cause, import_check=import_check)


def _none_ships_alone(path: str) -> ShipsAlone | None:
    """No file ships on its own."""
    return None


def _plan_copy(copy: ClassRecord, planning: _Planning) -> CopyPlan:
    canonical = planning.canonical
    if canonical.origin is CanonicalOrigin.EXISTING and copy == canonical.source_copy:
        return _entry(copy, Action.CANONICAL, "the canonical class itself; it stays")
    if canonical.path is not None and copy.path == canonical.path:
        return _skip(
            copy,
            f"in the canonical's own module; bind {copy.name} = {canonical.name} by hand",
            "in the canonical's own module",
        )
    if copy.in_function:
        return _skip(
            copy, "class created in a function; it cannot be imported", "defined in a function"
        )
    if copy.qualname != copy.name:
        return _skip(
            copy,
            f"nested in {copy.qualname.rsplit('.', 1)[0]}; only module-level classes move",
            "nested in a class",
        )
    if copy.path not in planning.trees:
        return _skip(copy, "file could not be read", "in a file that could not be read")
    tree = planning.trees[copy.path]
    if tree is None:
        return _skip(
            copy,
            "file unparseable by this interpreter; it is left as is",
            "in a file this interpreter cannot parse",
        )
    node = find_class(tree, copy.name, copy.lineno)
    block = block_stay(tree, copy.lineno) if node is not None and node not in tree.body else None
    if block is not None:
        return _skip(copy, block.reason, block.cause)
    if node is None or node not in tree.body:
        return _skip(
            copy, "class not found at module level; scan again", "not found at module level"
        )
    facts = read_module_facts(tree)  # read once per tree, for all its copies
    if _already_residual(node, facts, canonical):
        return _entry(copy, Action.DONE, f"already a subclass of {canonical.reference}")
    if (
        canonical.path is not None
        and not planning.is_test_code(copy.path)
        and planning.is_test_code(canonical.path)
    ):
        return _skip(
            copy,
            f"production code may not import test code (the canonical is in {canonical.path})",
            "production code; the canonical is test code",
        )
    alone = planning.ships_alone(copy.path)
    if alone is not None and not alone.admits(canonical.path, canonical.module):
        where = canonical.path or f"the installed {canonical.module}"
        return _skip(
            copy,
            f"{alone.reason}; the canonical is in {where}",
            "an Ansible module; the canonical is outside module_utils",
        )
    importable = check_import(
        planning.context, copy.path, canonical.module, canonical.path, installed=planning.installed
    )
    if not importable.importable:
        return _skip(
            copy,
            f"cannot import the canonical: {importable.reason}",
            "cannot import the canonical",
            import_check=importable,
        )
    problem, cause = _namespace_problem(copy, tree, facts, planning.name_counts)
    if problem:
        return _skip(copy, problem, cause, import_check=importable)
    held = _registering_member(node) or _inherited_mark(copy, node, planning)
    if held is not None:
        return _skip(copy, *held, import_check=importable)
    kept, difference = _compare(copy, node, tree, canonical)
    if difference:
        return _skip(
            copy,
            f"incompatible divergence: {difference}",
            "incompatibly divergent",
            import_check=importable,
        )
    collection = _collection_problem(copy, canonical, planning.pytest, kept)
    if collection:
        return _skip(copy, collection, "would change what pytest collects", import_check=importable)
    entry = _planned(copy, canonical, kept, importable)
    return _tiered(entry, copy, node, tree, kept, planning)


def _planned(
    copy: ClassRecord, canonical: Canonical, kept: list[str], importable: ImportCheck
) -> CopyPlan:
    """The action that changes the copy's file, before its tier is weighed."""
    if kept:
        members = ", ".join(kept)
        return _entry(
            copy,
            Action.RESIDUAL,
            f"adds or overrides {members}; keeps them in a subclass of {canonical.name}",
            keep_members=tuple(kept),
            import_check=importable,
        )
    reason = _replace_reason(copy, canonical)
    if copy.name == canonical.name:
        return _entry(copy, Action.REPLACE, reason, import_check=importable)
    return _entry(copy, Action.ALIAS, f"{reason}; imported as {copy.name}", import_check=importable)


def _tiered(
    entry: CopyPlan,
    copy: ClassRecord,
    node: ast.ClassDef,
    tree: ast.Module,
    kept: list[str],
    planning: _Planning,
) -> CopyPlan:
    """``entry`` when it is safe; otherwise planned as unsafe (``--unsafe``) or skipped with
    what makes it unsafe."""
    canonical = planning.canonical
    risks: list[Stay] = []
    diff = ""
    if entry.action is Action.RESIDUAL:
        counted = [
            m.name
            for m in canonical.members
            if m.name not in _HARMLESS_DUNDERS and m.kind is not MemberKind.STATEMENT
        ]
        residual = divergence(kept, counted)
        if not residual.inherits:
            risks.append(Stay(residual.describe(canonical.name), "diverged: kept"))
            diff = _canonical_diff(copy, node, canonical)
    risks.extend(staying_reasons(node, tree, copy.path, planning.reader))
    risks.extend(own_state(node, kept if entry.action is Action.RESIDUAL else ()))
    if not risks:
        return entry
    why = "; ".join(risk.reason for risk in risks)
    if planning.unsafe:
        return dataclasses.replace(
            entry, tier=Tier.UNSAFE, reason=f"{entry.reason} (unsafe: {why})", canonical_diff=diff
        )
    return _entry(
        copy,
        Action.SKIP,
        f"{why}; --unsafe plans it anyway",
        cause=risks[0].cause,
        import_check=entry.import_check,
        tier=Tier.UNSAFE,
        canonical_diff=diff,
    )


def _canonical_diff(copy: ClassRecord, node: ast.ClassDef, canonical: Canonical) -> str:
    """The copy's class source against the canonical's: as written when the canonical is one
    of the family's copies, else both as ``ast.unparse`` writes them."""
    label = f"{copy.path}:{copy.lineno}"
    written = canonical.source_copy.source if canonical.source_copy is not None else ""
    if written and copy.source:
        return source_diff(written, copy.source, canonical.reference, label)
    return source_diff(canonical.source, ast.unparse(node), canonical.reference, label)


def _already_residual(node: ast.ClassDef, facts: ModuleFacts, canonical: Canonical) -> bool:
    if len(node.bases) != 1 or node.keywords or not isinstance(node.bases[0], ast.Name):
        return False
    base = node.bases[0].id
    return any(b.imports(canonical.module, canonical.name) for b in facts.bindings_of(base))


def _replace_reason(copy: ClassRecord, canonical: Canonical) -> str:
    """Why the canonical can stand in for the copy, naming what the canonical adds."""
    if not canonical.same_origin:
        return f"{canonical.name} has its whole API, with compatible signatures"
    mine = {m.name for m in copy.methods} | set(copy.class_attributes)
    extra = sorted(
        m.name
        for m in canonical.members
        if m.name not in mine and m.name.isidentifier() and m.name not in _HARMLESS_DUNDERS
    )
    if not extra:
        return "identical to the canonical"
    shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
    return f"a subset of the canonical: lacks {shown}"


def _namespace_problem(
    copy: ClassRecord,
    tree: ast.Module,
    facts: ModuleFacts,
    name_counts: Mapping[tuple[str, str], int],
) -> tuple[str, str]:
    """Why the copy's name cannot become an import, and its cause; ``("", "")`` if it can."""
    if name_counts.get((copy.path, copy.name), 0) > 1:
        return f"{copy.name} is defined more than once in the file", "defined twice in one file"
    rebound = [
        b.lineno for b in facts.bindings_of(copy.name) if not isinstance(b.node, ast.ClassDef)
    ]
    if rebound:
        return f"name rebound at line {rebound[0]}", "with a rebound name"
    if copy.name in facts.globals_declared:
        return (
            f"name declared global at line {facts.globals_declared[copy.name]}; it may be rebound",
            "with a name declared global",
        )
    if copy.name in facts.dynamic_names:
        return (
            f"name used dynamically (looked up by a string at line {facts.dynamic_names[copy.name]})",
            "with a name used dynamically",
        )
    if facts.evaluator_lines:
        return (
            f"name may be used dynamically: eval/exec at line {facts.evaluator_lines[0]}",
            "in a file that calls eval or exec",
        )
    identity = sorted(set(attribute_uses(tree)) & _IDENTITY_ATTRIBUTES)
    if identity:
        return (
            f"the file reads {identity[0]}, which changes when the class moves",
            f"in a file that reads {identity[0]}",
        )
    return "", ""


def _registering_member(node: ast.ClassDef) -> tuple[str, str] | None:
    """A member decorator that may register the member where the class is defined, and its
    cause; None when every member's decorators are pure. (The class's own decorators make it
    unsafe, not impossible: see :func:`declone.plan.staying.staying_reasons`.)"""
    for member in class_members(node):
        for decorator in member.decorators:
            name = _impure_name(decorator)
            if name:
                return (
                    f"its {member.name} is decorated with @{name}, which may register it "
                    "where it is defined",
                    f"with a member decorated with @{name}",
                )
    return None


def _inherited_mark(
    copy: ClassRecord, node: ast.ClassDef, planning: _Planning
) -> tuple[str, str] | None:
    """A ``@pytest.mark.X`` on the copy that a class pytest collects inherits, and its cause:
    the mark belongs where that class's tests are. None when there is none: on a helper that
    nothing collected inherits, a mark moves with the class."""
    for decorator in node.decorator_list:
        mark = mark_name(ast.unparse(decorator))
        if not mark:
            continue
        heir = collected_heir(copy, planning.subclasses, planning.pytest, planning.reader)
        if heir is None:
            return None
        return (
            f"@{mark} takes effect on {heir.name} ({heir.path}:{heir.lineno}), which inherits "
            "it; the mark stays where it is",
            "with a mark a collected subclass inherits",
        )
    return None


def _compare(
    copy: ClassRecord, node: ast.ClassDef, tree: ast.Module, canonical: Canonical
) -> tuple[list[str], str]:
    """Members the copy must keep, or the reason it cannot become the canonical."""
    decorators = tuple(ast.unparse(d) for d in node.decorator_list)
    members = class_members(node)
    bases = copy.bases
    if canonical.same_origin:
        if bases != canonical.bases:
            return [], f"other bases ({', '.join(bases) or 'none'})"
        if decorators != canonical.decorators:
            return [], f"other class decorators ({', '.join(decorators) or 'none'})"
    elif bases not in ((), ("object",)) or decorators:
        return [], "the copy has bases or class decorators; the canonical is another class"
    kept: list[str] = []
    implicit = _implicit_additions(members, canonical)
    if implicit:
        return [], (
            f"the canonical defines {implicit}, which the copy does not; Python calls it "
            "implicitly, so the copy's uses would behave differently"
        )
    for member in members:
        theirs = canonical.member(member.name)
        if theirs is not None and theirs.text == member.text:
            continue
        if member.kind is MemberKind.STATEMENT:
            return [], f"a class-level statement at line {member.lineno} that cannot be kept apart"
        if theirs is None or canonical.same_origin:
            kept.append(member.name)
            continue
        problem = _api_problem(member, theirs, canonical)
        if problem:
            return [], problem
        if member.kind is MemberKind.ATTRIBUTE:
            kept.append(member.name)
    if kept and not canonical.same_origin:
        problem = _kept_members_problem(members, kept, canonical)
        if problem:
            return [], problem
    if not canonical.same_origin:
        problem = _missing_attribute(copy, members, node, tree, canonical, kept)
        if problem:
            return [], problem
    return kept, ""


def _implicit_additions(members: tuple[Member, ...], canonical: Canonical) -> str:
    """A special method the canonical has and the copy lacks (a subclass cannot remove it)."""
    mine = {m.name for m in members}
    for member in canonical.members:
        name = member.name
        if name in mine or not (name.startswith("__") and name.endswith("__")):
            continue
        if name in _HARMLESS_DUNDERS:
            continue
        if canonical.same_origin:
            return name
        # Against another class, its extra conveniences (``__repr__``, ``__getattr__``) are
        # the point; a constructor only matters if the copy's plain ``Class()`` breaks.
        if (
            name in _CONSTRUCTORS
            and member.signature is not None
            and incompatibility(_NO_ARGUMENTS, member.signature)
        ):
            return name
    return ""


def _impure_name(decorator: str) -> str:
    """The decorator's name if it may register what it wraps; "" for a pure one."""
    return "" if is_pure_decorator(decorator) else decorator.split("(", 1)[0]


def _api_problem(member: Member, theirs: Member, canonical: Canonical) -> str:
    if member.kind is MemberKind.ATTRIBUTE or theirs.kind is MemberKind.ATTRIBUTE:
        if member.kind is theirs.kind:
            return ""
        return f"{member.name} is {_article(member.kind)} here, {_article(theirs.kind)} in the canonical"
    if member.kind is not theirs.kind and not (
        member.name in canonical.dual_call
        and {member.kind, theirs.kind} <= {MemberKind.METHOD, MemberKind.ASYNC_METHOD}
    ):
        return f"{member.name} is {_article(member.kind)} here, {_article(theirs.kind)} in the canonical"
    if member.signature is not None and theirs.signature is not None:
        problem = incompatibility(member.signature, theirs.signature)
        if problem:
            return f"{member.name}: {problem}"
    return ""


def _article(kind: MemberKind) -> str:
    return f"an {kind}" if kind.value[0] in "aeiou" else f"a {kind}"


def _kept_members_problem(
    members: tuple[Member, ...], kept: list[str], canonical: Canonical
) -> str:
    available = canonical.provides() | set(kept)
    for member in members:
        if member.name not in kept:
            continue
        if member.name in _CONSTRUCTORS:
            return f"{member.name} differs and would bypass the canonical's own set-up"
        missing = sorted(member.self_attributes - available)
        if missing:
            return f"{member.name} uses self.{missing[0]}, which the canonical lacks"
    return ""


def _missing_attribute(
    copy: ClassRecord,
    members: tuple[Member, ...],
    node: ast.ClassDef,
    tree: ast.Module,
    canonical: Canonical,
    kept: list[str],
) -> str:
    offered = set(copy.init_attributes) | {m.name for m in members}
    for member in members:
        offered.update(member.self_attributes)
    used = attribute_uses(tree, excluded=[node])
    available = canonical.provides() | set(kept)
    missing = sorted((set(used) & offered) - available, key=lambda name: used[name])
    if missing:
        name = missing[0]
        return f"the file uses .{name} (line {used[name]}), which the canonical lacks"
    return ""


def _collection_problem(
    copy: ClassRecord, canonical: Canonical, pytest: PytestConfig, kept: list[str]
) -> str:
    """A new PytestCollectionWarning or new collected tests the import would bring."""
    if not pytest.is_test_file(copy.path) or not pytest.is_test_class_name(copy.name):
        return ""
    if canonical.sets_test_false or "__test__" in kept:
        return ""
    test_methods = [m.name for m in canonical.members if pytest.is_test_function_name(m.name)]
    if test_methods:
        return (
            f"pytest would collect {canonical.name}'s {test_methods[0]} here as {copy.name}; "
            f"add `__test__ = False` to {canonical.name}"
        )
    if canonical.has_constructor and not copy.warns_on_collection:
        return (
            f"pytest would warn that it cannot collect {copy.name} (it has __init__); "
            f"add `__test__ = False` to {canonical.name}"
        )
    return ""

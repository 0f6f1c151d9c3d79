"""Finding the canonical class a family becomes: the edge between ``plan`` and the disk.

Three choices, as the command line spells them:

* ``--canonical pkg.module:Class``: a class that exists. Looked up first among the scanned
  files (the module's path under the root or a ``pythonpath`` entry), then in the target's
  interpreter (``importlib.util.find_spec``, run there, never imported here): a class from an
  installed package is importable only where that package is installed.
* ``--extract-to path.py [--variant dominant|ID] [--name NewName]``: a module written from
  one of the family's variants. When the file already exists and defines the class (a
  migration ran), it is used as it is.
* nothing: the family's entry in ``[tool.declone.families]``, if it has one.

A family none of whose copies is one of its module's own statements (each is inside a
function or a class, or under a module-level ``if``, ``try`` or ``with``) has no copy an
import could replace, whatever the canonical: :class:`NothingToConsolidate` says so, and
``plan`` and ``migrate`` exit 0 with its message.
"""

from __future__ import annotations

import ast
import dataclasses
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from declone.config import Settings
from declone.errors import DecloneError, ExitCode
from declone.model import ClassRecord, Family, FileProblem
from declone.plan.extraction import (
    ExtractedModule,
    ExtractionError,
    build_extracted_module,
    defines_class,
    first_party_names,
)
from declone.plan.importability import (
    ImportContext,
    check_import,
    dotted_name,
    module_name_for,
    module_paths_for,
)
from declone.plan.planner import Canonical, CanonicalOrigin, describe_canonical
from declone.plan.staying import at_top_level
from declone.registry import parse_canonical, read_registry
from declone.rewrite import read_import_order
from declone.scan import decode_source, is_backup_name

__all__ = [
    "CanonicalChoice",
    "NothingToConsolidate",
    "ResolvedCanonical",
    "choice_from_registry",
    "read_source",
    "resolve_canonical",
]


@dataclass(frozen=True, slots=True)
class CanonicalChoice:
    reference: str | None = None
    extract_to: str | None = None
    variant: str = "dominant"
    name: str | None = None
    #: Files in the order their copies are preferred as the source of an extraction (the
    #: file most of the family imports first); files not listed come after, by path.
    preferred_sources: tuple[str, ...] = ()
    #: When the copy to extract needs what an extracted module cannot take along (another
    #: class of its module, a value computed there), keep that copy where it is as the
    #: canonical instead of refusing: ``declone plan``'s proposal, not an explicit choice.
    in_place_if_stuck: bool = False


@dataclass(frozen=True, slots=True)
class ResolvedCanonical:
    canonical: Canonical
    #: The module to write, for an extraction: a new file, or one the class is added to.
    extracted: ExtractedModule | None
    #: For a canonical outside the repo: is it importable by the target's interpreter?
    installed: bool
    #: Why an extraction was proposed and the copy kept in place instead ("" otherwise).
    kept_in_place: str = ""


class NothingToConsolidate(DecloneError):
    """No copy of a family can become an import: each is defined inside a function or a
    class, or under a module-level block. Not a failure (exit 0): nothing is left to do."""

    def __init__(
        self,
        root: Path,
        family: str,
        copies: tuple[ClassRecord, ...],
        *,
        under: tuple[str, ...] = (),
    ) -> None:
        where = _unreplaceable(copies)
        # ``under``: the ``--paths`` that kept only these copies, of which "every" then speaks.
        paths = f" under {', '.join(under)}" if under else ""
        super().__init__(
            f"nothing to do: every copy of {family}{paths} is defined {where}, where no "
            "import can replace it",
            ExitCode.OK,
        )
        self.root = root
        self.family = family
        self.copies = copies
        #: Why the copies stay, as a scope's note says it.
        self.stays = f"every copy defined {where}: stays"


def _unreplaceable(copies: tuple[ClassRecord, ...]) -> str:
    """Where the copies are defined, none of them at top level."""
    nested = any(copy.qualname != copy.name or copy.in_function for copy in copies)
    in_block = not all(copy.qualname != copy.name or copy.in_function for copy in copies)
    if not in_block:
        return "inside a function or a class"
    if not nested:
        return "under a module-level `if`, `try` or `with`"
    return "inside a function or a class, or under a module-level `if`, `try` or `with`"


def read_source(root: Path, path: str) -> str | None:
    """A file's text decoded as Python decodes it; None when unreadable or undecodable."""
    try:
        data = (root / path).read_bytes()
    except OSError:
        return None
    decoded = decode_source(data)
    return None if isinstance(decoded, FileProblem) else decoded[0]


def choice_from_registry(settings: Settings, family_name: str) -> CanonicalChoice | None:
    for registered in read_registry(settings.families):
        if family_name in registered.names:
            return CanonicalChoice(reference=registered.canonical)
    return None


def resolve_canonical(
    choice: CanonicalChoice,
    settings: Settings,
    family: Family | None,
    family_name: str,
    context: ImportContext,
    python: str,
) -> ResolvedCanonical:
    """The canonical of ``family`` (None when no copy is left: a migration ran).

    Raises :class:`NothingToConsolidate` when no copy of ``family`` is at top level.
    """
    if family is not None and not any(at_top_level(copy) for copy in family.copies):
        raise NothingToConsolidate(settings.root, family_name, family.copies)
    if choice.extract_to is not None:
        return _extracted(choice, settings, family_name, family, context)
    if choice.reference is None:
        raise DecloneError(
            f"no canonical chosen for {family_name}; pass --canonical pkg.module:Class or "
            f"--extract-to path.py (`declone plan {family_name}` proposes one)",
            ExitCode.USAGE,
        )
    parsed = parse_canonical(choice.reference)
    if parsed is None:
        raise DecloneError(
            f"--canonical {choice.reference!r}: expected pkg.module:Class", ExitCode.USAGE
        )
    module, name = parsed
    path = _find_in_repo(module, context)
    if path is not None:
        _refuse_backup(settings, path, f"canonical {choice.reference}")
        canonical = _describe_file(
            settings.root, path, module, name, CanonicalOrigin.EXISTING, family
        )
        return ResolvedCanonical(canonical, None, True)
    origin = _find_installed(python, module, settings.root)
    installed = origin is not None
    if origin is None and module.partition(".")[0] == "declone":
        # One of declone's own doubles: its API is known here even when the target's
        # interpreter lacks declone; the plan then says that nothing can import it.
        origin = _own_module_file(module)
    if origin is None:
        raise DecloneError(
            f"--canonical {choice.reference}: module {module} is neither in the repository nor "
            f"importable by {python}; check the name or install its package there",
            ExitCode.USAGE,
        )
    text = read_source(Path(origin).parent, Path(origin).name)
    tree = _parse(text, origin)
    described = describe_canonical(tree, module, name, origin=CanonicalOrigin.INSTALLED, path=None)
    if described is None:
        raise DecloneError(f"{origin}:1:1: no class {name} in {module}", ExitCode.USAGE)
    return ResolvedCanonical(described, None, installed)


def _kept_in_place(
    choice: CanonicalChoice,
    settings: Settings,
    copy: ClassRecord,
    family: Family,
    context: ImportContext,
    refusal: str,
) -> ResolvedCanonical | None:
    """The copy an extraction could not take along, as the canonical where it stands, when
    the choice allows it and its module has an importable name; ``None`` otherwise."""
    if not choice.in_place_if_stuck:
        return None
    # A name that ``--canonical`` finds the copy by again: the proposal is what the user
    # passes to ``migrate``.
    names = [
        name
        for name in _module_names(context, copy.path)
        if all(part.isidentifier() for part in name.split("."))
        and _find_in_repo(name, context) == copy.path
    ]
    if not names:
        return None
    module = _most_reaching(context, copy.path, names, (c.path for c in family.copies))
    canonical = _describe_file(
        settings.root, copy.path, module, copy.name, CanonicalOrigin.EXISTING, family
    )
    # "path:line:col: X uses ... cannot take along; move it first or ...": the middle.
    why = (refusal.partition(": ")[2] or refusal).partition("; ")[0]
    return ResolvedCanonical(canonical, None, True, kept_in_place=why)


def _own_module_file(module: str) -> str | None:
    import importlib.util

    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec is not None and spec.origin else None


def _parse(text: str | None, where: str) -> ast.Module:
    if text is None:
        raise DecloneError(f"{where}:1:1: cannot read the canonical's module", ExitCode.USAGE)
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        raise DecloneError(
            f"{where}:1:1: cannot parse the canonical's module: {exc}", ExitCode.USAGE
        ) from exc


def _describe_file(
    root: Path, path: str, module: str, name: str, origin: CanonicalOrigin, family: Family | None
) -> Canonical:
    tree = _parse(read_source(root, path), path)
    aliases = tuple(
        target.id
        for statement in tree.body
        if isinstance(statement, ast.Assign)
        and isinstance(statement.value, ast.Name)
        and statement.value.id == name
        for target in statement.targets
        if isinstance(target, ast.Name)
    )
    canonical = describe_canonical(
        tree, module, name, origin=origin, path=path, family=family, aliases=aliases
    )
    if canonical is None:
        raise DecloneError(
            f"{path}:1:1: no module-level class {name} in {module}; check --canonical/--name",
            ExitCode.USAGE,
        )
    return canonical


def _find_in_repo(module: str, context: ImportContext) -> str | None:
    """The repository file of ``module``: under the root, a ``pythonpath`` entry, or a
    declared or learned root (a ``lib/`` layout's package)."""
    for entry in ("", *context.pythonpath, *context.roots):
        for candidate in module_paths_for(module, (entry,)):
            if candidate in context.files:
                return candidate
    return None


_FIND_SPEC = (
    "import importlib.util, sys\n"
    "try:\n"
    "    spec = importlib.util.find_spec(sys.argv[1])\n"
    "except (ImportError, ValueError):\n"
    "    spec = None\n"
    "print(spec.origin if spec is not None and spec.origin else '')\n"
)


def _find_installed(python: str, module: str, cwd: Path) -> str | None:
    """The file of ``module`` as the target's interpreter finds it; None if it does not."""
    try:
        found = subprocess.run(
            [python, "-I", "-c", _FIND_SPEC, module],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    origin = found.stdout.strip()
    return origin if found.returncode == 0 and origin.endswith(".py") else None


def _extracted(
    choice: CanonicalChoice,
    settings: Settings,
    family_name: str,
    family: Family | None,
    context: ImportContext,
) -> ResolvedCanonical:
    assert choice.extract_to is not None
    path = _relative_to_root(settings.root, choice.extract_to)
    _refuse_backup(settings, path, f"--extract-to {path}")
    with_file = dataclasses.replace(context, files=context.files | {path})
    module = _best_module_name(with_file, path, family.files if family else ())
    if not all(part.isidentifier() for part in module.split(".")):
        raise DecloneError(
            f"--extract-to {path}: {module!r} is not an importable module name; pick another path",
            ExitCode.USAGE,
        )
    if family is None:
        # A finished migration: the module it wrote defines the class, and no copy is left.
        name = choice.name or family_name.partition("@")[0]
        if not (settings.root / path).is_file():
            raise DecloneError(
                f"no family named {family_name!r}; `declone scan` lists the families",
                ExitCode.USAGE,
            )
        canonical = _describe_file(
            settings.root, path, module, name, CanonicalOrigin.EXISTING, None
        )
        return ResolvedCanonical(canonical, None, True)
    name = choice.name or (family_name if family_name in family.names else family.name)
    if not name.isidentifier():
        raise DecloneError(f"--name {name!r} is not a class name", ExitCode.USAGE)
    existing = None
    if (settings.root / path).exists():
        try:
            existing = (settings.root / path).read_bytes()
        except OSError as exc:
            raise DecloneError(f"--extract-to {path}: {exc.strerror}", ExitCode.USAGE) from None
        if path in family.files or defines_class(existing, name):
            # A migration already wrote it: the module is the canonical as it stands now.
            canonical = _describe_file(
                settings.root, path, module, name, CanonicalOrigin.EXISTING, family
            )
            return ResolvedCanonical(canonical, None, True)
        # A migration wrote it for another family: the class is added to it.
    copy = _variant_copy(
        settings.root, family, family_name, choice.variant, choice.preferred_sources
    )
    text = read_source(settings.root, copy.path)
    if text is None:
        raise DecloneError(f"{copy.path}:1:1: cannot read the variant's file", ExitCode.USAGE)
    needs_test_false = any(settings.pytest.is_test_class_name(n) for n in (name, *family.names))
    try:
        extracted = build_extracted_module(
            family,
            copy,
            text,
            path=path,
            module=module,
            class_name=name,
            source_module=module_name_for(context, copy.path),
            needs_test_false=needs_test_false,
            existing=existing,
            first_party=first_party_names(context.files, (*context.pythonpath, *context.roots)),
            import_order=read_import_order(settings.root, (settings.root / path).parent),
        )
    except ExtractionError as exc:
        in_place = _kept_in_place(choice, settings, copy, family, context, str(exc))
        if in_place is None:
            raise DecloneError(str(exc), ExitCode.USAGE) from exc
        return in_place
    tree = ast.parse(extracted.text)
    described = describe_canonical(
        tree, module, name, origin=CanonicalOrigin.EXTRACTED, path=path, aliases=extracted.aliases
    )
    assert described is not None
    canonical = dataclasses.replace(described, same_origin=True, source_copy=copy)
    return ResolvedCanonical(canonical, extracted, True)


def _refuse_backup(settings: Settings, path: str, what: str) -> None:
    """A canonical is live code: never a module that scans keep apart as a backup copy."""
    if is_backup_name(path, settings.backup):
        raise DecloneError(
            f"{what}: {path} is a backup copy (below a backup folder or matched by "
            "[tool.declone] backup), which scans leave out; choose a module outside it",
            ExitCode.USAGE,
        )


def _best_module_name(context: ImportContext, path: str, targets: tuple[str, ...]) -> str:
    """The dotted name of a new module at ``path`` that most of ``targets`` can import."""
    return _most_reaching(context, path, _module_names(context, path), targets)


def _module_names(context: ImportContext, path: str) -> list[str]:
    """The names ``path`` may import under: pytest's basedir rule, then the name under the
    root, each ``pythonpath`` entry and each declared or learned root (folders without
    ``__init__.py`` import as namespace packages)."""
    candidates = [module_name_for(context, path)]
    for entry in ("", *context.pythonpath, *context.roots):
        prefix = f"{entry}/" if entry else ""
        if path.startswith(prefix):
            candidates.append(dotted_name(path[len(prefix) :]))
    return list(dict.fromkeys(candidates))


def _most_reaching(
    context: ImportContext, path: str, names: list[str], targets: Iterable[str]
) -> str:
    targets = tuple(targets)

    def reach(module: str) -> tuple[int, int]:
        found = sum(check_import(context, target, module, path).importable for target in targets)
        # Among names that reach as many files, the most qualified: a bare ``support`` in
        # two scopes would be one module to a pytest session that collects both.
        return found, module.count(".")

    return max(names, key=reach)


def _relative_to_root(root: Path, given: str) -> str:
    candidate = Path(given)
    absolute = candidate if candidate.is_absolute() else Path.cwd() / candidate
    try:
        relative = absolute.resolve().relative_to(root)
    except ValueError:
        # A relative path is read from the root when it does not lie under the cwd's root.
        relative = Path(given) if not candidate.is_absolute() else Path("..")
    text = relative.as_posix()
    if text.startswith("..") or not text.endswith(".py"):
        raise DecloneError(
            f"--extract-to {given}: must be a .py file inside the repository {root}", ExitCode.USAGE
        )
    return text


def _variant_copy(
    root: Path, family: Family, family_name: str, variant: str, preferred: tuple[str, ...] = ()
) -> ClassRecord:
    """A top-level copy of the chosen variant, from the first of ``preferred`` files that
    has one.

    ``dominant`` means the most common variant that has one: a variant whose copies all
    live inside functions or classes, or under an ``if`` (whose import would not be
    conditional), cannot be taken from an importable place.
    """
    if variant == "dominant":
        candidates = list(family.variants)
    else:
        candidates = [v for v in family.variants if v.id.startswith(variant)]
        if len(candidates) != 1:
            ids = ", ".join(v.id for v in family.variants)
            raise DecloneError(
                f"--variant {variant}: no single variant matches; the family's variants are {ids}",
                ExitCode.USAGE,
            )
    rank = {path: position for position, path in enumerate(preferred)}
    for chosen in candidates:
        movable = [c for c in chosen.copies if at_top_level(c)]
        if movable:
            return min(movable, key=lambda c: (rank.get(c.path, len(rank)), c.path, c.lineno))
    others = [v.id for v in family.variants if any(at_top_level(c) for c in v.copies)]
    if not others:
        raise NothingToConsolidate(root, family_name, family.copies)
    raise DecloneError(
        f"--variant {variant}: variant {candidates[0].id} has no copy at module level to extract "
        "(each is inside a function or a class, or under an `if`, `try` or `with`); "
        f"the variants that have one: {', '.join(others)}",
        ExitCode.USAGE,
    )

"""Records shared by the pipeline stages.

Every stage takes and returns these frozen values; nothing here touches files. Paths are
POSIX strings relative to the scanned root, so that an index means the same thing on every
machine and can be cached, diffed and serialised to JSON as it is.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from functools import cached_property
from operator import attrgetter
from typing import TypeVar

__all__ = [
    "SCHEMA_VERSION",
    "STATEMENT_HASH_WIDTH",
    "ClassKind",
    "ClassRecord",
    "ClassRef",
    "CommentedCopy",
    "Compatibility",
    "CopyVerdict",
    "Family",
    "FileOutline",
    "FileProblem",
    "FileRecord",
    "MethodInfo",
    "NameGroup",
    "NameGroupKind",
    "RelatedClass",
    "ScanIndex",
    "Variant",
    "VariantDiff",
    "frozen_instance",
    "frozen_replace",
    "split_statements",
]

_Frozen = TypeVar("_Frozen")

#: Version of the JSON documents declone writes (``scan --json`` and friends). Bumped on any
#: incompatible change of field names or meanings.
SCHEMA_VERSION = 1


#: Hex digits of one statement hash in ``ClassRecord.statements``.
STATEMENT_HASH_WIDTH = 20


def frozen_instance(cls: type[_Frozen], **fields: object) -> _Frozen:
    """``cls(**fields)`` for a frozen dataclass; every field must be given.

    For a class with a ``__dict__``, without its generated ``__init__`` (which sets each field
    through ``object.__setattr__``): the fields go into the ``__dict__`` at once, defaults
    are not applied and nothing is checked. A class with slots (``ClassRecord``,
    ``MethodInfo``) has no ``__dict__`` to fill, and is made by its ``__init__``.
    """
    if "__slots__" in vars(cls):
        return cls(**fields)
    instance = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance


def frozen_replace(instance: _Frozen, **changes: object) -> _Frozen:
    """``dataclasses.replace(instance, **changes)``, quicker: the fields are copied, then
    ``changes`` set. Only for classes without ``init=False`` fields or ``__post_init__``.

    A ``__dict__`` is copied whole, so a ``cached_property`` value would be too, stale: only
    for classes that have none.
    """
    cls = type(instance)
    if "__slots__" in vars(cls):
        values = [
            changes.pop(name) if name in changes else getattr(instance, name)
            for name in _field_names(cls)
        ]
        if changes:
            raise TypeError(f"{cls.__name__} has no fields {sorted(changes)}")
        return cls(*values)
    replaced = object.__new__(cls)
    replaced.__dict__.update(instance.__dict__)
    replaced.__dict__.update(changes)
    return replaced


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def split_statements(statements: str) -> tuple[str, ...]:
    width = STATEMENT_HASH_WIDTH
    return tuple(statements[i : i + width] for i in range(0, len(statements), width))


class ClassKind(enum.StrEnum):
    """What pytest would make of a class, the way pytest itself decides."""

    #: Not a test class: a helper, a double, a data holder. Candidates for consolidation.
    HELPER = "helper"
    #: A class with test methods that pytest collects.
    TEST = "test"
    #: A class with test methods that pytest refuses to collect (it has ``__init__`` or
    #: ``__new__``, or its name does not match ``python_classes``): its tests never run.
    UNCOLLECTABLE_TEST = "uncollectable-test"


# ``MethodInfo`` and ``ClassRecord`` have slots: a large repository has hundreds of
# thousands of them, and an instance's ``__dict__`` (made whole by unpickling) took three
# quarters of a method's memory. They pickle as their fields' values, rebuilt by their
# ``__init__`` (``__reduce__``): shorter than a dictionary per instance, and quicker to load
# than the ``__setstate__`` that ``dataclass`` gives a frozen class with slots.


@dataclass(frozen=True, slots=True)
class MethodInfo:
    """One function defined directly in a class body."""

    name: str
    is_async: bool
    #: Parameter names in order, with ``*``/``**`` prefixes for star parameters and ``=`` after
    #: a name that has a default, e.g. ``("self", "data", "timeout=", "*args", "**kw")``.
    params: tuple[str, ...]
    lineno: int
    decorators: tuple[str, ...] = ()
    #: Hash of the method's normalised definition (signature and body, docstring excluded).
    body_hash: str = ""

    @property
    def signature(self) -> str:
        prefix = "async def " if self.is_async else "def "
        return f"{prefix}{self.name}({', '.join(self.params)})"

    def __reduce__(self) -> tuple[type[MethodInfo], tuple[object, ...]]:
        return MethodInfo, _method_values(self)


_method_values = attrgetter(*(f.name for f in fields(MethodInfo)))


@dataclass(frozen=True, slots=True)
class ClassRecord:
    """One ``class`` statement, at module level or nested in a class or function."""

    name: str
    #: Dotted path of enclosing scopes inside the module, e.g. ``"Outer.Inner"`` or
    #: ``"test_x.<locals>.Helper"``; equal to ``name`` at module level.
    qualname: str
    path: str
    lineno: int
    end_lineno: int
    col: int
    bases: tuple[str, ...]
    decorators: tuple[str, ...]
    methods: tuple[MethodInfo, ...]
    #: ``self.<attr>`` names assigned in ``__init__``, in first-assignment order.
    init_attributes: tuple[str, ...]
    #: Class-level assigned names (``x = 1``, ``x: int``), in order.
    class_attributes: tuple[str, ...]
    #: Hash of the body's structure with the class's own name: formatting, comments and
    #: docstrings do not change it.
    fingerprint: str
    #: The same hash with the class's own name (and self-references) normalised away: two
    #: classes with equal ``shape`` are structural clones under other names.
    shape: str
    #: Hashes of each normalised statement of the body (methods flattened), for near-clone
    #: similarity: sorted, each ``STATEMENT_HASH_WIDTH`` hex digits, joined into one string
    #: (one object instead of dozens keeps the scan cache quick to load).
    statements: str
    #: Number of statements in the body, docstrings excluded; the size used by ``--min-lines``.
    statement_count: int
    kind: ClassKind
    #: True when the class is defined inside a function: it cannot be imported from elsewhere.
    in_function: bool
    #: True when pytest would try to collect it (name matches ``python_classes``) and it has an
    #: ``__init__``: a ``PytestCollectionWarning`` at every collection.
    warns_on_collection: bool
    #: True when the file is a backup-like copy (``*.bak``, ``*.py.orig``, ...), not live code.
    in_backup: bool = False
    #: The class's source lines (decorators included), dedented; used for variant diffs and
    #: extraction. Not part of equality: two records are the same class whatever the layout.
    source: str = field(default="", repr=False, compare=False)

    @property
    def statement_hashes(self) -> tuple[str, ...]:
        return split_statements(self.statements)

    @property
    def line_count(self) -> int:
        return self.end_lineno - self.lineno + 1

    @property
    def location(self) -> str:
        return f"{self.path}:{self.lineno}:{self.col + 1}"

    def method(self, name: str) -> MethodInfo | None:
        for method in self.methods:
            if method.name == name:
                return method
        return None

    def __reduce__(self) -> tuple[type[ClassRecord], tuple[object, ...]]:
        return ClassRecord, _class_values(self)


_class_values = attrgetter(*(f.name for f in fields(ClassRecord)))


@dataclass(frozen=True)
class CommentedCopy:
    """A class definition that was commented out line by line: not live code."""

    name: str
    path: str
    lineno: int
    end_lineno: int


@dataclass(frozen=True)
class FileProblem:
    """A file that could not be read or parsed; it was skipped."""

    path: str
    lineno: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.lineno}: {self.reason}"


@dataclass(frozen=True)
class FileRecord:
    """What a scan learned from one file."""

    path: str
    #: sha256 of the file's bytes, the cache key.
    digest: str
    classes: tuple[ClassRecord, ...] = ()
    commented: tuple[CommentedCopy, ...] = ()
    problem: FileProblem | None = None
    #: True when ``ast`` rejected the file and LibCST's parser (newer grammar) read it.
    parsed_by_fallback: bool = False
    is_backup: bool = False


@dataclass(frozen=True)
class FileOutline:
    """What an index lists of one file besides its helpers (whose ``Summary`` linking uses).

    Small next to the ``FileRecord``: a scan that only reports families loads one of these
    per file and full records only for the few classes it shows in detail.
    """

    path: str
    digest: str
    is_backup: bool
    #: Class statements in the file (any kind, nested ones included).
    class_count: int
    commented: tuple[CommentedCopy, ...] = ()
    problem: FileProblem | None = None
    #: The classes an index lists one by one: uncollectable tests, helpers that make pytest
    #: warn, and the classes of a backup file.
    listed: tuple[ClassRecord, ...] = ()


class Compatibility(enum.StrEnum):
    """How a copy relates to its family's dominant variant."""

    IDENTICAL = "identical"
    #: The dominant variant has everything this copy has, the same way: it can replace it.
    SUBSET = "subset"
    DIVERGENT = "divergent"


@dataclass(frozen=True)
class CopyVerdict:
    copy: ClassRecord
    compatibility: Compatibility
    reason: str = ""


@dataclass(frozen=True)
class VariantDiff:
    """How a variant differs from the dominant one."""

    methods_added: tuple[str, ...] = ()
    methods_missing: tuple[str, ...] = ()
    #: ``(name, "sync->async")`` or ``(name, "async->sync")``.
    async_changes: tuple[tuple[str, str], ...] = ()
    #: ``(name, dominant signature, this signature)``.
    signature_changes: tuple[tuple[str, str, str], ...] = ()
    attributes_added: tuple[str, ...] = ()
    attributes_missing: tuple[str, ...] = ()
    bases_changed: bool = False
    #: Unified diff of the representative's source against the dominant representative's.
    source_diff: str = ""

    @property
    def is_empty(self) -> bool:
        return not (
            self.methods_added
            or self.methods_missing
            or self.async_changes
            or self.signature_changes
            or self.attributes_added
            or self.attributes_missing
            or self.bases_changed
        )


@dataclass(frozen=True)
class Variant:
    """Copies that share one structural shape."""

    #: Short stable id: the first 8 hex digits of the shape hash.
    id: str
    shape: str
    copies: tuple[ClassRecord, ...]
    representative: ClassRecord
    diff: VariantDiff = field(default_factory=VariantDiff)

    @property
    def count(self) -> int:
        return len(self.copies)


@dataclass(frozen=True)
class Family:
    """Classes that are copies of one another: by name, by structure, or by similarity."""

    #: The family's name: the most common class name among its copies.
    name: str
    names: tuple[str, ...]
    copies: tuple[ClassRecord, ...]
    variants: tuple[Variant, ...]
    #: One verdict per copy, in the order of ``copies``.
    verdicts: tuple[CopyVerdict, ...]
    #: How the family was formed: any of ``"name"``, ``"structure"``, ``"similarity"``.
    matched_by: tuple[str, ...]
    #: Lines a migration to the dominant variant would delete: identical and subset copies,
    #: and what a residual subclass would inherit, less the canonical that stays; copies that
    #: an import cannot replace (inside a function, decorated) remove nothing.
    removable_lines: int = 0
    #: The import scopes its copies are in (root folders, ``""`` for the repository's root).
    scopes: tuple[str, ...] = ("",)
    #: Production classes that look like a family of test code without being copies of its
    #: dominant body: listed beside it, never members (test code must not take them in).
    related: tuple[RelatedClass, ...] = ()

    @property
    def dominant(self) -> Variant:
        return self.variants[0]

    @property
    def id(self) -> str:
        """``name@variant``: tells apart families that share a name (the dominant variant's id)."""
        return f"{self.name}@{self.dominant.id}"

    @cached_property
    def files(self) -> tuple[str, ...]:
        return tuple(sorted({copy.path for copy in self.copies}))

    @cached_property
    def duplicated_lines(self) -> int:
        """Lines that consolidation would remove: all copies but one."""
        total = sum(copy.line_count for copy in self.copies)
        return total - max(copy.line_count for copy in self.copies)

    @property
    def warning_count(self) -> int:
        return sum(1 for copy in self.copies if copy.warns_on_collection)


class NameGroupKind(enum.StrEnum):
    """Classes that share a name without being copies of one another."""

    #: One name, defined in several files with bodies that are not copies: a convention
    #: (``ActionModule``, ``Migration``) or a habit (``Foo``, ``Dummy``), not duplication.
    SAME_NAME = "same-name"
    #: Classes nested in a class (an inner ``Meta`` or ``Config``): an import cannot replace
    #: them, whatever their bodies.
    NESTED = "nested"


@dataclass(frozen=True, slots=True)
class ClassRef:
    """Where a class is, and its shape: what a ``NameGroup`` lists of each of its classes."""

    path: str
    lineno: int
    end_lineno: int
    col: int
    qualname: str
    shape: str
    in_function: bool

    @property
    def location(self) -> str:
        return f"{self.path}:{self.lineno}:{self.col + 1}"


@dataclass(frozen=True, slots=True)
class RelatedClass:
    """A production class like a test family's dominant body, but not a copy of it."""

    name: str
    ref: ClassRef
    #: Jaccard similarity of its normalised statements to the dominant body's (0 to 1).
    similarity: float

    @property
    def path(self) -> str:
        return self.ref.path

    @property
    def lineno(self) -> int:
        return self.ref.lineno


@dataclass(frozen=True)
class NameGroup:
    """Classes of one name that are not a family: listed apart, never ranked as duplication."""

    kind: NameGroupKind
    name: str
    copies: tuple[ClassRef, ...]
    #: Copies of the same name that are members of duplicate families (not in ``copies``).
    in_families: int = 0

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(sorted({copy.path for copy in self.copies}))

    @property
    def distinct_bodies(self) -> int:
        return len({copy.shape for copy in self.copies})


@dataclass(frozen=True)
class ScanIndex:
    """The result of ``declone scan``: everything later stages need to know about a repo."""

    root: str
    files: tuple[FileRecord, ...]
    families: tuple[Family, ...]
    #: Test classes whose tests never run (pytest cannot collect them).
    uncollectable_tests: tuple[ClassRecord, ...]
    #: Helpers that pytest tries to collect and warns about (``__init__`` on a ``Test*`` class).
    warning_sources: tuple[ClassRecord, ...]
    commented: tuple[CommentedCopy, ...]
    #: Class definitions found in backup-like files, never counted as live copies.
    backup_copies: tuple[ClassRecord, ...]
    problems: tuple[FileProblem, ...]
    #: Files scanned and live classes found; equal to ``len(files)`` and ``len(classes)``
    #: unless the index is an overview, which leaves ``files`` empty.
    file_count: int = 0
    class_count: int = 0
    #: Names reused without a shared body, and classes nested in classes: not families.
    name_groups: tuple[NameGroup, ...] = ()

    def family(self, name: str) -> Family | None:
        """The family ``name`` (the best ranked of those that have the name), or ``name@id``
        for one of several families of that name (``Family.id``)."""
        if "@" in name:
            wanted, _, variant = name.partition("@")
            return next(
                (
                    f
                    for f in self.families
                    if wanted in f.names and f.dominant.id.startswith(variant)
                ),
                None,
            )
        for family in self.families:
            if family.name == name or name in family.names:
                return family
        return None

    def name_group(self, name: str) -> NameGroup | None:
        return next((group for group in self.name_groups if group.name == name), None)

    @property
    def classes(self) -> tuple[ClassRecord, ...]:
        """Every live class; empty for an overview (see ``declone.scan.scanner.scan_overview``)."""
        return tuple(cls for record in self.files if not record.is_backup for cls in record.classes)

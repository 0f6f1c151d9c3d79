"""Stage 3's engine, rewrite: LibCST transforms from source and edits to source, with no I/O.

``transform`` replaces or aliases a class's copies with an import of the canonical, or keeps a
residual subclass; ``rename`` retires legacy names (``finalize``); ``bindings`` reads what a
module binds and uses, which decides whether an edit is safe.
"""

from declone.rewrite.bindings import ModuleFacts, read_module_facts
from declone.rewrite.rename import RenameStatus, remove_aliases, rename_legacy_imports
from declone.rewrite.transform import (
    ClassEdit,
    EditAction,
    RewriteResult,
    RewriteStatus,
    rewrite_source,
)

__all__ = [
    "ClassEdit",
    "EditAction",
    "ModuleFacts",
    "RenameStatus",
    "RewriteResult",
    "RewriteStatus",
    "read_module_facts",
    "remove_aliases",
    "rename_legacy_imports",
    "rewrite_source",
]

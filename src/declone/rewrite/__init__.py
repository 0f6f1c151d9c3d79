"""Stage 3's engine, rewrite: LibCST transforms from source and edits to source.

``transform`` replaces or aliases a class's copies with an import of the canonical, or keeps
a residual subclass; ``importorder`` places that import as the repository's import sorter
would, and ``importsettings.read_import_order`` reads the sorter's settings (the stage's
only file I/O, an edge the plan calls once); ``unusedimports`` drops the imports only the
removed code used; ``rename`` retires legacy names (``finalize``); ``bindings`` reads what a
module binds and uses, which decides whether an edit is safe; ``comments`` lists the
comments a removed copy would lose.
"""

from declone.rewrite.bindings import ModuleFacts, read_module_facts
from declone.rewrite.comments import CopyComment, comments_only_in_copy
from declone.rewrite.importorder import ImportOrder, isort_config
from declone.rewrite.importsettings import read_import_order
from declone.rewrite.rename import RenameStatus, remove_aliases, rename_legacy_imports
from declone.rewrite.transform import (
    ClassEdit,
    EditAction,
    RewriteResult,
    RewriteStatus,
    class_used_elsewhere,
    rewrite_source,
)

__all__ = [
    "ClassEdit",
    "CopyComment",
    "EditAction",
    "ImportOrder",
    "ModuleFacts",
    "RenameStatus",
    "RewriteResult",
    "RewriteStatus",
    "class_used_elsewhere",
    "comments_only_in_copy",
    "isort_config",
    "read_import_order",
    "read_module_facts",
    "remove_aliases",
    "rename_legacy_imports",
    "rewrite_source",
]

"""Where a repository's distributions keep their packages (``lib/``, ``src/``): read in the
scan, which tells a shipped ``testing`` package from test code by them, and used here for the
``sys.path`` entries of an installed package (see :mod:`declone.plan.importability`)."""

from __future__ import annotations

from declone.scan import declared_source_roots

__all__ = ["declared_source_roots"]

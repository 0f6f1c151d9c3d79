"""The pytest plugin that declone injects into the target's own pytest.

``declone_collect.py`` is copied alone into a temporary directory that is put on the target's
``PYTHONPATH`` and loaded with ``-p declone_collect``: the target's interpreter never needs
declone installed. :func:`plugin_source` returns its bytes for that copy.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["PLUGIN_MODULE", "plugin_source"]

#: The module name given to ``pytest -p``.
PLUGIN_MODULE = "declone_collect"


def plugin_source() -> bytes:
    return resources.files(__name__).joinpath(f"{PLUGIN_MODULE}.py").read_bytes()

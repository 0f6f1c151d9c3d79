"""Counts said in English, for every stage's messages: ``1 file``, ``2 copies``."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun``, singular for one: ``1 copy``, ``2 copies``, ``0 files``.

    The plural is ``plural`` when given, else English's regular one (``family`` ->
    ``families``, ``class`` -> ``classes``, ``file`` -> ``files``).
    """
    if count == 1:
        return f"{count} {noun}"
    if plural is None:
        if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
            plural = noun[:-1] + "ies"
        elif noun.endswith(("s", "x", "z", "ch", "sh")):
            plural = noun + "es"
        else:
            plural = noun + "s"
    return f"{count} {plural}"

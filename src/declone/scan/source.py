"""Python source bytes to text, decoded as Python decodes them, and the digest a cache keys by."""

from __future__ import annotations

import codecs
import hashlib
import io
import tokenize

from declone.model import FileProblem

__all__ = ["decode_source", "digest_of"]


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_source(data: bytes) -> tuple[str, str] | FileProblem:
    """Decode Python source bytes as Python would: BOM, then coding cookie, then UTF-8.

    Returns ``(text, encoding)`` or a problem with the line of the first undecodable byte.
    """
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        return FileProblem("", line, "contains NUL bytes; not Python source, skipped")
    if _declares_no_encoding(data):
        encoding = "utf-8"  # what tokenize.detect_encoding says then, at a fraction of the cost
    else:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            if "invalid or missing encoding declaration" not in exc.msg:
                reason = f"bad coding cookie or BOM ({exc.msg}); fix the declaration"
                return FileProblem("", 1, reason)
            encoding = "utf-8"  # undecodable bytes in the first two lines: say where below
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return FileProblem(
            "",
            line,
            f"not valid {encoding} (byte {data[exc.start]:#04x}); add a coding cookie or re-encode",
        )


def _declares_no_encoding(data: bytes) -> bool:
    """No BOM, and no coding cookie in the first two lines (a cookie says ``coding``)."""
    first_end = data.find(b"\n")
    second_end = data.find(b"\n", first_end + 1) if first_end >= 0 else -1
    head = data if second_end < 0 else data[:second_end]
    return not data.startswith(codecs.BOM_UTF8) and b"coding" not in head

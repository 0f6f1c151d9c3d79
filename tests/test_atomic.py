from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from declone.atomic import AtomicWriteError, write_bytes_atomic, write_text_atomic


def test_creates_a_new_file_with_exact_bytes(tmp_path: Path) -> None:
    target = tmp_path / "new.py"
    data = b"\xef\xbb\xbfx = 1\r\ny = '\xe9'\n"
    write_bytes_atomic(target, data)
    assert target.read_bytes() == data


def test_new_file_mode_follows_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        write_bytes_atomic(tmp_path / "new.py", b"x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.py").stat().st_mode) == 0o640


def test_replacing_keeps_the_permission_bits(tmp_path: Path) -> None:
    target = tmp_path / "script.py"
    target.write_bytes(b"old")
    target.chmod(0o751)
    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o751


def test_explicit_mode_wins(tmp_path: Path) -> None:
    target = tmp_path / "script.py"
    target.write_bytes(b"old")
    target.chmod(0o600)
    write_bytes_atomic(target, b"new", mode=0o644)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_refuses_to_write_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_bytes(b"original")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    with pytest.raises(AtomicWriteError, match="symlink"):
        write_bytes_atomic(link, b"new")
    assert real.read_bytes() == b"original"
    assert link.is_symlink()


def test_refuses_a_directory(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(AtomicWriteError, match="not a regular file"):
        write_bytes_atomic(tmp_path / "folder", b"x")


def test_leaves_no_temporary_file_behind(tmp_path: Path) -> None:
    write_bytes_atomic(tmp_path / "a.py", b"one")
    write_bytes_atomic(tmp_path / "a.py", b"two")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_a_failed_write_keeps_the_old_file_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_bytes_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_write_text_does_not_translate_newlines(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    write_text_atomic(target, "a\r\nb\n", encoding="latin-1")
    assert target.read_bytes() == b"a\r\nb\n"

"""``declone scan`` in a real pseudo-terminal, 80 columns wide, as a laptop's terminal runs it."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from rich.cells import cell_len

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "websocket-suite"
#: Colours, cursor moves and the like: what a terminal draws, not what it shows as text.
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])")


def run_in_terminal(argv: list[str], *, columns: int, cwd: Path) -> str:
    """What ``argv`` writes to a terminal ``columns`` wide (stdout and stderr, as it shows
    them), read from the controlling side of a pseudo-terminal until the program exits."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    # The terminal says how wide it is: no COLUMNS (the test suite sets one), and a TERM
    # that colours, as a desktop terminal's does.
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    environ["TERM"] = "xterm-256color"
    process = subprocess.Popen(
        argv, cwd=cwd, env=environ, stdin=terminal, stdout=terminal, stderr=terminal
    )
    os.close(terminal)
    chunks = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the program exited and the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode("utf-8")


def test_scan_at_80_columns_in_a_terminal(tmp_path: Path) -> None:
    root = tmp_path / "websocket-suite"
    shutil.copytree(EXAMPLE, root)
    shown = run_in_terminal(
        [sys.executable, "-m", "declone", "scan", str(root), "--no-cache"],
        columns=80,
        cwd=tmp_path,
    )
    # Coloured and boxed, as rich draws for a terminal.
    assert "\x1b[1m" in shown  # bold headers
    assert all(box in shown for box in "┃━│")
    # Line by line as the terminal shows it: no line runs past its edge.
    lines = [_ESCAPES.sub("", line) for line in re.split(r"\r\n|\r|\n", shown)]
    too_long = [line for line in lines if cell_len(line) > 80]
    assert not too_long, "\n".join(too_long)
    text = "\n".join(lines)
    # What identifies a row, whole: the family's name and a copy's path:line.
    assert re.search(r"│ TestWebSocketConnection +│", text), text
    assert "tests/mission_critical/test_websocket_agent_events.py.backup:8:1" in text
    assert "tests/integration/test_legacy_streaming.py:9-27" in text
    assert "…" not in text  # nothing was cut short

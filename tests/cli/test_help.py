"""``--help`` fits the terminal and lists each command's own exit codes; the README's
synopses name the options and metavars the parsers have."""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from declone.cli.main import COMMANDS, EXIT_CODES, FOOTER, build_parser, main
from declone.errors import ExitCode

README = Path(__file__).resolve().parents[2] / "README.md"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def command_parser(command: str) -> argparse.ArgumentParser:
    parser = build_parser(command)
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub: argparse.ArgumentParser = subparsers.choices[command]
    return sub


def own_exit_codes(command: str | None) -> Mapping[ExitCode, str]:
    if command is None:
        return EXIT_CODES
    codes: Mapping[ExitCode, str] = importlib.import_module(COMMANDS[command][0]).EXIT_CODES
    return codes


# --- the README -----------------------------------------------------------------------------


@functools.cache
def readme_synopses() -> dict[str, str]:
    """Command -> its synopsis, whitespace collapsed, from the ```console block right under each
    ``## declone COMMAND`` heading (a block may hold several commands, one a line, each
    continued on indented lines)."""
    text = README.read_text(encoding="utf-8")
    synopses: dict[str, str] = {}
    blocks = re.findall(r"^## declone [a-z][^\n]*\n\n```console\n(.*?)\n```", text, re.M | re.S)
    for block in blocks:
        for entry in re.split(r"\n(?=declone )", block):
            command, _, rest = entry.removeprefix("declone ").partition(" ")
            assert command not in synopses, f"two synopses for {command}"
            synopses[command] = " ".join(rest.split())
    return synopses


def synopsis_options(synopsis: str) -> dict[str, tuple[str | None, bool]]:
    """Option -> (its metavar as written, or None for a flag; whether ``...`` repeats it)."""
    tokens = synopsis.split()
    options: dict[str, tuple[str | None, bool]] = {}
    for index, token in enumerate(tokens):
        found = re.fullmatch(r"[\[(]*(--?[a-z][\w-]*)(.*)", token)
        if found is None:
            continue
        option, after = found.groups()
        following, then = [*tokens[index + 1 : index + 3], "", ""][:2]
        if after or following == "|" or following.lstrip("[(").startswith("-"):
            options[option] = (None, False)
            continue
        optional = re.match(r"\[[^\]]*\]", following)
        metavar = optional.group() if optional else following.rstrip("])")
        options[option] = (metavar, then.startswith("..."))
    return options


def shown_metavar(action: argparse.Action) -> str | None:
    """The metavar as a synopsis writes it: ``N``, ``[RATIO]`` for an optional value."""
    if action.nargs == 0:
        return None
    if action.metavar is not None:
        name = str(action.metavar)
    elif action.choices is not None:
        name = "{" + ",".join(str(choice) for choice in action.choices) + "}"
    else:
        name = action.dest.upper()
    return f"[{name}]" if action.nargs == "?" else name


def positional_forms(action: argparse.Action) -> list[str]:
    """How a synopsis writes a positional: ``FAMILY``, ``[RUN_ID]``, ``[PATH ...]``."""
    name = str(action.metavar or action.dest.upper())
    if action.nargs == argparse.REMAINDER:  # its metavar is already written as usage
        return re.findall(r"\[[^\]]*\]", name)
    return [{None: "{}", "?": "[{}]", "*": "[{} ...]", "+": "{} ..."}[action.nargs].format(name)]


def test_every_command_has_one_readme_synopsis() -> None:
    assert sorted(readme_synopses()) == sorted(COMMANDS)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_readme_synopsis_names_the_parsers_options_and_metavars(command: str) -> None:
    parser = command_parser(command)
    synopsis = readme_synopses()[command]
    written = synopsis_options(synopsis)
    for option, (metavar, repeats) in written.items():
        action = parser._option_string_actions.get(option)
        assert action is not None, f"README: declone {command} has no option {option}"
        assert metavar == shown_metavar(action), f"README: declone {command} {option}"
        assert repeats == (action.nargs in ("+", "*")), f"README: declone {command} {option} ..."
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings:
            assert set(action.option_strings) & set(written), (
                f"README: the synopsis of declone {command} lacks {action.option_strings[0]}"
            )
        else:
            for form in positional_forms(action):
                assert form in synopsis, f"README: declone {command} lacks {form}"


def test_readme_exit_code_table_is_the_union_of_the_commands_codes() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## Exit codes\n") :]
    rows = re.findall(r"^\| (\d+) \| (.*?) \|$", section.split("\n## ", 2)[1], re.M)
    assert {int(code): meaning for code, meaning in rows} == {
        int(code): meaning for code, meaning in EXIT_CODES.items()
    }
    union = {code for command in COMMANDS for code in own_exit_codes(command)}
    assert union == set(EXIT_CODES)


# --- --help ---------------------------------------------------------------------------------


def listed_exit_codes(help_text: str) -> dict[int, str]:
    """The "Exit codes" section of a help text: code -> meaning, its wrapped lines joined."""
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lower() == "exit codes:")
    listed: dict[int, str] = {}
    code = 0
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        entry = re.fullmatch(r"  (\d+) +(.*)", line)
        if entry is not None:
            code = int(entry.group(1))
            listed[code] = entry.group(2)
        else:
            listed[code] += " " + line.strip()
    return listed


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_fits_the_width_and_lists_the_commands_own_exit_codes(
    command: str | None,
    width: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    assert main([*([command] if command else []), "--help"]) == 0
    shown = _ANSI.sub("", capsys.readouterr().out)
    lines = shown.splitlines()
    too_long = [line for line in lines if len(line) > width]
    assert not too_long
    # A wrapped help text never splits a parenthesised default, e.g. "(default" / "4)".
    split = [line for line in lines if line.count("(") != line.count(")")]
    assert not split
    assert listed_exit_codes(shown) == {
        int(code): meaning for code, meaning in own_exit_codes(command).items()
    }
    if command is None:
        assert shown.rstrip().endswith(FOOTER)
    else:
        assert "declone COMMAND --help" not in shown


def _terminal_output(command: list[str], columns: int) -> str:
    """What ``command`` prints in a pseudo-terminal ``columns`` wide: through util-linux's
    ``script``, else python's ``pty`` with the window size set by ioctl."""
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    script = shutil.which("script")
    if script is not None:
        shell = f"stty cols {columns}; {shlex.join(command)}"
        done = subprocess.run(
            [script, "-qc", shell, "/dev/null"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=environ,
            timeout=120,
            check=False,
        )
        if done.returncode == 0:
            return done.stdout.decode("utf-8", "replace")
    try:
        import fcntl
        import pty
        import struct
        import termios
    except ImportError:
        pytest.skip("no pseudo-terminal: neither util-linux's script nor python's pty module")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    with subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=environ):
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_help_in_a_real_terminal_80_columns_wide_fits_it() -> None:
    shown = _ANSI.sub("", _terminal_output([sys.executable, "-m", "declone", "--help"], 80))
    lines = shown.replace("\r\n", "\n").splitlines()
    assert lines[0].startswith("Usage: declone")
    assert max(len(line) for line in lines) <= 80
    assert listed_exit_codes("\n".join(lines)) == {
        int(code): meaning for code, meaning in EXIT_CODES.items()
    }

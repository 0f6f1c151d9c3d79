"""``declone report``: families, migration runs and measurements, for the people who decide.

Reads the scan (run now), ``[tool.declone.families]``, the journal under ``.declone/runs/``
and the history in ``.declone/history.sqlite``; writes nothing but the files asked for.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from declone.errors import DecloneError, ExitCode

__all__ = ["DEFAULT_HTML_PATH", "add_arguments", "run"]

#: Where ``--open`` writes the page when ``--html`` names no file.
DEFAULT_HTML_PATH = Path(".declone") / "report.html"


#: The codes ``declone report`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: "success",
    ExitCode.USAGE: "usage or configuration error: an unknown --baseline, a report file it cannot write",
    ExitCode.REFUSED: "the history database is damaged or from a newer declone",
    ExitCode.INTERRUPTED: "interrupted",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from declone.cli.options import add_scan_options

    parser.add_argument("--root", type=Path, help="repository root (default: the current folder)")
    parser.add_argument("--html", type=Path, metavar="FILE", help="write the HTML report to FILE")
    parser.add_argument(
        "--markdown",
        metavar="FILE|-",
        help="write the short Markdown report, for a pull-request comment, to FILE or stdout (-)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as versioned JSON")
    parser.add_argument(
        "--open",
        action="store_true",
        help=f"open the HTML report in a browser; without --html, it is written to "
        f"ROOT/{DEFAULT_HTML_PATH}",
    )
    parser.add_argument(
        "--baseline",
        default=None,
        metavar="NAME",
        help="the saved measurement to compare the latest one with (default: baseline, "
        "else the oldest measurement)",
    )
    parser.add_argument("--all", action="store_true", help="list every family, not the top 25")
    add_scan_options(parser)


def _write(path: Path, text: str) -> None:
    from declone.atomic import write_bytes_atomic

    try:
        if path.parent != Path():
            path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise DecloneError(
            f"{path}: cannot write the report ({exc.strerror or exc}); choose another path",
            ExitCode.USAGE,
        ) from exc


def run(args: argparse.Namespace) -> int:
    from declone.cli import output
    from declone.cli.options import settings_from_args, warn_if_uncached
    from declone.cli.report_view import print_report
    from declone.report import (
        DEFAULT_BASELINE,
        build_report,
        load_inputs,
        render_html,
        render_markdown,
        report_to_json,
    )
    from declone.scan import scan_repository

    args.paths = []
    settings = settings_from_args(args)
    show_progress = not (args.json or args.no_progress)
    with output.progress("scanning", None, enabled=show_progress) as bar:
        index, stats = scan_repository(settings, on_total=bar.set_total, on_progress=bar.advance)
    warn_if_uncached(stats)
    inputs = load_inputs(settings, index, baseline_name=args.baseline or DEFAULT_BASELINE)
    if args.baseline is not None and inputs.baseline is None:
        raise DecloneError(
            f"{settings.root / '.declone' / 'history.sqlite'}: no baseline named "
            f"{args.baseline!r}; save one with: declone measure --save {args.baseline}",
            ExitCode.USAGE,
        )
    data = build_report(inputs)
    html_path: Path | None = args.html
    if args.open and html_path is None:
        html_path = settings.root / DEFAULT_HTML_PATH
    if html_path is not None:
        _write(html_path, render_html(data))
        output.info(f"wrote {html_path}")
    markdown_to_stdout = args.markdown == "-"
    if args.markdown and not markdown_to_stdout:
        _write(Path(args.markdown), render_markdown(data))
        output.info(f"wrote {args.markdown}")
    if args.json:
        output.emit_json(report_to_json(data))
    elif markdown_to_stdout:
        output.stdout().out(render_markdown(data), highlight=False)
    else:
        print_report(data, output.stdout(), max_families=None if args.all else 25)
    if args.open and html_path is not None:
        import webbrowser

        webbrowser.open(html_path.resolve().as_uri())
    return int(ExitCode.OK)

"""The HTML report in a real headless browser: it renders, with its charts and tables.

Debian's chromium is installed by the fixture when missing (the tests run as root in CI).
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from declone.cli import main

CHROMIUM = Path("/usr/bin/chromium")

_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _apt_install() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
        capture_output=True,
        text=True,
        check=False,
        env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )


@pytest.fixture(scope="session")
def chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("apt-get") is None:
        pytest.skip("no /usr/bin/chromium and no apt-get to install it with")
    installed = _apt_install()
    if installed.returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, check=False)
        installed = _apt_install()
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert CHROMIUM.exists()
    return CHROMIUM


def _browse(chromium: Path, tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(chromium), *_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class _Counter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.classes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.classes += [value or "" for name, value in attrs if name == "class"]


@pytest.mark.slow
def test_report_renders_in_chromium(chromium: Path, history_repo: Path, tmp_path: Path) -> None:
    from PIL import Image

    page = tmp_path / "report.html"
    assert main(["report", "--root", str(history_repo), "--html", str(page), "--json"]) == 0
    shot = tmp_path / "shot.png"
    result = _browse(
        chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()
    )
    assert shot.is_file(), result.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20)
    assert colours is not None
    # A blank page has one colour; text, cards, badges and charts give hundreds.
    assert len(colours) > 200
    background = max(colours)[1]
    assert background != (0, 0, 0)
    # The charts' accent colours made it to the screen: the style was applied (its CSP
    # hash matched) and the SVG was drawn.
    counts = {colour for _, colour in colours}
    assert (59, 91, 219) in counts  # collection-time line
    assert (230, 119, 0) in counts  # warnings line

    dom = _browse(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = _Counter()
    found.feed(dom.stdout)
    assert found.tags.get("svg") == 3
    assert found.tags.get("polyline", 0) >= 3
    assert found.tags.get("circle", 0) >= 9
    assert found.tags.get("table", 0) >= 4
    for table in ("families", "runs", "history"):
        assert table in found.classes
    assert found.tags.get("script") == 1

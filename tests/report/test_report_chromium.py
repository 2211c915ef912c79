"""Render report.html in headless Chromium: the page is not blank and every image loads.

Needs the Debian packages chromium and chromium-driver (``.ci/run`` installs them); the test
skips with a message saying so where Chromium is missing.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM_NAMES = ("chromium", "chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def _chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name) or (
            f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
        )
        if found:
            return found
    pytest.skip(
        "headless Chromium not found: install the Debian packages chromium and chromium-driver "
        "(apt-get install -y chromium chromium-driver; .ci/run does this) to run this test"
    )


def _run_chromium(binary: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *arguments],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_report_renders_in_headless_chromium(tiny_report: Path, tmp_path: Path):
    binary = _chromium()
    screenshot = tmp_path / "report.png"
    result = _run_chromium(
        binary,
        tmp_path / "profile",
        f"--screenshot={screenshot}",
        "--window-size=1280,2000",
        tiny_report.resolve().as_uri(),
    )
    assert screenshot.is_file(), f"Chromium wrote no screenshot:\n{result.stderr[-2000:]}"
    pixels = np.asarray(Image.open(screenshot).convert("RGB"), dtype=np.float64)
    assert pixels.shape[:2] == (2000, 1280)
    # Not blank: varied pixels, a good share of them not white (text, tables, banner).
    assert pixels.std() > 10
    assert (pixels.min(axis=2) < 200).mean() > 0.01
    # The gate banner's fill colour (green when passed, pink when failed) is on screen.
    banner = {(218, 251, 225), (255, 235, 233)}
    colours = {tuple(int(c) for c in px) for px in pixels[:400].reshape(-1, 3)[::7]}
    assert colours & banner


def test_every_image_loads_in_chromium(tiny_report: Path, tmp_path: Path):
    """Chromium's DOM after load: every <img> decoded (naturalWidth > 0)."""
    binary = _chromium()
    probe = tmp_path / "probe.html"
    html = tiny_report.read_text(encoding="utf-8")
    # Write each image's decoded width into the page title once the document has loaded.
    script = (
        "<script>window.addEventListener('load',()=>{document.title=[...document.images]"
        ".map(i=>i.complete&&i.naturalWidth>0?'ok':'bad').join(',');"
        "document.body.setAttribute('data-images',document.title);});</script>"
    )
    probe.write_text(html.replace("</body>", script + "</body>"), encoding="utf-8")
    result = _run_chromium(
        binary,
        tmp_path / "profile",
        "--dump-dom",
        "--virtual-time-budget=10000",
        probe.resolve().as_uri(),
    )
    match = re.search(r'data-images="([^"]*)"', result.stdout)
    assert match, f"Chromium gave no DOM:\n{result.stderr[-2000:]}"
    states = match.group(1).split(",")
    expected = len(re.findall(r"<img\b", html))
    assert len(states) == expected and set(states) == {"ok"}
    # The same images decode outside the browser too.
    for source in re.findall(r'<img\b[^>]*src="data:image/png;base64,([^"]+)"', html):
        Image.open(io.BytesIO(base64.b64decode(source))).load()


@pytest.mark.parametrize("width, height", [(1440, 900), (1280, 800)])
def test_first_screen_holds_the_executive_summary(
    tiny_report: Path, tmp_path: Path, width: int, height: int
):
    """At desktop and laptop sizes the summary's heading and key figures are on the first screen."""
    binary = _chromium()
    probe = tmp_path / "probe.html"
    html = tiny_report.read_text(encoding="utf-8")
    script = (
        "<script>window.addEventListener('load',()=>{"
        "const first=document.querySelector('section');"
        "const h=document.querySelector('#summary h2').getBoundingClientRect();"
        "const k=document.querySelector('#summary .kpis').getBoundingClientRect();"
        "document.body.setAttribute('data-probe',[first.id,Math.round(h.bottom),"
        "Math.round(k.top),window.innerWidth,window.innerHeight].join(','));});</script>"
    )
    probe.write_text(html.replace("</body>", script + "</body>"), encoding="utf-8")
    result = _run_chromium(
        binary,
        tmp_path / "profile",
        "--dump-dom",
        f"--window-size={width},{height}",
        "--virtual-time-budget=10000",
        probe.resolve().as_uri(),
    )
    match = re.search(r'data-probe="([^"]*)"', result.stdout)
    assert match, f"Chromium gave no DOM:\n{result.stderr[-2000:]}"
    first, heading_bottom, kpis_top, inner_width, inner_height = match.group(1).split(",")
    assert first == "summary"
    assert int(inner_width) == width
    assert 0 < int(heading_bottom) < int(inner_height)
    assert int(kpis_top) < int(inner_height)

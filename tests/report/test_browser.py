"""The report in a real browser: it renders, shows its plots and gallery, and asks the network
for nothing."""

import numpy as np
import pytest
from PIL import Image

from tests.report.browser import CHROMIUM, render
from tests.report.page import read_page

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=f"no Chromium at {CHROMIUM} (Debian/Ubuntu: apt-get install -y chromium)",
)


def test_report_renders_offline(tiny_run, tiny_report, tmp_path):
    rendering = render(tiny_report, tmp_path, width=1200, height=2400)
    assert rendering.page_requests == []
    assert rendering.console == []  # no blocked load, no error
    page = read_page(rendering.dom)
    assert page.title == f"polymodal report — {tiny_run.name}"
    assert len(page.plots()) == 7
    assert len(page.examples()) == 8
    with Image.open(rendering.screenshot) as shot:
        assert shot.size == (1200, 2400)
        pixels = np.asarray(shot.convert("L"))
    # Plots drawn, not a blank page: text, lines and bars cover a share of the window.
    assert (pixels < 250).mean() > 0.02 and len(np.unique(pixels)) > 100


def test_the_checks_catch_a_page_that_goes_online(tmp_path):
    page = tmp_path / "online.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>online</title>"
        '<link rel="stylesheet" href="https://fonts.example.org/font.css"></head>'
        '<body><img src="http://example.com/plot.png"></body></html>'
    )
    rendering = render(page, tmp_path, width=400, height=300)
    assert sorted(rendering.page_requests) == [
        "http://example.com/plot.png",
        "https://fonts.example.org/font.css",
    ]


def test_the_checks_catch_console_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'\"><title>x</title></head>"
        '<body><img src="http://example.com/plot.png"></body></html>'
    )
    rendering = render(page, tmp_path, width=400, height=300)
    assert rendering.page_requests == []  # blocked by the policy before any request
    assert any("Content Security Policy" in line for line in rendering.console)

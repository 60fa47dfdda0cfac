"""The HTML page in real headless Chromium: one column on a phone (400 px) without sideways scrolling, two
columns on a desktop (1200 px). Nothing is downloaded: the page is self-contained and Chromium runs offline."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import SEED

from translate.document import read_article
from translate.publish.render import RenderOptions, render_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None or shutil.which("apertium") is None,
                                reason="chromium and apertium are installed by scripts/setup.sh --test")

# Written into the DOM by the copy of the page Chromium loads (the page itself has no script).
PROBE = """<script>
window.addEventListener("load", () => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right]; };
  const row = document.querySelector("table.parallel tbody tr");
  const out = {scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
               source: box(row.querySelector("td.source")), target: box(row.querySelector("td.target"))};
  parent.postMessage(JSON.stringify(out), "*");
});
</script>"""
# Headless Chromium keeps its window at least 500 px wide: the page is measured in a frame of the width asked for.
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" style="border:0;width:{width}px;height:1600px"></iframe>
<script>window.addEventListener("message", (e) => document.body.setAttribute("data-probe", e.data));</script>
</body></html>"""


def _measure(page: Path, width: int) -> dict:
    probe = page.with_name("probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    frame = page.with_name(f"frame{width}.html")
    frame.write_text(FRAME.format(src=probe.name, width=width), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             f"--window-size={max(width, 500) + 40},1700", "--virtual-time-budget=5000", "--dump-dom",
             frame.as_uri()],
            capture_output=True, text=True, timeout=120).stdout
    found = re.search(r'data-probe="([^"]+)"', dom)
    assert found, dom[-500:]
    import html

    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from translate.engines.apertium import ApertiumEngine
    from translate.pipeline import translate_document

    translation = translate_document(read_article(SEED), "en", "es", ApertiumEngine(), ())
    path = tmp_path_factory.mktemp("html") / "seed.html"
    render_html(translation, path, RenderOptions(generated=datetime(2024, 5, 1, tzinfo=timezone.utc)))
    return path


def test_phone_width_one_column_no_sideways_scroll(page):
    m = _measure(page, 400)
    assert m["inner"] <= 400 and m["scroll"] <= m["inner"], m
    assert m["target"][1] > m["source"][1]  # the translation under its source
    assert abs(m["target"][0] - m["source"][0]) < 20


def test_desktop_width_two_columns(page):
    m = _measure(page, 1200)
    assert m["scroll"] <= m["inner"], m
    assert m["target"][0] > m["source"][2] - 1 and abs(m["target"][1] - m["source"][1]) < 2  # side by side


def test_each_column_says_its_language_for_hyphenation(page):
    html = page.read_text(encoding="utf-8")
    assert '<td class="source" lang="en"' in html and '<td class="target" lang="es"' in html
    assert "hyphens: auto" in html

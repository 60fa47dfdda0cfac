"""Lines of a PDF page as poppler reads them (pdftotext -bbox-layout): for typography checks on the real output."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

XHTML = "{http://www.w3.org/1999/xhtml}"
HYPHEN_END = re.compile(r"\w[\u2010-]$")
FOLIO = re.compile(r"^(Page|Página|Seite|Pagina|Pàgina|Страница|Сторінка) \d+")


@dataclass(frozen=True)
class Line:
    page: int
    block: int
    x: float
    top: float
    bottom: float
    text: str


def page_lines(path: Path) -> tuple[list[list[Line]], float]:
    """Every page's text lines (in poppler's blocks), and the page width."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, check=True).stdout
    root = ET.fromstring(out)
    pages, width, block_no = [], 0.0, 0
    for number, page in enumerate(root.iter(f"{XHTML}page"), start=1):
        width = float(page.get("width"))
        lines = []
        for block in page.iter(f"{XHTML}block"):
            block_no += 1
            for line in block.iter(f"{XHTML}line"):
                words = [w.text or "" for w in line.iter(f"{XHTML}word")]
                lines.append(Line(number, block_no, float(line.get("xMin")), float(line.get("yMin")),
                                  float(line.get("yMax")), " ".join(words)))
        pages.append(lines)
    return pages, width


def hyphenation_faults(path: Path, furniture: tuple[str, ...] = ()) -> list[str]:
    """Lines that end in a hyphenated word whose rest is in the next column or on the next page (the lowest text
    line of each column of a page), runs of three hyphenated lines, and fragments of fewer than 3 letters."""
    pages, width = page_lines(path)
    faults = []
    for lines in pages:
        body = [l for l in lines if not FOLIO.match(l.text) and not any(l.text and f.startswith(l.text.rstrip("…."))
                                                                       for f in furniture)]
        for column in (0, 1):
            own = [l for l in body if (l.x >= width / 2) == bool(column)]
            if own:
                last = max(own, key=lambda l: l.bottom)
                if HYPHEN_END.search(last.text):
                    faults.append(f"page {last.page}: column ends in a hyphenated word: {last.text!r}")
        by_block: dict[int, list[Line]] = {}
        for line in body:
            by_block.setdefault(line.block, []).append(line)
        for block in by_block.values():
            run = 0
            for i, line in enumerate(block):
                if not line.text.endswith("\u2010"):
                    run = 0
                    continue
                run += 1
                if run == 3:
                    faults.append(f"page {line.page}: three hyphenated lines in a row, to {line.text!r}")
                fragment = re.split(r"\W", line.text[:-1])[-1]
                rest = re.match(r"\w*", block[i + 1].text).group(0) if i + 1 < len(block) else "xxx"
                if len(fragment) < 3 or len(rest) < 3:
                    faults.append(f"page {line.page}: fragment under 3 letters: {line.text!r} / {rest!r}")
    return faults

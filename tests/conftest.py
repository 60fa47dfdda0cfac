"""Test set-up: argostranslate reads its folders from the environment once, at import, so they are pointed at a
private temporary folder here, before any test module imports it."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="translate-tests-"))
os.environ["ARGOS_PACKAGES_DIR"] = str(_HOME / "argos-packages")
for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[var] = str(_HOME / var.lower())
# Tests never reach the Argos index: an unroutable address makes "online" commands fail at once.
os.environ["ARGOS_PACKAGE_INDEX"] = "http://127.0.0.1:9/"

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "source" / "ukrainian-workers-refuse-to-end-occupations.md"
GLOSSARY = ROOT / "glossaries" / "political.yaml"
SHARED = ROOT.parent / "shared"

needs_apertium = pytest.mark.skipif(
    shutil.which("apertium") is None, reason="apertium is not installed (scripts/setup.sh installs it)"
)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_HOME, ignore_errors=True)


def run_cli(*args: str, cwd: Path | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    """The real command, in a fresh process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "translate", *args],
        cwd=cwd or ROOT,
        input=input,
        capture_output=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def pdf_text(path: Path, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    text = subprocess.run(args, capture_output=True, check=True, text=True).stdout
    # hyphens: auto breaks words with U+2010 at line ends; join them back for comparisons
    return text.replace("\u2010\n", "").replace("-\n", "")


@pytest.fixture
def mini_glossary(tmp_path: Path) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(
        """name: mini
languages: [en, es]
entries:
- id: working-class
  terms: {en: working class, es: clase obrera}
  forms: {en: [working classes], es: [clases obreras]}
  forbidden: {es: [clase trabajadora]}
- id: stalinist-bureaucracy
  terms: {en: Stalinist bureaucracy, es: burocracia estalinista}
- id: bureaucracy
  terms: {en: bureaucracy, es: burocracia}
- id: nato
  terms: {en: NATO, es: OTAN}
  case: sensitive
- id: fourth-international
  terms: {en: Fourth International, es: Cuarta Internacional}
""",
        encoding="utf-8",
    )
    return path


# A 1x1 red PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108020000009077"
    "53de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


@pytest.fixture
def counting_server():
    """A local HTTP server that counts every request: a PNG for *.png, else an SVG that says LEAKED."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            png = self.path.endswith(".png")
            self.send_response(200)
            self.send_header("Content-Type", "image/png" if png else "image/svg+xml")
            self.end_headers()
            self.wfile.write(PNG if png else
                             b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>LEAKED</text></svg>')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()

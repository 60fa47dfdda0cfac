"""Test set-up: argostranslate reads its folders from the environment once, at import, so they are pointed at a
private temporary folder here, before any test module imports it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
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

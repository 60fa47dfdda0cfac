"""Batch jobs: project file, translation memory, incremental rebuilds, parallel pairs, crash safety."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT, SEED, needs_apertium, run_cli, snapshot
from corpus_articles import NEWS, news_articles

from translate.config import load_config
from translate.document import read_article
from translate.errors import UserError
from translate.memory import MEMORY_NAME, TranslationMemory, export_tmx, integrity_ok
from translate.pipeline import translate_pair
from translate.terms.glossary import load_glossary


class CountingApertium:
    """Debian's Apertium, counting the segments it is given."""

    def __init__(self):
        from translate.engines.apertium import ApertiumEngine

        self.inner, self.name, self.sent = ApertiumEngine(), "apertium", 0

    def supports(self, src, tgt):
        return self.inner.supports(src, tgt)

    def identity(self, src, tgt):
        return self.inner.identity(src, tgt)

    def translate(self, texts, src, tgt):
        self.sent += len(texts)
        return self.inner.translate(texts, src, tgt)


pytestmark = needs_apertium


def test_unchanged_rerun_makes_no_engine_call(tmp_path, mini_glossary):
    entries = load_glossary(mini_glossary).entries
    docs = [read_article(SEED)]
    memory = TranslationMemory(tmp_path / MEMORY_NAME)
    engine = CountingApertium()
    first = translate_pair(docs, "en", "es", engine, entries, memory)
    assert engine.sent >= len(docs[0].segments) and first[0].cached == 0
    engine.sent = 0
    again = translate_pair(docs, "en", "es", engine, entries, memory)
    assert engine.sent == 0 and again[0].cached == len(docs[0].segments)
    assert again[0].blocks == first[0].blocks and again[0].report == first[0].report
    memory.close()
    assert integrity_ok(tmp_path / MEMORY_NAME)


def test_edit_retranslates_only_the_edited_paragraph(tmp_path, mini_glossary):
    entries = load_glossary(mini_glossary).entries
    memory = TranslationMemory(tmp_path / MEMORY_NAME)
    translate_pair([read_article(SEED)], "en", "es", CountingApertium(), entries, memory)
    edited = tmp_path / SEED.name
    text = SEED.read_text(encoding="utf-8")
    edited.write_text(text.replace("Of course, the largest illegal occupation", "Of course, the biggest illegal occupation"),
                      encoding="utf-8")
    doc = read_article(edited)
    [result] = translate_pair([doc], "en", "es", CountingApertium(), entries, memory)
    changed = next(b for b in doc.blocks if "biggest" in b.text)
    assert result.cached == len(doc.segments) - 1  # the first sentence of that paragraph only
    assert len(changed.segments) == 2
    assert "más grande" in result.block(changed.id).segments[0].text or "mayor" in result.block(changed.id).segments[0].text


def test_glossary_edit_retranslates_only_segments_with_that_term(tmp_path, mini_glossary):
    entries = load_glossary(mini_glossary).entries
    memory = TranslationMemory(tmp_path / MEMORY_NAME)
    doc = read_article(SEED)
    translate_pair([doc], "en", "es", CountingApertium(), entries, memory)
    mini_glossary.write_text(mini_glossary.read_text(encoding="utf-8").replace(
        "es: Cuarta Internacional", "es: IV Internacional"), encoding="utf-8")
    changed = load_glossary(mini_glossary).entries
    [result] = translate_pair([doc], "en", "es", CountingApertium(), changed, memory)
    with_term = [s for s in doc.segments if "Fourth International" in s.text]
    assert len(with_term) == 1 and result.cached == len(doc.segments) - 1
    assert "IV Internacional" in " ".join(s.text for b in result.blocks for s in b.segments)


def test_tmx_export(tmp_path, mini_glossary):
    memory = TranslationMemory(tmp_path / MEMORY_NAME)
    doc = read_article(SEED)
    translate_pair([doc], "en", "es", CountingApertium(), load_glossary(mini_glossary).entries, memory)
    n = export_tmx(memory, tmp_path / "m.tmx")
    root = ET.parse(tmp_path / "m.tmx").getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4" and root.find("header").get("srclang") == "en"
    units = root.findall("body/tu")
    assert n == len(units) == len(doc.segments)
    langs = {tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in units[0].findall("tuv")}
    assert langs == {"en", "es"}


def test_tmx_export_pairs_span_ends_and_keeps_points(tmp_path):
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: T\n---\n\nThe *new* policy of the [party](https://example.org) `x`.\n")
    memory = TranslationMemory(tmp_path / MEMORY_NAME)
    translate_pair([read_article(article)], "en", "es", CountingApertium(), [], memory)
    export_tmx(memory, tmp_path / "m.tmx")
    units = ET.parse(tmp_path / "m.tmx").getroot().findall("body/tu")
    tuvs = next(tu for tu in units if "policy" in "".join(tu.itertext())).findall("tuv")
    for tuv in tuvs:
        seg = tuv.find("seg")
        assert [e.get("i") for e in seg.iter("bpt")] == ["1", "2"] and [e.get("i") for e in seg.iter("ept")] == ["1", "2"]
        assert [e.get("x") for e in seg.iter("ph")] == ["3"]


def test_project_file_errors_name_key_and_line(tmp_path):
    path = tmp_path / "translate.yaml"
    path.write_text("to: [es, zz]\nengine: google\nlayout: grid\njobs: 0\ncolour: red\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        load_config(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 5
    assert lines[0].startswith(f"{path}:1: 'to'") and "'zz'" in lines[0]
    assert lines[1].startswith(f"{path}:2: 'engine'") and "auto, argos, apertium" in lines[1]
    assert lines[3].startswith(f"{path}:4: 'jobs'")
    assert lines[4].startswith(f"{path}:5: unknown option 'colour'")


def test_run_with_no_arguments_runs_the_project_and_options_override(tmp_path, mini_glossary):
    project = tmp_path / "paper"
    (project / "articles").mkdir(parents=True)
    (project / "articles" / "seed.md").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (project / "translate.yaml").write_text(
        f"source: articles\noutput: out\nto: [es, ca]\nengine: apertium\nglossaries: [{mini_glossary}]\nformats: [md]\n",
        encoding="utf-8")
    r = run_cli("run", cwd=project)
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(p.name for p in (project / "out" / "seed").iterdir()) == [
        "seed.ca.md", "seed.en-ca.terms.json", "seed.en-es.terms.json", "seed.es.md"]
    r = run_cli("run", "--to", "es", "--out", "other", cwd=project)
    assert r.returncode == 0 and sorted(p.name for p in (project / "other" / "seed").iterdir()) == [
        "seed.en-es.terms.json", "seed.es.md"]
    # the second run of the same job is all memory, and nothing is rewritten
    before = {p: p.stat().st_mtime_ns for p in (project / "out").rglob("*.md")}
    r = run_cli("run", cwd=project)
    assert r.returncode == 0 and "up to date" in r.stdout.decode()
    assert {p: p.stat().st_mtime_ns for p in (project / "out").rglob("*.md")} == before


@pytest.mark.skipif(not NEWS.is_dir(), reason="../shared/corpus/news is not beside the project")
def test_parallel_jobs_give_the_same_outputs(tmp_path, mini_glossary):
    sources = tmp_path / "src"
    news_articles(sources, 4)
    outs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        r = run_cli("run", str(sources), "--to", "es,ca", "--engine", "apertium", "-g", str(mini_glossary),
                    "--format", "md", "-o", str(out), "--jobs", jobs)
        assert r.returncode == 0, r.stderr.decode()
        outs[jobs] = {k: v for k, v in snapshot(out).items() if not k.startswith(".translate-")}
    assert outs["1"] == outs["2"] and len(outs["1"]) == 4 * 2 * 2


@pytest.mark.skipif(not NEWS.is_dir(), reason="../shared/corpus/news is not beside the project")
def test_killed_job_leaves_no_partial_output_and_the_rerun_finishes_the_same(tmp_path, mini_glossary):
    sources = tmp_path / "src"
    news_articles(sources, 8)
    shutil_args = ["--to", "es,ca", "--engine", "apertium", "-g", str(mini_glossary), "--format", "md", "--jobs", "1"]
    reference = tmp_path / "reference"
    assert run_cli("run", str(sources), *shutil_args, "-o", str(reference), "--no-memory").returncode == 0

    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "translate", "run", str(sources), *shutil_args, "-o", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = out / MEMORY_NAME
    deadline = time.time() + 120
    killed = False
    while time.time() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
                if con.execute("SELECT COUNT(*) FROM segments").fetchone()[0] > 0:
                    os.kill(proc.pid, signal.SIGKILL)
                    killed = True
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.02)
    proc.wait()
    assert killed, "the job ended before it could be killed"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert integrity_ok(db)
    stored = sqlite3.connect(db).execute("SELECT COUNT(*) FROM segments").fetchone()[0]

    r = run_cli("run", str(sources), *shutil_args, "-o", str(out))
    assert r.returncode == 0, r.stderr.decode()
    remembered = sum(int(m) for m in re.findall(r"→\w+\s+\d+\s+(\d+)\s", r.stdout.decode()))
    assert remembered == stored > 0
    got = {k: v for k, v in snapshot(out).items() if not k.startswith(".translate-memory")}
    assert got == snapshot(reference)


def test_memory_commands(tmp_path, mini_glossary):
    out = tmp_path / "out"
    r = run_cli("memory", "stats", "-o", str(out))
    assert r.returncode == 2 and "no translation memory yet" in r.stderr.decode()
    assert run_cli("run", str(SEED), "--to", "es", "--engine", "apertium", "-g", str(mini_glossary), "--format", "md",
                   "-o", str(out)).returncode == 0
    stats = run_cli("memory", "stats", "-o", str(out)).stdout.decode()
    n = len(read_article(SEED).segments)
    assert f"{n} segments" in stats and "en -> es" in stats
    r = run_cli("memory", "export", "--tmx", str(tmp_path / "m.tmx"), "-o", str(out))
    assert r.returncode == 0 and f"wrote {n} translation units" in r.stdout.decode()
    assert run_cli("memory", "clear", "-o", str(out)).returncode == 0
    assert "0 segments" in run_cli("memory", "stats", "-o", str(out)).stdout.decode()


@pytest.mark.skipif(not NEWS.is_dir(), reason="../shared/corpus/news is not beside the project")
def test_ctrl_c_exits_130_with_one_line(tmp_path, mini_glossary):
    sources = tmp_path / "src"
    news_articles(sources, 8)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "translate", "run", str(sources), "--to", "es,ca", "--engine",
                             "apertium", "-g", str(mini_glossary), "--format", "md", "-o", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and not (out / MEMORY_NAME).exists():
        time.sleep(0.02)
    time.sleep(0.3)
    assert proc.poll() is None, "the job ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    stderr = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        "translate: interrupted; every output written so far is complete, and the translation memory keeps what was "
        "translated"]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert integrity_ok(out / MEMORY_NAME)


def test_processes_opening_a_new_memory_at_once_all_succeed(tmp_path):
    # --jobs workers used to race to create the schema ("table segments already exists")
    import subprocess
    import sys

    path = tmp_path / MEMORY_NAME
    code = ("import sys, time; from pathlib import Path; from translate.memory import TranslationMemory; "
            "t = float(sys.argv[2]); time.sleep(max(0, t - time.time())); TranslationMemory(Path(sys.argv[1])).close()")
    start = time.time() + 1.5
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path), str(start)], stderr=subprocess.PIPE)
             for _ in range(8)]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    assert integrity_ok(path)

"""The batch's outputs are renamed into place together, also those rendered by worker processes; an editor who saves a
translated Markdown file while the batch is still rendering keeps it, and the new translation goes beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, needs_apertium, snapshot

from translate.memory import MEMORY_NAME, integrity_ok

GLOSSARY = "name: mini\nlanguages: [en, es]\nentries:\n- id: working-class\n  terms: {en: working class, es: clase obrera}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "g.yaml").write_text(GLOSSARY, encoding="utf-8")
    src = tmp_path / "source"
    src.mkdir()
    for n in range(4):
        (src / f"a{n}.md").write_text(f"---\ntitle: Article {n}\n---\nThe working class fights, {n}.\n\n"
                                      "The strike goes on.\n", encoding="utf-8")
    return tmp_path


def _job(project: Path, jobs: int, formats=("md", "pdf")):
    from translate import pipeline
    from translate.config import ProjectConfig

    config = ProjectConfig(source=(project / "source",), output=project / "out", targets=("es",),
                           engine="apertium", glossaries=(project / "g.yaml",), formats=formats, jobs=jobs,
                           translations=project / "translations", path=project / "translate.yaml")
    return pipeline.plan_job(config)


def _run(job, **kw):
    """As `translate run` does it: the editors' corrections taken first, then translate, then write."""
    from translate import pipeline
    from translate.review.job import harvest

    harvests = harvest(job)
    return pipeline.write_all(job, pipeline.translate_all(job), harvests=harvests, **kw)


@needs_apertium
@pytest.mark.parametrize("jobs", [1, 2])
def test_an_editor_saving_while_the_batch_renders_keeps_their_file(project, jobs):
    _run(_job(project, jobs))
    md = project / "out" / "a0" / "a0.es.md"
    first = md.read_text(encoding="utf-8")
    # the source changes, so the next run writes a new translation of a0
    source = project / "source" / "a0.md"
    source.write_text(source.read_text(encoding="utf-8").replace("goes on", "is over"), encoding="utf-8")
    edited = first.replace("Las peleas de clase obrera", "La clase obrera LUCHA")  # a sentence that stays
    assert edited != first

    def editor_saves(path: Path) -> None:  # as the batch starts its PDFs, the Markdown already staged
        if path.name == "a0.en-es.pdf" and md.read_text(encoding="utf-8") != edited:
            md.write_text(edited, encoding="utf-8")

    written = _run(_job(project, jobs), on_render=editor_saves)
    assert md.read_text(encoding="utf-8") == edited  # theirs, as they saved it
    draft = md.with_name("a0.es.new.md")
    assert "encima" in draft.read_text(encoding="utf-8")  # the new translation ("is over")
    mine = next(w for w in written if w.translation.source.path == source)
    assert draft in mine.paths and md not in mine.paths
    assert any("changed while translate was running" in m and "a0.es.new.md" in m for m in mine.messages)
    # the next run takes their edit as a correction, and loses nothing
    _run(_job(project, 1))
    text = md.read_text(encoding="utf-8")
    assert "La clase obrera LUCHA" in text and "encima" in text


@needs_apertium
def test_render_workers_files_are_renamed_with_the_batch(project):
    from translate import pipeline
    from translate.errors import UserError

    job = _job(project, 2)
    pipeline.write_all(job, pipeline.translate_all(job))
    out = project / "out"
    pdfs = sorted(out.rglob("*.pdf"))
    assert len(pdfs) == 4
    before = snapshot(out)
    for n in range(4):  # new text for every article, then a failure after the workers rendered some PDFs
        source = project / "source" / f"a{n}.md"
        source.write_text(source.read_text(encoding="utf-8").replace("goes on", "is over"), encoding="utf-8")
    job = _job(project, 2)
    translations = pipeline.translate_all(job)
    seen = []

    def fail_late(path: Path) -> None:
        seen.append(path)
        if len(seen) == 4:
            raise UserError("stopped on purpose")

    with pytest.raises(UserError):
        pipeline.write_all(job, translations, on_render=fail_late)
    after = snapshot(out)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)
                     and not k.startswith(MEMORY_NAME))
    assert changed == [], changed
    assert not list(out.rglob("*.tmp"))
    written = pipeline.write_all(job, translations)
    assert sorted(p for w in written for p in w.paths if p.suffix == ".pdf") == pdfs


def _session(sid: int) -> list[str]:
    rows = subprocess.run(["ps", "-ww", "-eo", "pid=,sid=,stat=,args="], capture_output=True, text=True).stdout
    return [r for r in rows.splitlines() if r.split()[1] == str(sid) and not r.split()[2].startswith("Z")]


@needs_apertium
@pytest.mark.parametrize("how", ["kill", "ctrl-c"])
def test_stopping_a_run_while_workers_render_leaves_no_process_and_no_partial_output(project, how):
    for n in range(4, 12):
        (project / "source" / f"a{n}.md").write_text(f"---\ntitle: Article {n}\n---\nThe working class, {n}.\n",
                                                    encoding="utf-8")
    out = project / "out"
    proc = subprocess.Popen([sys.executable, "-m", "translate", "run", str(project / "source"), "--to", "es",
                             "--engine", "apertium", "-g", str(project / "g.yaml"), "-o", str(out), "--format",
                             "md,pdf", "--jobs", "2"], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:  # until two render workers run
        if sum("spawn_main" in p for p in _session(proc.pid)) >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
    time.sleep(1.0)
    if how == "kill":
        os.kill(proc.pid, signal.SIGKILL)
    else:
        os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    deadline = time.time() + 10
    while _session(proc.pid) and time.time() < deadline:
        time.sleep(0.1)
    assert _session(proc.pid) == []
    if how == "ctrl-c":
        assert proc.returncode == 130, stderr.decode()
        assert stderr.decode().strip().splitlines()[-1].startswith("translate: interrupted"), stderr.decode()
        assert "Traceback" not in stderr.decode()
        assert not list(out.rglob("*.tmp"))
        assert not list(out.rglob("*.pdf")) and not list(out.rglob("*.es.md"))  # the batch: all or nothing
    if (out / MEMORY_NAME).exists():
        assert integrity_ok(out / MEMORY_NAME)
    # the next run finishes the work and removes what the stopped one left
    again = subprocess.run(proc.args, cwd=ROOT, capture_output=True, timeout=600)
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    assert len(list(out.rglob("*.pdf"))) == 12 and not list(out.rglob("*.tmp"))

"""A failing machine: a full disk (a small tmpfs, or a file size limit), a read-only folder, kill -9 of a run with
--jobs, Ctrl-C to the whole process group, Ctrl-C landing in a finalizer. Each ends in one line (or, for kill -9,
in no process left behind) and leaves every output as it was."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEED, needs_apertium, snapshot
from corpus_articles import NEWS, news_articles

from translate.memory import MEMORY_NAME, integrity_ok

GLOSSARY = "name: mini\nlanguages: [en, es]\nentries:\n- id: working-class\n  terms: {en: working class, es: clase obrera}\n"


@pytest.fixture
def glossary(tmp_path: Path) -> Path:
    path = tmp_path / "g.yaml"
    path.write_text(GLOSSARY, encoding="utf-8")
    return path


def _cli(*args: str, limit_bytes: int | None = None, **kw) -> subprocess.CompletedProcess:
    def limit():
        if limit_bytes is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "translate", *args], cwd=ROOT, capture_output=True, timeout=300,
                          preexec_fn=limit, env={**os.environ, "COLUMNS": "200"}, **kw)


def _one_line(r, *needles: str) -> str:
    err = r.stderr.decode()
    assert r.returncode == 2 and "Traceback" not in err, (r.returncode, err[-3000:])
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("translate: error: "), err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@contextlib.contextmanager
def mounted(folder: Path, options: str):
    """A tmpfs at `folder` (root only, where mount is allowed), unmounted afterwards; skips the test otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` read-only for the block: bound read-only onto itself (root, where mount is allowed), or its mode
    taken away (any other user); skips the test where neither works (root without mount ignores modes)."""
    if os.geteuid() == 0:
        bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode == 0
        if not bound:
            pytest.skip("root cannot make a folder read-only here without mount")
        try:
            if subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True).returncode:
                pytest.skip("cannot remount read-only here")
            yield folder
        finally:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        return
    mode = folder.stat().st_mode
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(mode)


def _run_args(out: Path, glossary: Path, *sources: Path) -> list[str]:
    return ["run", *(str(s) for s in sources or (SEED,)), "--to", "es,ca", "--engine", "apertium", "-g",
            str(glossary), "-o", str(out), "--format", "md,pdf"]


@needs_apertium
@pytest.mark.parametrize("limit", [0, 4_000, 30_000])  # nothing; the terms reports; the Markdown too
def test_a_file_size_limit_is_one_line_and_changes_no_output(tmp_path, glossary, limit):
    out = tmp_path / "out"
    # a run that wrote everything once, so there are outputs that must stay as they were
    first = tmp_path / "first.md"
    first.write_text("---\ntitle: First\n---\nThe working class fights.\n", encoding="utf-8")
    assert _cli(*_run_args(out, glossary, first)).returncode == 0
    before = snapshot(out)
    r = _cli(*_run_args(out, glossary, first, SEED), "--no-memory", limit_bytes=limit)
    _one_line(r, "cannot write", "File too large", "ulimit -f")
    after = snapshot(out)
    assert after == before, sorted(set(after) ^ set(before))
    assert not [p for p in out.rglob("*.tmp")]


@needs_apertium
@pytest.mark.parametrize("size", ["64k", "160k", "200k"])
def test_a_full_disk_is_one_line_and_changes_no_output(tmp_path, glossary, size):
    with mounted(tmp_path / "disk", f"size={size}") as disk:
        out = disk / "out"
        r = _cli(*_run_args(out, glossary))
        line = _one_line(r, "disk is full", "free some space")
        assert "memory" in line or "cannot write" in line
        files = [p.name for p in out.rglob("*") if p.is_file()] if out.exists() else []
        assert all(name.startswith(MEMORY_NAME) for name in files), files  # no output, whole or partial
        if (out / MEMORY_NAME).exists():
            assert integrity_ok(out / MEMORY_NAME)


@needs_apertium
def test_read_only_output_folder(tmp_path, glossary):
    out = tmp_path / "ro"
    out.mkdir()
    r = _cli(*_run_args(out, glossary)[:-2], "--format", "md")
    assert r.returncode == 0
    before = snapshot(out)
    other = tmp_path / "other.md"
    other.write_text("---\ntitle: Other\n---\nThe ruling class.\n", encoding="utf-8")
    with read_only(out):
        for extra in ([], ["--no-memory"]):
            line = _one_line(_cli(*_run_args(out, glossary, other), *extra), "read-only")
            assert "not a usable" not in line
        # the memory reports its own folder: the memory file, read-only, and what to do
        line = _one_line(_cli(*_run_args(out, glossary, other)), str(out / MEMORY_NAME))
        assert "--no-memory" in line
    assert snapshot(out) == before


def _session(sid: int) -> list[str]:
    """Live processes of a session (zombies waiting for init hold nothing, and are not counted)."""
    rows = subprocess.run(["ps", "-ww", "-eo", "pid=,sid=,stat=,args="], capture_output=True, text=True).stdout
    return [r for r in rows.splitlines() if r.split()[1] == str(sid) and not r.split()[2].startswith("Z")]


def _many_articles(folder: Path) -> Path:
    """32 news articles: a --jobs 2 run long enough to be killed or interrupted while its workers translate."""
    for path in news_articles(folder, 8):
        for copy in range(1, 4):
            shutil.copy(path, path.with_name(f"{path.stem}-{copy}.md"))
    return folder


def _start_jobs(sources: Path, out: Path, glossary: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "translate", "run", str(sources), "--to", "es,ca", "--engine",
                             "apertium", "-g", str(glossary), "--format", "md", "-o", str(out), "--jobs", "2"],
                            cwd=ROOT, start_new_session=True, **kw)


def _wait_for_workers(proc: subprocess.Popen, timeout: float = 60, translating: bool = True) -> None:
    """Until both workers run, and (`translating`) translate: Apertium's lt-proc runs."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        session = _session(proc.pid)
        if sum("spawn_main" in p for p in session) >= 2 and (not translating or any("lt-proc" in p for p in session)):
            return
        time.sleep(0.02)
    raise AssertionError(f"the workers did not start: {proc.poll()} {_session(proc.pid)}")


@pytest.mark.skipif(not NEWS.is_dir(), reason="../shared/corpus/news is not beside the project")
@needs_apertium
def test_kill_9_of_a_run_with_jobs_leaves_no_process(tmp_path, glossary):
    sources = _many_articles(tmp_path / "src")
    for trial in range(2):  # bench/kill_jobs.py runs 20
        out = tmp_path / f"out{trial}"
        proc = _start_jobs(sources, out, glossary, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        _wait_for_workers(proc)
        time.sleep(0.3 * trial)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.time() + 10
        while _session(proc.pid) and time.time() < deadline:
            time.sleep(0.1)
        left = _session(proc.pid)
        for row in left:
            os.kill(int(row.split()[0]), signal.SIGKILL)
        assert left == [], left
        assert proc.stdout.read() == b""  # EOF: nothing holds the caller's stdout open
        assert not [p for p in out.rglob("*.tmp")]
        if (out / MEMORY_NAME).exists():
            assert integrity_ok(out / MEMORY_NAME)


@pytest.mark.skipif(not NEWS.is_dir(), reason="../shared/corpus/news is not beside the project")
@needs_apertium
@pytest.mark.parametrize("when", ["starting", "translating"])
def test_ctrl_c_to_the_process_group_with_jobs_is_one_line_and_stops_every_worker(tmp_path, glossary, when):
    sources = _many_articles(tmp_path / "src")
    out = tmp_path / "out"
    proc = _start_jobs(sources, out, glossary, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for_workers(proc, translating=when == "translating")
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [
        "translate: interrupted; every output written so far is complete, and the translation memory keeps what was "
        "translated"], err
    deadline = time.time() + 10
    while _session(proc.pid) and time.time() < deadline:
        time.sleep(0.1)
    assert _session(proc.pid) == []
    assert not [p for p in out.rglob("*.tmp")]


def test_ctrl_c_swallowed_by_a_finalizer_still_stops_the_run(tmp_path):
    """WeasyPrint cleans fonts up in finalizers; an exception raised there is printed and dropped by Python, so a
    Ctrl-C arriving then used to be lost and the run carried on."""
    script = (
        "import gc, sys, time\n"
        "import translate.cli as cli\n"
        "class Fonts:\n"
        "    def __del__(self):\n"
        "        print('cleaning', flush=True)\n"
        "        end = time.time() + 3\n"
        "        while time.time() < end:\n"
        "            pass\n"
        "def work():\n"
        "    Fonts()\n"
        "    gc.collect()\n"
        "    for _ in range(100):\n"
        "        time.sleep(0.05)\n"
        "    print('carried on', flush=True)\n"
        "cli.app = work\n"
        "cli.main()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"cleaning\n"
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)  # while the finalizer runs
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert b"carried on" not in out
    assert err.decode().strip().splitlines() == [
        "translate: interrupted; every output written so far is complete, and the translation memory keeps what was "
        "translated"]


@pytest.mark.skipif(not NEWS.is_dir(), reason="../shared/corpus/news is not beside the project")
@needs_apertium
def test_jobs_2_on_a_fresh_folder_ten_times(tmp_path, glossary):
    # the memory is made by the parent before the workers start; they used to race to create it
    sources = tmp_path / "src"
    news_articles(sources, 2)
    for run in range(10):
        out = tmp_path / f"out{run}"
        r = subprocess.run([sys.executable, "-m", "translate", "run", str(sources), "--to", "es,ca", "--engine",
                            "apertium", "-g", str(glossary), "--format", "md", "-o", str(out), "--jobs", "2"],
                           cwd=ROOT, capture_output=True, timeout=300)
        assert r.returncode == 0, (run, r.stderr.decode())
        assert len([p for p in out.rglob("*.md")]) == 4
    shutil.rmtree(tmp_path / "src")

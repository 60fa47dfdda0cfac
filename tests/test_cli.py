"""The command as a user runs it: outputs, exit codes, one-line errors, and an output folder left as it was."""

import json
from pathlib import Path

import pytest
import yaml
from conftest import SEED, needs_apertium, run_cli, snapshot


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "build"
    (folder / "earlier").mkdir(parents=True)
    (folder / "earlier" / "kept.md").write_text("an earlier run's output\n")
    return folder


@needs_apertium
def test_run_writes_markdown_terms_and_pdf(out, mini_glossary):
    r = run_cli("run", str(SEED), "--to", "es", "--engine", "apertium", "-g", str(mini_glossary), "-o", str(out))
    assert r.returncode == 0, r.stderr.decode()
    slug = "ukrainian-workers-refuse-to-end-occupations"
    md = (out / slug / f"{slug}.es.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(md.split("---")[1])
    assert meta["lang"] == "es" and meta["translation"]["from"] == "en"
    assert "clase obrera" in md and "Cuarta Internacional" in md
    report = json.loads((out / slug / f"{slug}.en-es.terms.json").read_text(encoding="utf-8"))
    assert report["terms_total"] > 0 and report["terms_realized"] == report["terms_total"]
    assert (out / slug / f"{slug}.en-es.pdf").read_bytes().startswith(b"%PDF")
    stdout = r.stdout.decode()
    assert f"{report['terms_realized']}/{report['terms_total']}" in stdout and "en-es.pdf" in stdout
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


@needs_apertium
def test_strict_terms_fails_when_a_term_is_not_realized(out, mini_glossary):
    # the glossary has no Catalan terms: every hit is reported, and --strict-terms turns that into exit 1
    args = ["run", str(SEED), "--to", "ca", "--engine", "apertium", "-g", str(mini_glossary), "-o", str(out), "--no-pdf"]
    relaxed = run_cli(*args)
    assert relaxed.returncode == 0, relaxed.stderr.decode()
    err = relaxed.stderr.decode()
    assert "term(s) not realized: the glossary has no ca term for" in err and "working-class" in err
    strict = run_cli(*args, "--strict-terms")
    assert strict.returncode == 1
    assert "not realized (--strict-terms)" in strict.stderr.decode()


def _bad(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


BAD_INPUTS = {
    "missing file": (lambda t, g: ["run", str(t / "nope.md"), "--to", "es"], "nope.md: no such file"),
    "unknown target": (lambda t, g: ["run", str(SEED), "--to", "es,xx"], "unknown target language code 'xx'"),
    "unknown source": (lambda t, g: ["run", str(SEED), "--to", "es", "--from", "qq"], "unknown source language code 'qq'"),
    "unknown engine": (lambda t, g: ["run", str(SEED), "--to", "es", "--engine", "google"], "unknown engine 'google'"),
    "no engine for pair": (
        lambda t, g: ["run", str(SEED), "--to", "ru", "--engine", "apertium"], "no engine can translate en->ru"),
    "malformed glossary": (
        lambda t, g: ["run", str(SEED), "--to", "es", "-g", str(_bad(t, "g.yaml", b"entries:\n - id: a\n  terms: [x\n"))],
        "g.yaml:3: malformed YAML"),
    "not utf-8": (
        lambda t, g: ["run", str(_bad(t, "latin1.md", "---\ntitle: Caf\xe9\n---\nBody\n".encode("latin-1"))), "--to", "es"],
        "latin1.md: not UTF-8 text"),
    "binary source": (
        lambda t, g: ["run", str(_bad(t, "bin.md", b"\x00\x01\x02PNG")), "--to", "es"], "not a text file"),
    "text: unknown language": (lambda t, g: ["text", "hello", "--to", "klingon"], "unknown target language code"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_one_line_exit_2_nothing_written(case, tmp_path, out, mini_glossary):
    make_args, message = BAD_INPUTS[case]
    before = snapshot(out)
    r = run_cli(*make_args(tmp_path, mini_glossary), "-o", str(out)) if make_args(tmp_path, mini_glossary)[0] == "run" \
        else run_cli(*make_args(tmp_path, mini_glossary))
    stderr = r.stderr.decode()
    assert r.returncode == 2, stderr
    assert message in stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert snapshot(out) == before


@needs_apertium
def test_text_reads_stdin(mini_glossary):
    r = run_cli("text", "-", "--to", "es", "--engine", "apertium", "-g", str(mini_glossary),
                input="The working class and NATO.\n".encode())
    assert r.returncode == 0, r.stderr.decode()
    assert "clase obrera" in r.stdout.decode() and "OTAN" in r.stdout.decode()


@pytest.mark.parametrize("command", [[], ["run"], ["text"], ["eval"], ["models"], ["models", "list"], ["models", "install"],
                                     ["memory"], ["memory", "stats"], ["memory", "clear"], ["memory", "export"],
                                     ["models", "remove"]])
def test_every_command_has_help(command):
    r = run_cli(*command, "--help")
    assert r.returncode == 0 and "Usage" in r.stdout.decode()


@needs_apertium
def test_run_lists_only_what_changed_relative_and_fits_80_columns(tmp_path, mini_glossary):
    import os
    import subprocess
    import sys

    from conftest import ROOT

    def run():
        return subprocess.run([sys.executable, "-m", "translate", "run", str(SEED), "--to", "es", "--engine",
                               "apertium", "-g", str(mini_glossary), "-o", "build"], cwd=tmp_path,
                              capture_output=True, text=True, env={**os.environ, "COLUMNS": "80",
                                                                   "PYTHONPATH": str(ROOT)}, timeout=300)

    first = run()
    assert first.returncode == 0, first.stderr
    wrote = [line for line in first.stdout.splitlines() if line.startswith("wrote ")]
    assert len(wrote) == 3 and all(line.startswith("wrote build/") for line in wrote), first.stdout
    table = first.stdout.split("engine en→es")[0].splitlines()
    for line in table:
        assert len(line.rstrip()) <= 80, line
    slug = "ukrainian-workers-refuse-to-end-occupations"
    assert any(slug in line for line in first.stdout.splitlines())  # whole on its row, not broken mid-word
    assert first.stdout.count("apertium eng-spa") == 1  # the engine once, below the table
    second = run()
    assert "wrote" not in second.stdout and "3 output(s) already up to date; nothing written" in second.stdout


def test_term_problem_lines_name_file_line_and_snippet():
    from pathlib import Path

    from translate.cli import snippet, term_problems
    from translate.data import Block, Document, Meta, Segment, TermCheck, TermReport, Translation

    text = "The agreement represents a massive retreat by the Stalinist bureaucracy and a stab in the back."
    block = Block("b3", "paragraph", (Segment("b3.s1", text),))
    doc = Document(Path("source/a.md"), "a", Meta(title="A"), (block,))
    check = TermCheck("b3.s1", "bureaucracy", "Stalinist bureaucracy", "burocracia estalinista", False, "fallback",
                      reason="the engine dropped the placeholder")
    translation = Translation(doc, "en", "es", (block,), "e", TermReport("en", "es", (check,)))
    [line] = term_problems(translation)
    assert line.startswith("source/a.md [es] 'Stalinist bureaucracy' not realized: the engine dropped")
    assert "«…retreat by the Stalinist bureaucracy and a stab in the…»" in line
    assert "b3.s1" not in line
    assert snippet(text, "Stalinist bureaucracy", 40).count("Stalinist bureaucracy") == 1

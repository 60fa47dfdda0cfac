"""kill -9 of `translate run --jobs 2` while its workers translate: does any process of the run stay behind?

    .venv/bin/python bench/kill_jobs.py [--trials 20] [--phase translate|render]

Each trial starts the run in a session of its own (32 news articles of the shared corpus, en -> es,ca with
Apertium, Markdown only), waits until both workers run Apertium, waits 0 to 1.2 s more (a different moment of the
work each trial), kills the parent with SIGKILL and looks at the session for 10 s: every live process still in it is
an orphan (zombies waiting for init to reap them hold nothing and are not counted), and the caller's stdout must
reach end of file (no orphan holds it open). Prints one line per trial and the totals.

--phase render: en -> es only, Markdown and PDF, killed while two render workers typeset PDFs (the translation runs
in the parent; a pair is one worker's work). Also counts temporary files left in the output folder (a killed run's
staged files: the next run that writes there removes them).
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE / "tests"))

from corpus_articles import NEWS, news_articles  # noqa: E402


def session(sid: int) -> list[str]:
    rows = subprocess.run(["ps", "-ww", "-eo", "pid=,sid=,stat=,args="], capture_output=True, text=True).stdout
    return [r for r in rows.splitlines() if r.split()[1] == str(sid) and not r.split()[2].startswith("Z")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--phase", choices=("translate", "render"), default="translate")
    args = parser.parse_args()
    if not NEWS.is_dir():
        raise SystemExit(f"{NEWS}: the shared corpus is not beside the project")
    orphans = held = leftovers = 0
    render = args.phase == "render"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sources = folder / "src"
        for path in news_articles(sources, 8):
            for copy in range(1, 4):
                (path.with_name(f"{path.stem}-{copy}.md")).write_bytes(path.read_bytes())
        glossary = folder / "g.yaml"
        glossary.write_text("entries:\n- id: working-class\n  terms: {en: working class, es: clase obrera}\n")
        for trial in range(1, args.trials + 1):
            proc = subprocess.Popen(
                [sys.executable, "-m", "translate", "run", str(sources), "--to", "es" if render else "es,ca",
                 "--engine", "apertium", "-g", str(glossary), "--format", "md,pdf" if render else "md",
                 "-o", str(folder / f"out{trial}"), "--jobs", "2"],
                cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
            deadline = time.time() + 60
            while time.time() < deadline and proc.poll() is None:
                rows = session(proc.pid)
                if sum("spawn_main" in r for r in rows) >= 2 and (render or any("lt-proc" in r for r in rows)):
                    break
                time.sleep(0.02)
            time.sleep(0.3 * (trial % 5))
            if proc.poll() is not None:
                print(f"trial {trial}: the run ended before it was killed; not counted")
                continue
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            end = time.time() + 10
            while session(proc.pid) and time.time() < end:
                time.sleep(0.1)
            left = session(proc.pid)
            readable, _, _ = select.select([proc.stdout], [], [], 1)  # before any leftover is killed
            eof = bool(readable) and proc.stdout.read() == b""
            for row in left:  # processes of this trial's own session only
                os.kill(int(row.split()[0]), signal.SIGKILL)
            orphans += len(left)
            held += not eof
            tmp = len(list((folder / f"out{trial}").rglob("*.tmp")))
            leftovers += tmp
            print(f"trial {trial}: processes left: {len(left)}, stdout reached EOF: {eof}, temporary files: {tmp}",
                  flush=True)
    print(f"{args.trials} trials ({args.phase}): orphans {orphans}, stdout held open {held}, temporary files left "
          f"{leftovers}")


if __name__ == "__main__":
    main()

"""Installing Argos packages: every crafted bad archive refused before anything moves, installs staged outside the
packages folder (kill -9 leaves argostranslate working), broken folders skipped with a warning, the newest
version used, index installs that pick the newest entry and never reuse a stale download."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from argos_fixture import argos_env, argos_reference, build_argos_package, repack_argosmodel
from conftest import ROOT, needs_apertium, snapshot

EN_ES = {"the": "la", "war": "guerra"}
NAME = "translate-en_es-1_0"


def cli(home: Path, *args: str, env: dict | None = None, index: str = "http://127.0.0.1:9/"):
    return subprocess.run([sys.executable, "-m", "translate", *args], cwd=ROOT, capture_output=True, timeout=300,
                          env={**argos_env(home, index), "COLUMNS": "200", **(env or {})})


def one_line_error(r) -> str:
    err = r.stderr.decode()
    assert r.returncode == 2, (r.returncode, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return build_argos_package(tmp_path_factory.mktemp("good"), "en", "es", EN_ES)


@pytest.fixture
def home(tmp_path, good) -> Path:
    """A private Argos home with the good en->es package unpacked into its packages folder."""
    home = tmp_path / "home"
    with zipfile.ZipFile(good) as zf:
        zf.extractall(home / "packages")
    return home


def _corrupt(archive: Path, member: str, dest: Path) -> Path:
    """Overwrite the middle of a member's compressed bytes: inflating it fails (zlib.error) or its CRC does."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(member)
    name_len = int.from_bytes(data[info.header_offset + 26: info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28: info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    middle = start + info.compress_size // 2
    data[middle: middle + 64] = b"\xff" * 64
    dest.write_bytes(bytes(data))
    return dest


def _with_metadata(archive: Path, dest: Path, raw: bytes) -> Path:
    return repack_argosmodel(archive, dest, lambda n, d: (n, raw if n.endswith("/metadata.json") else d))


def _metadata(archive: Path) -> dict:
    with zipfile.ZipFile(archive) as zf:
        return json.loads(zf.read(f"{NAME}/metadata.json"))


BAD = {  # what is wrong -> what the one-line message says
    "metadata is a list": "must hold a JSON object",
    "metadata with a BOM": "byte-order mark",
    "type sbd": "type 'sbd'",
    "code EN": "'EN' is not a lowercase language code",
    "code not a string": "to_code",
    "no tokenizer": "no tokenizer",
    "no model.bin": "model/model.bin",
    "corrupt member": "damaged",
    "./ members": "archive member './' is not a plain path inside the package folder",
    "member outside": "'translate-en_es-1_0/../evil.txt'",
    "two folders": "one top-level folder",
    "folder of another pair": "names another language pair",
}


@pytest.fixture(scope="module")
def bad_archives(tmp_path_factory, good) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("bad")
    meta = _metadata(good)
    other = build_argos_package(tmp / "other", "fr", "de", {"la": "die"})

    def with_meta(key, raw):
        return _with_metadata(good, tmp / f"{key}.argosmodel", raw)

    def repack(key, change, source=good):
        return repack_argosmodel(source, tmp / f"{key}.argosmodel", change)

    def plus(member, data=b"x"):
        return lambda n, d: [(n, d), (member, data)] if n.endswith("README.md") else (n, d)

    return {
        "metadata is a list": with_meta("list", b"[]"),
        "metadata with a BOM": with_meta("bom", b"\xef\xbb\xbf" + json.dumps(meta).encode()),
        "type sbd": with_meta("sbd", json.dumps({**meta, "type": "sbd"}).encode()),
        "code EN": with_meta("upper", json.dumps({**meta, "from_code": "EN"}).encode()),
        "code not a string": with_meta("int", json.dumps({**meta, "to_code": 5}).encode()),
        "no tokenizer": repack("notok", lambda n, d: None if n.endswith("sentencepiece.model") else (n, d)),
        "no model.bin": repack("nomodel", lambda n, d: None if n.endswith("model/model.bin") else (n, d)),
        "corrupt member": _corrupt(good, f"{NAME}/model/model.bin", tmp / "corrupt.argosmodel"),
        # issue 13: this archive made the target folder the packages folder itself, which was then deleted
        "./ members": repack("dot", lambda n, d: (n.replace(f"{NAME}/", "./", 1), d)),
        "member outside": repack("outside", plus(f"{NAME}/../evil.txt")),
        "two folders": repack("two", plus("other/x")),
        # a fr->de package in the folder of en->es would replace it
        "folder of another pair": repack("pair", lambda n, d: (n.replace("translate-fr_de-1_0", NAME), d), other),
    }


@pytest.mark.parametrize("what", BAD)
def test_bad_archive_is_refused_before_anything_moves(home, bad_archives, what):
    packages = home / "packages"
    before = snapshot(packages)
    r = cli(home, "models", "install", str(bad_archives[what]))
    err = one_line_error(r)
    assert BAD[what] in err and str(bad_archives[what]) in err
    assert snapshot(packages) == before and sorted(p.name for p in packages.iterdir()) == [NAME]
    assert not list(packages.parent.glob(".translate-install-*"))


@pytest.mark.parametrize("what", ["./ members", "folder of another pair"])
def test_installed_package_survives_a_bad_archive(home, bad_archives, what):
    assert cli(home, "models", "install", str(bad_archives[what])).returncode == 2
    r = cli(home, "text", "the war", "--to", "es", "--engine", "argos")
    assert r.returncode == 0 and r.stdout.decode() == "la guerra\n", r.stderr.decode()


_KILLED_INSTALL = r"""
import os, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])

def killed(*args, **kw):  # kill -9 at the moment the package would be moved into place
    os.kill(os.getpid(), signal.SIGKILL)

os.rename = os.replace = killed
from translate import models
models.install_file(Path(sys.argv[2]))
"""

_ARGOS_LIST = r"""
import argostranslate.package as package
print(sorted(p.package_path.name for p in package.get_installed_packages()))
"""


def test_kill_9_during_install_leaves_argostranslate_working(home, tmp_path):
    again = build_argos_package(tmp_path / "de", "en", "de", {"the": "der"})
    env = argos_env(home)
    r = subprocess.run([sys.executable, "-c", _KILLED_INSTALL, str(ROOT), str(again)], env=env, capture_output=True)
    assert r.returncode == -9, r.stderr.decode()
    assert sorted(p.name for p in (home / "packages").iterdir()) == [NAME]
    listed = subprocess.run([sys.executable, "-c", _ARGOS_LIST], env=env, capture_output=True, text=True)
    assert listed.returncode == 0 and listed.stdout.strip() == f"['{NAME}']", listed.stderr
    assert len(list(home.glob(".translate-install-*"))) == 1  # the killed install's staging folder, beside
    r = cli(home, "models", "install", str(again))
    assert r.returncode == 0, r.stderr.decode()
    assert not list(home.glob(".translate-install-*"))  # its process is gone: the next install removed it


def test_broken_folders_are_skipped_with_a_warning(home):
    packages = home / "packages"
    (packages / "translate-en_fr-1_0" / "model").mkdir(parents=True)
    (packages / "translate-en_fr-1_0" / "metadata.json").write_text("[]")
    (packages / "translate-en_de-1_0" / "model").mkdir(parents=True)
    (packages / "translate-en_de-1_0" / "model" / "model.bin").write_bytes(b"")
    (packages / "translate-en_de-1_0" / "metadata.json").write_text(
        json.dumps({"from_code": "en", "to_code": "de", "type": "translate"}))
    (packages / ".translate-en_es-1_0.k2j3" / "model").mkdir(parents=True)  # left by an older version's install
    r = cli(home, "models", "list")
    assert r.returncode == 0, r.stderr.decode()
    assert f"en -> es  {NAME}  version 1.0" in r.stdout.decode()
    warnings = r.stderr.decode().strip().splitlines()
    assert len(warnings) == 3
    assert all(w.startswith("translate: warning: skipping the broken Argos package") for w in warnings)
    for folder, why in (("translate-en_fr-1_0", "must hold a JSON object"), ("translate-en_de-1_0", "no tokenizer"),
                        (".translate-en_es-1_0.k2j3", "no metadata.json")):
        assert any(str(packages / folder) in w and why in w for w in warnings), (folder, warnings)
    for engine in ("argos", "auto"):
        r = cli(home, "text", "the war", "--to", "es", "--engine", engine)
        assert r.returncode == 0 and r.stdout.decode() == "la guerra\n", r.stderr.decode()
        assert len(r.stderr.decode().strip().splitlines()) == 3
    r = cli(home, "text", "the war", "--to", "de", "--engine", "argos")
    *_, error = r.stderr.decode().strip().splitlines()
    assert r.returncode == 2 and error.startswith("translate: error: no engine can translate en->de here")


# --- 3. versions ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("versions")
    words = {"1.0": "Krieg", "1.9": "Kriegneun", "1.10": "Kriegzehn"}
    return {v: build_argos_package(root / v, "en", "de", {"the": "der", "war": w}, package_version=v)
            for v, w in words.items()}


def test_newest_version_is_used(versions, tmp_path):
    home = tmp_path / "home"
    for v in ("1.0", "1.10", "1.9"):
        r = cli(home, "models", "install", str(versions[v]))
        assert r.returncode == 0, r.stderr.decode()
    assert "also installed: " in r.stdout.decode() and "version 1.10 is the one used" in r.stdout.decode()
    assert "--replace" in r.stdout.decode()
    r = cli(home, "text", "the war", "--to", "de", "--engine", "argos")
    assert r.stdout.decode() == "der Kriegzehn\n", r.stderr.decode()
    [theirs] = argos_reference(tmp_path / "reference", [([versions["1.10"]], [("en", "de", "the war")])])
    assert r.stdout.decode() == theirs["results"][0]["text"] + "\n"
    lines = [line.strip() for line in cli(home, "models", "list").stdout.decode().splitlines() if "en -> de" in line]
    assert [line.split()[3] for line in lines] == ["translate-en_de-1_10", "translate-en_de-1_9", "translate-en_de-1_0"]
    assert "not used" not in lines[0] and all("not used" in line for line in lines[1:])

    r = cli(home, "models", "install", "--replace", str(versions["1.10"]))
    assert r.returncode == 0, r.stderr.decode()
    assert "removed en -> de (translate-en_de-1_9, version 1.9)" in r.stdout.decode()
    assert sorted(p.name for p in (home / "packages").iterdir()) == ["translate-en_de-1_10"]


def test_engine_sees_installs_and_removals_in_process(versions, tmp_path, monkeypatch):
    import argostranslate.settings as settings

    from translate import models
    from translate.engines.argos import ArgosEngine

    monkeypatch.setattr(settings, "package_dirs", [tmp_path])
    monkeypatch.setattr(settings, "package_data_dir", tmp_path)
    engine = ArgosEngine()
    assert not engine.supports("en", "de")
    models.install_file(versions["1.9"])
    assert engine.identity("en", "de") == "argos translate-en_de-1_9 1.9"
    models.install_file(versions["1.10"])
    assert engine.translate(["the war"], "en", "de") == ["der Kriegzehn"]
    models.remove("en", "de")
    assert not engine.supports("en", "de")


_IMPORTS = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from translate import models
models.install_file(Path(sys.argv[2]))
models.installed()
print(sorted(m for m in sys.modules if m.startswith("translate.engines")))
"""


def test_models_never_imports_the_engine(good, tmp_path):
    r = subprocess.run([sys.executable, "-c", _IMPORTS, str(ROOT), str(good)], env=argos_env(tmp_path),
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stderr


# --- 6. installing from the index ----------------------------------------------------------------------------


class Index:
    """A local package index: index.json and the package files, every request counted; `truncate` serves the
    next download cut in half."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.requests, self.truncate = files, [], False
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append(self.path)
                body = outer.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.truncate and self.path.endswith(".argosmodel"):
                    outer.truncate = False
                    body = body[: len(body) // 2]
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def index(tmp_path):
    old = build_argos_package(tmp_path / "v1", "en", "es", {"the": "la", "war": "guerraantigua"})
    new = build_argos_package(tmp_path / "v9", "en", "es", EN_ES, package_version="1.9")
    srv = Index({"/old.argosmodel": old.read_bytes(), "/new.argosmodel": new.read_bytes()})
    entry = {"from_code": "en", "to_code": "es", "from_name": "English", "to_name": "Spanish", "type": "translate"}
    srv.files["/index.json"] = json.dumps([
        {**entry, "package_version": "1.0", "links": [srv.url + "old.argosmodel"]},
        {**entry, "package_version": "1.9", "links": [srv.url + "new.argosmodel"]},
    ]).encode()
    yield srv
    srv.server.shutdown()
    srv.server.server_close()


def test_install_from_index_takes_the_newest_and_no_stale_download(index, tmp_path):
    home = tmp_path / "home"
    # what argostranslate's AvailablePackage.download would reuse: a truncated earlier download, named without
    # a version
    stale = home / "cache" / "argos-translate" / "downloads" / "translate-en_es.argosmodel"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"PK\x03\x04 truncated")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"TMPDIR": str(tmp)}
    r = cli(home, "models", "install", "en", "es", index=index.url, env=env)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == "installed en -> es (translate-en_es-1_9, version 1.9)\n"
    assert index.requests == ["/index.json", "/new.argosmodel"] and not list(tmp.iterdir())
    r = cli(home, "text", "the war", "--to", "es", "--engine", "argos")
    assert r.stdout.decode() == "la guerra\n"
    r = cli(home, "models", "install", "en", "es", index=index.url, env=env)
    assert r.stdout.decode() == "already installed en -> es (translate-en_es-1_9, version 1.9)\n"
    assert index.requests[2:] == ["/index.json"]
    # codes the index uses are now known to the whole tool, even before a package for them is installed
    index.files["/index.json"] = json.dumps([{"from_code": "en", "to_code": "pb", "to_name": "Portuguese (Brazil)",
                                              "from_name": "English", "package_version": "1.0", "links": []}]).encode()
    r = cli(home, "models", "install", "en", "pb", index=index.url)
    assert "no download link" in one_line_error(r)
    r = cli(home, "text", "the war", "--to", "pb")
    assert "no engine can translate en->pb" in one_line_error(r)


def test_truncated_download_fails_once_and_leaves_nothing(index, tmp_path):
    home = tmp_path / "home"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    index.truncate = True
    r = cli(home, "models", "install", "en", "es", index=index.url, env={"TMPDIR": str(tmp)})
    err = one_line_error(r)
    assert "downloading the en->es package 1.9" in err and "try again" in err
    assert not list(tmp.iterdir()) and not list((home / "packages").iterdir())
    r = cli(home, "models", "install", "en", "es", index=index.url, env={"TMPDIR": str(tmp)})
    assert r.returncode == 0, r.stderr.decode()
    assert index.requests.count("/new.argosmodel") == 2 and not list(tmp.iterdir())


def test_index_with_no_package_for_the_pair(index, tmp_path):
    r = cli(tmp_path / "home", "models", "install", "en", "xx", index=index.url)
    assert "the Argos package index has no en->xx package" in one_line_error(r)
    r = cli(tmp_path / "home", "models", "install", "en", "e s", index=index.url)
    assert "is not a language code" in one_line_error(r)


@needs_apertium
def test_warnings_of_parallel_workers_are_one_line_each(home, tmp_path):
    (home / "packages" / "translate-en_fr-1_0").mkdir()
    (tmp_path / "a.md").write_text("---\ntitle: The war\n---\n\nthe war\n", encoding="utf-8")
    empty = tmp_path / "g.yaml"
    empty.write_text("entries: []\n")
    r = cli(home, "run", str(tmp_path / "a.md"), "--to", "es,ca", "--jobs", "2", "-g", str(empty), "--format", "md",
            "--no-memory", "-o", str(tmp_path / "build"))
    assert r.returncode == 0, r.stderr.decode()
    assert r.stderr.decode().strip().splitlines() == [
        f"translate: warning: skipping the broken Argos package {home / 'packages' / 'translate-en_fr-1_0'}: "
        "no metadata.json; remove the folder or reinstall it"]
    assert "la guerra" in (tmp_path / "build" / "a" / "a.es.md").read_text(encoding="utf-8")

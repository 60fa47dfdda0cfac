"""The review page's server, through Starlette's test client: every route, the token and its cookie, CSRF, the
security headers, conflicts between two editors, traversal attempts (../, absolute paths, symbolic links),
oversized bodies, hostile article text shown inert; the seed article taken from machine output to a fully
reviewed Spanish pamphlet through the page's API; and `translate review serve` as a user runs it. Real files, the
real store, real Apertium."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

import polib
import pytest
from conftest import GLOSSARY, SEED, needs_apertium, pdf_text, run_cli

pytestmark = needs_apertium

TOKEN = "test-token-1234"
BASE = "http://127.0.0.1:8765"
WHO = "Ana Pérez <ana@example.org>"

ARTICLE = """---
title: The strike goes on
---

The *working class* fights for its demands[^1]. The bosses refuse.

## What the strike wants

The union publishes its [demands](https://union.example.org/demands "The list") every week.

The strike committee meets on Monday. The strike committee decides.

The bureaucracy decides. The stooges refuse.

[^1]: Agreed at a mass meeting.
"""

MINI = """name: mini
languages: [en, es]
entries:
- id: working-class
  terms: {en: working class, es: clase obrera}
  grammar: {es: f}
  forbidden: {es: [clase trabajadora]}
- id: bureaucracy
  terms: {en: bureaucracy, es: burocracia}
  grammar: {es: f}
- id: bosses
  terms: {en: bosses, es: patronos}
  grammar: {en: pl, es: m pl}
"""

HOSTILE = """---
title: "<script>alert('title')</script> Workers"
---

<img src=x onerror="alert('raw')"> The workers <b onclick="alert(2)">strike</b>.

Read [the plan](javascript:alert('link') "<script>alert(1)</script>") and ![x](javascript:alert(3)) now.

<script>alert('block')</script>
"""


def make_project(folder: Path, articles: dict[str, str] | None = None) -> Path:
    (folder / "source").mkdir(parents=True)
    for name, text in (articles or {"strike.md": ARTICLE}).items():
        (folder / "source" / name).write_text(text, encoding="utf-8")
    (folder / "mini.yaml").write_text(MINI, encoding="utf-8")
    (folder / "translate.yaml").write_text(
        "source: source\noutput: build\nto: [es]\nengine: apertium\nglossaries: [mini.yaml]\nformats: [md, pdf]\n",
        encoding="utf-8")
    return folder


def open_site(folder: Path):
    from translate.config import load_config
    from translate.review.web.app import make_app
    from translate.review.web.project import Project
    from translate.review.web.security import Keys

    project, _ = Project.open(load_config(folder / "translate.yaml"))
    return project, make_app(project, Keys(TOKEN))


def client(app, token: str | None = TOKEN):
    from starlette.testclient import TestClient

    c = TestClient(app, base_url=BASE)
    if token is not None:
        r = c.get(f"/?token={token}", follow_redirects=False)
        assert r.status_code == 303, r.text
        c.cookies.set(*next(iter(r.cookies.items())))
    return c


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATE_TRANSLATOR", WHO)
    return make_project(tmp_path / "paper")


@pytest.fixture
def site(project):
    return open_site(project)


def units(c, slug: str = "strike") -> dict[str, dict]:
    """The article page's units as the page's script reads them: id -> source key, base, state, Markdown."""
    page = c.get(f"/a/{slug}/es")
    assert page.status_code == 200, page.text
    found = {}
    for m in re.finditer(r'<section class="unit state-(\w+)[^"]*" data-unit="([^"]+)" data-source="(\w+)" '
                         r'data-base="(\w*)"(.*?)</section>', page.text, re.S):
        state, uid, source, base, body = m.groups()
        box = re.search(r"<textarea[^>]*>(.*?)</textarea>", body, re.S)
        import html

        found[uid] = {"state": state, "source": source, "base": base, "markdown": html.unescape(box.group(1)),
                      "html": m.group(0)}
    assert found, page.text[:2000]
    return found


def save(c, uid: str, unit: dict, text: str, action: str = "approve", translator: str = "Luisa", **headers):
    body = {"slug": "strike", "lang": "es", "unit": uid, "source": unit["source"], "base": unit["base"],
            "action": action, "text": text, "translator": translator}
    return c.post("/api/save", json=body, headers={"X-CSRF-Token": csrf(c), **headers})


def render(c, slug: str = "strike") -> dict:
    """Start rendering the PDF through the page's API and follow it to its end."""
    r = c.post("/api/render", json={"slug": slug, "lang": "es"}, headers={"X-CSRF-Token": csrf(c)})
    assert r.status_code == 202, r.text
    task = r.json()["id"]
    deadline = time.monotonic() + 180
    while (status := c.get(f"/api/render/{task}").json())["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    return status


def csrf(c) -> str:
    return re.search(r'<meta name="csrf" content="(\w+)">', c.get("/a/strike/es").text).group(1)


def store(folder: Path) -> dict[str, polib.POEntry]:
    path = folder / "translations" / "es.po"
    return {e.msgid: e for e in polib.pofile(str(path))} if path.exists() else {}


class Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(html: str, own_scripts: int) -> None:
    tags = Tags(html).tags
    scripts = [a for t, a in tags if t == "script"]
    assert len(scripts) == own_scripts and all(a.get("src", "").startswith("/static/review.js") for a in scripts)
    for tag, attrs in tags:
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
        for key in ("href", "src", "action", "formaction"):
            assert not (attrs.get(key) or "").strip().lower().startswith("javascript:"), (tag, attrs)


# --- the token, the cookie, the host -----------------------------------------------------------------------------


def test_the_token_gives_a_cookie_and_a_clean_address_and_nothing_is_answered_without_it(site):
    _, app = site
    bare = client(app, token=None)
    for path in ("/", "/a/strike/es", "/a/strike/es/pamphlet", "/static/review.js", "/api/suggest?slug=strike&lang=es"
                 "&text=strike", "/a/strike/es/pdf"):
        r = bare.get(path)
        assert r.status_code == 403 and "strike goes on" not in r.text.lower() and "needs its key" in r.text, path
    assert bare.get("/?token=wrong").status_code == 403
    r = bare.get(f"/a/strike/es?x=1&token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/a/strike/es?x=1"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie and TOKEN not in cookie
    r = bare.get(f"//evil.example/?token={TOKEN}", follow_redirects=False)
    assert r.status_code in (303, 421) and "evil" not in r.headers.get("location", "")
    c = client(app)
    page = c.get("/")
    assert page.status_code == 200 and "The strike goes on" in page.text and "source/strike.md" in page.text
    # another server's cookie (another token) opens nothing here
    from translate.review.web.security import Keys

    other = Keys("another-token")
    stranger = client(app, token=None)
    stranger.cookies.set(other.cookie, other.session)
    assert stranger.get("/").status_code == 403


def test_only_loopback_names_are_answered(site):
    _, app = site
    c = client(app)
    assert c.get("/", headers={"host": "evil.example:8765"}).status_code == 421  # DNS rebinding
    assert c.get("/", headers={"host": "127.0.0.1.evil.example"}).status_code == 421
    assert c.get("/", headers={"host": "localhost:8765"}).status_code == 200


def test_the_server_listens_on_127_0_0_1_only():
    from translate.errors import UserError
    from translate.review.web.server import bind

    sock = bind(0)
    try:
        host, port = sock.getsockname()
        assert host == "127.0.0.1"
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        with pytest.raises(OSError):  # another address of this machine: nothing listens there
            socket.create_connection(("127.0.0.2", port), timeout=2).close()
        with pytest.raises(UserError, match=f"cannot listen on 127.0.0.1:{port}"):
            bind(port)
    finally:
        sock.close()


def test_every_response_has_a_strict_content_security_policy(site):
    _, app = site
    c = client(app)
    for path in ("/", "/a/strike/es", "/a/strike/es/preview", "/a/nothing/es", "/static/review.css", "/api/render/x"):
        r = c.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self';" in csp and "unsafe" not in csp, (path, csp)
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store" or path.startswith("/static/")
    pamphlet = c.get("/a/strike/es/pamphlet").headers["content-security-policy"]
    assert "script-src" not in pamphlet and "default-src 'none'" in pamphlet and "frame-ancestors 'self'" in pamphlet
    assert client(app, token=None).get("/").headers["content-security-policy"].startswith("default-src 'none'")


# --- every route -------------------------------------------------------------------------------------------------


def test_the_article_list_counts_segments_per_state_and_term_problems(site, project):
    _, app = site
    c = client(app)
    us = units(c)
    save(c, "b1.s1", us["b1.s1"], "La *clase trabajadora* lucha por sus reivindicaciones[^1].")
    page = c.get("/").text
    row = page[page.index("source/strike.md"):]
    assert re.search(r'data-count="reviewed">1<', row) and re.search(r'data-count="machine">(\d+)<', row)
    machine = int(re.search(r'data-count="machine">(\d+)<', row).group(1))
    assert machine == sum(1 for u in us.values() if u["state"] == "machine") - 1
    # the approved sentence has the forbidden rendering instead of the glossary's term
    assert re.search(r"\d+/\d+ terms, 1 term problem", row)
    assert "left untranslated" in row  # "stooges"


def test_the_article_page_marks_terms_problems_and_untranslated_words(site, project):
    _, app = site
    c = client(app)
    us = units(c)
    assert us["title.s1"]["state"] == "machine" and "b5.s2" in us
    # the engine's own output: the glossary's terms realized, the word Apertium does not know left as it is
    assert '<span class="mark term" title="glossary: &#39;clase obrera&#39;' in us["b1.s1"]["html"]
    assert re.search(r'class="mark untranslated"[^>]*>stooges<', us["b5.s2"]["html"])
    assert "left untranslated by the engine: stooges" in us["b5.s2"]["html"]
    # an editor's text with a forbidden rendering, and a phrase that does not agree
    assert save(c, "b1.s1", us["b1.s1"], "La *clase trabajadora* lucha por sus reivindicaciones[^1].").status_code == 200
    assert save(c, "b5.s1", us["b5.s1"], "El burocracia decide.").status_code == 200
    again = units(c)
    b1 = again["b1.s1"]["html"]
    assert re.search(r'class="mark forbidden"[^>]*>clase trabajadora<', b1)
    assert re.search(r'class="mark term-missing"[^>]*>working class<', b1)
    assert "is a rendering the glossary forbids" in b1 and "<em>" in b1 and '<sup class="fn">[1]</sup>' in b1
    assert re.search(r'class="mark agreement"', again["b5.s1"]["html"]) and "«El burocracia»" in again["b5.s1"]["html"]
    # the link is shown as text with its address, never as a link
    assert '<span class="link" title="https://union.example.org/demands">demandas</span>' in again["b3.s1"]["html"]


def test_approve_writes_the_store_revert_drops_it_and_the_row_comes_back_updated(site, project):
    _, app = site
    c = client(app)
    us = units(c)
    r = save(c, "b1.s2", us["b1.s2"], "Los patronos se niegan.", translator="Luisa Martín <luisa@example.org>")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["message"] == "approved" and data["counts"]["reviewed"] == 1
    assert 'class="unit state-reviewed' in data["row"] and "Revert to machine" in data["row"]
    entry = store(project)["The bosses refuse."]
    assert entry.msgstr == "Los patronos se niegan." and not entry.fuzzy
    assert ("source/strike.md", "b1.s2") in [tuple(o) for o in entry.occurrences] or \
        "source/strike.md:b1.s2" in " ".join(":".join(o) for o in entry.occurrences)
    po = polib.pofile(str(project / "translations" / "es.po"))
    assert po.metadata["Last-Translator"] == "Luisa Martín <luisa@example.org>"
    now = units(c)["b1.s2"]
    assert now["state"] == "reviewed" and now["markdown"] == "Los patronos se niegan." and now["base"]
    # a revert from a page opened before that approval is a conflict, and drops nothing
    r = save(c, "b1.s2", {**now, "base": ""}, "", action="revert")
    assert r.status_code == 409 and store(project)["The bosses refuse."].msgstr == "Los patronos se niegan."
    r = save(c, "b1.s2", now, "", action="revert")
    assert r.status_code == 200 and r.json()["message"] == "back to machine translation"
    assert "The bosses refuse." not in store(project) and units(c)["b1.s2"]["state"] == "machine"
    # an empty approval is refused and changes nothing
    r = save(c, "b1.s2", units(c)["b1.s2"], "   ")
    assert r.status_code == 400 and "empty" in r.json()["error"]


def test_a_segment_whose_source_changed_is_stale_shows_what_changed_and_its_suggestion_can_be_taken(site, project):
    _, app = site
    c = client(app)
    us = units(c)
    assert save(c, "b4.s2", us["b4.s2"], "El comité de huelga decide.").status_code == 200
    # the run records the old translation as a suggestion when the sentence changes
    assert run_cli("run", "--format", "md", cwd=project).returncode == 0
    path = project / "source" / "strike.md"
    path.write_text(path.read_text(encoding="utf-8").replace("The strike committee decides.",
                                                             "The strike committee decides everything."),
                    encoding="utf-8")
    assert run_cli("run", "--format", "md", cwd=project).returncode == 0
    stale = units(c)["b4.s2"]
    assert stale["state"] == "stale"
    assert re.search(r"committee decides <ins>everything</ins>\.</div>", stale["html"])
    assert "El comité de huelga decide." in stale["html"] and "Take suggestion" in stale["html"]
    r = save(c, "b4.s2", stale, "", action="suggestion")
    assert r.status_code == 200 and r.json()["message"] == "suggestion taken"
    assert store(project)["The strike committee decides everything."].msgstr == "El comité de huelga decide."
    assert units(c)["b4.s2"]["state"] == "reviewed"


def test_preview_pamphlet_pdf_render_and_static_routes(site, project):
    _, app = site
    c = client(app)
    us = units(c)
    assert save(c, "b1.s2", us["b1.s2"], "Los patronos dicen que no.").status_code == 200
    preview = c.get("/a/strike/es/preview")
    assert preview.status_code == 200 and 'src="/a/strike/es/pamphlet"' in preview.text and "Render the PDF" in preview.text
    pamphlet = c.get("/a/strike/es/pamphlet")
    assert pamphlet.status_code == 200 and "Los patronos dicen que no." in pamphlet.text
    assert c.get("/a/strike/es/pdf").status_code == 404  # not rendered yet
    status = render(c)
    assert status["state"] == "done" and status["message"] == "strike.en-es.pdf written", status
    assert status["total"] > 0 and status["done"] == status["total"]
    pdf = c.get("/a/strike/es/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    # no CSP for the browser's PDF viewer to trip on; nosniff keeps it a PDF
    assert "content-security-policy" not in pdf.headers and pdf.headers["x-content-type-options"] == "nosniff"
    written = project / "build" / "strike" / "strike.en-es.pdf"
    assert written.read_bytes() == pdf.content
    assert "Los patronos dicen que no." in pdf_text(written)
    # the run's path: the translated Markdown written beside it, with the reviewed sentence
    assert "Los patronos dicen que no." in (project / "build" / "strike" / "strike.es.md").read_text(encoding="utf-8")
    # nothing changed: the run's memory leaves the PDF as it is, and says so
    assert render(c)["message"] == "strike.en-es.pdf is up to date (nothing in it changed)"
    js, css = c.get("/static/review.js"), c.get("/static/review.css")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript") and "X-CSRF-Token" in js.text
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert c.get("/static/app.py").status_code == 404
    assert c.get("/api/render/nothing").status_code == 404
    assert c.get("/a/strike/fr").status_code == 404 and c.get("/a/nothing/es").status_code == 404


def test_a_correction_of_a_whole_block_and_a_link_title_are_units_of_their_own(site, project):
    """A block corrected in the translated Markdown without keeping its sentences apart is one unit on the page;
    a link's title is one too."""
    _, app = site
    c = client(app)
    us = units(c)
    assert save(c, "b3.m0", us["b3.m0"], "La lista completa").status_code == 200
    assert store(project)["The list"].msgstr == "La lista completa"
    assert run_cli("run", "--format", "md", cwd=project).returncode == 0
    md = project / "build" / "strike" / "strike.es.md"
    text = md.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if "[^1]" in line and not line.startswith("[^1]:"))
    merged = "La *clase obrera* lucha por sus reivindicaciones[^1], que los patronos rechazan."
    md.write_text(text.replace(first, merged), encoding="utf-8")
    _, app = open_site(project)  # a server started now takes the correction from the Markdown first
    c = client(app)
    us = units(c)
    assert "b1" in us and "b1.s1" not in us and "b1.s2" not in us
    assert us["b1"]["state"] == "reviewed" and us["b1"]["markdown"] == merged
    assert "<em>" in us["b1"]["html"] and 'class="mark term"' in us["b1"]["html"]
    changed = merged.replace("rechazan", "rechazan de plano")
    assert save(c, "b1", us["b1"], changed).status_code == 200
    whole = "The *working class* fights for its demands[^1]. The bosses refuse."
    assert store(project)[whole].msgstr == changed
    assert 'title="La lista completa"' in c.get("/a/strike/es/pamphlet").text


def test_a_project_broken_while_the_server_runs_is_one_message_not_a_crash(site, project):
    _, app = site
    c = client(app)
    assert c.get("/a/strike/es").status_code == 200
    (project / "mini.yaml").write_text("name: mini\nentries: [\n", encoding="utf-8")
    page = c.get("/a/strike/es")
    assert page.status_code == 400 and "The project has a problem" in page.text and "mini.yaml" in page.text
    assert page.headers["content-type"].startswith("text/html")
    api = c.get("/api/suggest", params={"slug": "strike", "lang": "es", "text": "strike"})
    assert api.status_code == 400 and "mini.yaml" in api.json()["error"]
    (project / "mini.yaml").write_text(MINI, encoding="utf-8")
    assert c.get("/a/strike/es").status_code == 200


# --- writes: CSRF, conflicts, sizes ----------------------------------------------------------------------------


def test_every_write_needs_the_csrf_key_json_and_this_origin(site, project):
    _, app = site
    c = client(app)
    us = units(c)
    unit = us["b1.s2"]
    body = {"slug": "strike", "lang": "es", "unit": "b1.s2", "source": unit["source"], "base": "",
            "action": "approve", "text": "Los patronos se niegan.", "translator": ""}
    key = csrf(c)
    attempts = [
        c.post("/api/save", json=body),
        c.post("/api/save", json=body, headers={"X-CSRF-Token": "0" * 64}),
        c.post("/api/save", json=body, headers={"X-CSRF-Token": key, "Origin": "http://evil.example"}),
        c.post("/api/save", json=body, headers={"X-CSRF-Token": key, "Origin": "http://127.0.0.1:9999"}),
        c.post("/api/save", json=body, headers={"X-CSRF-Token": key, "Sec-Fetch-Site": "cross-site"}),
        c.post("/api/save", content=json.dumps(body), headers={"X-CSRF-Token": key, "Content-Type": "text/plain"}),
        c.post("/api/save", data={"text": "x"}, headers={"X-CSRF-Token": key}),
        c.post("/api/glossary", json={"slug": "strike", "lang": "es", "source": "union", "target": "sindicato"}),
        c.post("/api/render", json={"slug": "strike", "lang": "es"}),
        c.put("/api/save", json=body),
        c.delete("/api/save"),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403, 403, 415, 415, 403, 403, 403, 403]
    assert not (project / "translations").exists() and (project / "mini.yaml").read_text(encoding="utf-8") == MINI
    assert not (project / "build" / "strike" / "strike.en-es.pdf").exists()
    assert c.get("/api/save").status_code == 405
    r = c.post("/api/save", json=body, headers={"X-CSRF-Token": key, "Origin": BASE})
    assert r.status_code == 200 and store(project)["The bosses refuse."].msgstr == "Los patronos se niegan."


def test_two_editors_saving_the_same_segment_the_second_gets_a_conflict_not_an_overwrite(site, project):
    _, app = site
    first, second = client(app), client(app)
    seen_first, seen_second = units(first)["b4.s1"], units(second)["b4.s1"]
    assert seen_first["base"] == seen_second["base"] == ""
    assert save(first, "b4.s1", seen_first, "El comité de huelga se reúne el lunes.").status_code == 200
    r = save(second, "b4.s1", seen_second, "El comité de huelga se junta el lunes.")
    assert r.status_code == 409
    said = r.json()
    assert "Someone else saved this segment" in said["error"] and "se reúne" in said["error"]
    assert said["current"] == "El comité de huelga se reúne el lunes." and 'class="unit state-reviewed' in said["row"]
    assert store(project)["The strike committee meets on Monday."].msgstr == "El comité de huelga se reúne el lunes."
    # approving again from their version replaces it, knowingly
    r = save(second, "b4.s1", {**seen_second, "base": said["base"]}, "El comité de huelga se junta el lunes.")
    assert r.status_code == 200
    assert store(project)["The strike committee meets on Monday."].msgstr == "El comité de huelga se junta el lunes."


def test_a_save_for_an_article_changed_since_the_page_was_opened_is_refused(site, project):
    _, app = site
    c = client(app)
    seen = units(c)["b1.s2"]
    path = project / "source" / "strike.md"
    path.write_text(path.read_text(encoding="utf-8").replace("The bosses refuse.", "The bosses say no."),
                    encoding="utf-8")
    r = save(c, "b1.s2", seen, "Los patronos se niegan.")
    assert r.status_code == 409 and "reload" in r.json()["error"]
    r = save(c, "b9.s9", seen, "Nada.")
    assert r.status_code == 409
    assert not (project / "translations").exists()


def test_oversized_request_bodies_are_refused_before_anything_reads_them(site, project):
    _, app = site
    c = client(app)
    seen = units(c)["b1.s2"]
    key = csrf(c)
    big = {"slug": "strike", "lang": "es", "unit": "b1.s2", "source": seen["source"], "base": "", "action": "approve",
           "text": "x" * 70_000, "translator": ""}
    r = c.post("/api/save", json=big, headers={"X-CSRF-Token": key})
    assert r.status_code == 413

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"text": "'
        for _ in range(40):
            yield b"y" * 4096
        yield b'"}'

    r = c.post("/api/save", content=chunks(), headers={"X-CSRF-Token": key, "Content-Type": "application/json"})
    assert r.status_code == 413
    r = c.post("/api/save", json={**big, "text": "z" * 25_000}, headers={"X-CSRF-Token": key})
    assert r.status_code == 400 and "more than" in r.json()["error"]
    assert not (project / "translations").exists()
    for bad in ([], {"slug": 3}, "text"):
        assert c.post("/api/save", json=bad, headers={"X-CSRF-Token": key}).status_code == 400
    assert c.post("/api/save", content=b"{not json", headers={"X-CSRF-Token": key,
                                                             "Content-Type": "application/json"}).status_code == 400


# --- what a request can reach ------------------------------------------------------------------------------------


def test_no_path_outside_the_sources_store_and_build_is_reachable(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATE_TRANSLATOR", WHO)
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text("---\ntitle: SECRET-OUTSIDE\n---\n\nSECRET-OUTSIDE text.\n", encoding="utf-8")
    (secret.parent / "secret.en-es.pdf").write_bytes(b"%PDF-1.7 SECRET-OUTSIDE")
    folder = make_project(tmp_path / "paper")
    (folder / "source" / "evil.md").symlink_to(secret)
    (folder / "build" / "strike").mkdir(parents=True)
    (folder / "build" / "strike" / "strike.en-es.pdf").symlink_to(secret.parent / "secret.en-es.pdf")
    (folder / "build" / "secret").symlink_to(secret.parent, target_is_directory=True)
    _, app = open_site(folder)
    c = client(app)
    index = c.get("/")
    assert "SECRET" not in index.text and "Left out" in index.text and "evil.md" in index.text
    paths = ["/a/evil/es", "/a/secret/es", "/a/secret/es/pdf", "/a/strike/es/pdf", "/a/..%2F..%2Fetc%2Fpasswd/es",
             "/a/%2Fetc%2Fpasswd/es", "/a/strike/..%2F..%2Fetc%2Fpasswd", "/a/strike/es/..%2F..%2F..%2Fmini.yaml",
             "/static/..%2F..%2F..%2Fpyproject.toml", "/static/%2e%2e%2fapp.py", "/static//etc/passwd",
             "/a/strike/es/pdf/../../../../etc/passwd", f"/{secret}", "/etc/passwd", "/translations/es.po",
             "/build/strike/strike.es.md", "/mini.yaml"]
    for path in paths:
        r = c.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert "SECRET" not in r.text and "root:" not in r.text, path
    key = csrf(c)
    for slug in ("../../outside/secret", str(secret), "evil", "secret"):
        r = c.post("/api/save", json={"slug": slug, "lang": "es", "unit": "b1.s1", "source": "", "base": "",
                                      "action": "approve", "text": "x", "translator": ""},
                   headers={"X-CSRF-Token": key})
        assert r.status_code == 404 and "SECRET" not in r.text, slug
        r = c.post("/api/render", json={"slug": slug, "lang": "es"}, headers={"X-CSRF-Token": key})
        assert r.status_code == 404, slug
        assert c.get(f"/api/suggest?slug={slug}&lang=es&text=workers").status_code == 404
    for glossary in (-1, 5):
        r = c.post("/api/glossary", json={"slug": "strike", "lang": "es", "source": "union", "target": "sindicato",
                                          "grammar": "", "glossary": glossary, "note": ""},
                   headers={"X-CSRF-Token": key})
        assert r.status_code == 400
    assert not (folder / "translations").exists()
    assert secret.read_text(encoding="utf-8").startswith("---\ntitle: SECRET-OUTSIDE")


def test_hostile_article_text_is_shown_inert(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATE_TRANSLATOR", WHO)
    folder = make_project(tmp_path / "paper", {"strike.md": ARTICLE, "hostile.md": HOSTILE})
    _, app = open_site(folder)
    c = client(app)
    index = c.get("/").text
    assert_inert(index, 1)
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Workers" in index
    page = c.get("/a/hostile/es")
    assert page.status_code == 200
    assert_inert(page.text, 1)
    assert "&lt;script&gt;alert(&#39;block&#39;)&lt;/script&gt;" in page.text
    assert "&lt;img src=x onerror=&#34;alert(&#39;raw&#39;)&#34;&gt; The workers" in page.text
    assert "[the plan](javascript:alert(&#39;link&#39;)" in page.text  # not a link to the reader: text
    preview = c.get("/a/hostile/es/preview")
    assert_inert(preview.text, 1)
    pamphlet = c.get("/a/hostile/es/pamphlet")
    assert pamphlet.status_code == 200
    assert_inert(pamphlet.text, 0)
    assert "&lt;script&gt;" in pamphlet.text
    # what an editor types is escaped too
    seen = units(c, "hostile")
    uid = next(u for u in seen if u.startswith("b1"))
    body = {"slug": "hostile", "lang": "es", "unit": uid, "source": seen[uid]["source"], "base": "",
            "action": "approve", "text": '<script>alert("typed")</script> [x](javascript:alert(4))', "translator": ""}
    r = c.post("/api/save", json=body, headers={"X-CSRF-Token": csrf(c)})
    assert r.status_code == 200
    assert_inert(r.json()["row"], 0)
    assert_inert(c.get("/a/hostile/es").text, 1)
    assert_inert(c.get("/a/hostile/es/pamphlet").text, 0)


# --- the glossary --------------------------------------------------------------------------------------------------


def test_a_glossary_term_added_from_the_page_goes_through_the_canonical_writer(site, project):
    from translate.terms.edit import dump_glossary
    from translate.terms.glossary import load_glossary

    _, app = site
    c = client(app)
    page = c.get("/a/strike/es").text
    assert 'data-phrase="strike committee"' in page  # a coverage candidate: it occurs twice, with no entry
    r = c.get("/api/suggest", params={"slug": "strike", "lang": "es", "text": " strike committee."})
    assert r.status_code == 200
    assert r.json() == {"source": "strike committee", "target": "comité de huelga", "grammar": "m", "existing": ""}
    # a candidate comes lower-cased: the article's own spelling is what the engine gets
    assert c.get("/api/suggest", params={"slug": "strike", "lang": "es", "text": "what the strike wants"}).json()[
        "source"] == "What the strike wants"
    assert c.get("/api/grammar", params={"lang": "es", "term": "clase obrera"}).json() == {"grammar": "f"}
    assert c.get("/api/grammar", params={"lang": "es", "term": "xqzzy"}).json() == {"grammar": ""}
    assert c.get("/api/suggest", params={"slug": "strike", "lang": "es", "text": "Working class"}).json()["existing"] \
        == "working-class"
    key = csrf(c)
    add = {"slug": "strike", "lang": "es", "source": "strike committee", "target": "comité de huelga", "grammar": "m",
           "glossary": 0, "note": "as the union says"}
    r = c.post("/api/glossary", json=add, headers={"X-CSRF-Token": key})
    assert r.status_code == 200 and r.json()["id"] == "strike-committee", r.text
    text = (project / "mini.yaml").read_text(encoding="utf-8")
    g = load_glossary(project / "mini.yaml")
    assert dump_glossary(g) == text  # canonical
    entry = next(e for e in g.entries if e.id == "strike-committee")
    assert entry.terms == {"en": "strike committee", "es": "comité de huelga"} and str(entry.grammar["es"]) == "m"
    assert entry.note == "as the union says"
    again = c.post("/api/glossary", json=add, headers={"X-CSRF-Token": key})
    assert again.status_code == 400 and "already in the glossary" in again.json()["error"]
    bad = c.post("/api/glossary", json={**add, "source": "union", "grammar": "x"}, headers={"X-CSRF-Token": key})
    assert bad.status_code == 400 and (project / "mini.yaml").read_text(encoding="utf-8") == text
    # the page reads the glossary again: the new term is marked where the source has it
    b4 = units(c)["b4.s1"]["html"]
    assert re.search(r'class="mark term" title="glossary: &#39;comité de huelga&#39;[^"]*">strike committee<', b4)
    assert 'data-phrase="strike committee"' not in c.get("/a/strike/es").text


# --- done when: the seed article, machine output to a reviewed pamphlet --------------------------------------------


def test_the_seed_article_goes_from_machine_output_to_a_fully_reviewed_spanish_pamphlet(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATE_TRANSLATOR", WHO)
    folder = tmp_path / "paper"
    (folder / "source").mkdir(parents=True)
    shutil.copy(SEED, folder / "source" / SEED.name)
    (folder / "glossaries").mkdir()
    shutil.copy(GLOSSARY, folder / "glossaries" / GLOSSARY.name)
    (folder / "translate.yaml").write_text("source: source\noutput: build\nto: [es]\nengine: apertium\n"
                                           "glossaries: [glossaries/political.yaml]\nformats: [md, pdf]\n",
                                           encoding="utf-8")
    _, app = open_site(folder)
    c = client(app)
    slug = SEED.stem
    page = c.get(f"/a/{slug}/es").text
    found = re.findall(r'data-unit="([^"]+)" data-source="(\w+)" data-base="(\w*)"', page)
    boxes = [__import__("html").unescape(t) for t in re.findall(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)]
    assert len(found) == len(boxes) > 10
    key = csrf(c)
    for (uid, source, base), text in zip(found, boxes):
        if uid == "title.s1":
            text = "¡Los trabajadores ucranianos se niegan a poner fin a las ocupaciones!"
        r = c.post("/api/save", json={"slug": slug, "lang": "es", "unit": uid, "source": source, "base": base,
                                      "action": "approve", "text": text, "translator": "Ana"},
                   headers={"X-CSRF-Token": key})
        assert r.status_code == 200, (uid, r.text)
    assert r.json()["counts"] == {"reviewed": len(found), "stale": 0, "machine": 0}
    status = render(c, slug)
    assert status["state"] == "done", status
    text = " ".join(pdf_text(folder / "build" / slug / f"{slug}.en-es.pdf").split())
    assert "¡Los trabajadores ucranianos se niegan a poner fin a las ocupaciones!" in text
    # the title page (in capitals) and the colophon say a person revised all of it
    assert "traducción del inglés, revisada por la redacción" in text.casefold()
    assert "traducción automática del inglés" not in text.casefold()
    assert "Todos los párrafos han sido revisados por Ana." in text
    status = json.loads(run_cli("review", "status", "--json", cwd=folder).stdout)
    assert status == [{"article": f"source/{SEED.name}", "lang": "es", "reviewed": len(found), "stale": 0,
                       "machine": 0}]
    assert run_cli("run", "--strict-review", "--format", "md", cwd=folder).returncode == 0


# --- the command -------------------------------------------------------------------------------------------------


def test_review_serve_prints_a_loopback_address_with_a_token_and_stops_on_ctrl_c(project):
    proc = subprocess.Popen([sys.executable, "-m", "translate", "review", "serve", "--no-browser"], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TRANSLATE_TRANSLATOR": WHO})
    try:
        line = proc.stdout.readline()
        m = re.match(r"review page: (http://127\.0\.0\.1:(\d+)/\?token=([\w-]{20,}))$", line.strip())
        assert m, line + proc.stderr.read()
        address, port, token = m.groups()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = opener.open(address, timeout=30).read().decode()
        assert "The strike goes on" in page
        again = opener.open(f"http://127.0.0.1:{port}/a/strike/es", timeout=30).read().decode()
        assert "data-unit=" in again
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30)
        assert refused.value.code == 403
        busy = run_cli("review", "serve", "--no-browser", "--port", port, cwd=project)
        assert busy.returncode == 2
        assert busy.stderr.decode().strip().splitlines() == [
            f"translate: error: cannot listen on 127.0.0.1:{port}: Address already in use; give another --port (or "
            "0 for any free one)"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "review page stopped" in out and token not in err


def test_review_serve_reports_a_bad_project_in_one_line(tmp_path):
    (tmp_path / "translate.yaml").write_text("to: [es]\nsource: nowhere\n", encoding="utf-8")
    r = run_cli("review", "serve", "--no-browser", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.decode().strip().count("\n") == 0
    assert "nowhere: no such file or folder" in r.stderr.decode()

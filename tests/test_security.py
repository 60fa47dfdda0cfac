"""A hostile article can neither read local files nor reach the network while its PDF is rendered."""

from conftest import needs_apertium, pdf_text, run_cli
from pypdf import PdfReader


@needs_apertium
def test_hostile_article_reads_no_file_and_makes_no_request(tmp_path, counting_server):
    base, hits = counting_server
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>SECRETFILE</text></svg>')
    article = tmp_path / "hostile.md"
    article.write_text(
        f"""---
title: Hostile
---
An image ![x](file:///etc/passwd) and ![y](file://{secret}) and ![z]({base}/image.svg) here.

Raw <img src="file://{secret}"> and <img src="{base}/raw.svg"> and <link rel="stylesheet" href="{base}/a.css">.

A [link]({base}/page) and <{base}/autolink> and <style>@import url("file:///etc/passwd");</style> end.
""",
        encoding="utf-8",
    )
    out = tmp_path / "build"
    r = run_cli("run", str(article), "--to", "es", "--engine", "apertium", "-o", str(out), "-g", str(tmp_path / "none.yaml"))
    assert r.returncode == 2  # the glossary does not exist: nothing rendered yet
    (tmp_path / "none.yaml").write_text("entries: []\n")
    r = run_cli("run", str(article), "--to", "es", "--engine", "apertium", "-o", str(out), "-g", str(tmp_path / "none.yaml"))
    assert r.returncode == 0, r.stderr.decode()
    pdf = next(out.rglob("*.pdf"))
    assert hits == []
    text = pdf_text(pdf)
    assert "SECRETFILE" not in text and "LEAKED" not in text and "root:" not in text
    # raw HTML arrives as escaped text, not as markup (wherever the lines happen to wrap)
    assert '<img src="file://' in " ".join(text.split())
    assert all(not page.images for page in PdfReader(pdf).pages)


def test_fetcher_refuses_every_url(tmp_path, counting_server):
    from translate.publish.render import to_pdf

    base, hits = counting_server
    html = f"""<html><head><link rel="stylesheet" href="{base}/style.css">
    <style>@import url("{base}/imported.css"); body {{ background: url("file:///etc/hostname"); }}</style></head>
    <body><img src="{base}/a.png"><img src="file:///etc/passwd"><p>Body</p></body></html>"""
    refused = to_pdf(html, tmp_path / "x.pdf")
    assert hits == []
    assert {f"{base}/style.css", f"{base}/imported.css", f"{base}/a.png", "file:///etc/passwd"} <= set(refused)

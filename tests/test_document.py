from pathlib import Path

import pytest
from conftest import SEED

from translate.data import MARKER_PARTS_RE, OPEN, SPAN_CLOSE, SPAN_OPEN, strip_markers
from translate.document import find_sources, read_article
from translate.errors import UserError


def write(tmp_path: Path, text: str | bytes, name: str = "a.md") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_seed_article_blocks_and_segments():
    doc = read_article(SEED)
    assert doc.slug == "ukrainian-workers-refuse-to-end-occupations"
    assert doc.meta.title == "Ukrainian workers refuse to end occupations!"
    assert doc.meta.lang == "en"
    kinds = [b.kind for b in doc.blocks]
    assert kinds[0] == "title" and kinds.count("paragraph") == 14
    ids = [s.id for s in doc.segments]
    assert len(ids) == len(set(ids))
    first = doc.blocks[1].segments
    assert first[0].text.startswith("THE agreement") and first[0].text.endswith("Ukrainian working class.")


def test_front_matter_fields_and_inline_markup(tmp_path):
    doc = read_article(write(tmp_path, """---
title: A *title*
subtitle: Sub
date: 2024-05-01
author: Ann Writer
publication: The Paper
---
# Heading

Read [the report](https://example.org/r?a=1 "T") now. Run `rm -rf /` *never*. Mr. Smith agreed.

> A quote.

- one
- two

1. first

```
code stays
```
"""))
    assert (doc.meta.subtitle, doc.meta.date, doc.meta.author, doc.meta.publication) == (
        "Sub", "2024-05-01", "Ann Writer", "The Paper")
    para = next(b for b in doc.blocks if b.kind == "paragraph")
    texts = [s.text for s in para.segments]
    assert len(texts) == 3  # "Mr." does not end a sentence
    joined = " ".join(texts)
    # URLs and code are lifted out: an engine never sees them
    assert "example.org" not in joined and "rm -rf" not in joined
    assert strip_markers(texts[0]) == "Read the report now."
    kinds = [(kind, para.markup[int(n)].kind) for kind, n in MARKER_PARTS_RE.findall(joined)]
    assert kinds == [(SPAN_OPEN, "link"), (SPAN_CLOSE, "link"), (OPEN, "code"), (SPAN_OPEN, "em"), (SPAN_CLOSE, "em")]
    assert para.markup[0].value == "https://example.org/r?a=1" and para.markup[0].extra == "T"
    assert [b.kind for b in doc.blocks] == [
        "title", "subtitle", "heading", "paragraph", "quote", "item", "item", "item", "code"]
    assert [b.marker for b in doc.blocks if b.kind == "item"] == ["-", "-", "1."]
    assert doc.blocks[-1].literal == "code stays"


def test_raw_html_is_text_not_markup(tmp_path):
    doc = read_article(write(tmp_path, '---\ntitle: T\n---\nSee <img src="file:///etc/passwd"> here.\n'))
    assert '<img src="file:///etc/passwd">' in doc.blocks[1].segments[0].text


@pytest.mark.parametrize(
    "content, message",
    [
        (b"---\ntitle: T\n---\nBad \xff\xfe byte\n", "not UTF-8"),
        ("---\ntitle: [unclosed\n---\nText\n", "a.md:3: malformed YAML"),
        ("---\n- a list\n---\nText\n", "front matter must be a mapping"),
        ("No front matter at all\n", "no 'title'"),
        ("---\ntitle: T\nlang: xx\n---\nText\n", "unknown"),
    ],
)
def test_bad_articles_are_user_errors(tmp_path, content, message):
    with pytest.raises(UserError, match=message):
        read_article(write(tmp_path, content))


def test_find_sources(tmp_path):
    (tmp_path / "d").mkdir()
    write(tmp_path / "d", "---\ntitle: B\n---\n", "b.md")
    write(tmp_path / "d", "---\ntitle: A\n---\n", "a.md")
    write(tmp_path / "d", "not markdown", "notes.txt")
    assert [p.name for p in find_sources([tmp_path / "d"])] == ["a.md", "b.md"]
    with pytest.raises(UserError, match="no such file"):
        find_sources([tmp_path / "missing.md"])

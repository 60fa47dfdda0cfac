from pathlib import Path

import pytest
from conftest import SEED

from translate.data import MARKER_CHARS, MARKER_PARTS_RE, OPEN, SPAN_CLOSE, SPAN_OPEN, Markup, strip_markers
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
    texts = [s.text for s in para.segments if s.title_of is None]
    assert len(texts) == 3  # "Mr." does not end a sentence
    # the link's title is translated on its own, as a segment of the block
    assert [(s.id, s.text) for s in para.segments if s.title_of is not None] == [(f"{para.id}.m0", "T")]
    joined = " ".join(texts)
    # URLs and code are lifted out: an engine never sees them
    assert "example.org" not in joined and "rm -rf" not in joined
    assert strip_markers(texts[0]) == "Read the report now."
    kinds = [(kind, para.markup[int(n)].kind) for kind, n in MARKER_PARTS_RE.findall(joined)]
    assert kinds == [(SPAN_OPEN, "link"), (SPAN_CLOSE, "link"), (OPEN, "code"), (SPAN_OPEN, "em"), (SPAN_CLOSE, "em")]
    assert para.markup[0].value == "https://example.org/r?a=1" and para.markup[0].extra == "T"
    assert [b.kind for b in doc.blocks] == [
        "title", "subtitle", "heading", "paragraph", "paragraph", "paragraph", "paragraph", "paragraph", "code"]
    assert [b.id for b in doc.blocks] == [
        "title", "subtitle", "b1", "b2", "b3.1", "b4.1.1", "b4.2.1", "b5.1.1", "b6"]
    quote, bullets, numbers = doc.tree[2:5]
    assert (quote.kind, quote.children) == ("quote", ("b3.1",))
    assert (bullets.kind, [i.children for i in bullets.children]) == ("bullet_list", [("b4.1.1",), ("b4.2.1",)])
    assert (numbers.kind, numbers.start) == ("ordered_list", 1)
    assert doc.blocks[-1].literal == "code stays\n"
    # each block knows its line in the file (front matter included)
    assert [(b.id, b.line) for b in doc.blocks[2:5]] == [("b1", 8), ("b2", 10), ("b3.1", 12)]


def test_raw_html_is_text_not_markup_and_never_sent(tmp_path):
    doc = read_article(write(tmp_path, '---\ntitle: T\n---\nSee <img src="file:///etc/passwd"> here.\n'))
    block = doc.blocks[1]
    assert "img" not in block.segments[0].text and strip_markers(block.segments[0].text) == "See  here."
    assert block.markup == (Markup("verbatim", '<img src="file:///etc/passwd">'),)


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


@pytest.mark.parametrize("title, body", [
    ("'See \ue0000\ue001 b'", "See [a](http://x) \ue0000\ue001 b. Raw \ue002 and \ue003."),  # typed
    ('"See \\ue0000\\ue001 b"', "Escaped in YAML only."),  # a YAML escape in the front matter
    ("T", "See [a](http://x) &#xE000;0&#xE001; b. &#57346;1&#xe001; and `&#xE000;`."),  # entities markdown-it decodes
])
def test_marker_characters_never_reach_segments(tmp_path, title, body):
    doc = read_article(write(tmp_path, f"---\ntitle: {title}\n---\n{body}\n"))
    for block in doc.blocks:
        for seg in block.segments:
            # every marker in a segment is one the reader put there, for markup the block has
            for m in MARKER_PARTS_RE.finditer(seg.text):
                assert int(m.group(2)) < len(block.markup)
            assert not set(strip_markers(seg.text)) & set(MARKER_CHARS), seg.text
    text = " ".join(strip_markers(s.text) for s in doc.segments)
    assert "\ufffd0\ufffd" in text  # the characters are shown as replaced, not silently dropped


def test_urls_autolinks_and_code_never_reach_segments(tmp_path):
    doc = read_article(write(tmp_path, "---\ntitle: T\n---\nRead <https://wrp.example/a-b> and www.example.org/x "
                             "or https://bare.example/p, and [https://in.link/text](https://in.link/text), "
                             "![the dockers' strike](https://img.example/s.png \"A picket line\").\n"))
    block = doc.blocks[1]
    sent = " ".join(s.text for s in block.segments)
    assert "example" not in sent and "in.link" not in sent and "https" not in sent
    kinds = [(m.kind, m.value) for m in block.markup]
    assert ("autolink", "https://wrp.example/a-b") in kinds and ("autolink", "http://www.example.org/x") in kinds
    assert ("autolink", "https://bare.example/p") in kinds and ("verbatim", "https://in.link/text") in kinds
    # an image's alt text is translated in its sentence, its title on its own
    assert "the dockers' strike" in strip_markers(sent)
    assert [s.text for s in block.segments if s.title_of is not None] == ["A picket line"]


STRUCTURE = """---
title: T
---
Intro.

3. First point

   Its second paragraph.

   > A quote in the item
   >
   > ```py
   > code in it
   > ```
4. Second point
   - nested *one*
   - nested two

| Demand | Status |
|:--|--:|
| Wages | won[^w] |

> # A heading in a quote
> - a list in it

[^w]: After a strike of *six* weeks.
"""


def test_the_tree_keeps_every_structure(tmp_path):
    doc = read_article(write(tmp_path, STRUCTURE))
    intro, numbered, table, quote, note = doc.tree
    assert intro == "b1"
    assert (numbered.kind, numbered.start, numbered.tight) == ("ordered_list", 3, False)
    first, second = numbered.children
    assert first.children[:2] == ("b2.1.1", "b2.1.2") and first.children[2].kind == "quote"
    assert [doc.blocks[[b.id for b in doc.blocks].index(i)].kind for i in first.children[2].leaves()] == [
        "paragraph", "code"]
    assert second.children[1].kind == "bullet_list" and list(second.children[1].leaves()) == [
        "b2.2.2.1.1", "b2.2.2.2.1"]
    assert table.kind == "table" and table.aligns == ("left", "right")
    assert [(r.header, r.children) for r in table.children] == [
        (True, ("b3.1.1", "b3.1.2")), (False, ("b3.2.1", "b3.2.2"))]
    assert quote.kind == "quote" and quote.children[0] == "b4.1" and quote.children[1].kind == "bullet_list"
    assert (note.kind, note.id, note.label, note.children) == ("footnote", "fn[w]", "w", ("fn[w].1",))
    by_id = {b.id: b for b in doc.blocks}
    assert (by_id["b2.1.3.2"].kind, by_id["b2.1.3.2"].info, by_id["b2.1.3.2"].literal) == ("code", "py", "code in it\n")
    assert by_id["b3.2.2"].markup[0].kind == "footnote" and by_id["b3.2.2"].markup[0].value == "w"
    assert strip_markers(by_id["fn[w].1"].text) == "After a strike of six weeks."
    assert by_id["b4.1"].kind == "heading" and by_id["b2.1.1"].line == 6


def test_ids_are_structural(tmp_path):
    """The same structure gives the same ids whatever the words; an edit inside a list renumbers only that list."""
    doc = read_article(write(tmp_path, STRUCTURE))
    reworded = read_article(write(tmp_path, STRUCTURE.replace("Wages", "Hours").replace("Intro.", "Other words."),
                                  "b.md"))
    assert [s.id for s in reworded.segments] == [s.id for s in doc.segments]
    longer = read_article(write(tmp_path, STRUCTURE.replace("   - nested two", "   - nested two\n   - nested three"),
                                "c.md"))
    old, new = {s.id for s in doc.segments}, {s.id for s in longer.segments}
    assert old < new and new - old == {"b2.2.2.3.1.s1"}


def test_legacy_ids_map_the_flat_readers_ids(tmp_path):
    doc = read_article(write(tmp_path, "---\ntitle: T\n---\nIntro. Two.\n\n- one\n- two\n\n> Quoted.\n\n```\nx\n```\n\n"
                             "| a |\n|---|\n| b |\n\nEnd.\n"))
    from translate.document import legacy_ids

    mapping = legacy_ids(doc)
    # the flat reader: b1 intro, b2 b3 the items, b4 the quote, b5 the code, b6 the table (one paragraph to it),
    # b7 the last paragraph
    assert {k: v for k, v in mapping.items() if ".s" not in k} == {
        "b1": "b1", "b2": "b2.1.1", "b3": "b2.2.1", "b4": "b3.1", "b5": "b4", "b6": "b5", "b7": "b6"}
    assert mapping["b1.s2"] == "b1.s2" and mapping["b3.s1"] == "b2.2.1.s1"
    assert set(mapping.values()) <= {b.id for b in doc.blocks} | {s.id for s in doc.segments} | {"b5"}

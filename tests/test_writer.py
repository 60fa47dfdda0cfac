import os

import pytest

from translate.data import Markup, span_close, span_open
from translate.document import parse_blocks, parse_body
from translate.files import write_atomic
from translate.publish.writer import block_markdown, document_markdown, inline_markdown

SAMPLE = """# A *heading* with `code`

Text with **strong**, *em*, ~~gone~~, a [link](https://example.org/a_b "Title") and ![alt](pic.png). Stars \\* and
brackets \\[x\\] and under\\_scores stay text. A line\\
break.

> Quoted *words*.

- item one
- item [two](http://x.y)

3. three
4. four
   - nested, with a note[^1]

     and a second paragraph
   - and *twice*: *_twice_*

| left | right |
|:-----|------:|
| a \\| b | `c` |

[^1]: The note, with [a link](https://example.org/n).
"""


def _shape(tree):
    return tuple(n if isinstance(n, str) else (n.kind, n.start, n.tight, n.label, n.aligns, _shape(n.children))
                 for n in tree)


def test_markdown_round_trip_keeps_tree_text_and_markup():
    from pathlib import Path

    from translate.data import Document, Meta

    tree, blocks = parse_body(SAMPLE)
    written = document_markdown(Document(Path("a.md"), "a", Meta("T"), blocks, tree))
    tree2, again = parse_body(written)
    assert _shape(tree2) == _shape(tree)
    assert [(b.id, b.kind, b.level, b.text, b.markup, b.literal, b.info) for b in again] == [
        (b.id, b.kind, b.level, b.text, b.markup, b.literal, b.info) for b in blocks
    ]


def test_block_markdown_of_a_leaf():
    heading = parse_blocks("## A *b*")[0]
    assert block_markdown(heading) == "## A *b*"
    code = parse_blocks("~~~py\nx = '```'\n~~~")[0]
    again = parse_blocks(block_markdown(code))[0]
    assert (again.kind, again.literal, again.info) == ("code", "x = '```'\n", "py")


def test_unbalanced_markup_keeps_the_text():
    markup = (Markup("em"), Markup("link", "http://a"))
    # an engine dropped the closing emphasis and the link's opening: text survives, markup that cannot pair goes
    assert inline_markdown(f"{span_open(0)}la clase y {span_close(1)} mas", markup) == "la clase y  mas"
    assert inline_markdown(f"{span_open(0)}la{span_close(0)} {span_open(1)}x{span_close(1)}", markup) == "*la* [x](http://a)"
    # spans that cross (an engine reordered words): the inner one loses its markup, the text stays
    assert inline_markdown(f"{span_open(0)}a {span_open(1)}b{span_close(0)} c{span_close(1)}", markup) == "*a b* c"


@pytest.mark.parametrize("text", ["# not a heading", "- not a list", "1. not a list"])
def test_text_that_looks_like_block_syntax_is_escaped(text):
    blocks = parse_blocks(inline_markdown(text, ()))
    assert [b.kind for b in blocks] == ["paragraph"] and blocks[0].text == text


def test_write_atomic_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "out" / "a.md"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert os.listdir(target.parent) == ["a.md"]


def test_deeply_nested_markup_keeps_its_text(tmp_path):
    from translate.document import read_article

    article = tmp_path / "deep.md"
    article.write_text("---\ntitle: T\n---\n" + "*" * 600 + "deep words" + "*" * 600 + "\n", encoding="utf-8")
    block = read_article(article).blocks[1]  # the reader does not recurse per level
    assert len(block.markup) > 250
    written = inline_markdown(block.text, block.markup)  # nor does the writer: deep levels lose their markup
    again = parse_blocks(written)[0]
    assert "deep words" in again.text and 0 < len(again.markup) <= 32


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664), (0o077, 0o600)])
def test_write_atomic_gives_the_mode_the_umask_says(tmp_path, umask, mode):
    """A web server or a colleague reads the outputs: not mkstemp's private 0600, whatever the umask."""
    old = os.umask(umask)
    try:
        target = tmp_path / "a.pdf"
        write_atomic(target, b"%PDF")
        assert os.stat(target).st_mode & 0o777 == mode
        write_atomic(target, b"%PDF again")  # replacing a file gives the new one the same mode
        assert os.stat(target).st_mode & 0o777 == mode
    finally:
        os.umask(old)

import os

import pytest

from translate.data import Markup, span_close, span_open
from translate.document import parse_blocks
from translate.files import write_atomic
from translate.publish.writer import block_markdown, inline_markdown

SAMPLE = """# A *heading* with `code`

Text with **strong**, *em*, ~~gone~~, a [link](https://example.org/a_b "Title") and ![alt](pic.png). Stars \\* and
brackets \\[x\\] and under\\_scores stay text. A line\\
break.

> Quoted *words*.

- item one
- item [two](http://x.y)

3. three
4. four
"""


def test_markdown_round_trip_keeps_text_and_markup():
    blocks = parse_blocks(SAMPLE)
    again = parse_blocks("\n\n".join(block_markdown(b) for b in blocks))
    assert [(b.kind, b.level, b.marker, b.text, b.markup) for b in again] == [
        (b.kind, b.level, b.marker, b.text, b.markup) for b in blocks
    ]


def test_unbalanced_markup_keeps_the_text():
    markup = (Markup("em"), Markup("link", "http://a"))
    # an engine dropped the closing emphasis and the link's opening: text survives, markup that cannot pair goes
    assert inline_markdown(f"{span_open(0)}la clase y {span_close(1)} mas", markup) == "la clase y  mas"
    assert inline_markdown(f"{span_open(0)}la{span_close(0)} {span_open(1)}x{span_close(1)}", markup) == "*la* [x](<http://a>)"
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

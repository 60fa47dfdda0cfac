"""read_article: a Markdown file with YAML front matter becomes a Document: the tree of its body (lists, items,
quotes, tables, footnotes) over leaf blocks whose text is split into sentence segments.

Parsed with markdown-it-py (CommonMark, raw HTML off) and mdit-py-plugins (GFM tables, strikethrough and bare-URL
autolinks, footnotes), walked as its SyntaxTreeNode tree. Inline markup is lifted out of the text into numbered
markers (private-use characters), so engines see plain sentences and the markup is put back afterwards. URLs,
autolinks, code, footnote references and raw HTML never reach an engine; link and image titles are translated as
segments of their own.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.html_re import HTML_TAG_RE
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from . import languages
from .files import BAD_CHARACTER, MAX_ARTICLE_BYTES, YamlLines, character_name, parse_yaml, read_bytes
from .data import MARKER_CHARS, Block, Document, Markup, Meta, Node, Segment, marker, span_close, span_open
from .errors import UserError
from .sentences import split_sentences

_META_KEYS = ("title", "subtitle", "date", "author", "publication", "lang")
# Marker characters in an article would be read as markup and lose text: whatever way they arrive (typed, a YAML
# escape, an HTML entity that markdown-it decodes), they become U+FFFD before any text is a segment.
_NO_MARKERS = {ord(c): "\ufffd" for c in MARKER_CHARS}
# Text an engine must not change, even inside link text: URLs, and raw HTML (shown as text, since HTML is off).
_VERBATIM = re.compile(r"(?:https?|ftp)://[^\s<>]*[^\s<>.,;:!?'\")\]*_~]|www\.[\w-]+(?:\.[\w-]+)+[^\s<>]*[^\s<>.,;:!?'\")\]*_~]"
                       f"|{HTML_TAG_RE.pattern}")


def clean_text(text: str) -> str:
    return text.translate(_NO_MARKERS)


MAX_SLUG = 120  # characters: <slug>.<src>-<tgt>.booklet.pdf and its temporary copy must fit in 255 bytes


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[: MAX_SLUG + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut[MAX_SLUG // 2 :] else cut[:MAX_SLUG]
        slug = slug.strip("-")
    return slug or "article"


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """The Markdown dialect of articles: CommonMark with GFM tables, strikethrough and bare-URL autolinks, and
    footnotes. Raw HTML is off: an article's <img>, <script> or <iframe> is text, escaped, never markup."""
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin

    md = MarkdownIt("commonmark", {"html": False}).enable(["strikethrough", "table"])
    md.use(footnote_plugin).use(gfm_autolink_plugin)
    md.disable("footnote_inline")  # ^[inline notes]: mdformat-footnote cannot write them back
    return md


# --- front matter --------------------------------------------------------------------------------------------

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str, int]:
    """(metadata, body, line where the body starts) from a Markdown text with optional front matter."""
    data, _, body, first_line = _front_matter(path, text)
    return data, body, first_line


def _front_matter(path: Path, text: str) -> tuple[dict[str, Any], YamlLines, str, int]:
    match = _FRONT.match(text)
    if not match:
        return {}, YamlLines(str(path), None), text, 1
    raw = match.group(1) or ""
    try:
        data, root = parse_yaml(raw, path, first_line=2)
    except UserError as exc:
        raise UserError(str(exc).replace("malformed YAML:", "malformed YAML front matter:", 1)) from None
    lines = YamlLines(str(path), root, first_line=2)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"{path}:2: front matter must be a mapping of keys (title, date, author, ...)")
    return data, lines, text[match.end() :], text[: match.end()].count("\n") + 1


def _meta(path: Path, data: dict[str, Any], lines: YamlLines | None = None) -> Meta:
    lines = lines or YamlLines(str(path), None)

    def where(key: str) -> str:
        return lines.at(lines.child(lines.root, key)) if lines.root is not None else f"{path}:1"

    def text(key: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if isinstance(value, (dict, list)) or isinstance(value, bool):
            kind = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else "true or false"
            raise UserError(f"{where(key)}: front matter '{key}' must be text, not {kind}; "
                            + ("join the names in one line (Alice and Bob)" if isinstance(value, list) else
                               "quote it"))
        shown = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
        return clean_text(shown.strip())

    if data.get("title") is None:
        raise UserError(f"{path}:1: front matter has no 'title'; add 'title: ...' between '---' lines")
    title = text("title")
    if not title:
        raise UserError(f"{where('title')}: front matter 'title' is empty; give the article a title")
    lang_value = data.get("lang")
    if lang_value is not None and not isinstance(lang_value, str):
        raise UserError(f"{where('lang')}: front matter 'lang' must be a language code such as en")
    lang = lang_value or "en"
    languages.get(lang, what=f"{where('lang')}: front matter 'lang'")
    return Meta(
        title=title,
        lang=lang,
        subtitle=text("subtitle"),
        date=text("date"),
        author=text("author"),
        publication=text("publication"),
        extra={k: v for k, v in data.items() if k not in _META_KEYS},
    )


# --- inline --------------------------------------------------------------------------------------------------


class _Inline:
    """Text with markers, the markup they stand for, and the titles to translate, built from inline tokens."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.markup: list[Markup] = []
        self.titles: dict[int, str] = {}

    def point(self, m: Markup) -> None:
        self.parts.append(marker(len(self.markup)))
        self.markup.append(m)

    def open(self, m: Markup, title: str = "") -> int:
        n = len(self.markup)
        self.parts.append(span_open(n))
        self.markup.append(m)
        if title.strip():
            self.titles[n] = clean_text(title)
        return n

    def close(self, n: int) -> None:
        self.parts.append(span_close(n))

    def text(self, text: str) -> None:
        text = clean_text(text)
        pos = 0
        for m in _VERBATIM.finditer(text):
            self.parts.append(text[pos : m.start()])
            self.point(Markup("verbatim", m.group(0)))
            pos = m.end()
        self.parts.append(text[pos:])

    def walk(self, tokens: list[Token]) -> None:
        spans: list[int] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            t = tok.type
            if t == "text":
                self.text(tok.content)
            elif t == "softbreak":
                self.parts.append(" ")
            elif t == "hardbreak":
                self.point(Markup("br"))
            elif t in ("em_open", "strong_open", "s_open"):
                spans.append(self.open(Markup(t[: -len("_open")], extra=tok.markup)))
            elif t == "link_open" and tok.markup == "autolink":
                # an autolink shows its URL: nothing of it is translated
                j = i + 1
                shown = []
                while j < len(tokens) and tokens[j].type != "link_close":
                    shown.append(tokens[j].content)
                    j += 1
                self.point(Markup("autolink", str(tok.attrs.get("href", "")), "".join(shown)))
                i = j
            elif t == "link_open":
                title = str(tok.attrs.get("title", "") or "")
                spans.append(self.open(Markup("link", str(tok.attrs.get("href", "")), title), title))
            elif t in ("em_close", "strong_close", "s_close", "link_close"):
                if spans:
                    self.close(spans.pop())
            elif t == "image":
                title = str(tok.attrs.get("title", "") or "")
                n = self.open(Markup("image", str(tok.attrs.get("src", "")), title), title)
                self.walk(tok.children or [])
                self.close(n)
            elif t == "code_inline":
                self.point(Markup("code", tok.content))
            elif t == "footnote_ref":
                self.point(Markup("footnote", str(tok.meta.get("label", ""))))
            elif t == "footnote_anchor":
                pass  # the back reference markdown-it adds to a footnote: the renderer makes its own
            else:  # html_inline cannot occur with html off; anything else is kept as text
                self.text(tok.content)
            i += 1
        for n in reversed(spans):
            self.close(n)


def lift_inline(children: list[Token]) -> tuple[str, tuple[Markup, ...]]:
    """Flatten markdown-it inline tokens into text with markers and the markup they stand for: emphasis, links
    and images become spans around their words; code, line breaks, autolinks, footnote references and verbatim
    text points."""
    text, markup, _ = _lift(children)
    return text, markup


def _lift(children: list[Token]) -> tuple[str, tuple[Markup, ...], dict[int, str]]:
    state = _Inline()
    state.walk(children)
    text = re.sub(r"\s+", " ", "".join(state.parts)).strip()
    return text, tuple(state.markup), state.titles


def make_block(block_id: str, kind: str, text: str, markup: tuple[Markup, ...], titles: dict[int, str] | None = None,
               **kw: Any) -> Block:
    sentences = split_sentences(text) if text else []
    segments = [Segment(f"{block_id}.s{i + 1}", s) for i, s in enumerate(sentences)]
    for n, title in sorted((titles or {}).items()):
        title = re.sub(r"\s+", " ", title).strip()
        if title:
            segments.append(Segment(f"{block_id}.m{n}", title, title_of=n))
    return Block(block_id, kind, tuple(segments), markup, **kw)


def inline_block(block_id: str, kind: str, text: str) -> Block:
    tokens = parser().parseInline(clean_text(text))
    inline, markup, titles = _lift(tokens[0].children or []) if tokens else ("", (), {})
    return make_block(block_id, kind, inline, markup, titles)


# --- blocks ----------------------------------------------------------------------------------------------------

_ALIGN = re.compile(r"text-align:(left|center|right)")


class _Reader:
    """Walks markdown-it's syntax tree: containers become Nodes, leaves Blocks (collected in document order)."""

    def __init__(self, first_line: int) -> None:
        self.first_line = first_line
        self.blocks: list[Block] = []

    def line(self, node: SyntaxTreeNode) -> int:
        return node.map[0] + self.first_line if node.map else 0

    def children(self, nodes: list[SyntaxTreeNode], parent: str) -> tuple[Node | str, ...]:
        return tuple(self.node(n, f"{parent}.{i}" if parent else f"b{i}") for i, n in enumerate(nodes, 1))

    def leaf(self, node_id: str, kind: str, inline: SyntaxTreeNode | None, **kw: Any) -> str:
        text, markup, titles = _lift(inline.token.children or []) if inline is not None and inline.token else ("", (), {})
        self.blocks.append(make_block(node_id, kind, text, markup, titles, **kw))
        return node_id

    def node(self, node: SyntaxTreeNode, node_id: str) -> Node | str:
        t = node.type
        line = self.line(node)
        inline = node.children[0] if node.children and node.children[0].type == "inline" else None
        if t == "paragraph":
            return self.leaf(node_id, "paragraph", inline, line=line)
        if t == "heading":
            return self.leaf(node_id, "heading", inline, level=int(node.tag[1]), line=line)
        if t in ("fence", "code_block"):
            self.blocks.append(Block(node_id, "code", literal=node.content, info=node.info.strip() if t == "fence"
                                     else "", line=line))
            return node_id
        if t == "hr":
            self.blocks.append(Block(node_id, "rule", line=line))
            return node_id
        if t in ("bullet_list", "ordered_list"):
            tight = all(p.hidden for item in node.children for p in item.children if p.type == "paragraph")
            start = int(node.attrs.get("start", 1)) if t == "ordered_list" else 1
            return Node(node_id, t, self.children(node.children, node_id), start=start, tight=tight, line=line)
        if t == "list_item":
            return Node(node_id, "item", self.children(node.children, node_id), line=line)
        if t == "blockquote":
            return Node(node_id, "quote", self.children(node.children, node_id), line=line)
        if t == "table":
            rows = [(section.type == "thead", row) for section in node.children for row in section.children]
            aligns = tuple(_align(cell) for cell in rows[0][1].children) if rows else ()
            out = []
            for r, (header, row) in enumerate(rows, 1):
                row_id = f"{node_id}.{r}"
                cells = tuple(self.leaf(f"{row_id}.{c}", "cell", cell.children[0] if cell.children else None,
                                        line=self.line(row)) for c, cell in enumerate(row.children, 1))
                out.append(Node(row_id, "row", cells, header=header, line=self.line(row)))
            return Node(node_id, "table", tuple(out), aligns=aligns, line=line)
        # anything else markdown-it may produce is kept as its text
        return self.leaf(node_id, "paragraph", inline, line=line)

    def footnote(self, node: SyntaxTreeNode) -> Node:
        label = str(node.meta.get("label", ""))
        node_id = f"fn[{label}]"
        content = [c for c in node.children if c.type != "footnote_anchor"]
        line = next((self.line(c) for c in content if c.map), 0)
        return Node(node_id, "footnote", self.children(content, node_id), label=label, line=line)


def _align(cell: SyntaxTreeNode) -> str:
    m = _ALIGN.search(str(cell.attrs.get("style", "") or ""))
    return m.group(1) if m else ""


def parse_body(body: str, first_line: int = 1) -> tuple[tuple[Node | str, ...], tuple[Block, ...]]:
    """The tree of a Markdown body and its leaf blocks in order (footnote definitions last); `first_line` is the
    body's first line in the article, for each block's `line`."""
    tokens = parser().parse(clean_body(body))
    # The block tree is as deep as markdown-it's maxNesting allows; inline tokens are read flat (lift_inline), so
    # they stay out of SyntaxTreeNode, which would recurse once per nested emphasis.
    inline = {id(t): t.children for t in tokens if t.type == "inline"}
    for t in tokens:
        if t.type == "inline":
            t.children = []
    root = SyntaxTreeNode(tokens)
    for t in tokens:
        if t.type == "inline":
            t.children = inline[id(t)]
    reader = _Reader(first_line)
    content = [n for n in root.children if n.type != "footnote_block"]
    tree = list(reader.children(content, ""))
    for block in (n for n in root.children if n.type == "footnote_block"):
        tree.extend(reader.footnote(f) for f in block.children if f.type == "footnote")
    return tuple(tree), tuple(reader.blocks)


def legacy_ids(doc: Document) -> dict[str, str]:
    """{id the flat reader gave before the tree: id now}, blocks and segments, for anything stored under the old
    ids. It numbered b1, b2, ... every paragraph, heading, code block and rule with text, wherever it was; it read a
    table as one paragraph (mapped to the table's id) and a footnote definition as a link definition (no id)."""
    first_cell: dict[str, str] = {}
    notes: set[str] = set()
    for table in _containers(doc.body):
        if table.kind == "table":
            first_cell[next(table.leaves(), "")] = table.id
            notes.update(table.leaves())
        elif table.kind == "footnote":
            notes.update(table.leaves())
    mapping: dict[str, str] = {}
    n = 0
    for block in doc.blocks:
        if block.id in first_cell:
            n += 1
            mapping[f"b{n}"] = first_cell[block.id]
        if block.kind in ("title", "subtitle") or block.id in notes:
            continue
        if block.kind in ("code", "rule") or block.text:
            n += 1
            mapping[f"b{n}"] = block.id
            for seg in block.segments:
                if seg.title_of is None:
                    mapping[f"b{n}.{seg.id.rsplit('.', 1)[1]}"] = seg.id
    return mapping


def _containers(nodes):
    for node in nodes:
        if isinstance(node, Node):
            yield node
            yield from _containers(node.children)


def parse_blocks(body: str) -> list[Block]:
    """The leaf blocks of a Markdown body, in order."""
    return list(parse_body(body)[1])


def clean_body(body: str) -> str:
    # Marker characters typed in the article; those that come through entities are cleaned from the decoded text.
    return body.translate(_NO_MARKERS)


MAX_WORD = 1000  # characters between spaces: a URL fits; a longer "word" is data, and slows every stage


def check_article_text(text: str, where: str) -> None:
    """A UserError naming `where` and the line for what no article holds: a control character, a lone surrogate,
    a "word" longer than MAX_WORD (data, not text, and slow in every stage)."""
    bad = BAD_CHARACTER.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise UserError(f"{where}:{line}: {character_name(bad.group())}; remove it (articles hold text)")
    long_word = re.search(rf"\S{{{MAX_WORD + 1}}}", text)
    if long_word:
        line = text.count("\n", 0, long_word.start()) + 1
        raise UserError(f"{where}:{line}: a word of more than {MAX_WORD} characters; articles hold text: break it "
                        "up or leave it out")


def read_article(path: Path) -> Document:
    """Read one source article; every problem a user can fix is a UserError naming the file."""
    raw = read_bytes(path, "an article", MAX_ARTICLE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start}); save it as UTF-8") from None
    if "\x00" in text:
        raise UserError(f"{path}: contains NUL bytes: this is not a text file")
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    check_article_text(text, str(path))
    data, lines, body, first_line = _front_matter(path, text)
    meta = _meta(path, data, lines)
    head = [inline_block("title", "title", meta.title)]
    if meta.subtitle:
        head.append(inline_block("subtitle", "subtitle", meta.subtitle))
    tree, blocks = parse_body(body, first_line)
    return Document(path=path, slug=slugify(path.stem), meta=meta, blocks=tuple(head) + blocks, tree=tree)


MAX_SOURCE_ENTRIES = 100_000  # files and folders looked at under the source folders


def find_sources(paths: list[Path], out: Path | None = None, outside: list[Path] | None = None) -> list[Path]:
    """Markdown files named, or found in named folders (sorted); a missing path is a UserError. A folder is walked
    on its own file system without following links to folders (so `source: /` never reads /proc), and an article
    that is a link to a file outside its folder is skipped with a warning (or listed in `outside`): only what is in
    the folder is published."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(_articles_in(p, outside))
        elif p.is_file():
            found.append(p)
        else:
            raise UserError(f"{p}: no such file or folder")
    if not found:
        raise UserError(f"no Markdown (.md) articles in {', '.join(str(p) for p in paths)}")
    unique = list(dict.fromkeys(found))
    slugs: dict[str, Path] = {}
    for p in unique:
        other = slugs.setdefault(slugify(p.stem), p)
        if other != p:
            folder = out if out is not None else Path("build")
            raise UserError(f"{p} and {other} would both be written to {folder / slugify(p.stem)}/: rename one")
    return unique


def _articles_in(folder: Path, outside: list[Path] | None = None) -> list[Path]:
    import os
    import warnings

    from .errors import TranslateWarning

    base = os.path.realpath(folder)
    try:
        device = os.stat(folder).st_dev
    except OSError as exc:
        from .errors import os_message

        raise UserError(os_message(exc, "read the folder", folder)) from None
    found: list[Path] = []
    seen = 0
    for top, dirs, names in os.walk(folder):
        seen += len(dirs) + len(names)
        if seen > MAX_SOURCE_ENTRIES:
            raise UserError(f"{folder}: more than {MAX_SOURCE_ENTRIES:,} files and folders under it; name the "
                            "folder that holds the articles")
        # other file systems (/proc, /sys, mounted disks) are not walked into
        dirs[:] = sorted(d for d in dirs if _same_device(os.path.join(top, d), device))
        for name in sorted(names):
            if not name.endswith(".md"):
                continue
            path = Path(top) / name
            real = os.path.realpath(path)
            if path.is_symlink() and os.path.commonpath([base, real]) != base:
                if outside is not None:
                    outside.append(path)
                    continue
                warnings.warn(f"{path}: a link to {real}, outside {folder}: skipped; copy the article into the "
                              "folder to publish it", TranslateWarning, stacklevel=2)
                continue
            if os.path.isfile(real):
                found.append(path)
    return sorted(found)


def _same_device(path: str, device: int) -> bool:
    import os

    try:
        return os.lstat(path).st_dev == device
    except OSError:
        return False

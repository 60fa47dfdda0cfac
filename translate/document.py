"""read_article: a Markdown file with YAML front matter becomes a Document of blocks split into sentence segments.

Inline markup (emphasis, links, code, images, line breaks) is lifted out of the text into numbered markers
(private-use characters), so engines see plain sentences and the markup is put back, unchanged, afterwards.
Link URLs and code never reach an engine.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from . import languages
from .data import MARKER_CHARS, Block, Document, Markup, Meta, Segment, marker, span_close, span_open
from .errors import UserError
from .sentences import split_sentences

_META_KEYS = ("title", "subtitle", "date", "author", "publication", "lang")




def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or "article"


def _parser() -> MarkdownIt:
    # Raw HTML is off: an article's <img>, <script> or <iframe> is text, escaped, never markup.
    return MarkdownIt("commonmark", {"html": False}).enable("strikethrough")


# --- front matter --------------------------------------------------------------------------------------------

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str, int]:
    """(metadata, body, line where the body starts) from a Markdown text with optional front matter."""
    match = _FRONT.match(text)
    if not match:
        return {}, text, 1
    raw = match.group(1) or ""
    try:
        data = yaml.safe_load(raw) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 2) if mark else 1
        raise UserError(f"{path}:{line}: malformed YAML front matter: {exc.problem or exc.context}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}:2: front matter must be a mapping of keys (title, date, author, ...)")
    return data, text[match.end() :], text[: match.end()].count("\n") + 1


def _meta(path: Path, data: dict[str, Any], body_tokens: list[Token]) -> Meta:
    title = data.get("title")
    if title is None:
        # No front-matter title: a leading level-1 heading is the title.
        raise UserError(f"{path}:1: front matter has no 'title'; add 'title: ...' between '---' lines")
    lang = str(data.get("lang") or "en")
    languages.get(lang, what=f"{path}: front matter 'lang'")
    def text(key: str) -> str:
        value = data.get(key)
        return "" if value is None else str(value).strip()
    return Meta(
        title=text("title"),
        lang=lang,
        subtitle=text("subtitle"),
        date=text("date"),
        author=text("author"),
        publication=text("publication"),
        extra={k: v for k, v in data.items() if k not in _META_KEYS},
    )


# --- inline --------------------------------------------------------------------------------------------------


def lift_inline(children: list[Token]) -> tuple[str, tuple[Markup, ...]]:
    """Flatten markdown-it inline tokens into text with markers and the markup they stand for: emphasis and links
    become spans around their words, code, images and line breaks points."""
    parts: list[str] = []
    markup: list[Markup] = []
    open_spans: list[int] = []

    def point(m: Markup) -> None:
        parts.append(marker(len(markup)))
        markup.append(m)

    def opening(m: Markup) -> None:
        open_spans.append(len(markup))
        parts.append(span_open(len(markup)))
        markup.append(m)

    def closing() -> None:
        if open_spans:
            parts.append(span_close(open_spans.pop()))

    for tok in children:
        t = tok.type
        if t == "text":
            parts.append(tok.content)
        elif t == "softbreak":
            parts.append(" ")
        elif t == "hardbreak":
            point(Markup("br"))
        elif t in ("em_open", "strong_open", "s_open"):
            opening(Markup(t[: -len("_open")]))
        elif t == "link_open":
            opening(Markup("link", str(tok.attrs.get("href", "")), str(tok.attrs.get("title", "") or "")))
        elif t in ("em_close", "strong_close", "s_close", "link_close"):
            closing()
        elif t == "code_inline":
            point(Markup("code", tok.content))
        elif t == "image":
            point(Markup("image", str(tok.attrs.get("src", "")), tok.content))
        else:  # html_inline cannot occur with html off; anything else is kept as text
            parts.append(tok.content)
    text = "".join(parts)
    text = re.sub(r"\s+", " ", text).strip()
    return text, tuple(markup)


def make_block(block_id: str, kind: str, text: str, markup: tuple[Markup, ...], **kw: Any) -> Block:
    sentences = split_sentences(text) if text else []
    segments = tuple(Segment(f"{block_id}.s{i + 1}", s) for i, s in enumerate(sentences))
    return Block(block_id, kind, segments, markup, **kw)


def inline_block(block_id: str, kind: str, text: str) -> Block:
    md = _parser()
    tokens = md.parseInline(text)
    inline, markup = lift_inline(tokens[0].children or []) if tokens else ("", ())
    return make_block(block_id, kind, inline, markup)


def parse_blocks(body: str) -> list[Block]:
    """Blocks of a Markdown body, in order, with ids b1, b2, ..."""
    tokens = _parser().parse(body)
    blocks: list[Block] = []
    list_stack: list[dict[str, Any]] = []  # {"ordered": bool, "next": int, "first": bool}
    quote_depth = 0
    pending: tuple[str, dict[str, Any]] | None = None

    def new_id() -> str:
        return f"b{len(blocks) + 1}"

    for i, tok in enumerate(tokens):
        t = tok.type
        if t == "bullet_list_open":
            list_stack.append({"ordered": False, "next": 0, "first": False})
        elif t == "ordered_list_open":
            start = int(tok.attrs.get("start", 1) or 1)
            list_stack.append({"ordered": True, "next": start, "first": False})
        elif t in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
        elif t == "list_item_open":
            list_stack[-1]["first"] = True
        elif t == "blockquote_open":
            quote_depth += 1
        elif t == "blockquote_close":
            quote_depth -= 1
        elif t == "heading_open":
            pending = ("heading", {"level": int(tok.tag[1])})
        elif t == "paragraph_open":
            if list_stack:
                top = list_stack[-1]
                mark = ""
                if top["first"]:
                    mark = f"{top['next']}." if top["ordered"] else "-"
                    top["next"] += 1
                    top["first"] = False
                pending = ("item", {"level": len(list_stack), "marker": mark})
            elif quote_depth:
                pending = ("quote", {"level": quote_depth})
            else:
                pending = ("paragraph", {})
        elif t == "inline" and pending is not None:
            kind, kw = pending
            text, markup = lift_inline(tok.children or [])
            if text:
                blocks.append(make_block(new_id(), kind, text, markup, **kw))
            pending = None
        elif t in ("fence", "code_block"):
            blocks.append(Block(new_id(), "code", literal=tok.content.rstrip("\n")))
        elif t == "hr":
            blocks.append(Block(new_id(), "rule"))
    return blocks


def read_article(path: Path) -> Document:
    """Read one source article; every problem a user can fix is a UserError naming the file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder, expected a Markdown file") from None
    except PermissionError:
        raise UserError(f"{path}: cannot be read (permission denied)") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start}); save it as UTF-8") from None
    if "\x00" in text:
        raise UserError(f"{path}: contains NUL bytes: this is not a text file")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").translate({ord(c): None for c in MARKER_CHARS})
    data, body, _ = split_front_matter(path, text)
    meta = _meta(path, data, [])
    head = [inline_block("title", "title", meta.title)]
    if meta.subtitle:
        head.append(inline_block("subtitle", "subtitle", meta.subtitle))
    blocks = head + parse_blocks(body)
    return Document(path=path, slug=slugify(path.stem), meta=meta, blocks=tuple(blocks))


def find_sources(paths: list[Path]) -> list[Path]:
    """Markdown files named, or found in named folders (sorted); a missing path is a UserError."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(sorted(q for q in p.rglob("*.md") if q.is_file()))
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
            raise UserError(f"{p} and {other} would both be written to build/{slugify(p.stem)}/: rename one")
    return unique

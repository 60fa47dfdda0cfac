"""Writing Markdown: a translated document's tree becomes markdown-it tokens (its leaves' markers become inline
tokens again) and mdformat, with its GFM, footnote and front-matter plugins, writes them, so the output renders
the HTML the tokens stand for (mdformat's promise), escaping included.

`inline_tokens` is also what the HTML renderer starts from: one place decides which markers an engine left
usable (a span it broke loses its markup, never its text).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping

import yaml
from markdown_it.token import Token

from ..data import MARKER_PARTS_RE, OPEN, SPAN_CLOSE, SPAN_OPEN, Block, Markup, Node

if TYPE_CHECKING:
    from ..data import Document, Translation

_DELIMS = {"em": "*", "strong": "**", "s": "~~"}
# Spans nested deeper than this lose their markup (their text stays): mdformat and WeasyPrint recurse once per level.
MAX_SPAN_DEPTH = 32


def _balanced(text: str, markup: tuple[Markup, ...]) -> set[tuple[str, int]]:
    """The markers to write: points, and span opens and closes that pair up properly nested; a span an engine
    broke (closed before opened, crossing another) loses its markup, never its text."""
    keep: set[tuple[str, int]] = set()
    stack: list[int] = []
    for m in MARKER_PARTS_RE.finditer(text):
        kind, n = m.group(1), int(m.group(2))
        if n >= len(markup):
            continue
        if kind == OPEN:
            if not markup[n].is_span:
                keep.add((kind, n))
        elif kind == SPAN_OPEN:
            if markup[n].is_span and n not in stack:
                stack.append(n)
                if len(stack) > MAX_SPAN_DEPTH:
                    stack.pop()
        elif n in stack:
            while stack[-1] != n:  # spans opened inside this one and never closed
                stack.pop()
            stack.pop()
            keep.update({(SPAN_OPEN, n), (SPAN_CLOSE, n)})
    return keep


def _token(kind: str, tag: str = "", nesting: int = 0, **kw: Any) -> Token:
    return Token(kind, tag, nesting, **kw)


def _text(content: str) -> Token:
    return _token("text", content=content)


def inline_tokens(text: str, markup: tuple[Markup, ...], titles: Mapping[int, str] | None = None) -> list[Token]:
    """A leaf's text with markers as markdown-it inline tokens; `titles` are the (translated) titles of its links
    and images by markup number (the source's title when a number is missing)."""
    keep = _balanced(text, markup)
    titles = titles or {}
    root: list[Token] = []
    stack: list[tuple[int, list[Token]]] = []  # open spans and the tokens collected for an image's alt text

    def out() -> list[Token]:
        # inside an image, tokens are its alt text
        return next((alt for n, alt in reversed(stack) if markup[n].kind == "image"), root)

    def title(n: int) -> str | None:
        value = titles.get(n, markup[n].extra)
        return value or None

    pos = 0
    for m in MARKER_PARTS_RE.finditer(text):
        if m.start() > pos:
            out().append(_text(text[pos : m.start()]))
        pos = m.end()
        kind, n = m.group(1), int(m.group(2))
        if (kind, n) not in keep:
            continue
        item = markup[n]
        if kind == SPAN_OPEN:
            if item.kind == "image":
                stack.append((n, []))
                continue
            stack.append((n, []))
            if item.kind == "link":
                attrs = {"href": item.value}
                if title(n) is not None:
                    attrs["title"] = title(n)
                out().append(_token("link_open", "a", 1, attrs=attrs))
            else:
                out().append(_token(f"{item.kind}_open", item.kind, 1, markup=item.extra or _DELIMS[item.kind]))
            continue
        if kind == SPAN_CLOSE:
            _, alt = stack.pop()
            if item.kind == "image":
                attrs = {"src": item.value, "alt": ""}
                if title(n) is not None:
                    attrs["title"] = title(n)
                content = "".join(t.content for t in alt if t.type in ("text", "code_inline"))
                out().append(_token("image", "img", 0, attrs=attrs, children=alt, content=content))
            elif item.kind == "link":
                out().append(_token("link_close", "a", -1))
            else:
                out().append(_token(f"{item.kind}_close", item.kind, -1, markup=item.extra or _DELIMS[item.kind]))
            continue
        target = out()
        if item.kind == "code":
            target.append(_token("code_inline", "code", 0, content=item.value, markup="`"))
        elif item.kind == "br":
            target.append(_token("hardbreak", "br", 0))
        elif item.kind == "autolink":
            shown = item.extra or item.value
            # <url> shows its URL; a bare www. link shows less than its URL, so it is written as a link
            auto = {"markup": "autolink", "info": "auto"} if shown in (item.value, item.value.removeprefix("mailto:")) else {}
            target.append(_token("link_open", "a", 1, attrs={"href": item.value}, **auto))
            target.append(_text(shown))
            target.append(_token("link_close", "a", -1, **auto))
        elif item.kind == "footnote":
            target.append(_token("footnote_ref", "", 0, meta={"label": item.value}))
        else:  # verbatim
            target.append(_text(item.value))
    if pos < len(text):
        out().append(_text(text[pos:]))
    return root


def _inline(block: Block) -> Token:
    titles = {s.title_of: s.text for s in block.segments if s.title_of is not None}
    children = inline_tokens(block.text, block.markup, titles)
    return _token("inline", "", 0, children=children, content=block.text)


# --- the tree as block tokens ---------------------------------------------------------------------------------


def _leaf(block: Block, tight: bool) -> list[Token]:
    if block.kind == "code":
        return [_token("fence", "code", 0, content=block.literal, info=block.info, markup="```")]
    if block.kind == "rule":
        return [_token("hr", "hr", 0, markup="---")]
    if block.kind == "heading":
        tag = f"h{min(max(block.level, 1), 6)}"
        mark = "#" * min(max(block.level, 1), 6)
        return [_token("heading_open", tag, 1, markup=mark), _inline(block), _token("heading_close", tag, -1, markup=mark)]
    return [_token("paragraph_open", "p", 1, hidden=tight), _inline(block), _token("paragraph_close", "p", -1, hidden=tight)]


_ALIGN_STYLE = {"left": "text-align:left", "center": "text-align:center", "right": "text-align:right"}


def tree_tokens(nodes: tuple[Node | str, ...], blocks: Mapping[str, Block], tight: bool = False) -> list[Token]:
    """Block tokens for `nodes` (a document's body, or part of it), leaves taken from `blocks` by id."""
    tokens: list[Token] = []
    footnotes: list[Node] = []
    for node in nodes:
        if isinstance(node, str):
            tokens += _leaf(blocks[node], tight)
        elif node.kind == "footnote":
            footnotes.append(node)
        else:
            tokens += _container(node, blocks)
    if footnotes:
        tokens.append(_token("footnote_block_open", "", 1))
        for i, note in enumerate(footnotes):
            meta = {"id": i, "label": note.label}
            tokens.append(_token("footnote_open", "", 1, meta=meta))
            tokens += tree_tokens(note.children, blocks)
            tokens.append(_token("footnote_close", "", -1))
        tokens.append(_token("footnote_block_close", "", -1))
    return tokens


def _container(node: Node, blocks: Mapping[str, Block]) -> list[Token]:
    if node.kind in ("bullet_list", "ordered_list"):
        tag = "ul" if node.kind == "bullet_list" else "ol"
        attrs = {"start": node.start} if node.kind == "ordered_list" and node.start != 1 else {}
        mark = "-" if tag == "ul" else "."
        tokens = [_token(f"{node.kind}_open", tag, 1, attrs=attrs, markup=mark)]
        for item in node.children:
            assert isinstance(item, Node)
            tokens.append(_token("list_item_open", "li", 1, markup=mark))
            tokens += tree_tokens(item.children, blocks, tight=node.tight)
            tokens.append(_token("list_item_close", "li", -1, markup=mark))
        return tokens + [_token(f"{node.kind}_close", tag, -1, markup=mark)]
    if node.kind == "quote":
        return [_token("blockquote_open", "blockquote", 1, markup=">"), *tree_tokens(node.children, blocks),
                _token("blockquote_close", "blockquote", -1, markup=">")]
    if node.kind == "table":
        return _table(node, blocks)
    return tree_tokens(node.children, blocks)  # an item outside a list cannot happen; keep its content


def _table(node: Node, blocks: Mapping[str, Block]) -> list[Token]:
    tokens = [_token("table_open", "table", 1)]
    rows = [r for r in node.children if isinstance(r, Node)]
    sections = [("thead", [r for r in rows if r.header]), ("tbody", [r for r in rows if not r.header])]
    for section, members in sections:
        if not members:
            continue
        tokens.append(_token(f"{section}_open", section, 1))
        for row in members:
            tokens.append(_token("tr_open", "tr", 1))
            cell_tag = "th" if row.header else "td"
            for i, cell in enumerate(row.children):
                align = node.aligns[i] if i < len(node.aligns) else ""
                attrs = {"style": _ALIGN_STYLE[align]} if align in _ALIGN_STYLE else {}
                tokens.append(_token(f"{cell_tag}_open", cell_tag, 1, attrs=attrs))
                tokens.append(_inline(blocks[cell]) if isinstance(cell, str) else _token("inline", "", 0, children=[]))
                tokens.append(_token(f"{cell_tag}_close", cell_tag, -1))
            tokens.append(_token("tr_close", "tr", -1))
        tokens.append(_token(f"{section}_close", section, -1))
    return tokens + [_token("table_close", "table", -1)]


# --- mdformat ---------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _options() -> dict:
    import mdformat.plugins

    extensions = [mdformat.plugins.PARSER_EXTENSIONS[name] for name in ("gfm", "tables", "footnote", "frontmatter")]
    # "keep": paragraphs are not re-wrapped (a translated paragraph is one line, as the engines return it)
    return {"parser_extension": list(dict.fromkeys(extensions)), "mdformat": {"wrap": "keep", "number": True},
            "codeformatters": {}}


def render_markdown(tokens: list[Token]) -> str:
    from mdformat.renderer import MDRenderer

    return MDRenderer().render(tokens, _options(), {"references": {}})


def inline_markdown(text: str, markup: tuple[Markup, ...], titles: Mapping[int, str] | None = None) -> str:
    """Text with markers -> Markdown inline source; unbalanced emphasis or links lose their markup, not text."""
    paragraph = [_token("paragraph_open", "p", 1),
                 _token("inline", "", 0, children=inline_tokens(text, markup, titles), content=text),
                 _token("paragraph_close", "p", -1)]
    return render_markdown(paragraph).strip()


def block_markdown(block: Block) -> str:
    """One leaf on its own, as Markdown."""
    return render_markdown(_leaf(block, False)).rstrip("\n")


def document_markdown(doc: "Document", blocks: Mapping[str, Block] | None = None) -> str:
    """A document's body as Markdown, its leaves taken from `blocks` (by default its own)."""
    by_id = dict(blocks) if blocks is not None else {b.id: b for b in doc.blocks}
    return render_markdown(tree_tokens(doc.body, by_id))


def translation_markdown(translation: "Translation") -> str:
    """The translated article: front matter (lang set) and the body, structure as in the source."""
    from ..data import plain_text

    meta = translation.source.meta
    data: dict = {"title": translation.title}
    by_id = {b.id: b for b in translation.blocks}
    if "subtitle" in by_id:
        data["subtitle"] = plain_text(by_id["subtitle"])
    for key in ("date", "author", "publication"):
        if getattr(meta, key):
            data[key] = getattr(meta, key)
    data["lang"] = translation.target_lang
    data.update({k: v for k, v in meta.extra.items() if k not in data})
    data["translation"] = {
        "from": translation.source_lang,
        "source": translation.source.path.name,
        "engine": translation.engine,
        "terms": f"{translation.report.realized}/{translation.report.total}",
    }
    yaml_text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000).rstrip("\n")
    tokens = [_token("front_matter", "", 0, content=yaml_text, markup="---", block=True)]
    return render_markdown(tokens + tree_tokens(translation.source.body, by_id))

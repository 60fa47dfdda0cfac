"""Writing outputs: inline markers back to Markdown, whole translated articles as Markdown with front matter,
and every file through a temporary file and a rename, so no output path ever holds a partial file."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import yaml

from ..data import MARKER_PARTS_RE, OPEN, SPAN_CLOSE, SPAN_OPEN, Block, Markup

if TYPE_CHECKING:
    from ..data import Translation

_ESCAPE = re.compile(r"([\\`*_\[\]<>~|])")
_DELIMS = {"em": "*", "strong": "**", "s": "~~"}


def escape_text(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


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
            keep.add((kind, n))
        elif kind == SPAN_OPEN:
            stack.append(n)
        elif n in stack:
            while stack[-1] != n:  # spans opened inside this one and never closed
                stack.pop()
            stack.pop()
            keep.update({(SPAN_OPEN, n), (SPAN_CLOSE, n)})
    return keep


def _code_span(code: str) -> str:
    longest = max((len(r) for r in re.findall(r"`+", code)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") or not code.strip() else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def _url(url: str) -> str:
    return f"<{url}>" if re.search(r"[\s()<>]", url) is None and url else f"<{url.replace('>', '%3E')}>"


def inline_markdown(text: str, markup: tuple[Markup, ...]) -> str:
    """Text with markers -> Markdown inline source; unbalanced emphasis or links lose their markup, not text."""
    keep = _balanced(text, markup)
    out: list[str] = []
    pos = 0
    for m in MARKER_PARTS_RE.finditer(text):
        out.append(escape_text(text[pos : m.start()]))
        pos = m.end()
        kind, n = m.group(1), int(m.group(2))
        if (kind, n) not in keep:
            continue
        item = markup[n]
        if item.kind in _DELIMS:
            out.append(_DELIMS[item.kind])
        elif item.kind == "link":
            if kind == SPAN_OPEN:
                out.append("[")
            else:
                title = f' "{item.extra}"' if item.extra else ""
                out.append(f"]({_url(item.value)}{title.replace(chr(10), ' ')})")
        elif item.kind == "code":
            out.append(_code_span(item.value))
        elif item.kind == "image":
            out.append(f"![{escape_text(item.extra)}]({_url(item.value)})")
        elif item.kind == "br":
            out.append("\\\n")
    out.append(escape_text(text[pos:]))
    result = "".join(out).strip()
    # A block must not start with something Markdown reads as block syntax.
    result = re.sub(r"^(\d+)([.)]\s)", r"\1\\\2", result)
    return re.sub(r"^(#{1,6}\s|[-+]\s|=+\s*$)", lambda m: "\\" + m.group(0), result)


def block_markdown(block: Block) -> str:
    if block.kind == "code":
        fence = "```" if "```" not in block.literal else "~~~~"
        return f"{fence}\n{block.literal}\n{fence}"
    if block.kind == "rule":
        return "---"
    inline = inline_markdown(block.text, block.markup)
    if block.kind == "heading":
        return f"{'#' * max(1, block.level)} {inline}"
    if block.kind == "quote":
        return "\n".join("> " * block.level + line for line in inline.split("\n"))
    if block.kind == "item":
        indent = "   " * (block.level - 1)
        lead = f"{block.marker} " if block.marker else "  "
        return indent + lead + inline.replace("\n", "\n" + indent + "  ")
    return inline


def front_matter(data: dict) -> str:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000).strip()
    return f"---\n{body}\n---\n"


def translation_markdown(translation: "Translation") -> str:
    """The translated article: front matter (lang set) and the body in source order."""
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
    body: list[str] = []
    previous: Block | None = None
    for block in translation.blocks:
        if block.kind in ("title", "subtitle"):
            continue
        # Consecutive list items stay one list; everything else is separated by a blank line.
        tight = previous is not None and previous.kind == block.kind == "item"
        body.append(("" if tight or not body else "\n") + block_markdown(block))
        previous = block
    return front_matter(data) + "\n" + "\n".join(body) + "\n"

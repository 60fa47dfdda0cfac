"""Writing outputs: inline markers back to Markdown, whole translated articles as Markdown with front matter,
and every file through a temporary file and a rename, so no output path ever holds a partial file."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import yaml

from ..data import MARKER_RE, Block, Markup

if TYPE_CHECKING:
    from ..data import Translation

_ESCAPE = re.compile(r"([\\`*_\[\]<>~|])")
_PAIRS = {"em_open": "em_close", "strong_open": "strong_close", "s_open": "s_close", "link_open": "link_close"}
_DELIMS = {"em": "*", "strong": "**", "s": "~~"}


def escape_text(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


def _balanced(text: str, markup: tuple[Markup, ...]) -> set[int]:
    """Indices of opening/closing markers that have their partner in order; the others are dropped."""
    keep: set[int] = set()
    stack: list[int] = []
    for m in MARKER_RE.finditer(text):
        n = int(m.group(1))
        if n >= len(markup):
            continue
        kind = markup[n].kind
        if kind in _PAIRS:
            stack.append(n)
        elif kind.endswith("_close"):
            opener = next((o for o in reversed(stack) if _PAIRS[markup[o].kind] == kind), None)
            if opener is not None:
                # markers opened after this opener and still open are unbalanced
                while stack and stack[-1] != opener:
                    stack.pop()
                stack.pop()
                keep.update({opener, n})
        else:
            keep.add(n)
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
    links: list[Markup] = []
    pos = 0
    for m in MARKER_RE.finditer(text):
        out.append(escape_text(text[pos : m.start()]))
        pos = m.end()
        n = int(m.group(1))
        if n not in keep:
            continue
        item = markup[n]
        kind = item.kind
        base = kind.rsplit("_", 1)[0]
        if base in _DELIMS:
            out.append(_DELIMS[base])
        elif kind == "link_open":
            links.append(item)
            out.append("[")
        elif kind == "link_close":
            link = links.pop()
            title = f' "{link.extra}"' if link.extra else ""
            out.append(f"]({_url(link.value)}{title.replace(chr(10), ' ')})")
        elif kind == "code":
            out.append(_code_span(item.value))
        elif kind == "image":
            out.append(f"![{escape_text(item.extra)}]({_url(item.value)})")
        elif kind == "br":
            out.append("\\\n")
        elif kind == "term":
            out.append(escape_text(item.value))
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

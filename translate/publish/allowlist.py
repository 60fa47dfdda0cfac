"""The self-contained HTML page, rebuilt from an allow-list (part of `render`, the only stage that knows HTML).

The rendered page (package or theme templates around the article's escaped HTML) is read as tokens and written
again: only the elements and attributes below pass, every URL the page would load is `data:` or a fragment (a
theme's own files are inlined by `inline`; anything else is left out and reported), CSS is parsed (tinycss2, as
WeasyPrint parses it, escapes decoded) and written back without what would load. Links (`a href`) are followed only
when clicked and keep the article's URLs, with markdown-it's rule: no javascript:, vbscript:, file: or data:.

Text is never rewritten: it is decoded and escaped again, so a paragraph reading `style='x'` or `srcset='a.png 2x'`
stays as it is, whatever the patterns a deny-list would look for.
"""

from __future__ import annotations

import base64
import html as entities
import re
from html.parser import HTMLParser
from typing import Callable

import tinycss2

# The project's vocabulary: the elements its templates write, and the plain text and sectioning elements a theme's
# templates may use. Nothing here loads, runs or submits anything by itself.
ELEMENTS = frozenset("""
    html head body title meta style
    main header footer section article aside nav hgroup address div span p br hr wbr
    h1 h2 h3 h4 h5 h6 ul ol li dl dt dd blockquote pre code kbd samp var
    em strong s del ins b i u small sub sup mark q cite abbr dfn time bdi bdo ruby rt rp
    a img figure figcaption table caption colgroup col thead tbody tfoot tr th td
""".split())
VOID = frozenset("meta br hr wbr img col".split())
# Dropped with everything inside them: what runs, embeds or draws by its own rules.
DROPPED_WITH_CONTENT = frozenset("""
    script template iframe frame frameset object embed applet noscript noembed noframes xmp plaintext
    svg math canvas audio video select textarea
""".split())
ATTRIBUTES = frozenset("class id lang dir title role hidden translate".split())
ELEMENT_ATTRIBUTES = {
    "a": {"href"}, "img": {"src", "alt", "width", "height"}, "ol": {"start", "reversed", "type"}, "li": {"value"},
    "td": {"colspan", "rowspan", "headers"}, "th": {"colspan", "rowspan", "headers", "scope", "abbr"},
    "col": {"span"}, "colgroup": {"span"}, "meta": {"charset", "name", "content"}, "time": {"datetime"},
    "style": {"media"}, "q": {"cite"}, "blockquote": {"cite"}, "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
}
# Functions of CSS whose arguments are URLs to load (strings in the image ones)
_URL_FUNCTIONS = frozenset(("url", "src"))
_IMAGE_FUNCTIONS = frozenset(("image-set", "-webkit-image-set", "image", "-webkit-image", "cross-fade",
                              "-webkit-cross-fade"))
_UNSAFE_LINK = re.compile(r"^(?:javascript|vbscript|file|data):", re.I)
_DATA_RESOURCE = re.compile(r"^data:(?:image|font)/|^data:application/(?:x-)?font|^data:application/octet-stream",
                            re.I)
_MAX_IMPORTS = 5  # @import of theme files inside each other


class SelfContained:
    """Rewrites one page. `inline(url)` gives the data: URL of a theme file the page names, or None."""

    def __init__(self, inline: Callable[[str], str | None]):
        self.inline = inline
        self.refused: list[str] = []

    # --- URLs ---------------------------------------------------------------------------------------------------

    def resource(self, url: str) -> str | None:
        """What the page may load for `url`: a fragment, a data: image or font, a theme file inlined; else None."""
        url = url.strip()
        if url.startswith("#") and len(url) > 1:
            return url
        if _DATA_RESOURCE.match(url):
            return url
        inlined = self.inline(url) if url and not url.lower().startswith("data:") else None
        if inlined is not None:
            return inlined
        self.refused.append(url)
        return None

    def link(self, url: str) -> str | None:
        cleaned = re.sub(r"[\x00-\x20]", "", url)
        if _UNSAFE_LINK.match(cleaned):
            self.refused.append(url)
            return None
        return url

    # --- CSS ----------------------------------------------------------------------------------------------------

    def stylesheet(self, css: str, depth: int = 0) -> str:
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        return _no_end_tag("\n".join(filter(None, (self._rule(rule, depth) for rule in rules))))

    def declarations(self, css: str) -> str:
        """A style attribute's declarations, without those that would load something."""
        items = tinycss2.parse_blocks_contents(css, skip_comments=True, skip_whitespace=True)
        return _no_end_tag(self._contents(items, 0))

    def _rule(self, rule, depth: int) -> str:
        if rule.type == "qualified-rule":
            if self._loads(rule.prelude):
                return ""
            return f"{tinycss2.serialize(rule.prelude).strip()} {{ {self._block(rule.content, depth)} }}"
        if rule.type != "at-rule":
            return ""  # parse errors and stray tokens
        keyword = rule.lower_at_keyword
        if keyword == "import":
            return self._import(rule, depth)
        if keyword in ("charset", "namespace") or self._loads(rule.prelude):
            return ""
        prelude = tinycss2.serialize(rule.prelude).strip()
        head = f"@{keyword}" + (f" {prelude}" if prelude else "")
        if rule.content is None:
            return f"{head};"
        return f"{head} {{ {self._block(rule.content, depth)} }}"

    def _block(self, content, depth: int) -> str:
        return self._contents(tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True), depth)

    def _contents(self, items, depth: int) -> str:
        out = []
        for item in items:
            if item.type == "declaration":
                value = self._value(item.value)
                if value is not None:
                    out.append(f"{item.name}: {value.strip()}{' !important' if item.important else ''};")
            elif item.type in ("qualified-rule", "at-rule"):
                text = self._rule(item, depth)
                if text:
                    out.append(text)
        return " ".join(out)

    def _import(self, rule, depth: int) -> str:
        target = next((t.value for t in rule.prelude if t.type in ("url", "string")), None)
        if target is None:
            target = next((_string_argument(t) for t in rule.prelude if t.type == "function"
                           and t.lower_name in _URL_FUNCTIONS), None)
        inlined = self.inline(target) if target and not target.lower().startswith("data:") else None
        if inlined is None or depth >= _MAX_IMPORTS or not inlined.startswith("data:text/css;base64,"):
            self.refused.append(target or tinycss2.serialize(rule.prelude).strip())
            return ""
        imported = base64.b64decode(inlined.split(",", 1)[1]).decode("utf-8", "replace")
        cleaned = self.stylesheet(imported, depth + 1)
        rest = [t for t in rule.prelude if t.type not in ("url", "string") and not (
            t.type == "function" and t.lower_name in _URL_FUNCTIONS)]
        media = tinycss2.serialize(rest).strip()
        data = "data:text/css;base64," + base64.b64encode(cleaned.encode("utf-8")).decode("ascii")
        return f'@import url("{data}"){" " + media if media else ""};'

    def _loads(self, tokens) -> bool:
        """Whether `tokens` name anything to load (in a selector or an at-rule's prelude nothing should)."""
        for t in tokens:
            if t.type == "url" or (t.type == "function" and t.lower_name in _URL_FUNCTIONS | _IMAGE_FUNCTIONS):
                self.refused.append(tinycss2.serialize([t]))
                return True
            inner = t.arguments if t.type == "function" else getattr(t, "content", None)
            if isinstance(inner, list) and self._loads(inner):
                return True
        return False

    def _value(self, tokens) -> str | None:
        """A declaration's value with each URL inlined, or None when one cannot be (the declaration is dropped)."""
        out = []
        for token in tokens:
            if token.type == "url":
                url = self.resource(token.value)
                if url is None:
                    return None
                out.append(_url(url))
            elif token.type == "function":
                name = token.lower_name
                if name in _URL_FUNCTIONS:
                    argument = _string_argument(token)
                    url = self.resource(argument) if argument is not None else None
                    if url is None:
                        if argument is None:
                            self.refused.append(tinycss2.serialize([token]))
                        return None
                    out.append(_url(url))
                elif name == "attr" and any(t.type == "ident" and t.lower_value == "url" for t in token.arguments):
                    self.refused.append(tinycss2.serialize([token]))
                    return None
                else:
                    inner = self._arguments(token.arguments, name in _IMAGE_FUNCTIONS)
                    if inner is None:
                        return None
                    out.append(f"{tinycss2.serialize_identifier(token.name)}({inner})")
            elif token.type in ("[] block", "() block", "{} block"):
                inner = self._value(token.content)
                if inner is None:
                    return None
                opening = token.type[0]
                out.append(f"{opening}{inner}{ {'[': ']', '(': ')', '{': '}'}[opening] }")
            else:
                out.append(tinycss2.serialize([token]))
        return "".join(out)

    def _arguments(self, tokens, images: bool) -> str | None:
        if not images:
            return self._value(tokens)
        out = []
        for token in tokens:
            if token.type == "string":  # image-set("a.png" 1x): the string is a URL
                url = self.resource(token.value)
                if url is None:
                    return None
                out.append(_string(url))
            elif token.type == "function" and token.lower_name not in _URL_FUNCTIONS | _IMAGE_FUNCTIONS | {
                    "type", "linear-gradient", "radial-gradient", "conic-gradient", "repeating-linear-gradient",
                    "repeating-radial-gradient", "repeating-conic-gradient", "rgb", "rgba", "hsl", "hsla"}:
                self.refused.append(tinycss2.serialize([token]))  # var() and the like could bring a URL in
                return None
            else:
                inner = self._value([token])
                if inner is None:
                    return None
                out.append(inner)
        return "".join(out)

    # --- HTML ---------------------------------------------------------------------------------------------------

    def page(self, html: str) -> str:
        writer = _Writer(self)
        writer.feed(html)
        writer.close()
        return "".join(writer.out)


def _string_argument(function) -> str | None:
    strings = [t for t in function.arguments if t.type not in ("whitespace", "comment")]
    return strings[0].value if len(strings) == 1 and strings[0].type == "string" else None


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ") + '"'


def _url(value: str) -> str:
    return f"url({_string(value)})"


def _no_end_tag(css: str) -> str:
    # inside <style>, only "</style" ends the element; "<\/" means the same in CSS
    return css.replace("</", "<\\/")


class _Writer(HTMLParser):
    def __init__(self, owner: SelfContained):
        super().__init__(convert_charrefs=True)
        self.owner = owner
        self.out: list[str] = []
        self.dropping: list[str] = []  # open elements dropped with their content
        self.style: list[str] | None = None  # the text of the <style> element being read
        self.open: dict[str, int] = {}  # elements written and not yet closed: no stray end tags

    def handle_decl(self, decl: str) -> None:
        if decl.lower().startswith("doctype") and not self.dropping:
            self.out.append("<!DOCTYPE html>")

    def handle_starttag(self, tag: str, attrs) -> None:
        if self.dropping or tag in DROPPED_WITH_CONTENT:
            if tag not in VOID:
                self.dropping.append(tag)
            return
        if tag not in ELEMENTS:
            return
        names = {name for name, _ in attrs}
        if tag == "meta" and ("http-equiv" in names or not names & {"charset", "name"}):
            return  # <meta http-equiv="refresh">, or a <meta content> for no name: nothing of ours
        kept = []
        allowed = ELEMENT_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            value = "" if value is None else value
            if name == "style":
                value = self.owner.declarations(value)
            elif name == "href" and tag == "a":
                value = self.owner.link(value)
            elif name == "src" and tag == "img":
                value = self.owner.resource(value)
            elif not (name in ATTRIBUTES or name in allowed or name.startswith(("aria-", "data-"))):
                value = None
            if value is not None and re.fullmatch(r"[a-z][a-z0-9_.:-]*", name):
                kept.append(f' {name}="{entities.escape(value)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID:
            self.open[tag] = self.open.get(tag, 0) + 1
        if tag == "style":
            self.style = []

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag in self.dropping:
                while self.dropping and self.dropping.pop() != tag:
                    pass
            return
        if tag == "style" and self.style is not None:
            self.out.append(self.owner.stylesheet("".join(self.style)))
            self.style = None
        if tag in ELEMENTS and tag not in VOID and self.open.get(tag):
            self.open[tag] -= 1
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        if self.style is not None:
            self.style.append(data)
        else:
            self.out.append(entities.escape(data, quote=False))

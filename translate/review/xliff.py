"""Review in a CAT tool: XLIFF 2.0 core (urn:oasis:names:tc:xliff:document:2.0), one <file> per article, one
<unit> per unit to review (named by its segment or block id), inline markup as <pc> (emphasis, links, images:
paired codes around the words they mark) and <ph> (code, footnote references, line breaks, URLs), each with its
Markdown in <originalData> and as its display text. Machine translations and stale suggestions are
state="initial", reviewed ones "final"; glossary terms, place and what a stale unit's source said are notes. The
version each unit was exported from is an attribute in translate's own namespace, which the core schema allows
on <unit>, for the import's conflict check.

Files are parsed with lxml without entities or network: a hostile file can neither expand nor fetch anything."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from lxml import etree

from ..data import MARKER_PARTS_RE, OPEN, SPAN_OPEN, Document, Markup, marker, span_close, span_open
from ..errors import UserError
from .exchange import Change, Item, Plan, UnitIndex, normalized, plain, target_language
from .markdown import parse_inline, text_markdown
from .state import REVIEWED, STALE

if TYPE_CHECKING:
    from ..pipeline import Job

NS = "urn:oasis:names:tc:xliff:document:2.0"
TR = "urn:translate:review:1"
_X = f"{{{NS}}}"
_BAD_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MARK = "\ue010"  # stands for a span's words while its Markdown delimiters are written


def _xml_text(text: str) -> str:
    return _BAD_XML.sub("\ufffd", text)


def delimiters(m: Markup) -> tuple[str, str]:
    """A markup entry's Markdown: (start, end) for a span, (text, "") for a point."""
    from ..publish.writer import inline_markdown

    if m.kind == "br":
        return "\\\n", ""
    if m.is_span:
        plain = Markup(m.kind, m.value) if m.kind in ("link", "image") else m
        md = inline_markdown(f"{span_open(0)}{_MARK}{span_close(0)}", (plain,))
        start, _, end = md.partition(_MARK)
        return start, end
    return inline_markdown(marker(0), (m,)), ""


_TYPES = {"em": "fmt", "strong": "fmt", "s": "fmt", "link": "link", "image": "image"}


def export_xliff(groups: Sequence[tuple[Document, Sequence[Item]]], src: str, tgt: str) -> bytes:
    root = etree.Element(_X + "xliff", nsmap={None: NS, "tr": TR}, version="2.0", srcLang=src, trgLang=tgt)
    count = 0
    for f, (doc, items) in enumerate(groups, 1):
        if not items:
            continue
        file_el = etree.SubElement(root, _X + "file", id=f"f{f}", original=items[0].unit.article)
        for item in items:
            count += 1
            unit = item.unit
            attrs = {"id": f"u{count}", "name": unit.id}
            if item.base:
                attrs[f"{{{TR}}}base"] = item.base
            unit_el = etree.SubElement(file_el, _X + "unit", attrs)
            notes = []
            if item.terms:
                notes.append(("glossary", "; ".join(item.terms)))
            notes.append(("location", item.place))
            if unit.state == STALE:
                previous = unit.entry.previous or unit.entry.source if unit.entry is not None else ""
                notes.append(("stale", "The source changed since this was reviewed; the target is the old "
                                       f"translation. It translated: {previous}"))
                notes.append(("machine", item.machine))
            notes_el = etree.SubElement(unit_el, _X + "notes")
            for category, text in notes:
                etree.SubElement(notes_el, _X + "note", category=category).text = _xml_text(text)
            source_markup = unit.block.markup if not unit.is_title else ()
            source_text = " ".join(s.text for s in unit.block.segments if s.id in unit.segments)
            target_markup = item.markup if not unit.is_title else ()
            used = sorted({n for n in _numbers(source_text, source_markup)} | set(_numbers(item.text, target_markup)))
            data: dict[str, str] = {}
            for n in used:
                m = target_markup[n] if n < len(target_markup) else source_markup[n]
                start, end = delimiters(m)
                if m.is_span:
                    data[f"d{n + 1}s"], data[f"d{n + 1}e"] = start, end
                else:
                    data[f"d{n + 1}"] = start
            if data:
                original = etree.SubElement(unit_el, _X + "originalData")
                for key, value in data.items():
                    etree.SubElement(original, _X + "data", id=key).text = _xml_text(value)
            segment = etree.SubElement(unit_el, _X + "segment", state="final" if unit.state == REVIEWED else "initial")
            _inline(etree.SubElement(segment, _X + "source"), source_text, source_markup, data)
            _inline(etree.SubElement(segment, _X + "target"), item.text, target_markup, data)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _numbers(text: str, markup: tuple[Markup, ...]) -> list[int]:
    return [int(m.group(2)) for m in MARKER_PARTS_RE.finditer(text) if int(m.group(2)) < len(markup)]


def _inline(parent, text: str, markup: tuple[Markup, ...], data: dict[str, str]) -> None:
    """Text with markers as XLIFF inline content; a span an engine left unbalanced loses its code, not its words."""
    stack = [parent]
    opened: list[int] = []
    seen: dict[int, int] = {}
    pos = 0

    def put(s: str) -> None:
        if not s:
            return
        el = stack[-1]
        s = _xml_text(s)
        if len(el):
            el[-1].tail = (el[-1].tail or "") + s
        else:
            el.text = (el.text or "") + s

    def code_id(n: int) -> str:
        seen[n] = seen.get(n, 0) + 1
        return str(n + 1) if seen[n] == 1 else f"{n + 1}_{seen[n]}"

    for m in MARKER_PARTS_RE.finditer(text):
        put(text[pos : m.start()])
        pos = m.end()
        kind, n = m.group(1), int(m.group(2))
        if n >= len(markup):
            continue
        item = markup[n]
        if kind == SPAN_OPEN and item.is_span:
            start, end = data[f"d{n + 1}s"], data[f"d{n + 1}e"]
            el = etree.SubElement(stack[-1], _X + "pc", id=code_id(n), dataRefStart=f"d{n + 1}s",
                                  dataRefEnd=f"d{n + 1}e", dispStart=_xml_text(start), dispEnd=_xml_text(end),
                                  type=_TYPES.get(item.kind, "other"))
            stack.append(el)
            opened.append(n)
        elif kind == OPEN and not item.is_span:
            etree.SubElement(stack[-1], _X + "ph", id=code_id(n), dataRef=f"d{n + 1}",
                             disp=_xml_text(data[f"d{n + 1}"]), type="other")
        elif n in opened:  # a close: pop to its span (spans opened inside and never closed end here)
            while opened and opened[-1] != n:
                opened.pop()
                stack.pop()
            opened.pop()
            stack.pop()
    put(text[pos:])


# --- import -----------------------------------------------------------------------------------------------------


def parse_xml(path: Path, data: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 1
        raise UserError(f"{path}:{line}: not well-formed XML ({exc.msg.split(', line')[0]})") from None


def read_xliff(path: Path, data: bytes, job: "Job") -> Plan:
    root = parse_xml(path, data)
    if root.tag != _X + "xliff":
        if isinstance(root.tag, str) and root.tag.endswith("xliff"):
            version = root.get("version", "?")
            raise UserError(f"{path}:{root.sourceline}: XLIFF {version} is not read here: export XLIFF 2.0 "
                            "('translate review export --format xliff' writes it)")
        raise UserError(f"{path}:{root.sourceline}: not an XLIFF 2.0 file (root <{etree.QName(root).localname}>)")
    if not str(root.get("version", "")).startswith("2."):
        raise UserError(f"{path}:{root.sourceline}: XLIFF version {root.get('version')!r}: expected 2.0")
    tgt = target_language(root.get("trgLang", ""), job, f"{path}:{root.sourceline}")
    src_lang = root.get("srcLang", "")
    plan = Plan(tgt)
    index = UnitIndex(job, tgt)
    src = next((s for s in index.source_langs if s == src_lang or s == re.split(r"[-_]", src_lang)[0].lower()), None)
    if src is None:
        raise UserError(f"{path}:{root.sourceline}: srcLang {src_lang!r} is not the source language of the job's "
                        f"articles in {tgt} ({', '.join(sorted(index.source_langs)) or 'none'})")
    for unit_el in root.iter(_X + "unit"):
        where = f"{path}:{unit_el.sourceline}"
        file_el = next((a for a in unit_el.iterancestors(_X + "file")), None)
        article = file_el.get("original", "") if file_el is not None else ""
        segments = [s for s in unit_el if s.tag in (_X + "segment", _X + "ignorable")]
        states = [s.get("state", "initial") for s in segments if s.tag == _X + "segment"]
        sources = [s.find(_X + "source") for s in segments]
        targets = [s.find(_X + "target") for s in segments]
        source_plain = re.sub(r"\s+", " ", " ".join(_plain(s) for s in sources if s is not None)).strip()
        unit = index.by_place.get((article, unit_el.get("name", "")))
        if unit is None or plain(unit) != source_plain:
            found = index.by_plain.get((src, source_plain), [])
            unit = found[0] if found else None
        if unit is None:
            plan.problems.append(f"{where}: «{_short(source_plain)}» matches no segment of the job's articles "
                                 "(the article changed since the export? export again)")
            continue
        if not states or any(s == "initial" for s in states) or any(t is None for t in targets):
            plan.left += 1
            continue
        codes = {d.get("id"): "".join(d.itertext()) for d in unit_el.iter(_X + "data")}
        markup = list(unit.block.markup) if not unit.is_title else []
        text = "".join(_target(t, markup, codes) for t in targets if t is not None)
        if not re.sub(r"\s+", "", text):
            plan.left += 1
            continue
        target = text_markdown(text, tuple(markup), len(unit.block.markup)) if not unit.is_title else \
            text_markdown(text, ())
        base = unit_el.get(f"{{{TR}}}base")
        plan.changes.append(Change(unit, src, normalized(unit, target), base, where))
        for other in index.by_source.get((src, unit.source), []):
            if other is not unit:
                plan.changes.append(Change(other, src, normalized(other, target), base, where))
    return plan


def _plain(el) -> str:
    out = [el.text or ""]
    for child in el:
        local = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if local in ("pc", "mrk"):
            out.append(_plain(child))
        elif local == "cp":
            out.append(_cp(child))
        out.append(child.tail or "")
    return "".join(out)


def _cp(el) -> str:
    try:
        return chr(int(el.get("hex", ""), 16))
    except ValueError:
        return ""


def _target(el, markup: list[Markup], codes: dict[str, str]) -> str:
    """A <target>'s content as text with markers numbered as `markup` (the source block's, to which markup a
    tool added is appended when its Markdown says what it is); a code nothing says is dropped, its words kept."""
    out = [el.text or ""]
    for child in el:
        local = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if local == "pc":
            n = _number(child, markup, codes, span=True)
            inner = _target(child, markup, codes)
            out.append(f"{span_open(n)}{inner}{span_close(n)}" if n is not None else inner)
        elif local == "ph":
            n = _number(child, markup, codes, span=False)
            if n is not None:
                out.append(marker(n))
        elif local == "mrk":
            out.append(_target(child, markup, codes))
        elif local == "cp":
            out.append(_cp(child))
        out.append(child.tail or "")
    return "".join(out)


def _number(el, markup: list[Markup], codes: dict[str, str], span: bool) -> int | None:
    m = re.fullmatch(r"(\d+)(?:_\d+)?", el.get("id", ""))
    n = int(m.group(1)) - 1 if m else -1
    if 0 <= n < len(markup) and markup[n].is_span == span:
        ref = el.get("dataRefStart" if span else "dataRef")
        if ref is None or ref == f"d{n + 1}" + ("s" if span else ""):
            return n
    # markup the exported translation added to the source's, or a tool made: what its Markdown says it is
    if span:
        start, end = codes.get(el.get("dataRefStart", "")), codes.get(el.get("dataRefEnd", ""))
        if start is None or end is None:
            return None
        _, own, titles = parse_inline(f"{start}x{end}")
    else:
        point = codes.get(el.get("dataRef", ""))
        if point is None:
            return None
        _, own, titles = parse_inline(point)
    if len(own) != 1 or own[0].is_span != span:
        return None
    entry = own[0]
    if 0 in titles:
        entry = Markup(entry.kind, entry.value, titles[0])
    markup.append(entry)
    return len(markup) - 1


def _short(text: str, width: int = 50) -> str:
    clean = re.sub(r"\s+", " ", text).strip()
    return clean if len(clean) <= width else clean[: width - 1].rsplit(" ", 1)[0] + "…"

"""`translate memory import FILE.tmx`: translation units of TMX 1.4b from other tools (or from `translate memory
export`) into the review store or the translation memory, as the file says they were made.

A unit is machine output when the file says so: translate's own memory export (header o-tmf
"translate-memory", or a unit with an `x-engine` property, which names the engine), or a unit with an `x-mt`
or `x-machine-translation` property; such units go to the memory, keyed as a run would key them (the engine
named, and the glossary entries the unit was made with, else the job's), so a run with that engine reuses them.
Every other unit is a person's translation (a translator's memory from OmegaT, Trados, memoQ, ...): it goes to the
store, as a reviewed translation, when its source is a segment of the job's articles, matched by its words; the
rest is counted and left out. Inline codes (<bpt>/<ept>, <ph>, <it>) are matched to the segment's markup in
order; a code that matches nothing is dropped, its words kept."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..data import marker, span_close, span_open
from ..errors import UserError
from .exchange import Change, Plan, UnitIndex, normalized, target_language
from .markdown import text_markdown
from .xliff import parse_xml

if TYPE_CHECKING:
    from ..pipeline import Job

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MACHINE_PROPS = ("x-engine", "x-mt", "x-machine-translation")


@dataclass
class TmxImport:
    human: dict[str, Plan] = field(default_factory=dict)  # per target language
    machine: list[tuple] = field(default_factory=list)  # memory rows
    outside: int = 0  # human units whose source is no segment of the job
    languages: dict[str, int] = field(default_factory=dict)  # units in languages the job does not translate to
    units: int = 0


def _lang(code: str) -> str:
    return re.split(r"[-_]", code or "")[0].lower()


def _seg_parts(seg) -> tuple[str, list[tuple[str, str]]]:
    """A <seg>'s words, and its codes in order as (kind, number): kind "open", "close" or "point"."""
    text = [seg.text or ""]
    codes: list[tuple[str, str]] = []
    for child in seg:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "bpt":
            codes.append(("open", child.get("i", "")))
        elif tag == "ept":
            codes.append(("close", child.get("i", "")))
        elif tag in ("ph", "it"):
            codes.append(("point", child.get("x", "") or child.get("i", "")))
        elif tag == "hi":
            inner, more = _seg_parts(child)
            text.append(inner)
            codes.extend(more)
        text.append(child.tail or "")
    return re.sub(r"\s+", " ", "".join(text)).strip(), codes


def _marked(seg, mapping: dict[tuple[str, str], tuple[str, int]]) -> str:
    """A <seg> as text with markers, its codes mapped by `mapping` ((kind, number) -> (marker kind, n))."""
    out = [seg.text or ""]
    for child in seg:
        tag = child.tag if isinstance(child.tag, str) else ""
        key = None
        if tag == "bpt":
            key = ("span", child.get("i", ""))
        elif tag == "ept":
            key = ("span", child.get("i", ""))
        elif tag in ("ph", "it"):
            key = ("point", child.get("x", "") or child.get("i", ""))
        if tag == "hi":
            out.append(_marked(child, mapping))
        elif key in mapping:
            kind, n = mapping[key]
            if tag == "bpt":
                out.append(span_open(n))
            elif tag == "ept":
                out.append(span_close(n))
            else:
                out.append(marker(n))
        out.append(child.tail or "")
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _order_mapping(codes: list[tuple[str, str]], text: str) -> dict[tuple[str, str], tuple[str, int]]:
    """The TMX source's codes, in order, against the segment's markers, in order, where their kinds agree."""
    from ..data import MARKER_PARTS_RE, OPEN, SPAN_OPEN

    markers = [("point" if m.group(1) == OPEN else "open" if m.group(1) == SPAN_OPEN else "close", int(m.group(2)))
               for m in MARKER_PARTS_RE.finditer(text)]
    mapping: dict[tuple[str, str], tuple[str, int]] = {}
    if [k for k, _ in codes] != [k for k, _ in markers]:
        return mapping
    for (kind, number), (_, n) in zip(codes, markers):
        mapping[("point" if kind == "point" else "span", number)] = (kind, n)
    return mapping


def _own_mapping(codes: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, int]]:
    # translate's own export numbers codes as markup entries + 1
    mapping = {}
    for kind, number in codes:
        if number.isdigit() and int(number) >= 1:
            mapping[("point" if kind == "point" else "span", number)] = (kind, int(number) - 1)
    return mapping


def read_tmx(path: Path, data: bytes, job: "Job", entries) -> TmxImport:
    root = parse_xml(path, data)
    if root.tag != "tmx":
        raise UserError(f"{path}:{root.sourceline}: not a TMX file (root <{root.tag}>)")
    header = root.find("header")
    if header is None or root.find("body") is None:
        raise UserError(f"{path}:{root.sourceline}: a TMX file needs a <header> and a <body>")
    ours = header.get("o-tmf") == "translate-memory"
    header_src = header.get("srclang", "")
    header_engine = " ".join(x for x in (header.get("creationtool", ""), header.get("creationtoolversion", "")) if x)
    found = TmxImport()
    indexes: dict[str, UnitIndex] = {}
    from ..memory import entry_fingerprint, segment_key
    from ..terms.glossary import TermMatcher

    matchers: dict[str, TermMatcher] = {}
    for tu in root.iter("tu"):
        found.units += 1
        props = {p.get("type", ""): (p.text or "") for p in tu.findall("prop")}
        machine = ours or any(k in props for k in MACHINE_PROPS)
        tuvs = [(t.get(XML_LANG) or t.get("lang") or "", t) for t in tu.findall("tuv")]
        src_code = tu.get("srclang") or header_src
        source = next((t for code, t in tuvs if _lang(code) == _lang(src_code)), None) if src_code != "*all*" else None
        if source is None:
            source = tuvs[0][1] if tuvs else None
            src_code = tuvs[0][0] if tuvs else ""
        if source is None or source.find("seg") is None:
            continue
        src = _lang(src_code)
        source_words, source_codes = _seg_parts(source.find("seg"))
        for code, tuv in tuvs:
            if tuv is source or tuv.find("seg") is None:
                continue
            tgt = _lang(code)
            if tgt == src:
                continue
            seg = tuv.find("seg")
            if machine:
                mapping = _own_mapping(source_codes)
                source_text = _marked(source.find("seg"), mapping)
                target_text = _marked(seg, mapping)
                engine = props.get("x-engine") or header_engine or "imported"
                if "x-glossary" in props:
                    fingerprint = props["x-glossary"]
                else:
                    matcher = matchers.setdefault(src, TermMatcher(entries, src))
                    touching = {h.entry.id: h.entry for h in matcher.find(source_text)}.values() if matcher else []
                    fingerprint = entry_fingerprint(touching, tgt)
                found.machine.append((segment_key(engine, src, tgt, source_text, fingerprint), engine, src, tgt,
                                      source_text, fingerprint, target_text, {}, {"imported": str(path.name)}))
                continue
            if tgt not in job.config.targets:
                found.languages[tgt] = found.languages.get(tgt, 0) + 1
                continue
            index = indexes.get(tgt) or indexes.setdefault(tgt, UnitIndex(job, tgt))
            units = index.by_plain.get((src, source_words), [])
            if not units:
                found.outside += 1
                continue
            plan = found.human.setdefault(tgt, Plan(target_language(tgt, job, str(path))))
            for unit in units:
                text = " ".join(s.text for s in unit.block.segments if s.id in unit.segments)
                mapping = _order_mapping(source_codes, text)
                target_text = _marked(seg, mapping)
                markup = unit.block.markup if not unit.is_title else ()
                md = text_markdown(target_text, markup, len(markup))
                plan.changes.append(Change(unit, src, normalized(unit, md), None, f"{path}:{tu.sourceline}"))
    return found


"""Glossary enforcement that keeps the engine's grammar: one flow for a batch of segments of one language pair.

    engine pass -> strategies, tried in order on the segments still missing a term -> the chosen text per segment

Each strategy is a function with one signature, `strategy(states, context)`, that offers candidate sentences; a
candidate is taken when it realizes every term of its segment, keeps every markup marker, and has no more
agreement problems than the engine's own sentence. In order:

1. engine      - the engine's own output already has the term (in the source's number; accepted forms count);
2. hypothesis  - another of the engine's n-best hypotheses (Argos) has every term and nothing forbidden;
3. lexical     - the engine itself puts the term in (Apertium: at lexical transfer, as one noun or adjective
                 with its gender and number, so articles, contractions and adjectives agree with it);
4. substitute  - the engine's own rendering of the term (the words its span wraps, or what it makes of the term
                 alone) is replaced by the glossary's form, and the words around it are re-inflected to agree;
5. placeholder - the term is masked as a marker and the glossary's form put in its place, then repaired the same way;
6. fallback    - the engine lost or doubled a marker: the text between markers is translated piece by piece.

When no candidate is clean, the realized one with the fewest agreement problems is kept and the check reports the
problem on the occurrence (`grammar`); nothing is changed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from ..data import (
    CLOSE,
    MARKER_PARTS_RE,
    OPEN,
    SPAN_CLOSE,
    SPAN_OPEN,
    GlossaryEntry,
    TermHit,
    marker,
    span_close,
    span_open,
    strip_markers,
)
from ..engines.morphology import Morphology
from . import grammar
from .check import form_number
from .forms import Expected, adjective_forms, expected, written
from .glossary import count_forms, occurrences, term_pattern

STRATEGIES = ("engine", "hypothesis", "lexical", "substitute", "placeholder", "fallback", "human", "none")
HYPOTHESES = 4


@dataclass(frozen=True)
class Item:
    """One segment to translate: its text (markup markers in place), its glossary hits, and the first marker
    number its block leaves free (term markers are numbered from there)."""

    key: str
    text: str
    hits: tuple[TermHit, ...]
    base: int


@dataclass(frozen=True)
class Outcome:
    text: str  # the translation, markup markers in place, terms written
    strategies: dict[str, str]  # entry id -> strategy that carried it
    unknown: tuple[str, ...] = ()  # source words the engine left untranslated


@dataclass
class Context:
    engine: object
    src: str
    tgt: str
    source_morph: Morphology | None = None
    target_morph: Morphology | None = None
    hypotheses: int = HYPOTHESES
    # What the engine makes of a term's source form on its own ("working class" -> "clase trabajadora"), for the
    # substitute strategy of engines that do not carry spans: learnt in the engine pass's own batch, kept in the
    # translation memory between runs (the pipeline fills and saves it).
    learnt: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)  # compared by identity: a batch holds thousands
class State:
    """A segment on its way through the strategies."""

    item: Item
    expected: list[Expected]
    tgt: str
    engine_text: str = ""  # the engine's own sentence (term markers taken out)
    engine_problems: int = 0
    injected: list[int] = field(default_factory=list)  # hits an engine put in at lexical transfer in its first pass
    problem_spans: list = field(default_factory=list)  # agreement problems in the engine's sentence
    renderings: dict[int, str] = field(default_factory=dict)  # hit index -> the engine's words for it
    spanned: str = ""  # the engine's sentence with each term's span markers still in (engines that carry spans)
    alternatives: list[str] = field(default_factory=list)  # other hypotheses, best first
    unknown: tuple[str, ...] = ()
    best: tuple[int, str, dict[str, str]] | None = None  # (problems, text, strategies) of the best realized one
    done: bool = False

    @property
    def enforced(self) -> list[int]:
        """Indices of the hits the glossary asks something of (a target term or a keep entry)."""
        return list(range(len(self.item.hits)))


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", strip_markers(text)).strip()


def _without_markers_from(text: str, base: int) -> str:
    """Take out the term markers (numbered from `base`), keep the markup's."""
    return re.sub(f"[{OPEN}{SPAN_OPEN}{SPAN_CLOSE}](\\d+){CLOSE}",
                  lambda m: "" if int(m.group(1)) >= base else m.group(0), text)


def markers_kept(source: str, output: str) -> bool:
    """The output has each of the source's markers (kind and number) exactly as often as the source."""
    def counted(t: str) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for m in MARKER_PARTS_RE.finditer(t):
            out[m.groups()] = out.get(m.groups(), 0) + 1
        return out

    return counted(source) == counted(output)


def _groups(state: State) -> dict[str, list[int]]:
    by_entry: dict[str, list[int]] = {}
    for i, hit in enumerate(state.item.hits):
        by_entry.setdefault(hit.entry.id, []).append(i)
    return by_entry


def realized(state: State, text: str, which: Sequence[int] | None = None) -> bool:
    """Every entry hit in the segment (or those of `which`) appears in `text` as often as in the source, in an
    accepted form, and nothing forbidden does."""
    plain = strip_markers(text)
    for indices in _groups(state).values():
        if which is not None and not set(indices) & set(which):
            continue
        entry = state.item.hits[indices[0]].entry
        forms = [f for i in indices for f in state.expected[i].accepted]
        if count_forms(plain, forms, entry.case_sensitive) < len(indices) or forbidden_in(entry, plain, state.tgt):
            return False
    return True


def forbidden_in(entry: GlossaryEntry, plain: str, tgt: str) -> tuple[str, ...]:
    return tuple(f for f in entry.forbidden.get(tgt, ()) if count_forms(plain, [f], entry.case_sensitive))


def _missing(state: State, text: str) -> list[int]:
    """Hits the strategies work on: those of entries not realized in `text`, and those realized in a noun
    phrase that cannot agree (the engine's own "el soviets" is worth another try)."""
    out = []
    plain = _plain(text)
    for indices in _groups(state).values():
        if not realized(state, text, indices):
            out.extend(indices)
    if state.problem_spans:
        for i, want in enumerate(state.expected):
            if i in out:
                continue
            spans = occurrences(plain, want.accepted, state.item.hits[i].entry.case_sensitive)
            if any(p.start < b and a < p.end for a, b in spans for p in state.problem_spans):
                out.append(i)
    return sorted(out)


def _known(state: State, plain: str) -> list:
    """The noun terms of the segment where `plain` has them: one noun each to the agreement check."""
    known = []
    for i, want in enumerate(state.expected):
        if want.category == "noun" and want.gender in ("m", "f", "mf"):
            entry = state.item.hits[i].entry
            for a, b in occurrences(plain, want.accepted, entry.case_sensitive):
                known.append((a, b, grammar.noun(want.gender, form_number(entry, state.tgt, plain[a:b]))))
    return known


def _problems(state: State, text: str, context: Context) -> list:
    if context.target_morph is None:
        return []
    plain = _plain(text)
    return grammar.problems(plain, context.target_morph, _known(state, plain))


def _offer(state: State, text: str, strategy: str, touched: Sequence[int], context: Context,
           base_strategies: dict[str, str] | None = None, own: bool = False) -> None:
    """A candidate for the segment: taken if clean, kept as the best so far if it realizes every term."""
    if state.done or not markers_kept(state.item.text, text) or not realized(state, text):
        return
    strategies = dict(base_strategies or {h.entry.id: "engine" for h in state.item.hits})
    for i in touched:
        strategies[state.item.hits[i].entry.id] = strategy
    problems = len(_problems(state, text, context))
    # the engine's own sentence must be clean to be taken at once; another strategy may mend its agreement
    # the engine's own sentence is taken at once unless a term stands in a phrase that does not agree, which
    # another strategy may mend
    if problems <= state.engine_problems and (not own or problems == 0 or not _missing(state, text)):
        state.best = (problems, text, strategies)
        state.done = True
    elif state.best is None or problems < state.best[0]:
        state.best = (problems, text, strategies)


def _wrap_terms(item: Item) -> str:
    """The segment with each hit wrapped in a span marker of its own (numbers from the block's free base)."""
    text = item.text
    for i, hit in sorted(enumerate(item.hits), key=lambda p: p[1].start, reverse=True):
        n = item.base + i
        text = text[: hit.start] + span_open(n) + text[hit.start : hit.end] + span_close(n) + text[hit.end :]
    return text


def _mask_terms(item: Item, which: Sequence[int]) -> str:
    text = item.text
    for i in sorted(which, key=lambda i: item.hits[i].start, reverse=True):
        hit = item.hits[i]
        text = text[: hit.start] + marker(item.base + i) + text[hit.end :]
    return text


def _needs_engine(text: str) -> bool:
    return any(ch.isalpha() for ch in strip_markers(text))


# --- the engine pass -----------------------------------------------------------------------------------------


def engine_pass(states: list[State], context: Context) -> None:
    """The whole batch through the engine once. Engines that carry spans get each term wrapped, so the output
    shows the engine's own words for it, and an engine that takes terms at lexical transfer gets them there
    wherever its own words differ from the glossary's; Argos gives n-best lists when a segment has terms; keep
    entries are masked for engines that do not carry spans (NMT models translate names)."""
    engine = context.engine
    spans = getattr(engine, "carries_spans", False)
    todo = [s for s in states if _needs_engine(s.item.text)]
    for s in states:
        if not _needs_engine(s.item.text):
            s.engine_text = s.item.text
    if not todo:
        return
    if not spans:
        _engine_pass_plain(todo, context)
        return
    lexical = getattr(engine, "lexical_terms", False)
    terms = [{s.item.base + i: _lexical_term(h.entry, s.expected[i], context, unless=True)
              for i, h in enumerate(s.item.hits)} for s in todo] if lexical else None
    first = engine.render([_wrap_terms(s.item) for s in todo], context.src, context.tgt, terms) if lexical \
        else engine.render([_wrap_terms(s.item) for s in todo], context.src, context.tgt)
    # A sentence with a term put in that reads with an agreement problem is measured against the engine's own
    # sentence, which then has to be made: "no worse than the engine" needs the engine's sentence.
    own: list[State] = []
    for s, r in zip(todo, first):
        s.injected = [i for i in range(len(s.item.hits)) if s.item.base + i in r.injected]
        _take_rendering(s, r)
        if s.injected and _problems(s, s.engine_text, context):
            own.append(s)
    injected_text = {id(s): s.engine_text for s in own}
    if own:
        for s, r in zip(own, engine.render([_wrap_terms(s.item) for s in own], context.src, context.tgt)):
            _take_rendering(s, r)
    for s in todo:
        s.problem_spans = _problems(s, s.engine_text, context)
        s.engine_problems = len(s.problem_spans)
        if id(s) in injected_text:
            _offer(s, s.engine_text, "engine", [], context, own=True)
            _offer(s, injected_text[id(s)], "lexical", s.injected, context)
        elif s.injected:
            _offer(s, s.engine_text, "lexical", s.injected, context)
        else:
            _offer(s, s.engine_text, "engine", [], context, own=True)


def _take_rendering(s: State, r) -> None:
    s.spanned = r.text
    s.renderings = {i: r.spans.get(s.item.base + i, "") for i in range(len(s.item.hits))}
    s.engine_text = _without_markers_from(r.text, s.item.base)
    # the glossary's own words are its business: the check reports them
    glossary_words = {w for h in s.item.hits for w in re.findall(r"\w[\w'’-]*", h.text)}
    glossary_words |= {p for w in list(glossary_words) for p in w.split("-")}
    s.unknown = tuple(w for w in r.unknown if w not in glossary_words)


def _forms_to_learn(states: Sequence[State], context: Context) -> list[str]:
    """Source forms of the batch's terms whose rendering by the engine is not known yet: as written and in lower
    case (engines treat "Stalinist" and "stalinist" differently)."""
    forms = {t for s in states for h in s.item.hits if h.entry.kind != "keep" for t in (h.text, h.text.lower())}
    return sorted(f for f in forms if f not in context.learnt)


def _engine_pass_plain(todo: list[State], context: Context) -> None:
    engine = context.engine
    masked = [_mask_terms(s.item, [i for i, h in enumerate(s.item.hits) if h.entry.kind == "keep"]) for s in todo]
    # the terms' own renderings go with the segments that have no term, in one call; n-best lists (their
    # search runs on until n hypotheses are done) only for the segments with a term
    forms = _forms_to_learn(todo, context)
    method = getattr(engine, "hypotheses", None)
    nbest = [k for k, s in enumerate(todo) if s.item.hits] if method is not None and context.hypotheses > 1 else []
    one = [k for k in range(len(todo)) if k not in set(nbest)]
    lists: list[list[str]] = [[] for _ in todo]
    if nbest:
        for k, hyps in zip(nbest, method([masked[k] for k in nbest], context.src, context.tgt, context.hypotheses)):
            lists[k] = hyps
    plain = engine.translate([masked[k] for k in one] + forms, context.src, context.tgt) if one or forms else []
    for k, text in zip(one, plain):
        lists[k] = [text]
    renderings = [[text] for text in plain[len(one) :]]
    context.learnt.update((form, _clean(hyps[0])) for form, hyps in zip(forms, renderings))
    for s, hyps in zip(todo, lists):
        restored = [_restore(s, h) for h in hyps]
        s.engine_text, s.alternatives = restored[0], restored[1:]
        s.problem_spans = _problems(s, s.engine_text, context)
        s.engine_problems = len(s.problem_spans)
        masked_keep = [i for i, h in enumerate(s.item.hits) if h.entry.kind == "keep"]
        _offer(s, s.engine_text, "placeholder", masked_keep, context, own=True)


def _restore(state: State, text: str) -> str:
    """Term point markers back to the term's written form."""
    def put(m: re.Match[str]) -> str:
        if m.group(1) != OPEN or int(m.group(2)) < state.item.base:
            return m.group(0)
        i = int(m.group(2)) - state.item.base
        if i >= len(state.item.hits):
            return m.group(0)
        return written(state.expected[i].text, state.item.hits[i].entry, text, m.start())

    return MARKER_PARTS_RE.sub(put, text)


# --- strategies ----------------------------------------------------------------------------------------------


def hypothesis(states: list[State], context: Context) -> None:
    for s in states:
        for alternative in s.alternatives:
            _offer(s, alternative, "hypothesis", _missing(s, s.engine_text), context)
            if s.done:
                break


def lexical(states: list[State], context: Context) -> None:
    engine = context.engine
    if not getattr(engine, "lexical_terms", False):
        return

    batch = []
    for s in states:
        missing = _missing(s, s.engine_text)
        if set(missing) <= set(s.injected):
            continue  # the first pass put these in already: the same again would give the same sentence
        terms = {}
        for i in missing:
            hit, want = s.item.hits[i], s.expected[i]
            terms[s.item.base + i] = _lexical_term(hit.entry, want, context)
        if terms:
            batch.append((s, missing, terms))
    if not batch:
        return
    rendered = engine.render([_wrap_terms(s.item) for s, _, _ in batch], context.src, context.tgt,
                             [terms for _, _, terms in batch])
    for (s, missing, _), r in zip(batch, rendered):
        _offer(s, _without_markers_from(r.text, s.item.base), "lexical", missing, context)


def _lexical_term(entry: GlossaryEntry, want: Expected, context: Context, unless: bool = False):
    """The term as the engine's lexical transfer takes it; with `unless`, only where the engine's own words
    differ from the glossary's (their lemmas, for the first pass)."""
    from ..engines.apertium import LexicalTerm

    lemmas = _lemmas(want.text, context) if unless else frozenset()
    if want.category == "keep":
        return LexicalTerm("np", "", {"": want.text}, unless_lemmas=lemmas)
    gender = {"m": "m", "f": "f", "n": "nt", "mf": "mf"}.get(want.gender, "")
    if want.category == "adj":
        return LexicalTerm("adj", gender or "", adjective_forms(entry, context.tgt, context.target_morph),
                           unless_lemmas=lemmas)
    singular = entry.number_form(context.tgt, "sg")
    plural = entry.number_form(context.tgt, "pl")
    forms = {want.number: want.text}
    if singular and "sg" not in forms:
        forms["sg"] = singular
    if plural and "pl" not in forms:
        forms["pl"] = plural
    return LexicalTerm("n", gender or "m", forms, want.number, unless_lemmas=lemmas)


_FUNCTION = {"de", "del", "la", "el", "los", "las", "les", "els", "d'", "l'", "y", "i", "e", "o", "a", "al", "en"}


def _lemmas(text: str, context: Context) -> frozenset[str]:
    """The content words of a glossary form as lemmas ("clases obreras" -> {clase, obrero}), lower case; a word
    the analyser does not know stands for itself."""
    words = [w for w in re.findall(r"\w[\w'’-]*", text.lower()) if w not in _FUNCTION]
    morph = context.target_morph
    if morph is None:
        return frozenset(words) or frozenset({text.lower()})
    out = set()
    for word, readings in zip(words, morph.analyse(words)):
        nominal = [r for r in readings if r.category in ("n", "adj", "np")] or list(readings)
        out.add(nominal[0].lemma.lower() if nominal else word)
    return frozenset(out) or frozenset({text.lower()})


def substitute(states: list[State], context: Context) -> None:
    """The engine's words for each missing term replaced by the glossary's form, then the words around it
    re-inflected to agree with it."""
    plan = [(s, _missing(s, s.engine_text)) for s in states]
    learn = _forms_to_learn([s for s, _ in plan if not s.spanned], context)
    if learn:  # normally learnt in the engine pass already
        context.learnt.update(zip(learn, (_clean(t) for t in context.engine.translate(learn, context.src, context.tgt))))
    unmatched = []
    for s, missing in plan:
        text = _substitute_spans(s, missing, context) if s.spanned else \
            _substitute_renderings(s, missing, context.learnt, context)
        if text is not None:
            _offer(s, text, "substitute", missing, context)
        if not s.done and not s.spanned:
            unmatched.append((s, missing))
    _substitute_located(unmatched, context)


def _substitute_located(batch: list[tuple[State, list[int]]], context: Context) -> None:
    """Where the engine's own rendering of a term is not in its sentence as it renders the term alone, the
    engine may say where the term's words went (Argos: by the model's attention); those words are replaced."""
    locate = getattr(context.engine, "locate", None)
    if locate is None or not batch:
        return
    sources = []
    for s, missing in batch:
        text = strip_markers(s.item.text)
        plain_hits = _plain_offsets(s.item.text)
        for i in sorted(missing, key=lambda i: s.item.hits[i].start, reverse=True):
            hit = s.item.hits[i]
            a, b = plain_hits(hit.start), plain_hits(hit.end)
            text = text[:a] + span_open(s.item.base + i) + text[a:b] + span_close(s.item.base + i) + text[b:]
        sources.append(text)
    located = locate(sources, [strip_markers(s.engine_text) for s, _ in batch], context.src, context.tgt)
    for (s, missing), placed in zip(batch, located):
        if placed is None:
            continue
        fake = State(s.item, s.expected, s.tgt, spanned=placed)
        fixed = _substitute_spans(fake, missing, context)
        if fixed is not None:
            # the markup of the engine's sentence carried over to the substituted one
            _offer(s, _reapply(s.engine_text, strip_markers(s.engine_text), fixed), "substitute", missing, context)


def _plain_offsets(text: str):
    """Offsets in `text` (with markers) -> offsets in the same text without them."""
    def at(offset: int) -> int:
        return len(strip_markers(text[:offset]))
    return at


def _substitute_spans(state: State, missing: Sequence[int], context: Context) -> str | None:
    """With spans: exactly the words the engine wrapped for the term."""
    text = state.spanned
    for i in sorted(missing, reverse=True):
        n = state.item.base + i
        opened, closed = span_open(n), span_close(n)
        a, b = text.find(opened), text.find(closed)
        if a < 0 or b < a:
            return None
        # the whole words the span touches: an alignment may end inside a word ("clase labor|able")
        while a > 0 and text[a - 1].isalnum():
            a -= 1
        end = b + len(closed)
        while end < len(text) and text[end].isalnum():
            end += 1
        inner = text[a:end].replace(opened, "").replace(closed, "")
        # markup markers inside the term's words stay, in front of the term
        keep = "".join(m.group(0) for m in MARKER_PARTS_RE.finditer(inner))
        form = written(state.expected[i].text, state.item.hits[i].entry, text, a)
        text = text[:a] + opened + keep + form + closed + text[end:]
    text = _repair_all(state, text, missing, context)
    return _without_markers_from(text, state.item.base)


def _substitute_renderings(state: State, missing: Sequence[int], learnt: dict[str, str], context: Context) -> str | None:
    """Without spans: the engine's rendering of the term alone, or a forbidden rendering, found in its sentence."""
    text = state.engine_text
    for i in missing:
        hit = state.item.hits[i]
        candidates = {learnt.get(hit.text, ""), learnt.get(hit.text.lower(), "")}
        candidates |= set(hit.entry.forbidden.get(context.tgt, ()))
        candidates = {c for c in candidates if any(ch.isalpha() for ch in c)}
        for rendering in sorted(candidates, key=lambda c: (-len(c), c)):
            match = term_pattern(rendering, False).search(text)
            if match is None:
                continue
            n = state.item.base + i
            form = written(state.expected[i].text, hit.entry, text, match.start())
            text = text[: match.start()] + span_open(n) + form + span_close(n) + text[match.end() :]
            break
    text = _repair_all(state, text, missing, context)
    return _without_markers_from(text, state.item.base)


def _repair_all(state: State, text: str, which: Sequence[int], context: Context) -> str:
    """Re-inflect the words around each term (found by its span markers) to its gender and number."""
    morph = context.target_morph
    if morph is None:
        return text
    for i in which:
        want = state.expected[i]
        if want.category != "noun" or not want.gender:
            continue
        n = state.item.base + i
        opened, closed = span_open(n), span_close(n)
        # work on plain text with the term's span kept as the only markers, then put the rest back
        a, b = text.find(opened), text.find(closed)
        if a < 0 or b < a:
            continue
        plain_before = strip_markers(text[:a])
        plain_term = strip_markers(text[a:b])
        start = len(plain_before)
        end = start + len(plain_term)
        plain = strip_markers(text)
        fixed = grammar.repair(plain, start, end, want.gender, want.number, morph)
        if fixed != plain:
            text = _reapply(text, plain, fixed)
    return text


def _reapply(marked: str, plain: str, fixed: str) -> str:
    """`fixed` is `plain` with some words changed; carry the markers of `marked` over to it."""
    import difflib

    # positions of markers in plain coordinates
    markers: list[tuple[int, str]] = []
    pos = 0
    for m in MARKER_PARTS_RE.finditer(marked):
        pos += len(strip_markers(marked[: m.start()])) - pos
        markers.append((pos, m.group(0)))
    matcher = difflib.SequenceMatcher(a=plain, b=fixed, autojunk=False)
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(i1, i2 + 1):
            mapping[k] = j1 + (k - i1 if tag == "equal" else (0 if k == i1 else j2 - j1))
    out = fixed
    for p, token in sorted(markers, key=lambda t: t[0], reverse=True):
        q = mapping.get(p, len(fixed))
        out = out[:q] + token + out[q:]
    return out


def placeholder(states: list[State], context: Context) -> None:
    batch = [(s, _missing(s, s.engine_text)) for s in states]
    batch = [(s, m) for s, m in batch if m]
    if not batch:
        return
    texts = [_mask_terms(s.item, m) for s, m in batch]
    sent = [i for i, t in enumerate(texts) if _needs_engine(t)]
    outputs = dict(zip(sent, context.engine.translate([texts[i] for i in sent], context.src, context.tgt)))
    for k, (s, missing) in enumerate(batch):
        out = outputs.get(k, texts[k])
        expected_markers = _mask_terms(s.item, missing)
        if not markers_kept(expected_markers, out):
            continue
        # the term markers become spans around the written form, so the repair knows where each term is
        def put(m: re.Match[str]) -> str:
            n = int(m.group(2))
            i = n - s.item.base
            if m.group(1) != OPEN or n < s.item.base or i not in missing:
                return m.group(0)
            return span_open(n) + written(s.expected[i].text, s.item.hits[i].entry, out, m.start()) + span_close(n)

        text = MARKER_PARTS_RE.sub(put, out)
        text = _repair_all(s, text, missing, context)
        _offer(s, _without_markers_from(text, s.item.base), "placeholder", missing, context)


def fallback(states: list[State], context: Context) -> None:
    """The run-by-run fallback: the text between markers translated piece by piece, each term masked."""
    batch = [(s, list(range(len(s.item.hits)))) for s in states]
    if not batch:
        return
    texts = [_mask_terms(s.item, which) for s, which in batch]
    split = re.compile(f"([{OPEN}{SPAN_OPEN}{SPAN_CLOSE}]\\d+{CLOSE})")
    runs = [r for t in texts for r in split.split(t)[::2] if _needs_engine(r)]
    translated = iter(context.engine.translate(runs, context.src, context.tgt)) if runs else iter(())
    for (s, which), text in zip(batch, texts):
        rebuilt = []
        for i, part in enumerate(split.split(text)):
            if i % 2:
                rebuilt.append(part)
            elif _needs_engine(part):
                lead = " " if part[:1].isspace() else ""
                tail = " " if part[-1:].isspace() else ""
                rebuilt.append(lead + _clean_run(next(translated)) + tail)
            else:
                rebuilt.append(part)
        out = _restore(s, "".join(rebuilt))
        _offer(s, out, "fallback", which, context, {h.entry.id: "fallback" for h in s.item.hits})
        if s.best is None and markers_kept(s.item.text, out) and not markers_kept(s.item.text, s.engine_text):
            # the engine lost the markup and the pieces lost a term: the pieces keep the text and the markup
            s.best = (len(_problems(s, out, context)), out, {h.entry.id: "fallback" for h in s.item.hits})


def _clean(text: str) -> str:
    return re.sub(r"[\s.!?;:,]+$", "", strip_markers(text)).strip()


def _clean_run(text: str) -> str:
    return text.strip()


STRATEGY_ORDER: tuple[Callable[[list[State], Context], None], ...] = (hypothesis, lexical, substitute, placeholder)


def enforce(items: Sequence[Item], context: Context) -> list[Outcome]:
    """Translate a batch with its glossary hits; every segment gets a text and, per entry, the strategy."""
    states = []
    for item in items:
        want = [expected(h.entry, h, context.src, context.tgt, context.source_morph, context.target_morph)
                for h in item.hits]
        states.append(State(item, want, context.tgt))
    engine_pass(states, context)
    for strategy in STRATEGY_ORDER:
        pending = [s for s in states if not s.done]
        if not pending:
            break
        strategy(pending, context)
    # nothing realized every term: the run-by-run fallback, which masks every term
    fallback([s for s in states if not s.done and s.best is None], context)
    outcomes = []
    for s in states:
        # a realized candidate with an agreement problem no strategy avoided is kept: the check reports it;
        # with no realized candidate at all, the engine's sentence, and the check reports the missing terms
        problems, text, strategies = s.best or (s.engine_problems, s.engine_text, {h.entry.id: "engine" for h in s.item.hits})
        outcomes.append(Outcome(text, strategies, s.unknown))
    return outcomes

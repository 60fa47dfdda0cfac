"""Agreement in target text, read with the language's morphological analyser: noun phrases whose article or
adjective cannot agree with their noun ("el burocracia", "potencias imperialistas europeos"), and the repair of
the words around an inserted glossary term (articles, contractions, adjectives) to the term's gender and number.

The check is deliberately cautious: a word the analyser does not know, or that can also be a verb or a pronoun,
never makes a problem, so a problem it reports is one a reader would see. The same check measures the engine's
own sentence and the enforced one, so the glossary can be held to "no worse than the engine".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Sequence

from ..engines.morphology import Morphology, Reading

# Spanish feminine nouns that begin with a stressed a take "el" and "un" ("el área", "un arma").
_STRESSED_A = {"agua", "águila", "ala", "alma", "ama", "ancla", "ansia", "arca", "área", "arma", "arpa", "asa",
               "aula", "ave", "aya", "haba", "habla", "hacha", "hada", "hambre", "hampa", "haya"}

# A word, with an elided article or preposition as a word of its own ("l'", "d'").
WORD_RE = re.compile(r"[^\W\d_]+['’](?=\w)|\w+(?:[-‐]\w+)*")
_NOMINAL = ("n", "adj")
_COPULAS = ("vbser", "vbhaver", "vaux", "vbmod")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    readings: tuple[Reading, ...]


@dataclass(frozen=True)
class Problem:
    """A noun phrase whose words cannot agree: text[start:end] is what a reader sees ("el burocracia")."""

    start: int
    end: int
    text: str


Known = Sequence[tuple[int, int, Reading]]  # spans of text whose reading the glossary gives (a term)


def tokens(text: str, morph: Morphology, known: Known = ()) -> list[Token]:
    """The words of `text` with their readings; each known span (a glossary term: "burocracia estalinista" is
    a feminine singular noun, whatever the analyser knows of "estalinista") is one token."""
    found = [(m.start(), m.end(), m.group(0)) for m in WORD_RE.finditer(text)]
    readings = morph.analyse(w.replace("’", "'") for _, _, w in found)
    lowered = morph.analyse(w.lower().replace("’", "'") for _, _, w in found)
    out = [Token(s, e, w, r or low) for (s, e, w), r, low in zip(found, readings, lowered)]
    for start, end, reading in sorted(known, key=lambda k: (k[0], k[1]), reverse=True):
        inside = [i for i, t in enumerate(out) if t.start >= start and t.end <= end]
        if inside:
            out[inside[0] : inside[-1] + 1] = [Token(start, end, text[start:end], (reading,))]
    return out


def _gender_ok(a: str, b: str) -> bool:
    return not a or not b or a == b or "mf" in (a, b) or "GD" in (a, b)


def _number_ok(a: str, b: str) -> bool:
    return not a or not b or a == b or "sp" in (a, b) or "ND" in (a, b)


def agree(a: Reading, b: Reading) -> bool:
    return _gender_ok(a.gender, b.gender) and _number_ok(a.number, b.number)


def _article_fits(det: Reading, word: Token) -> bool:
    """Agreement, and the Spanish rule that "el" and "un" stand before a feminine noun with a stressed a."""
    if any(agree(det, r) for r in word.readings):
        return True
    lower = word.text.lower()
    return (det.lemma in ("el", "uno", "alguno", "ninguno") and det.gender == "m" and det.number == "sg"
            and (lower in _STRESSED_A or lower.startswith(("á", "há")))
            and any(r.gender == "f" and r.number in ("sg", "sp", "") for r in word.readings))


def _determiners(tok: Token) -> list[Reading]:
    return [r for r in tok.readings if r.category == "det" and "ord" not in r.tags]


def _adjective_like(r: Reading) -> bool:
    """Adjectives, participles and ordinals ("Cuarta") agree like adjectives."""
    return r.category == "adj" or (r.category == "vblex" and "pp" in r.tags) or (r.category == "det" and "ord" in r.tags)


def _nominal(r: Reading) -> bool:
    return r.category in _NOMINAL or _adjective_like(r)


def _all_nominal(tok: Token) -> bool:
    return bool(tok.readings) and all(_nominal(r) for r in tok.readings)


def problems(text: str, morph: Morphology, known: Known = ()) -> list[Problem]:
    """Every noun phrase of `text` that cannot agree, left to right."""
    return list(_problems(text, morph, tuple(known)))


@functools.lru_cache(maxsize=4096)
def _problems(text: str, morph: Morphology, known: tuple) -> tuple[Problem, ...]:
    # the same sentence is read for the engine's candidate, the chosen one and the report
    toks = tokens(text, morph, known)
    found: list[tuple[int, int]] = []
    for i, tok in enumerate(toks):
        dets = _determiners(tok)
        # article + noun or adjective: "el burocracia", "cada delegados", "del Cuarta" ("la" may be a pronoun,
        # but not before a word that can only be a noun or an adjective)
        if dets and i + 1 < len(toks) and not text[tok.end : toks[i + 1].start].strip():
            nxt = toks[i + 1]
            if _all_nominal(nxt) and not any(_article_fits(d, nxt) for d in dets):
                found.append((i, i + 1))
                continue
            # article + adjective + noun: "del revolucionario clase obrera"
            adjectives = [r for r in nxt.readings if _adjective_like(r)]
            if (i + 2 < len(toks) and adjectives and _all_nominal(nxt) and _all_nominal(toks[i + 2])
                    and not text[nxt.end : toks[i + 2].start].strip()):
                nouns = [r for r in toks[i + 2].readings if r.category == "n"]
                if nouns and not any(agree(d, a) and agree(a, n) and agree(d, n)
                                     for d in dets for a in adjectives for n in nouns):
                    found.append((i, i + 2))
                    continue
        # noun + the adjectives after it: "potencias imperialistas europeos" (not after a word that can be the
        # verb "to be", "ser formada", whose participle agrees with the subject)
        nouns = [r for r in tok.readings if r.category == "n"]
        if not nouns or any(r.category in _COPULAS for r in tok.readings):
            continue
        j = i + 1
        while j < len(toks) and _all_nominal(toks[j]) and any(_adjective_like(r) for r in toks[j].readings):
            if text[toks[j - 1].end : toks[j].start].strip(" "):  # punctuation between: not one phrase
                break
            adjectives = [r for r in toks[j].readings if _adjective_like(r)]
            if not any(agree(n, a) for n in nouns for a in adjectives) and not _agrees_with_earlier_head(
                toks, i, adjectives
            ):
                found.append((i, j))
                break
            j += 1
    return tuple(Problem(toks[a].start, toks[b].end, text[toks[a].start : toks[b].end]) for a, b in found)


def _agrees_with_earlier_head(toks: Sequence[Token], noun: int, adjectives: Sequence[Reading]) -> bool:
    """"comités de huelga despedidos": an adjective after "N de N" may belong to the first noun."""
    k = noun - 1
    while k >= 0 and _determiners(toks[k]) and not any(r.category == "pr" for r in toks[k].readings):
        k -= 1
    if k < 1 or not any(r.category == "pr" or any(t == "pr" for _, tags in r.parts for t in tags[:1])
                        for r in toks[k].readings):
        return False
    k -= 1
    while k >= 0 and toks[k].readings and all(_adjective_like(r) for r in toks[k].readings):
        k -= 1
    return k >= 0 and any(r.category == "n" and agree(r, a) for r in toks[k].readings for a in adjectives)


def count(text: str, morph: Morphology | None, known: Known = ()) -> int:
    return len(problems(text, morph, known)) if morph is not None else 0


def noun(gender: str, number: str) -> Reading:
    """The reading of a glossary noun term of this gender and number ("" for either number)."""
    return Reading((("term", ("n", gender if gender in ("m", "f") else "mf", number or "sp")),))


def touching(found: Sequence[Problem], start: int, end: int) -> list[Problem]:
    """The problems that involve the words text[start:end] (a term as it stands in the output)."""
    return [p for p in found if p.start < end and start < p.end]


# --- repair --------------------------------------------------------------------------------------------------


def _with(reading: Reading, gender: str, number: str) -> str:
    """The reading's head part written with another gender and number, for the generator."""
    lemma, tags = reading.head
    new = [("f" if gender == "f" else "m") if t in ("m", "f") and gender in ("m", "f") else
           (number if t in ("sg", "pl") and number in ("sg", "pl") else t) for t in tags]
    return lemma + "".join(f"<{t}>" for t in new)


def _contracted(reading: Reading, det_form: str) -> str:
    """'del' re-inflected: the preposition written out before the new article ("de la")."""
    parts = reading.parts
    if len(parts) == 2 and parts[0][1][:1] == ("pr",):
        return f"{parts[0][0]} {det_form}"
    return det_form


def repair(text: str, start: int, end: int, gender: str, number: str, morph: Morphology) -> str:
    """Re-inflect the article right before text[start:end] (an inserted term of `gender` and `number`) and the
    adjectives right after it, where they cannot agree with it. Only words the analyser knows are touched."""
    if gender not in ("m", "f") and number not in ("sg", "pl"):
        return text
    toks = tokens(text, morph)
    term = noun(gender, number)
    edits: list[tuple[int, int, str]] = []
    # the articles, possessives and adjectives right before the term ("El nostre" -> "Els nostres")
    pos = start
    for word in reversed([t for t in toks if t.end <= start]):
        if text[word.end : pos].strip() != "":
            break
        dets = _determiners(word)
        adjectives = [r for r in word.readings if _adjective_like(r)] if _all_nominal(word) else []
        fitting = dets or adjectives
        if not fitting:
            break
        if not any(agree(r, term) for r in fitting):
            form = morph.generate([_with(fitting[0], gender, number)])[0]
            if form:
                new = _contracted(fitting[0], form) if dets else form
                edits.append((word.start, word.end, _same_case(word.text, new)))
        pos = word.start
    after = [t for t in toks if t.start >= end]
    pos = end
    for adj in after:
        if text[pos : adj.start].strip() != "" or not adj.readings or not all(_adjective_like(r) for r in adj.readings):
            break
        if not any(agree(term, r) for r in adj.readings):
            reading = next(r for r in adj.readings if _adjective_like(r))
            form = morph.generate([_with(reading, gender, number)])[0]
            if form:
                edits.append((adj.start, adj.end, _same_case(adj.text, form)))
        pos = adj.end
    for a, b, new in sorted(edits, reverse=True):
        text = text[:a] + new + text[b:]
    return text


def _same_case(old: str, new: str) -> str:
    if old[:1].isupper():
        return new[:1].upper() + new[1:]
    return new

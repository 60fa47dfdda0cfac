"""What a translation must say for one glossary hit: the target term in the source's number, in the case its
place in the sentence asks for, and the other forms that count as the term realized.

A singular source gets the singular term and a plural source the plural one: the number of a hit comes from the
glossary's aligned forms ("working classes" is `plural.en`), else from the source language's analyser, else it is
the term's own. The target form in the other number comes from the glossary (`plural`, `singular`), else from the
target language's generator, else from a short rule list for Spanish and Catalan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..data import MARKER_RE, GlossaryEntry, TermHit
from ..engines.morphology import Morphology

# Words that are not inflected with the head of a noun phrase ("comité de huelga" -> "comités de huelga").
_FUNCTION_WORDS = {
    "es": {"de", "del", "la", "el", "los", "las", "y", "e", "o", "u", "para", "por", "sin", "con", "en", "a", "al"},
    "ca": {"de", "del", "dels", "la", "el", "els", "les", "i", "o", "per", "sense", "amb", "en", "a", "al", "als", "d'"},
}


@dataclass(frozen=True)
class Expected:
    """The glossary's demand for one hit in one target language."""

    text: str  # the form to write, glossary case
    accepted: tuple[str, ...]  # forms that count as realized, `text` first
    number: str  # sg or pl: the source's number
    gender: str  # m, f, n, mf or ""
    category: str  # noun, adj, or keep


def hit_number(entry: GlossaryEntry, hit_text: str, src: str, source_morph: Morphology | None) -> str:
    said = entry.number_of(src, hit_text)
    if said:
        return said
    if source_morph is not None:
        words = hit_text.split()
        if words:
            readings = source_morph.analyse([words[-1].lower()])[0]
            numbers = {r.number for r in readings if r.category == "n"}
            if numbers == {"pl"}:
                return "pl"
            if numbers == {"sg"}:
                return "sg"
    return entry.grammar_of(src).number


def inflect_number(term: str, number: str, lang: str, morph: Morphology | None) -> str | None:
    """`term` (a noun phrase) in the other number: the head noun and the adjectives that agree with it change,
    words after a preposition stay ("comité de huelga" -> "comités de huelga")."""
    words = term.split()
    out: list[str] = []
    changing = True
    function = _FUNCTION_WORDS.get(lang, set())
    readings = morph.analyse([w.lower() for w in words]) if morph is not None else [()] * len(words)
    for word, options in zip(words, readings):
        if not changing or word.lower() in function:
            changing = changing and word.lower() not in function
            out.append(word)
            continue
        new = None
        if morph is not None:
            reading = next((r for r in options if r.category in ("n", "adj")), None)
            if reading is not None:
                lemma, tags = reading.head
                unit = lemma + "".join(f"<{number}>" if t in ("sg", "pl") else f"<{t}>" for t in tags)
                new = morph.generate([unit])[0]
        if new is None:
            new = _rule_number(word, number, lang)
        if new is None:
            return None
        out.append(new[:1].upper() + new[1:] if word[:1].isupper() else new)
    return " ".join(out)


def _rule_number(word: str, number: str, lang: str) -> str | None:
    """Spanish and Catalan plurals by rule, for words the generator does not know ("estalinista")."""
    if lang not in ("es", "ca"):
        return None
    lower = word.lower()
    if number == "pl":
        if lang == "es":
            if lower[-1] in "aeiouáéó":
                return word + "s"
            if lower.endswith("z"):
                return word[:-1] + "ces"
            accentless = str.maketrans("áéíóú", "aeiou")
            if re.search(r"[áéíóú][nsl]$", lower):
                return word.translate(accentless) + "es"
            return word + "es"
        if lower.endswith("a"):
            return word[:-1] + "es"
        if lower[-1] in "eiou":
            return word + "s"
        return word + "s"
    if lang == "es" and lower.endswith("ces"):
        return word[:-3] + "z"
    if lower.endswith("es") and lang == "ca":
        return word[:-2] + "a"
    return word[:-1] if lower.endswith("s") else word


def expected(entry: GlossaryEntry, hit: TermHit, src: str, tgt: str,
             source_morph: Morphology | None = None, target_morph: Morphology | None = None) -> Expected:
    if entry.kind == "keep":
        return Expected(hit.text, (hit.text,), "sg", "", "keep")
    grammar = entry.grammar_of(tgt)
    preferred = entry.preferred(tgt) or hit.text
    number = hit_number(entry, hit.text, src, source_morph)
    own = grammar.number if tgt in entry.grammar else (_analysed_number(preferred, target_morph) or "sg")
    if number == own:
        text = preferred
    else:
        text = entry.number_form(tgt, number) or (
            inflect_number(preferred, number, tgt, target_morph) if grammar.category == "noun" else None
        ) or preferred
    gender = grammar.gender or (term_gender(preferred, target_morph) if grammar.category == "noun" else "")
    other = entry.number_form(tgt, "pl" if number == "sg" else "sg")
    accepted = [text] + [f for f in entry.accepted(tgt) if f != other or other == text]
    if grammar.category == "adj":
        # an adjective term agrees with its noun: every form counts
        accepted += list(adjective_forms(entry, tgt, target_morph).values())
    if hit.text.isupper() and len(hit.text) > 1 and not entry.case_sensitive and text.lower() == text:
        text = text.upper()
    return Expected(text, tuple(dict.fromkeys(accepted)), number, gender, grammar.category)


_HEAD_LAST = {"en", "de", "nl", "sv", "da", "nb"}  # languages whose noun phrases end with their head


def head_readings(term: str, morph: Morphology | None):
    """The readings of a noun phrase's head word: before any preposition, the first noun (Romance languages)
    or the last (English, German); () when the analyser knows no noun there."""
    if morph is None:
        return ()
    readings = morph.analyse([w.lower() for w in term.split()])
    before: list = []
    for options in readings:
        if before and any(r.category == "pr" for r in options) and not any(r.category == "n" for r in options):
            break
        before.append(options)
    nouns = [options for options in before if any(r.category == "n" for r in options)]
    if not nouns:
        return ()
    return nouns[-1] if morph.lang in _HEAD_LAST else nouns[0]


def _analysed_number(term: str, morph: Morphology | None) -> str:
    """The number of a term's head as the analyser knows it, for a glossary that does not say ("patronos")."""
    numbers = {r.number for r in head_readings(term, morph) if r.category == "n" and r.number in ("sg", "pl")}
    return numbers.pop() if len(numbers) == 1 else ""


def term_gender(term: str, morph: Morphology | None) -> str:
    """The gender of a term the glossary gives none for: its head noun's when the analyser is sure of it, else
    its first gendered word's ("Cuarta Internacional" is feminine by "Cuarta")."""
    if morph is None:
        return ""
    head = head_readings(term, morph)
    if head:
        genders = {r.gender for r in head if r.category == "n" and r.gender in ("m", "f")}
        return genders.pop() if len(genders) == 1 else ""
    for options in morph.analyse([w.lower() for w in term.split()]):
        genders = {r.gender for r in options if r.gender in ("m", "f")}
        if len(genders) == 1:
            return genders.pop()
    return ""


def adjective_forms(entry: GlossaryEntry, tgt: str, morph: Morphology | None) -> dict[str, str]:
    """An adjective term in each gender and number ("m.sg", "f.pl", ...), as far as they can be known."""
    lemma = entry.preferred(tgt) or ""
    grammar = entry.grammar_of(tgt)
    forms = {"m.sg": lemma}
    if grammar.gender == "mf" or morph is None or " " in lemma:
        plural = entry.number_form(tgt, "pl") or _rule_number(lemma, "pl", tgt) or lemma
        return {"m.sg": lemma, "f.sg": lemma, "m.pl": plural, "f.pl": plural}
    readings = [r for r in morph.analyse([lemma.lower()])[0] if r.category == "adj"]
    for gender in ("m", "f"):
        for number in ("sg", "pl"):
            made = None
            if readings:
                made = morph.generate([f"{readings[0].lemma}<adj><{gender}><{number}>"])[0]
            forms[f"{gender}.{number}"] = made or forms.get(f"{gender}.sg", lemma)
    return forms


def at_sentence_start(text: str, position: int) -> bool:
    before = MARKER_RE.sub("", text[:position])
    return not before.strip(" \"'“‘«¿¡([—–-")


def written(form: str, entry: GlossaryEntry, text: str, position: int) -> str:
    """The form as it stands at `position` of `text`: a capital at the start of a sentence, else the
    glossary's own case (names and acronyms keep theirs)."""
    if at_sentence_start(text, position) and not entry.case_sensitive:
        return form[:1].upper() + form[1:]
    return form

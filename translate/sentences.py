"""Offline sentence splitting for source text that carries inline markers.

Written by hand rather than taken from a library: the splitters on PyPI either download models (stanza, MiniSBD)
or do not let private-use marker characters sit at sentence edges; a rule list with an abbreviation table is
what the pipeline needs and is easy to test.
"""

from __future__ import annotations

import re

# Words after which a full stop does not end a sentence (compared lower-case, without the stop).
ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof rev fr sr jr st mt ft gen col lt cmdr capt sgt cpl pvt adm maj gov sen rep pres
    hon supt insp det messrs mme mlle
    e.g i.e etc vs v cf al approx ca est dept div inc ltd co corp plc bros assn univ
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun
    fig figs vol vols ch chap sec art p pp para ed eds trans
    """.split()
)
# Abbreviations that only hold before a number: "No. 5", "Art. 3", "p. 12".
NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "nr", "art", "p", "pp", "vol", "ch", "sec", "fig", "para"})

MARKER = "[\ue000\ue002\ue003]\\d+\ue001"  # any inline marker (see data.MARKER_RE)
_END = re.compile(
    rf"""(?P<stop>[.!?…]+|\.\.\.)          # the stop
         (?P<close>(?:["'”’»)\]]|{MARKER})*) # closing quotes, brackets, closing markup
         (?P<space>\s+)
         (?=(?P<next>(?:{MARKER})*.))     # what follows, past any opening markup
    """,
    re.VERBOSE,
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    stop = match.group("stop")
    following = text[match.end("space") :]
    following = re.sub(rf"^(?:{MARKER}|[\"'“‘«(\[¿¡])+", "", following)
    if not following:
        return False
    first = following[0]
    if first.islower():
        return False
    if stop != ".":
        return True
    word = _WORD_BEFORE.search(text[: match.start("stop")])
    if word is None:
        return True
    token = word.group(1).lower()
    if token in ABBREVIATIONS:
        return False
    if token in NUMBER_ABBREVIATIONS and first.isdigit():
        return False
    # Initials and dotted acronyms: "J. Smith", "U.S. forces", "U.N."
    if re.fullmatch(r"(?:\w\.)*\w", token) and len(token.replace(".", "")) <= 3 and (
        "." in token or (len(token) == 1 and word.group(1).isupper())
    ):
        return False
    return True


def split_sentences(text: str) -> list[str]:
    """Split one block's text into sentences; whitespace between them is dropped, nothing else is."""
    sentences: list[str] = []
    start = 0
    for match in _END.finditer(text):
        if _ends_sentence(text, match):
            piece = text[start : match.end("close")].strip()
            if piece:
                sentences.append(piece)
            start = match.end("space")
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences

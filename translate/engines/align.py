"""Where a span's markup goes in a neural translation: pure functions over the source's pieces, the target's pieces
and the model's attention between them (CTranslate2's `return_attention`).

A span (emphasis, a link, an image's alt text) is a range of characters of the source text. The pieces it covers
are aligned to target pieces by attention; the span then wraps the first to the last target piece aligned to it.
When no target piece is aligned to it, it goes on the target piece that attends most to its source pieces: an
unsure placement stays on what the words became, never on neighbours chosen by position, and never disappears.
Spans that were nested in the source stay nested; spans that were apart and now overlap are cut apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence


@dataclass(frozen=True)
class Piece:
    text: str  # the characters of the text it stands for, spaces before it included
    begin: int  # character offsets in that text
    end: int


def pieces(surfaces: Sequence[str]) -> list[Piece]:
    """Pieces from the surfaces a tokenizer gives (SentencePiece's), which put together are the text."""
    out, at = [], 0
    for surface in surfaces:
        out.append(Piece(surface, at, at + len(surface)))
        at += len(surface)
    return out


def aligned_source(attention: Sequence[Sequence[float]], source_count: int) -> list[int]:
    """For each target piece, the source piece it attends to most (the source's </s> and padding ignored)."""
    out = []
    for row in attention:
        weights = list(row[:source_count])
        out.append(max(range(len(weights)), key=weights.__getitem__) if weights else -1)
    return out


def source_range(pieces: Sequence[Piece], begin: int, end: int) -> tuple[int, int] | None:
    """The first and last source piece a character range touches; None for an empty range between pieces."""
    touched = [i for i, p in enumerate(pieces) if p.begin < end and p.end > begin and p.text.strip()]
    if touched:
        return touched[0], touched[-1]
    return None


def _nearest(pieces: Sequence[Piece], begin: int) -> int:
    """The source piece a zero-width span sits before (or the last one)."""
    return next((i for i, p in enumerate(pieces) if p.end > begin), len(pieces) - 1)


def place_spans(
    spans: Mapping[int, tuple[int, int]],
    source: Sequence[Piece],
    target_count: int,
    attention: Sequence[Sequence[float]],
) -> dict[int, tuple[int, int]]:
    """Target piece ranges (first, last; inclusive) for each span given as a source character range."""
    if not target_count or not source:
        return {}
    align = aligned_source(attention, len(source))
    ranges: dict[int, tuple[int, int]] = {}
    wanted: dict[int, tuple[int, int]] = {}
    for n, (begin, end) in spans.items():
        covered = source_range(source, begin, end)
        if covered is None:
            k = _nearest(source, begin)
            covered = (k, k)
        wanted[n] = covered
        a, b = covered
        targets = [t for t, s in enumerate(align) if a <= s <= b]
        if targets:
            ranges[n] = (min(targets), max(targets))
        else:
            mass = [sum(row[a : b + 1]) for row in attention[:target_count]]
            best = max(range(len(mass)), key=mass.__getitem__)
            ranges[n] = (best, best)
    return _untangle(ranges, wanted, align)


def _untangle(ranges: dict[int, tuple[int, int]], source: Mapping[int, tuple[int, int]],
              align: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Crossing target ranges made to nest (if their source spans nested) or to stand apart (if not)."""
    out = {n: list(r) for n, r in ranges.items()}
    changed = True
    rounds = 0
    while changed and rounds < 4 * len(out) + 4:
        changed = False
        rounds += 1
        for a in sorted(out):
            for b in sorted(out):
                if a == b:
                    continue
                ra, rb = out[a], out[b]
                if not (ra[0] < rb[0] <= ra[1] < rb[1]):
                    continue
                sa, sb = source[a], source[b]
                if sa[0] <= sb[0] and sb[1] <= sa[1]:  # b was inside a: a grows to hold it
                    ra[1] = rb[1]
                elif sb[0] <= sa[0] and sa[1] <= sb[1]:  # a was inside b: b grows to hold it
                    rb[0] = ra[0]
                else:  # apart in the source: the overlap goes to the span its pieces are aligned to
                    cut = ra[1]
                    while cut >= rb[0] and sb[0] <= align[cut] <= sb[1]:
                        cut -= 1
                    ra[1] = max(ra[0], cut)
                    rb[0] = ra[1] + 1
                    if rb[0] > rb[1]:
                        rb[1] = rb[0]
                changed = True
    return {n: (r[0], r[1]) for n, r in out.items()}


def inner_offset(source: Sequence[Piece], target: Sequence[str], align: Sequence[int], t: int, at: int) -> int | None:
    """Where inside target piece t a span boundary goes when it fell inside a source piece (at: the boundary's
    character offset in the source): the same place when the target piece copies the source piece (a name, a
    number, a word the model keeps); None otherwise, and the boundary goes to the piece's edge."""
    if not 0 <= t < len(target) or not 0 <= align[t] < len(source):
        return None
    piece = source[align[t]]
    word = piece.text.lstrip()
    start = piece.end - len(word)
    if word != target[t].lstrip() or not start < at < piece.end:
        return None
    return len(target[t]) - len(word) + (at - start)


def write(target: Sequence[str], opens: Mapping[int, list[str]], closes: Mapping[int, list[str]],
          inner: Mapping[tuple[int, int], list[str]] | None = None) -> str:
    """Target pieces (surfaces) back to text with markers: opens[i] go before piece i (after the spaces it starts
    with), closes[i] after it; inner[(i, k)] inside piece i before its character k."""
    out: list[str] = []
    inner = inner or {}
    for i, piece in enumerate(target):
        text = piece
        for (j, k), markers in sorted(inner.items(), reverse=True):
            if j == i and 0 < k < len(text):
                text = text[:k] + "".join(markers) + text[k:]
        word = text.lstrip()
        lead = text[: len(text) - len(word)]
        out.append(lead + "".join(opens.get(i, [])) + word + "".join(closes.get(i, [])))
    return "".join(out)

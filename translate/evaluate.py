"""translate eval: translate a reference set with and without the glossary and score both (sacrebleu chrF and
BLEU, the term success rate of the glossary terms found in the sources, and agreement problems per 1,000 words
where the target language has an analyser), so the whole effect of the glossary is one table."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from .data import Document, GlossaryEntry, Meta, Translation, plain_text
from .document import make_block
from .engines import Engine, resolve
from .errors import UserError
from .files import read_text
from .pipeline import translate_document
from .terms.check import check_terms
from .terms.glossary import TermMatcher


@dataclass(frozen=True)
class Score:
    chrf: float
    bleu: float
    term_success_rate: float
    terms_realized: int
    terms_total: int
    agreement_problems: int = 0
    words: int = 0
    checked: bool = False  # whether the target language has an analyser to count agreement problems with

    @property
    def problems_per_1000_words(self) -> float | None:
        return round(1000 * self.agreement_problems / self.words, 2) if self.checked and self.words else None

    def to_json(self) -> dict:
        return asdict(self) | {"agreement_problems_per_1000_words": self.problems_per_1000_words}


def read_references(path: Path) -> list[tuple[str, str]]:
    """`source<TAB>reference` lines; '#' lines and blank lines are skipped."""
    text = read_text(path, "a TSV file of source<TAB>reference lines")
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip():
            raise UserError(f"{path}:{number}: expected 'source<TAB>reference', found {len(parts)} column(s)")
        pairs.append((parts[0].strip(), parts[1].strip()))
    if not pairs:
        raise UserError(f"{path}: no 'source<TAB>reference' lines")
    return pairs


def _document(sources: Sequence[str]) -> Document:
    # One plain block per line: eval sets are plain text, not Markdown.
    blocks = [make_block("title", "title", "", ())]
    blocks += [make_block(f"l{i + 1}", "paragraph", text, ()) for i, text in enumerate(sources)]
    return Document(Path("eval"), "eval", Meta(title=""), tuple(blocks))


def _lines(translation: Translation) -> list[str]:
    return [plain_text(b) for b in translation.blocks if b.kind == "paragraph"]


def score(hypotheses: list[str], references: list[str], realized: int, total: int, problems: int = 0,
          words: int = 0, checked: bool = False) -> Score:
    import sacrebleu

    chrf = sacrebleu.corpus_chrf(hypotheses, [references]).score
    bleu = sacrebleu.corpus_bleu(hypotheses, [references]).score
    return Score(round(chrf, 2), round(bleu, 2), round(realized / total, 4) if total else 1.0, realized, total,
                 problems, words, checked)


def evaluate(
    pairs: list[tuple[str, str]], src: str, tgt: str, engine: Engine, entries: Sequence[GlossaryEntry]
) -> dict[str, Score]:
    from .engines.morphology import morphology

    concrete = resolve(engine, src, tgt)
    doc = _document([s for s, _ in pairs])
    references = [r for _, r in pairs]
    with_glossary = translate_document(doc, src, tgt, concrete, entries)
    without = translate_document(doc, src, tgt, concrete, ())
    # The same hits, checked in the output made without the glossary.
    matcher = TermMatcher(entries, src)
    hits = {s.id: found for s in doc.segments if (found := matcher.find(s.text))}
    outputs = {s.id: s.text for b in without.blocks for s in b.segments}
    checked = morphology(tgt) is not None
    plain = check_terms(hits, outputs, {}, src, tgt, morphology(src), morphology(tgt))
    used = with_glossary.report
    return {
        "with_glossary": score(_lines(with_glossary), references, used.realized, used.total, used.problems,
                               used.words, checked),
        "without_glossary": score(_lines(without), references, plain.realized, plain.total, plain.problems,
                                  plain.words, checked),
    }

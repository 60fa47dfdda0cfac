"""Placing spans by attention (pure logic: pieces and attention matrices as a model with reordering would give them),
and the Argos engine placing them through CTranslate2's return_attention with the tiny real package."""

import pytest
from argos_fixture import build_argos_package

from translate.data import strip_markers
from translate.engines.align import aligned_source, inner_offset, pieces, place_spans, write


def matrix(target_to_source: list[int | list[int]], sources: int) -> list[list[float]]:
    """Attention rows: each target piece attends to the source piece(s) named (spread evenly), a little elsewhere."""
    rows = []
    for aim in target_to_source:
        aims = aim if isinstance(aim, list) else [aim]
        row = [0.02] * (sources + 1)  # + the source's </s>
        for a in aims:
            row[a] = (1.0 - 0.02 * sources) / len(aims)
        rows.append(row)
    return rows


def spans_in(text: str, surfaces: list[str], ranges: dict[int, tuple[int, int]]) -> str:
    opens = {}
    closes = {}
    for n, (a, b) in sorted(ranges.items(), key=lambda kv: (kv[1][0], -kv[1][1])):
        opens.setdefault(a, []).append("[")
    for n, (a, b) in sorted(ranges.items(), key=lambda kv: (kv[1][1], -kv[1][0])):
        closes.setdefault(b, []).append("]")
    return write(surfaces, opens, closes)


def test_a_span_follows_its_words_when_they_move():
    source = pieces(["The", " working", " class", " fights"])
    span = {0: (4, 17)}  # "working class"
    target = [" Las", " peleas", " de", " clase", " labor", "ables"]
    attention = matrix([0, 3, 3, 2, 1, 1], len(source))
    ranges = place_spans(span, source, len(target), attention)
    assert ranges == {0: (3, 5)}
    assert spans_in("", target, ranges) == " Las peleas de [clase laborables]"


def test_a_two_word_span_split_by_the_engine_covers_what_lies_between():
    source = pieces(["rent", " strike", " committees"])
    target = [" comités", " de", " huelga", " del", " alquiler"]
    attention = matrix([2, 2, 1, [0, 1], 0], len(source))
    ranges = place_spans({0: (0, 11)}, source, len(target), attention)
    assert spans_in("", target, ranges) == " comités de [huelga del alquiler]"


def test_a_span_no_target_piece_is_aligned_to_stays_where_its_attention_is():
    source = pieces(["We", " did", " it", " very", " quickly"])
    target = [" Lo", " hicimos", " rapidísimo"]
    # no target piece attends most to "very", but "rapidísimo" attends to it more than any other piece does
    attention = [[0.1, 0.1, 0.6, 0.1, 0.1, 0], [0.4, 0.4, 0.1, 0.05, 0.05, 0], [0.0, 0.0, 0.0, 0.45, 0.55, 0]]
    assert aligned_source(attention, len(source)) == [2, 0, 4]
    ranges = place_spans({0: (11, 16)}, source, len(target), attention)  # "very"
    assert ranges == {0: (2, 2)}


def test_nested_spans_stay_nested_and_apart_spans_stay_apart():
    source = pieces(["The", " new", " policy", " fails"])
    # **The *new* policy** -> La póliza nueva falla: the inner span moved to the end of the outer one
    target = [" La", " póliza", " nueva", " falla"]
    attention = matrix([0, 2, 1, 3], len(source))
    ranges = place_spans({0: (0, 14), 1: (4, 7)}, source, len(target), attention)
    assert ranges == {0: (0, 2), 1: (2, 2)}
    assert spans_in("", target, ranges) == " [La póliza [nueva]] falla"
    # *The new* *policy fails*, the words interleaved by the engine: the target ranges would cross; the span
    # that starts later gives up the pieces it shares
    attention = matrix([0, 2, 1, 3], len(source))
    ranges = place_spans({0: (0, 7), 1: (8, 20)}, source, len(target), attention)
    assert ranges == {0: (0, 2), 1: (3, 3)}


def test_a_boundary_inside_a_copied_piece_stays_inside_it():
    # "foo*bar* is": the tokenizer made "foobar" one piece, the span starts inside it
    merged = pieces(["foobar", " is"])
    target = ["foobar", " ist"]
    align = aligned_source(matrix([0, 1], 2), 2)
    assert inner_offset(merged, target, align, 0, 3) == 3
    assert inner_offset(merged, [" fubar", " ist"], align, 0, 3) is None  # not a copy: the boundary goes to the edge
    assert write(target, {}, {0: ["]"]}, {(0, 3): ["["]}) == "foo[bar] ist"


def test_markers_go_after_the_space_a_piece_starts_with():
    assert write([" la", " clase", " obrera"], {1: ["<"]}, {2: [">"]}) == " la <clase obrera>"


# --- through the Argos engine ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    import zipfile

    from translate.engines.argos import ArgosEngine

    folder = tmp_path_factory.mktemp("align")
    archive = build_argos_package(folder, "en", "es", {"the": "la", "working": "trabajadora", "class": "clase",
                                                        "fights": "lucha", "rent": "alquiler", "strike": "huelga"})
    zipfile.ZipFile(archive).extractall(folder)
    return ArgosEngine([next(p for p in folder.iterdir() if p.is_dir())])


def test_argos_places_spans_by_attention_without_showing_them_to_the_model(engine):
    from translate.engines.argos import _encode

    source = "the \ue0020\ue001working class\ue0030\ue001 fights the \ue0021\ue001rent\ue0031\ue001 \ue0002\ue001 strike"
    sent = _encode(source, True)
    assert "⟦0⟧" not in sent and "⟦1⟧" not in sent and "⟦2⟧" in sent  # spans taken out, the point kept
    out = engine.translate([source], "en", "es")[0]
    assert out == "la \ue0020\ue001trabajadora clase\ue0030\ue001 lucha la \ue0021\ue001alquiler\ue0031\ue001 \ue0002\ue001 huelga"
    assert strip_markers(out) == "la trabajadora clase lucha la alquiler  huelga"


def test_argos_keeps_a_span_inside_a_word_it_copies(engine):
    out = engine.translate(["foo\ue0020\ue001bar\ue0030\ue001 and the snake_case class"], "en", "es")[0]
    assert out == "foo\ue0020\ue001bar\ue0030\ue001 and la snake_case clase"  # underscores kept, too

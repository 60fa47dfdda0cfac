import pytest

from translate.sentences import split_sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("The U.S. government met Mr. Smith. Then he left.", ["The U.S. government met Mr. Smith.", "Then he left."]),
        ("Use e.g. apples and i.e. pears. Next.", ["Use e.g. apples and i.e. pears.", "Next."]),
        ("See No. 5 on the list. It says no.", ["See No. 5 on the list.", "It says no."]),
        ("Dr. Who and J. R. Smith came. Both.", ["Dr. Who and J. R. Smith came.", "Both."]),
        ("He said: ‘It will lie.’ Then silence.", ["He said: ‘It will lie.’", "Then silence."]),
        ("“Quoted.” Next one.", ["“Quoted.”", "Next one."]),
        ("Ends with 1917. New one.", ["Ends with 1917.", "New one."]),
        ("no split before lower case. really", ["no split before lower case. really"]),
        ("Wait... What?", ["Wait...", "What?"]),
    ],
)
def test_split(text, expected):
    assert split_sentences(text) == expected


def test_markers_stay_with_their_sentence():
    text = "End \ue0001\ue001bold.\ue0002\ue001 \ue0003\ue001Start here."
    assert split_sentences(text) == ["End \ue0001\ue001bold.\ue0002\ue001", "\ue0003\ue001Start here."]

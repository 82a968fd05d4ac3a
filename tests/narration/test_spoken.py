"""Spoken text: what each rule says (table-driven), the map back to the original offsets
(hypothesis), and pronunciation dictionaries."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.errors import ReaderError
from reader.narration.pronunciations import load_dictionary, parse_dictionary
from reader.narration.spoken import Options, speakable

CASES = [
    # money
    ("$1 million", "one million dollars"),
    ("$1.5 billion", "one point five billion dollars"),
    ("It cost $3.50 today.", "It cost three dollars and fifty cents today."),
    ("$1 and $0.99", "one dollar and ninety-nine cents"),
    ("$30,000", "thirty thousand dollars"),
    ("£5.01", "five pounds and one penny"),
    # dates, years, decades
    ("On March 16, 2018 we met.", "On March sixteenth, twenty eighteen we met."),
    ("by Jan. 5", "by January fifth"),
    ("in 1863, then", "in eighteen sixty-three, then"),
    ("In 2018.", "In twenty eighteen."),
    ("the 1970s", "the nineteen seventies"),
    ("the 1900s and 2000s", "the nineteen hundreds and two thousands"),
    ("music of the '80s", "music of the eighties"),
    # ordinals, numbers, percent
    ("the 21st century", "the twenty-first century"),
    ("the 125th year", "the one hundred and twenty-fifth year"),
    (
        "30,000 chiefs from 150 countries",
        "thirty thousand chiefs from one hundred and fifty countries",
    ),
    ("2.5 times", "two point five times"),
    ("1,200 officers", "one thousand two hundred officers"),
    ("50% more", "fifty percent more"),
    # fractions and slashes
    ("after the 9/11 attacks", "after the nine eleven attacks"),
    ("open 24/7", "open twenty-four seven"),
    ("add 1/2 cup", "add one half cup"),
    ("3/4 of them", "three quarters of them"),
    ("2/3 voted", "two thirds voted"),
    ("½ a loaf", "one half a loaf"),
    ("and/or", "and or"),
    ("he/she", "he or she"),
    # initialisms and words in capitals
    ("thank IACP today", "thank I A C P today"),
    ("the FBI and NATO", "the F B I and NATO"),
    ("NASA and COPS", "NASA and COPS"),
    ("World War II", "World War II"),
    ("THE END OF IT", "THE END OF IT"),
    # abbreviations
    ("Dr. Smith and Mr. Jones", "Doctor Smith and Mister Jones"),
    ("Gen. Lee met Sen. Ross", "General Lee met Senator Ross"),
    ("the Dr. is in", "the Dr. is in"),  # not before a name: left to the engine
    ("Main St. and Elm", "Main St. and Elm"),  # Saint or Street: left to the engine
    ("in Jan. 2019", "in January twenty nineteen"),
    ("the U.S. Department", "the U.S. Department"),
    ("apples, pears, etc.", "apples, pears, et cetera"),
    # left alone
    ("Call 555-1234 at 10:30", "Call 555-1234 at 10:30"),
    ("law-and-order", "law-and-order"),
    ("attacks—and I", "attacks—and I"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "said"), CASES)
def test_what_is_said(text: str, said: str) -> None:
    assert speakable(text).text == said


def test_us_spelled_for_engines_that_stop_at_its_full_stop() -> None:
    assert speakable("the U.S. Department", options=Options(spell_us=True)).text == (
        "the U S Department"
    )


def test_word_marks_map_back_to_the_documents_words() -> None:
    text = "He gave $1 million to IACP in 1999."
    spoken = speakable(text)
    assert spoken.text == "He gave one million dollars to I A C P in nineteen ninety-nine."
    marks: dict[str, str] = {}
    position = 0
    for word in spoken.text.split(" "):
        start = spoken.text.index(word, position)
        position = start + len(word)
        begin = spoken.to_original(start)
        end = spoken.to_original(start + len(word), end=True)
        marks[word] = text[begin:end]
    assert marks["gave"] == "gave"
    assert marks["one"] == marks["dollars"] == "$1 million"
    assert marks["I"] == "IACP" and marks["P"] == "IACP"
    assert marks["nineteen"] == "1999" and marks["ninety-nine."] == "1999."
    million = spoken.text.index("million")
    assert spoken.original_span(million, million + 7) == (8, 18)  # "$1 million"


def test_to_spoken_inverts_kept_text() -> None:
    text = "On March 16, 2018 Dr. Who said so."
    spoken = speakable(text)
    start = text.index("said")
    assert spoken.text[spoken.to_spoken(start) :].startswith("said so.")
    assert spoken.to_original(spoken.to_spoken(start)) == start


HOSTILE = st.lists(
    st.sampled_from([*"0123456789$£%/.,:-' aAIPCNT½—\n", "Dr.", "1970s", "9/11", "U.S."]),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(HOSTILE, st.text(max_size=40)))
def test_the_map_is_monotonic_and_covers_everything(text: str) -> None:
    spoken = speakable(text)
    forward = [spoken.to_spoken(i) for i in range(len(text) + 1)]
    assert forward == sorted(forward)
    assert all(0 <= s <= len(spoken.text) for s in forward)
    assert forward[0] == 0 and forward[-1] == len(spoken.text)
    back = [spoken.to_original(i) for i in range(len(spoken.text) + 1)]
    assert back == sorted(back)
    assert all(0 <= o <= len(text) for o in back)
    ends = [spoken.to_original(i, end=True) for i in range(len(spoken.text) + 1)]
    assert ends == sorted(ends) and all(b <= e for b, e in zip(back, ends, strict=True))
    assert ends[-1] == len(text)
    # Text spoken as written maps onto itself.
    for (original, at), kept in zip(spoken.pieces, spoken.same, strict=True):
        if kept:
            assert spoken.to_original(at) == original


# --- pronunciation dictionaries ---------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "text", "said"),
    [
        ("IACP = eye-ack-pee", "thank IACP today", "thank eye-ack-pee today"),
        ("iacp = eye-ack-pee", "thank Iacp today", "thank eye-ack-pee today"),
        ("Sessions = Seshuns", "Sessions and sessions", "Seshuns and sessions"),
        ("/\\bNo\\.(?= \\d)/ = number", "No. 5 and No. Way", "number five and No. Way"),
        ("# a comment\n\nNATO = nay-toe  # trailing", "NATO", "nay-toe"),
        ("/#\\d+/ = hashtag", "see #42", "see hashtag"),
        ("$1 million = a cool million", "$1 million", "a cool million"),
    ],
)
def test_dictionary_entries_win(entries: str, text: str, said: str) -> None:
    assert speakable(text, parse_dictionary(entries, "test")).text == said


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("no equals sign", "line 1: expected 'word = spoken form'"),
        ("= nothing", "line 1: expected 'word = spoken form'"),
        ("word =", "no spoken form for word"),
        ("/(unclosed/ = x", "is invalid"),
        ("/a*/ = x", "matches empty text"),
        ("/(?P<n>a)/ = x", "named groups"),
        ("/abc = x", "expected '/regular expression/ = spoken form'"),
    ],
)
def test_bad_entries_are_one_clear_line(line: str, message: str) -> None:
    with pytest.raises(ReaderError) as caught:
        parse_dictionary(f"{line}\n", "speech.pronunciations.txt")
    assert message in caught.value.line and "speech.pronunciations.txt" in caught.value.line
    assert "\n" not in caught.value.line and caught.value.exit_code == 2


def test_document_entries_win_over_the_users(tmp_path: Path) -> None:
    document = tmp_path / "speech.md"
    document.write_text("text")
    user = tmp_path / "user.txt"
    user.write_text("IACP = user form\nNATO = user nato\n")
    (tmp_path / "speech.pronunciations.txt").write_text("iacp = document form\n")
    both = load_dictionary(document, user_file=user)
    assert speakable("IACP and NATO", both).text == "document form and user nato"
    front = load_dictionary(document, "NATO = front; IACP = front too", user_file=user)
    assert speakable("IACP and NATO", front).text == "front too and front"
    assert load_dictionary(tmp_path / "other.md", user_file=tmp_path / "none.txt").entries == ()


def test_an_unreadable_dictionary_is_one_line(tmp_path: Path) -> None:
    user = tmp_path / "user.txt"
    user.write_bytes(b"\xff\xfe not utf-8 \xff")
    with pytest.raises(ReaderError, match=r"cannot read the pronunciations in .*user\.txt"):
        load_dictionary(user_file=user)

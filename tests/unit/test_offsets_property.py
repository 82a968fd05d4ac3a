"""Property tests: every unit's offsets cut exactly its text, for arbitrary Unicode."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reader.ingest import parse_text
from reader.sanitize import clean_text, for_terminal

PROSE = st.lists(
    st.sampled_from([*list("ab Z.?!…—–-'’“”\"()$%,/:19\n \xa0"), "\n\n", "Dr. ", "U.S. ", "I. "]),
    max_size=120,
).map("".join)


def _check(text: str, markdown: bool) -> None:
    document = parse_text(text, markdown=markdown)
    for paragraph in document.paragraphs:
        assert document.text[paragraph.start : paragraph.end] == paragraph.text
        assert paragraph.text == paragraph.text.strip()
        previous = paragraph.start
        for sentence in paragraph.sentences:
            assert document.text[sentence.start : sentence.end] == sentence.text
            assert paragraph.start <= sentence.start < sentence.end <= paragraph.end
            assert sentence.start >= previous
            assert not document.text[previous : sentence.start].strip()
            previous = sentence.end
            for word in sentence.words:
                assert document.text[word.start : word.end] == word.text
                assert sentence.start <= word.start < word.end <= sentence.end
        assert not document.text[previous : paragraph.end].strip()


@given(st.text(max_size=400))
@settings(max_examples=300, deadline=None)
def test_offsets_hold_for_any_unicode_plain(text: str) -> None:
    _check(text, markdown=False)


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_offsets_hold_for_any_unicode_markdown(text: str) -> None:
    _check(text, markdown=True)


@given(PROSE)
@settings(max_examples=300, deadline=None)
def test_offsets_hold_for_prose_like_text(text: str) -> None:
    _check(text, markdown=False)


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_clean_text_leaves_no_controls(text: str) -> None:
    cleaned, _removed = clean_text(text)
    for char in cleaned:
        code = ord(char)
        assert char in "\t\n" or not (code < 0x20 or 0x7F <= code <= 0x9F)
        assert char not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_for_terminal_is_one_printable_line(text: str) -> None:
    line = for_terminal(text)
    assert "\n" not in line
    assert "\x1b" not in line
    assert all(not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) for c in line)

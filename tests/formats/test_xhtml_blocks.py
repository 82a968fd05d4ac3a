"""The block rules shared by EPUB and HTML input, and the promise that no text is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.formats.base import Source
from reader.formats.elements import same_language
from reader.formats.html import FORMAT


def blocks(body: str, lang: str = "en") -> list[tuple[str, str, str]]:
    page = f'<html lang="{lang}"><body>{body}</body></html>'
    parsed = FORMAT.parse(Source(Path("t.html"), page.encode()))
    return [(b.text, b.kind, b.language) for b in parsed.blocks]


P, LI, Q, CODE, ROW = "paragraph", "list-item", "quote", "code", "table-row"

CASES = {
    "text around a block": (
        "<div>lead<p>para</p>tail</div>",
        [("lead", P), ("para", P), ("tail", P)],
    ),
    "line break": ("<p>a<br>b</p>", [("a\nb", P)]),
    "pre keeps lines": ("<pre>\nline1\n  line2\n</pre>", [("line1\n  line2", CODE)]),
    "pre with br": ("<pre>a<br>b</pre>", [("a\nb", CODE)]),
    "ruby read once": ("<p><ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>字</p>", [("漢字", P)]),
    "hidden": ('<p>x<span hidden>y</span><span style="display: none">w</span>z</p>', [("xz", P)]),
    "aria hidden": ('<p>x<span aria-hidden="true">*</span>z</p>', [("xz", P)]),
    "math alt": (
        '<p>E = <math alttext="m c squared"><mi>m</mi></math>.</p>',
        [("E = m c squared.", P)],
    ),
    "svg title": ("<p><svg><title>A chart</title><rect/></svg></p>", [("A chart", P)]),
    "image alt": (
        '<p>See <img src="a.png" alt="a map"> here</p><img src="b.png" alt="">',
        [("See a map here", P)],
    ),
    "nested lists": ("<ul><li>a<ul><li>b</li></ul>c</li></ul>", [("a", LI), ("b", LI), ("c", LI)]),
    "ordered value": (
        '<ol start="x"><li>a</li><li value="7">b</li><li>c</li></ol>',
        [("1. a", LI), ("7. b", LI), ("8. c", LI)],
    ),
    "nested table": (
        "<table><tr><td>a</td><td><table><tr><td>n</td></tr></table></td></tr></table>",
        [("a; n", ROW)],
    ),
    "header cells": (
        "<table><thead><tr><th>k</th><th></th><th>v</th></tr></thead></table>",
        [("k; v", ROW)],
    ),
    "quote": ("<blockquote>q<p>p</p></blockquote>", [("q", Q), ("p", Q)]),
    "inline holding a block": ("<span>s<p>inside</p></span>", [("s", P), ("inside", P)]),
    "script and comment": (
        "<p>one <script>x()</script>two<!-- c --> three</p>",
        [("one two three", P)],
    ),
    "entities": ("<p>a&nbsp;b&mdash;c&amp;d</p>", [("a\u00a0b\u2014c&d", P)]),
    "horizontal rule": ("<div>a<hr>b</div>", [("a", P), ("b", P)]),
    "hidden pop-up note": (
        '<p>x<a href="#n" role="doc-noteref"><sup>1</sup></a>.</p>'
        '<aside id="n" role="doc-footnote" hidden="hidden">Said so.</aside><p>y</p>',
        [("x.", P), ("y", P), ("1 Said so.", "note")],
    ),
    "definition list": ("<dl><dt>term</dt><dd>meaning</dd></dl>", [("term", P), ("meaning", P)]),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_block_rules(case: str) -> None:
    body, expected = CASES[case]
    assert [(text, kind) for text, kind, _ in blocks(body)] == expected


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ('<p lang="de">Hallo</p>', "de"),
        ('<p lang="en-US">Hello</p>', ""),
        ('<div lang="fr"><p>Bonjour</p></div>', "fr"),
        ('<div lang="fr"><p lang="en">Hello</p></div>', ""),
    ],
)
def test_language_only_where_it_differs(body: str, language: str) -> None:
    assert blocks(body)[0][2] == language


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("en", "en-US", True),
        ("en-GB", "en-US", False),
        ("EN_us", "en-US", True),
        ("fr", "en", False),
    ],
)
def test_same_language(a: str, b: str, same: bool) -> None:
    assert same_language(a, b) is same


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6)
TAGS = ["div", "p", "span", "em", "blockquote", "section", "li", "td", "h2", "pre", "a", "sup"]


def _tree(depth: int) -> st.SearchStrategy[str]:
    leaf = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
    if depth == 0:
        return leaf
    child = st.one_of(
        leaf,
        st.tuples(st.sampled_from(TAGS), _tree(depth - 1)).map(
            lambda pair: f"<{pair[0]}>{pair[1]}</{pair[0]}>"
        ),
    )
    return st.lists(child, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(_tree(3))
def test_no_word_is_lost(body: str) -> None:
    """Whatever the nesting, every word of the page is read exactly once."""
    expected = sorted(body.replace("<", " <").replace(">", "> ").split())
    expected = [w for w in expected if not w.startswith("<")]
    got = sorted(word for text, _, _ in blocks(f"<main>{body}</main>") for word in text.split())
    assert got == expected

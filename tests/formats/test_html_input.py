"""HTML input: the seed page read as its Markdown twin, page furniture left out,
encodings, metadata and the choice of the main content."""

from __future__ import annotations

import codecs
import datetime
from pathlib import Path

import pytest

from reader.document import Document
from reader.errors import ReaderError
from reader.formats.base import Block, Parsed, Source
from reader.formats.html import FORMAT

SEED_PAGE = Path(__file__).resolve().parents[1] / "data" / "seed-page.html"


def parse(data: bytes | str, name: str = "page.html") -> Parsed:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return FORMAT.parse(Source(Path(name), raw))


def words(text: str) -> str:
    return " ".join(text.split())


def body_texts(blocks: tuple[Block, ...]) -> list[str]:
    return [words(b.text) for b in blocks if b.level == 0]


@pytest.fixture(scope="module")
def seed_page() -> Parsed:
    return parse(SEED_PAGE.read_bytes(), str(SEED_PAGE))


def test_seed_page_has_the_markdown_files_sixty_paragraphs(
    seed_page: Parsed, speech: Document
) -> None:
    expected = [p.text for p in speech.paragraphs]
    assert len(expected) == 60
    assert body_texts(seed_page.blocks) == expected
    assert [b.kind for b in seed_page.blocks if b.level == 0] == ["paragraph"] * 60


def test_seed_page_metadata_matches_the_markdown_file(seed_page: Parsed, speech: Document) -> None:
    fields = seed_page.fields
    assert fields["title"] == speech.metadata.title
    assert fields["language"] == speech.metadata.language
    # The page gives the date as microdata (ISO 8601), the Markdown file as words.
    page_date = datetime.date.fromisoformat(fields["date"])
    assert page_date == datetime.datetime.strptime(speech.metadata.date, "%B %d, %Y").date()
    # The title is the article's only heading, a section over the whole speech.
    assert [(b.level, b.text) for b in seed_page.blocks if b.level] == [(1, fields["title"])]


def test_seed_page_furniture_is_left_out(seed_page: Parsed) -> None:
    everything = " ".join(b.text for b in seed_page.blocks)
    for furniture in (
        "Skip to main content",
        "official website",
        "Our Work",
        "Breadcrumbs",
        "Office of Public Affairs",
        "Nashville",
        "prepared for delivery",
        "Updated",
        "More speeches",
        "Privacy Policy",
        "Pennsylvania Avenue",
        "dataLayer",
        "usa-skipnav",
        "Search",
    ):
        assert furniture not in everything


TEXT = "Caf\u00e9 \u201cquoted\u201d \u2014 done"
PAGE = "<html><head>{head}</head><body><p>" + TEXT + "</p></body></html>"


@pytest.mark.parametrize(
    ("data", "notice"),
    [
        (codecs.BOM_UTF8 + PAGE.format(head="").encode("utf-8"), False),
        (codecs.BOM_UTF16_LE + PAGE.format(head="").encode("utf-16-le"), False),
        (codecs.BOM_UTF16_BE + PAGE.format(head="").encode("utf-16-be"), False),
        (PAGE.format(head='<meta charset="windows-1252">').encode("cp1252"), False),
        (
            PAGE.format(
                head='<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
            ).encode("cp1252"),
            False,
        ),
        (PAGE.format(head='<meta charset="utf-16">').encode("utf-8"), False),
        (PAGE.format(head='<meta charset="no-such">').encode("utf-8"), False),
        (PAGE.format(head="").encode("utf-8"), False),
        (PAGE.format(head="").encode("cp1252"), True),
        (
            (
                '<?xml version="1.0" encoding="windows-1252"?>\n'
                '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>' + TEXT + "</p></body></html>"
            ).encode("cp1252"),
            False,
        ),
    ],
    ids=[
        "utf8-bom",
        "utf16le-bom",
        "utf16be-bom",
        "meta-charset",
        "http-equiv-latin1-is-1252",
        "utf16-label-without-bom",
        "unknown-label",
        "utf8-default",
        "cp1252-fallback",
        "xml-declaration",
    ],
)
def test_encodings(data: bytes, notice: bool) -> None:
    parsed = parse(data)
    assert body_texts(parsed.blocks) == [TEXT]
    assert bool(parsed.notices) is notice


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01\x02binary\x00", codecs.BOM_UTF8 + b"\xff\xfe\xfd"],
    ids=["nul-bytes", "bad-utf8-after-bom"],
)
def test_refusals_are_one_line(data: bytes) -> None:
    with pytest.raises(ReaderError) as caught:
        parse(data, "bad.html")
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("bad.html: ")


@pytest.mark.parametrize(
    ("head", "body", "title"),
    [
        (
            '<meta property="og:title" content="From OG"><title>T | Site</title>',
            "<h1>H</h1>",
            "From OG",
        ),
        ("<title>T | Site</title>", "<main><h1>From H1</h1></main>", "From H1"),
        ("<title>  From\n title </title>", "<p>x</p>", "From title"),
    ],
    ids=["og-title", "h1", "title-element"],
)
def test_title_sources(head: str, body: str, title: str) -> None:
    parsed = parse(f"<html><head>{head}</head><body>{body}<p>text</p></body></html>")
    assert parsed.fields["title"] == title


def test_author_date_language_from_the_page() -> None:
    parsed = parse(
        '<html lang="de"><head><meta name="author" content="Erika Muster">'
        '<meta property="article:author" content="https://example.org/erika">'
        '<meta property="article:published_time" content="2020-02-02T10:00:00Z">'
        "</head><body><p>Hallo</p></body></html>"
    )
    assert parsed.fields == {
        "author": "Erika Muster",
        "date": "2020-02-02T10:00:00Z",
        "language": "de",
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<nav><p>menu</p></nav><main><p>main</p></main><p>outside</p>", ["main"]),
        ('<div role="main"><p>main</p></div><p>outside</p>', ["main"]),
        ("<p>outside</p><article><p>story</p></article>", ["story"]),
        ("<article><p>one</p></article><article><p>two</p></article>", ["one", "two"]),
        ("<header><p>site</p></header><p>body</p><footer><p>foot</p></footer>", ["body"]),
        ("<main><aside><p>side</p></aside><form><p>f</p></form><p>kept</p></main>", ["kept"]),
        ("<main><header><h1>Title</h1><p>byline</p></header><p>text</p></main>", ["text"]),
    ],
    ids=[
        "main",
        "role-main",
        "one-article",
        "many-articles",
        "header-footer",
        "aside-form",
        "header-heading",
    ],
)
def test_main_content(body: str, expected: list[str]) -> None:
    parsed = parse(f"<html><body>{body}</body></html>")
    assert body_texts(parsed.blocks) == expected


def test_xhtml_file_with_notes() -> None:
    page = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
        ' xml:lang="en"><head><title>Notes</title></head><body><main>'
        '<p id="a">Claim<a href="#fn1" class="footnote-ref" id="fnref1" role="doc-noteref">'
        "<sup>1</sup></a> stands.</p>"
        '<aside epub:type="footnote" id="side"><p>An aside note.</p></aside>'
        '<section class="footnotes" role="doc-endnotes"><hr/><ol><li id="fn1"><p>Source one.'
        '<a href="#fnref1" class="footnote-back" role="doc-backlink">\u21a9</a></p></li></ol>'
        "</section><p>Last words.</p></main></body></html>"
    )
    parsed = parse(page, "notes.xhtml")
    assert [(b.text, b.kind, b.anchor) for b in parsed.blocks] == [
        ("Claim stands.", "paragraph", "#a"),
        ("Last words.", "paragraph", ""),
        ("An aside note.", "note", "#side"),
        ("1. Source one.", "note", "#fn1"),
    ]
    assert parsed.fields["language"] == "en"


def test_sniff_and_suffixes() -> None:
    assert FORMAT.sniff(Source(Path("x"), b"  <!DOCTYPE html><html></html>"))
    assert FORMAT.sniff(Source(Path("x"), b'<?xml version="1.0"?><html xmlns="x"/>'))
    assert not FORMAT.sniff(Source(Path("x"), b'<?xml version="1.0"?><package/>'))
    assert not FORMAT.sniff(Source(Path("x"), b"# Markdown"))
    assert FORMAT.suffixes == frozenset({".html", ".htm", ".xhtml"})

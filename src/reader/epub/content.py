"""The readable part of an EPUB: one XHTML content document per section, the navigation
document and the stylesheet with the class reading systems put on the text being read.

Units: sync units carry paragraph-local character offsets (``Paragraph.text`` indices);
they become ``<span>`` boundaries in the markup. Every id is derived from 1-based numbers
that people see: ``p12`` is paragraph 12, ``p12-s3`` its third sentence, ``p12-w40`` its
fortieth word (numbering of sentences and words is per paragraph, so ids never collide).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from reader.document import Document, Paragraph, Section
from reader.epub import escape
from reader.errors import ReaderError
from reader.narration.timing import ParagraphSync, TimedUnit

Granularity = Literal["sentence", "word"]
ACTIVE_CLASS = "-epub-media-overlay-active"
# The active text must show without relying on colour: an underline and an outline carry
# it on their own (no bold: changing the weight would reflow the line on every step).
STYLESHEET = f"""\
body {{ font-family: serif; line-height: 1.5; margin: 0 4%; }}
h1, h2, h3, h4, h5, h6 {{ line-height: 1.25; }}
header p {{ font-style: italic; margin: 0.25em 0; }}
p {{ margin: 0 0 1em 0; }}
.{ACTIVE_CLASS} {{
  background-color: #fff1a8;
  color: #000000;
  text-decoration: underline;
  text-decoration-thickness: 0.15em;
  outline: 2px solid #000000;
}}
"""
NAV_LABEL_WORDS = 8


@dataclass(frozen=True, slots=True)
class Units:
    """The timed units the overlay pairs with text, and their element ids."""

    units: tuple[TimedUnit, ...]
    ids: tuple[str, ...]


def paragraph_id(paragraph: Paragraph) -> str:
    """The element id of a paragraph."""
    return f"p{paragraph.number}"


def _ids(paragraph: Paragraph, kind: str, count: int) -> tuple[str, ...]:
    return tuple(f"p{paragraph.number}-{kind}{k}" for k in range(1, count + 1))


def overlay_units(paragraph: Paragraph, sync: ParagraphSync, granularity: Granularity) -> Units:
    """The sentences (or words) an overlay pairs with clips, with their ids."""
    units = sync.words if granularity == "word" else sync.sentences
    return Units(units, _ids(paragraph, "w" if granularity == "word" else "s", len(units)))


def paragraph_markup(paragraph: Paragraph, sync: ParagraphSync, granularity: Granularity) -> str:
    """``<p id="pN">`` with a span per sentence (and per word at word granularity).

    All of the paragraph's text is kept, in order; only spans are added around units.
    """
    text = paragraph.text
    sentences = sync.sentences
    sentence_ids = _ids(paragraph, "s", len(sentences))
    words = sync.words if granularity == "word" else ()
    word_ids = _ids(paragraph, "w", len(words))
    parts: list[str] = []
    position = 0
    next_word = 0

    def words_until(limit: int) -> None:
        nonlocal position, next_word
        while next_word < len(words) and words[next_word].char_start < limit:
            word = words[next_word]
            if word.char_end > limit:
                raise ReaderError(
                    f"paragraph {paragraph.number}: the word {word.text!r} crosses a sentence "
                    "boundary in the sync map; render the narration again"
                )
            parts.append(escape.text(text[position : word.char_start]))
            parts.append(f'<span id="{word_ids[next_word]}">{escape.text(word.text)}</span>')
            position = word.char_end
            next_word += 1

    for sentence, ident in zip(sentences, sentence_ids, strict=True):
        words_until(sentence.char_start)
        parts.append(escape.text(text[position : sentence.char_start]))
        parts.append(f'<span id="{ident}">')
        position = sentence.char_start
        words_until(sentence.char_end)
        parts.append(escape.text(text[position : sentence.char_end]))
        parts.append("</span>")
        position = sentence.char_end
    words_until(len(text))
    parts.append(escape.text(text[position:]))
    # dir="auto": a paragraph in Arabic or Hebrew runs right to left whatever the book's
    # language is.
    return f'<p id="{paragraph_id(paragraph)}" dir="auto">{"".join(parts)}</p>'


def section_label(document: Document, section: Section) -> str:
    """What a section is called in headings and the table of contents."""
    if section.title:
        return section.title
    if section.index == 0:
        return document.title
    return f"Section {section.number}"


def paragraph_label(paragraph: Paragraph) -> str:
    """A table-of-contents entry (markup): the number and the opening words as written,
    isolated with ``<bdi>`` so right-to-left text cannot reorder the number."""
    words = paragraph.words
    if len(words) > NAV_LABEL_WORDS:
        opening = paragraph.text[: paragraph.local(words[NAV_LABEL_WORDS - 1].end)] + " …"
    else:
        opening = paragraph.text
    return f"Paragraph {paragraph.number}: <bdi>{escape.text(opening)}</bdi>"


def _head(title: str, css_href: str, lang: str) -> list[str]:
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!DOCTYPE html>",
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
        f' lang="{escape.attr(lang)}" xml:lang="{escape.attr(lang)}">',
        "<head>",
        f"<title>{escape.text(title)}</title>",
        f'<link rel="stylesheet" type="text/css" href="{escape.attr(css_href)}"/>',
        "</head>",
    ]


def _byline(document: Document) -> list[str]:
    meta = document.metadata
    place_and_date = ", ".join(value for value in (meta.place, meta.date) if value)
    lines = [meta.speaker, place_and_date, meta.note, meta.source]
    return [f"<p>{escape.text(line)}</p>" for line in lines if line]


def section_document(
    document: Document,
    section: Section,
    syncs: Sequence[ParagraphSync],
    *,
    granularity: Granularity,
    css_href: str,
    lang: str,
) -> str:
    """The XHTML content document of one section (``syncs`` are the whole book's, indexed
    by paragraph index)."""
    label = section_label(document, section)
    level = min(max(section.level, 1), 6)
    lines = [*_head(label, css_href, lang), "<body>"]
    heading = f"<h{level}>{escape.text(label)}</h{level}>"
    byline = _byline(document) if section.index == 0 else []
    if byline:
        lines += ["<header>", heading, *byline, "</header>"]
    else:
        lines.append(heading)
    for index in section.paragraph_indices:
        paragraph = document.paragraphs[index]
        lines.append(paragraph_markup(paragraph, syncs[index], granularity))
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines)


def nav_document(
    document: Document, section_hrefs: Sequence[str], *, css_href: str, lang: str
) -> str:
    """The navigation document: every section, and under it every paragraph."""
    lines = [*_head(document.title, css_href, lang), "<body>"]
    lines += ['<nav epub:type="toc" id="toc">', "<h1>Contents</h1>", "<ol>"]
    for section, href in zip(document.sections, section_hrefs, strict=True):
        lines.append(
            f'<li><a href="{escape.attr(href)}">{escape.text(section_label(document, section))}</a>'
        )
        if len(section):
            lines.append("<ol>")
            for index in section.paragraph_indices:
                paragraph = document.paragraphs[index]
                target = f"{href}#{paragraph_id(paragraph)}"
                lines.append(
                    f'<li><a href="{escape.attr(target)}">{paragraph_label(paragraph)}</a></li>'
                )
            lines.append("</ol>")
        lines.append("</li>")
    lines += ["</ol>", "</nav>", "</body>", "</html>", ""]
    return "\n".join(lines)

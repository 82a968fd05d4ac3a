"""The read-along edition of a reader's own EPUB, made by the real command
(``reader render book.epub --format epub``: real eSpeak NG, real ffmpeg), checked by the
real EPUBCheck: the book's own files kept (only our ids, spans and one style sheet link
added), an overlay for every narrated paragraph in order, pointing at ids that exist and
hold the sentence they name, and for a book that was not clean, no EPUBCheck finding added.
"""

from __future__ import annotations

import json
import os
import posixpath
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from own_books import (
    NS,
    XHTML,
    by_id,
    canonical,
    epubcheck_findings,
    harbour_town,
    pars_in_spine_order,
    read_members,
    undo_read_along,
    words,
)

from reader.document import Document
from reader.formats.elements import is_noteref
from reader.ingest import load_document

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "formats"))
import itertools

from books import epub2, epub3, zip_bytes

OPF = "OEBPS/content.opf"


def epub2_with(*edits: tuple[str, str]) -> bytes:
    """The EPUB 2 test book with ``edits`` made in its text members."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(epub2())) as archive:
        members: list[tuple[str, bytes | str]] = []
        for info in archive.infolist():
            if info.filename != "mimetype":
                data = archive.read(info)
                for old_text, new_text in edits:
                    data = data.replace(old_text.encode(), new_text.encode())
                members.append((info.filename, data))
    return zip_bytes(members)


EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


@dataclass(frozen=True)
class Edition:
    """A book, its read-along edition and the narration behind it."""

    source: Path
    out: Path
    document: Document
    syncs: list[dict[str, Any]]
    original: dict[str, bytes]
    members: dict[str, bytes]


def render(
    data: bytes, folder: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    folder.mkdir(parents=True, exist_ok=True)
    book = folder / "book.epub"
    book.write_bytes(data)
    return subprocess.run(
        [sys.executable, "-m", "reader", "render", str(book), "--format", "epub",
         "-o", str(folder / "out"), "--quiet", *extra],
        capture_output=True, text=True, check=False, timeout=300, env=env,
    )  # fmt: skip


def edition(data: bytes, folder: Path, *extra: str) -> Edition:
    result = render(data, folder, *extra)
    assert result.returncode == 0, result.stderr
    source, out = folder / "book.epub", folder / "out" / "book.epub"
    document = load_document(source)
    width = max(3, len(str(len(document.paragraphs))))
    syncs = [
        json.loads((folder / "out" / f"p{n:0{width}d}.json").read_text(encoding="utf-8"))
        for n in range(1, len(document.paragraphs) + 1)
    ]
    return Edition(source, out, document, syncs, read_members(source), read_members(out))


@pytest.fixture(scope="module")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Edition:
    return edition(harbour_town(), tmp_path_factory.mktemp("harbour"))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Edition:
    return edition(epub3(), tmp_path_factory.mktemp("small"))


@pytest.fixture(params=["harbour", "small", "old"])
def any_edition(request: pytest.FixtureRequest) -> Edition:
    found: Edition = request.getfixturevalue(request.param)
    return found


def check_both(source: Path, out: Path, folder: Path) -> tuple[list[Any], list[Any]]:
    """EPUBCheck on the input, then on the output (one Java at a time: the machine is
    shared)."""
    return (
        epubcheck_findings(source, folder / "in.json"),
        epubcheck_findings(out, folder / "out.json"),
    )


def side_by_side(before: list[Any], after: list[Any]) -> str:
    rows = [f"{'input':60s} | output"]
    for k in range(max(len(before), len(after))):
        left = " ".join(before[k]) if k < len(before) else ""
        right = " ".join(after[k]) if k < len(after) else ""
        rows.append(f"{left:60s} | {right}")
    return "\n".join(rows)


@pytest.mark.slow
def test_epubcheck_clean_in_and_out(harbour: Edition, tmp_path: Path) -> None:
    before, after = check_both(harbour.source, harbour.out, tmp_path)
    assert before == [] and after == [], side_by_side(before, after)


@pytest.mark.slow
def test_the_small_test_book_edition_is_epubcheck_clean(small: Edition, tmp_path: Path) -> None:
    assert epubcheck_findings(small.out, tmp_path / "out.json") == []


@pytest.mark.slow
def test_a_broken_book_gets_no_new_findings(tmp_path: Path) -> None:
    """EPUBCheck's findings on a slightly broken book, input and output side by side:
    the same, none added."""
    broken = edition(harbour_town(broken=True), tmp_path / "broken")
    before, after = check_both(broken.source, broken.out, tmp_path)
    table = side_by_side(before, after)
    print(table)
    assert before, "the broken book must really be broken"
    assert after == before, table


def test_the_book_files_are_kept(any_edition: Edition) -> None:
    """Every member of the book is in the edition; those we did not touch are byte for
    byte the same, the content documents are the same once our ids, spans and link are
    taken out, and the edition adds only its own folder."""
    original, members = any_edition.original, any_edition.members
    assert next(iter(members)) == "mimetype"
    changed = []
    for name, data in original.items():
        assert name in members, name
        if members[name] == data:
            continue
        changed.append(name)
        if name.endswith(".xhtml"):
            # An EPUB 2 book's only other change: &nbsp; is written as the character.
            original_tree = canonical(data.replace(b"&nbsp;", b"&#160;"))
            assert undo_read_along(members[name]) == original_tree, name
    added = sorted(set(members) - set(original))
    assert added and all(name.startswith("OEBPS/readalong/") for name in added)
    narrated = {p.text_file for p in pars_in_spine_order(members, OPF)}
    assert sorted(changed) == sorted({OPF, *narrated})


def _readable_text(element: etree._Element) -> str:
    """The words of an element as narrated (note references are not read)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and not is_noteref(child):
            parts.append(_readable_text(child))
        elif isinstance(child.tag, str) and child.tag == f"{{{XHTML}}}img":
            parts.append(child.get("alt") or "")
        parts.append(child.tail or "")
    if element.tag == f"{{{XHTML}}}img":
        parts.append(element.get("alt") or "")
    return " ".join("".join(parts).split())


def test_overlays_cover_every_paragraph_in_order(any_edition: Edition) -> None:
    """Taken in spine order, the overlays play every paragraph's audio once, in the
    narration's order, each clip inside its file and the clips of a file tiling it."""
    pars = pars_in_spine_order(any_edition.members, OPF)
    audio_order = list(dict.fromkeys(p.audio for p in pars))
    expected = [f"OEBPS/readalong/audio/p{n:04d}.mp3" for n in range(1, len(any_edition.syncs) + 1)]
    # Notes are narrated after their chapter's running text, and so are their overlays.
    assert audio_order == expected
    for path, sync in zip(expected, any_edition.syncs, strict=True):
        mine = [p for p in pars if p.audio == path]
        assert mine[0].begin_ms == 0
        assert mine[-1].end_ms == round(sync["duration_ms"])
        for before, after in itertools.pairwise(mine):
            assert before.end_ms == after.begin_ms
        assert path in any_edition.members


def test_overlays_point_at_ids_that_hold_their_sentence(any_edition: Edition) -> None:
    """Each par's id exists in its content document; a sentence span holds exactly that
    sentence's words, and a paragraph target holds the whole paragraph."""
    trees = {
        name: etree.fromstring(data)
        for name, data in any_edition.members.items()
        if name.endswith(".xhtml")
    }
    pars = pars_in_spine_order(any_edition.members, OPF)
    by_audio: dict[str, list[Any]] = {}
    for par in pars:
        by_audio.setdefault(par.audio, []).append(par)
    spans = 0
    for number, sync in enumerate(any_edition.syncs, start=1):
        paragraph = " ".join(sync["paragraph"]["text"].split())
        for par in by_audio[f"OEBPS/readalong/audio/p{number:04d}.mp3"]:
            text = _readable_text(by_id(trees[par.text_file], par.fragment))
            if "-s" in par.fragment:
                k = int(par.fragment.rsplit("-s", 1)[1])
                sentence = " ".join(sync["sentences"][k - 1]["text"].split())
                # A note's marker ("1 ") and a list's number ("3. ") are read, not written.
                assert text == sentence or (
                    sentence.endswith(" " + text) and len(sentence) - len(text) <= 5
                ), (text, sentence)
                spans += 1
            else:
                # A row reads its cells joined by "; ": compare words only.
                assert set(text.replace(";", " ").split()) >= set(
                    paragraph.replace(";", " ").split()[2:]
                )
    assert spans >= len(any_edition.syncs) // 2


def test_a_sentence_crossing_markup_falls_back_to_its_paragraph(harbour: Edition) -> None:
    """'<em>Was it about the storm? She</em> asked him twice.': the first sentence in the
    em gets a span inside it; the second starts inside the em and ends outside, so it
    highlights its paragraph instead. Sentences that start or end with markup wrap it."""
    chapter = etree.fromstring(harbour.members["OEBPS/text/ch01.xhtml"])
    pars = [p for p in pars_in_spine_order(harbour.members, OPF) if p.audio.endswith("p0004.mp3")]
    assert [p.fragment for p in pars] == ["ra-p4-s1", "ra-p4-s2", "ra-p4"]
    paragraph = by_id(chapter, "ra-p4")
    assert paragraph.tag == f"{{{XHTML}}}p" and "twice" in words(paragraph)
    parent = by_id(chapter, "ra-p4-s2").getparent()
    assert parent is not None and parent.tag == f"{{{XHTML}}}em"
    boats = by_id(chapter, "ra-p1-s1")
    assert [c.get("class") for c in boats] == ["smallcaps"]  # starts with a span: kept in


def test_the_package_keeps_the_book_and_adds_the_overlays(harbour: Edition) -> None:
    opf = etree.fromstring(harbour.members[OPF])
    original = etree.fromstring(harbour.original[OPF])

    def metas(root: etree._Element, prop: str) -> list[str]:
        return [
            str(m.text) for m in root.iterfind("o:metadata/o:meta", NS) if m.get("property") == prop
        ]

    dc = "{http://purl.org/dc/elements/1.1/}"
    for name in ("identifier", "title", "creator", "language", "date"):
        assert [e.text for e in opf.iter(dc + name)] == [e.text for e in original.iter(dc + name)]
    items = {i.get("id"): i for i in opf.iterfind("o:manifest/o:item", NS)}
    for ident in ("c1", "c2", "c3"):
        overlay = items[ident].get("media-overlay")
        assert overlay and items[overlay].get("media-type") == "application/smil+xml"
    assert items["nav"].get("media-overlay") is None
    pars = pars_in_spine_order(harbour.members, OPF)
    total = sum(p.end_ms - p.begin_ms for p in pars)
    assert metas(opf, "media:active-class") == ["-epub-media-overlay-active"]
    (whole,) = [
        m.text
        for m in opf.iterfind("o:metadata/o:meta", NS)
        if m.get("property") == "media:duration" and m.get("refines") is None
    ]
    _hours, minutes, seconds = str(whole).split(":")
    assert round(float(seconds) * 1000) + 60000 * int(minutes) == total
    assert set(metas(opf, "schema:accessMode")) == {"textual", "visual", "auditory"}
    assert "synchronizedAudioText" in metas(opf, "schema:accessibilityFeature")
    assert "textual,auditory" in metas(opf, "schema:accessModeSufficient")
    (summary,) = metas(opf, "schema:accessibilitySummary")
    assert summary.startswith("A short novel with one illustration. This edition adds")
    assert metas(opf, "dcterms:modified") != metas(original, "dcterms:modified")
    css = posixpath.join("OEBPS", str(items["ra-css"].get("href")))
    assert b"-epub-media-overlay-active" in harbour.members[css]


@pytest.fixture(scope="module")
def old(tmp_path_factory: pytest.TempPathFactory) -> Edition:
    return edition(epub2(), tmp_path_factory.mktemp("old"))


@pytest.mark.slow
def test_an_epub2_book_is_upgraded_and_epubcheck_clean(old: Edition, tmp_path: Path) -> None:
    """An EPUB 2 book comes out as EPUB 3: a navigation document made from its NCX (the
    NCX kept), the HTML doctype, its named entities as characters, EPUB 3 metadata."""
    opf = etree.fromstring(old.members[OPF])
    assert opf.get("version") == "3.0"
    items = {i.get("id"): i for i in opf.iterfind("o:manifest/o:item", NS)}
    (nav,) = [i for i in items.values() if i.get("properties") == "nav"]
    nav_path = posixpath.join("OEBPS", str(nav.get("href")))
    links = etree.fromstring(old.members[nav_path]).iter(f"{{{XHTML}}}a")
    assert [(a.get("href"), a.text) for a in links] == [
        ("../ch1.xhtml", "Chapter One"),
        ("../ch2.xhtml", "Chapter Two"),
        ("../ch2.xhtml#s2", "A subsection"),
        ("../ch2.xhtml#quiet", "The quiet part"),
    ]
    assert old.members["OEBPS/toc.ncx"] == old.original["OEBPS/toc.ncx"]
    chapter = old.members["OEBPS/ch1.xhtml"].decode()
    assert "<!DOCTYPE html>" in chapter and "&nbsp;" not in chapter and "1\u00a0euro" in chapter
    dc = "{http://purl.org/dc/elements/1.1/}"
    assert [d.text for d in opf.iter(dc + "date")] == ["2010-03-04"]  # the publication date
    assert epubcheck_findings(old.out, tmp_path / "out.json") == []


def test_an_epub2_book_with_obsolete_markup_is_refused_with_one_line(tmp_path: Path) -> None:
    """Markup XHTML 1.1 allowed and EPUB 3 does not would become EPUBCheck errors we
    added: such a book is refused, and no book is written."""
    book = epub2_with(("<p>After the note.</p>", '<p><a name="old">After</a> the note.</p>'))
    cache = tmp_path / "cache"
    result = render(book, tmp_path, env={**os.environ, "XDG_CACHE_HOME": str(cache)})
    assert result.returncode == 2
    # Refused before narrating: not one paragraph was synthesised into the cache.
    assert not [p for p in cache.rglob("*") if p.is_file() and p.suffix == ".wav"]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "<a name>" in lines[0] and "EPUB 2" in lines[0], result.stderr
    assert not (tmp_path / "out" / "book.epub").exists()


@pytest.mark.slow
def test_word_highlighting_wraps_each_word(tmp_path: Path) -> None:
    """With ``--epub-granularity word`` every word that can be is its own span, holding
    exactly that word, and the edition is still EPUBCheck clean."""
    words_edition = edition(harbour_town(), tmp_path / "words", "--epub-granularity", "word")
    trees = {
        name: etree.fromstring(data)
        for name, data in words_edition.members.items()
        if name.endswith(".xhtml")
    }
    pars = pars_in_spine_order(words_edition.members, OPF)
    spans = [p for p in pars if "-w" in p.fragment]
    assert len(spans) >= sum(len(s["words"]) for s in words_edition.syncs) * 3 // 4
    for par in spans:
        number, k = par.fragment.removeprefix("ra-p").split("-w")
        word = words_edition.syncs[int(number) - 1]["words"][int(k) - 1]["text"]
        assert _readable_text(by_id(trees[par.text_file], par.fragment)) == word
    assert epubcheck_findings(words_edition.out, tmp_path / "out.json") == []

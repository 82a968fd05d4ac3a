"""Small EPUB 3 and EPUB 2 books built in memory for the input tests, and a zip helper for
hostile archives. Each book has two chapters with headings, a list, a table, a code block,
an image with alt text, a footnote and a paragraph in another language."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

from PIL import Image

from reader.formats.base import Source

XHTML_NS = 'xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""


def png() -> bytes:
    """A tiny real PNG (EPUBCheck opens images)."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG")
    return out.getvalue()


def zip_bytes(members: list[tuple[str, bytes | str]], *, mimetype: bool = True) -> bytes:
    """A zip with the EPUB ``mimetype`` first (stored), then ``members`` deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if mimetype:
            archive.writestr("mimetype", "application/epub+zip", zipfile.ZIP_STORED)
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def source(data: bytes, name: str = "book.epub") -> Source:
    """A :class:`Source` for bytes made in a test."""
    return Source(Path(name), data)


CHAPTER_ONE_BODY = """
<section id="c1" epub:type="chapter">
<h1 id="h1">Chapter One</h1>
<p id="p1">The first paragraph has a note{noteref} in the middle.</p>
<ul><li>apples</li><li>pears</li></ul>
<ol start="3"><li>three</li><li><p>four</p></li></ol>
<table id="t1"><caption>Prices</caption>
<tr><th>Fruit</th><th>Price</th></tr>
<tr id="row2"><td>apple</td><td>1{nbsp}euro</td></tr>
</table>
<pre id="code1">def main():
    return 0</pre>
<figure><img src="images/cat.png" alt="A cat asleep on a book"/></figure>
<p id="fr" xml:lang="fr" lang="fr">Bonjour tout le monde.</p>
<blockquote><p>A quoted line.</p></blockquote>
{note}
<p>After the note.</p>
</section>
"""

CHAPTER_TWO_BODY = """
<h1>Chapter Two</h1>
<p>Second chapter text.</p>
<section id="s2"><h2>A subsection</h2><p>Deeper text.</p></section>
<div id="quiet"><p>A part with no heading of its own.</p></div>
"""


def _xhtml3(title: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        f'<html {XHTML_NS} lang="en" xml:lang="en">\n<head><title>{title}</title></head>\n'
        f"<body>{body}</body>\n</html>\n"
    )


def _xhtml2(title: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
        '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en">\n'
        f"<head><title>{title}</title></head>\n<body>{body}</body>\n</html>\n"
    )


Members = tuple[tuple[str, bytes | str], ...]


def epub3(*, extra_manifest: str = "", extra_spine: str = "", files: Members = ()) -> bytes:
    """An EPUB 3 book: navigation document, EPUB 3 footnote markup."""
    chapter1 = CHAPTER_ONE_BODY.format(
        noteref='<a epub:type="noteref" href="#fn1" id="r1">1</a>',
        nbsp="&#160;",
        note='<aside epub:type="footnote" id="fn1"><p>The footnote text.</p></aside>',
    )
    nav = _xhtml3(
        "Contents",
        """<nav epub:type="toc" id="toc"><h1>Contents</h1><ol>
<li><a href="ch1.xhtml">Chapter One</a></li>
<li><a href="ch2.xhtml">Chapter Two</a><ol>
<li><a href="ch2.xhtml#s2">A subsection</a></li>
<li><a href="ch2.xhtml#quiet">The quiet part</a></li></ol></li>
</ol></nav>""",
    )
    opf = f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="en">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:uuid:12345678-1234-4234-8234-123456789abc</dc:identifier>
    <dc:title id="t">A Test Book</dc:title>
    <dc:title id="s">Its subtitle</dc:title>
    <meta refines="#t" property="title-type">main</meta>
    <meta refines="#s" property="title-type">subtitle</meta>
    <dc:creator id="a1">Ada Writer</dc:creator>
    <meta refines="#a1" property="role" scheme="marc:relators">aut</meta>
    <dc:creator id="i1">Ivo Drawer</dc:creator>
    <meta refines="#i1" property="role" scheme="marc:relators">ill</meta>
    <dc:language>en</dc:language>
    <dc:date>2024-05-01</dc:date>
    <meta property="dcterms:modified">2024-05-01T00:00:00Z</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="ch1" href="ch1.xhtml" media-type="application/xhtml+xml"/>
    <item id="ch2" href="ch2.xhtml" media-type="application/xhtml+xml"/>
    <item id="cat" href="images/cat.png" media-type="image/png"/>
    {extra_manifest}
  </manifest>
  <spine>
    <itemref idref="ch1"/>
    <itemref idref="ch2"/>
    {extra_spine}
  </spine>
</package>
"""
    return zip_bytes(
        [
            ("META-INF/container.xml", CONTAINER),
            ("OEBPS/content.opf", opf),
            ("OEBPS/nav.xhtml", nav),
            ("OEBPS/ch1.xhtml", _xhtml3("Chapter One", chapter1)),
            ("OEBPS/ch2.xhtml", _xhtml3("Chapter Two", CHAPTER_TWO_BODY)),
            ("OEBPS/images/cat.png", png()),
            *files,
        ]
    )


def epub2() -> bytes:
    """An EPUB 2 book: NCX, XHTML 1.1 with a named entity, the superscript-link footnote
    habit of older tools."""
    chapter1 = CHAPTER_ONE_BODY.replace(' epub:type="chapter"', "").format(
        noteref='<sup><a href="#fn1" id="r1">1</a></sup>',
        nbsp="&nbsp;",
        note='<p id="fn1" class="calibre"><a href="#r1">1</a> The footnote text.</p>',
    )
    chapter1 = chapter1.replace("<section", "<div").replace("</section>", "</div>")
    # XHTML 1.1 has no start attribute: this list counts from 1.
    chapter1 = chapter1.replace('<ol start="3">', "<ol>")
    chapter1 = chapter1.replace("<figure>", "<div>").replace("</figure>", "</div>")
    chapter2 = CHAPTER_TWO_BODY.replace("<section", "<div").replace("</section>", "</div>")
    ncx = """<?xml version="1.0" encoding="UTF-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">
  <head><meta name="dtb:uid" content="urn:uuid:12345678-1234-4234-8234-123456789abd"/>
  <meta name="dtb:depth" content="2"/><meta name="dtb:totalPageCount" content="0"/>
  <meta name="dtb:maxPageNumber" content="0"/></head>
  <docTitle><text>An Old Book</text></docTitle>
  <navMap>
    <navPoint id="n1" playOrder="1"><navLabel><text>Chapter One</text></navLabel>
      <content src="ch1.xhtml"/></navPoint>
    <navPoint id="n2" playOrder="2"><navLabel><text>Chapter Two</text></navLabel>
      <content src="ch2.xhtml"/>
      <navPoint id="n3" playOrder="3"><navLabel><text>A subsection</text></navLabel>
        <content src="ch2.xhtml#s2"/></navPoint>
      <navPoint id="n4" playOrder="4"><navLabel><text>The quiet part</text></navLabel>
        <content src="ch2.xhtml#quiet"/></navPoint>
    </navPoint>
  </navMap>
</ncx>
"""
    opf = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="uid">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
    <dc:identifier id="uid">urn:uuid:12345678-1234-4234-8234-123456789abd</dc:identifier>
    <dc:title>An Old Book</dc:title>
    <dc:creator opf:role="aut">Old Author</dc:creator>
    <dc:language>en-GB</dc:language>
    <dc:date opf:event="modification">2011-01-01</dc:date>
    <dc:date opf:event="publication">2010-03-04</dc:date>
  </metadata>
  <manifest>
    <item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
    <item id="ch1" href="ch1.xhtml" media-type="application/xhtml+xml"/>
    <item id="ch2" href="ch2.xhtml" media-type="application/xhtml+xml"/>
    <item id="cat" href="images/cat.png" media-type="image/png"/>
  </manifest>
  <spine toc="ncx">
    <itemref idref="ch1"/>
    <itemref idref="ch2"/>
  </spine>
</package>
"""
    return zip_bytes(
        [
            ("META-INF/container.xml", CONTAINER),
            ("OEBPS/content.opf", opf),
            ("OEBPS/toc.ncx", ncx),
            ("OEBPS/ch1.xhtml", _xhtml2("Chapter One", chapter1)),
            ("OEBPS/ch2.xhtml", _xhtml2("Chapter Two", chapter2)),
            ("OEBPS/images/cat.png", png()),
        ]
    )


def large_epub(chapters: int = 20, paragraphs: int = 100) -> bytes:
    """A book of about 1 MB of text (``chapters`` x ``paragraphs`` x ~550 characters) of
    varied words, so that the archive itself is large too."""
    chance = random.Random(8)
    vocabulary = [
        "".join(chance.choices("etaoinshrdlucmfwyp", k=chance.randint(2, 9))) for _ in range(3000)
    ]
    files = []
    manifest, spine = [], []
    for number in range(1, chapters + 1):
        body = f"<h1>Chapter {number}</h1>" + "".join(
            f'<p id="c{number}p{i}">{" ".join(chance.choices(vocabulary, k=90))}.</p>'
            for i in range(paragraphs)
        )
        files.append((f"OEBPS/big{number}.xhtml", _xhtml3(f"Chapter {number}", body)))
        manifest.append(
            f'<item id="b{number}" href="big{number}.xhtml" media-type="application/xhtml+xml"/>'
        )
        spine.append(f'<itemref idref="b{number}"/>')
    return epub3(extra_manifest="".join(manifest), extra_spine="".join(spine), files=tuple(files))

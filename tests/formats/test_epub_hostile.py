"""Hostile and broken EPUB archives: each refused with one line naming the problem, or
read harmlessly; nothing is ever written to disk."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from books import CONTAINER, epub3, source, zip_bytes

from reader.errors import ReaderError
from reader.formats.epub import FORMAT
from reader.formats.ocf import MAX_ENTRIES, Archive, Limits, is_safe_name, resolve

OPF_MISSING_CH2 = (
    'extra_manifest=<item id="ch3" href="ch3.xhtml" media-type="application/xhtml+xml"/>'
)


def refusal(data: bytes) -> str:
    with pytest.raises(ReaderError) as caught:
        FORMAT.parse(source(data, "hostile.epub"))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("hostile.epub: ")
    return message


def encryption(algorithm: str) -> str:
    return f"""<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
  xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>
  <enc:EncryptionMethod Algorithm="{algorithm}"/>
  <enc:CipherData><enc:CipherReference URI="OEBPS/ch1.xhtml"/></enc:CipherData>
  </enc:EncryptedData></encryption>"""


def _bomb() -> bytes:
    # 8 MB of zeros deflate to about 8 KB: a ratio of 1000, refused before inflating.
    return epub3(
        extra_manifest='<item id="big" href="big.xhtml" media-type="application/xhtml+xml"/>',
        extra_spine='<itemref idref="big"/>',
        files=(("OEBPS/big.xhtml", b"\0" * (8 * 1024 * 1024)),),
    )


def _many() -> bytes:
    return zip_bytes([(f"f{i}", b"") for i in range(MAX_ENTRIES)])


def _many_declared_few() -> bytes:
    """Too many entries, the end record claiming 5: the directory itself is counted."""
    data = bytearray(_many())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 5, 5)
    return bytes(data)


CASES = {
    "not a zip": (b"This is plain text, not a book.", "not a zip archive"),
    "truncated zip": (epub3()[:-30], "not a zip archive"),
    "no container": (zip_bytes([("OEBPS/content.opf", "<package/>")]), "container.xml is missing"),
    "missing package": (
        zip_bytes([("META-INF/container.xml", CONTAINER)]),
        "package document OEBPS/content.opf is missing",
    ),
    "broken container": (
        zip_bytes([("META-INF/container.xml", "<container><rootfiles>")]),
        "container file META-INF/container.xml is not well-formed XML",
    ),
    "package outside": (
        zip_bytes([("META-INF/container.xml", CONTAINER.replace("OEBPS/", "../"))]),
        "package document path leaves the book",
    ),
    "spine item missing": (
        epub3(
            extra_manifest='<item id="ch3" href="ch3.xhtml" media-type="application/xhtml+xml"/>',
            extra_spine='<itemref idref="ch3"/>',
        ),
        "spine item OEBPS/ch3.xhtml is missing",
    ),
    "spine idref unknown": (epub3(extra_spine='<itemref idref="ghost"/>'), "'ghost' is not in"),
    "spine item outside": (
        epub3(
            extra_manifest='<item id="up" href="../../evil.xhtml" media-type="text/html"/>',
            extra_spine='<itemref idref="up"/>',
            files=(("../evil.xhtml", "<p>evil</p>"),),
        ),
        "points outside the book",
    ),
    "encrypted": (
        epub3(
            files=(
                (
                    "META-INF/encryption.xml",
                    encryption("http://www.w3.org/2001/04/xmlenc#aes256-cbc"),
                ),
            )
        ),
        "DRM-protected (META-INF/encryption.xml encrypts OEBPS/ch1.xhtml)",
    ),
    "unreadable encryption": (
        epub3(files=(("META-INF/encryption.xml", "<encryption"),)),
        "encryption.xml cannot be read",
    ),
    "adobe rights": (epub3(files=(("META-INF/rights.xml", "<rights/>"),)), "DRM-protected"),
    "lcp license": (epub3(files=(("META-INF/license.lcpl", "{}"),)), "DRM-protected"),
    "zip bomb": (_bomb(), "zip bomb"),
    "entries": (
        _many(),
        f"{MAX_ENTRIES + 1} entries",
    ),
    "entries declared few": (_many_declared_few(), f"{MAX_ENTRIES + 1} entries"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_refused_with_one_line(case: str) -> None:
    data, problem = CASES[case]
    assert problem in refusal(data)


def _lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """The archive with ``member``'s uncompressed size rewritten in both headers."""
    out = bytearray(data)
    name = member.encode()
    local = out.find(b"PK\x03\x04" + b"\x14")
    while local >= 0:
        length = struct.unpack_from("<H", out, local + 26)[0]
        if out[local + 30 : local + 30 + length] == name:
            struct.pack_into("<I", out, local + 22, size)
        local = out.find(b"PK\x03\x04", local + 4)
    central = out.find(b"PK\x01\x02")
    while central >= 0:
        length = struct.unpack_from("<H", out, central + 28)[0]
        if out[central + 46 : central + 46 + length] == name:
            struct.pack_into("<I", out, central + 24, size)
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


def test_a_member_inflating_beyond_its_declared_size_is_cut_off() -> None:
    """The declared size is the archive's word: reading stops there and the member is
    refused as damaged (its checksum fails), without inflating the rest."""
    lying = _lie_about_size(epub3(), "OEBPS/ch1.xhtml", 100)
    assert "cannot read OEBPS/ch1.xhtml: it is damaged" in refusal(lying)


def test_streaming_cap_counts_actual_bytes() -> None:
    archive = Archive(zip_bytes([("a", b"x" * 5000)]), "small.zip", Limits(member=4096))
    with pytest.raises(ReaderError, match="inflates to 4 KiB or more"):
        archive.read("a")


def test_total_budget_spans_members() -> None:
    data = zip_bytes([("a", b"x" * 3000), ("b", b"y" * 3000)])
    archive = Archive(data, "two.zip", Limits(member=4096, total=5000))
    assert archive.read("a") == b"x" * 3000
    with pytest.raises(ReaderError, match="zip bomb"):
        archive.read("b")


def test_unsafe_names_are_never_read_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "cwd" / "deeper"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    evil = (("../evil.xhtml", "<p>evil</p>"), ("/abs.xhtml", "<p>abs</p>"), ("C:/x.xhtml", "x"))
    parsed = FORMAT.parse(source(epub3(files=evil)))
    assert "evil" not in " ".join(b.text for b in parsed.blocks)
    assert list(work.iterdir()) == []
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["cwd", "deeper"]
    archive = Archive(epub3(files=evil), "book.epub")
    assert not archive.has("../evil.xhtml")
    assert not archive.has("/abs.xhtml")


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("OEBPS/a.xhtml", True),
        ("../a", False),
        ("/a", False),
        ("a/../../b", False),
        ("C:/a", False),
        ("a\\b", False),
        ("", False),
    ],
)
def test_safe_names(name: str, safe: bool) -> None:
    assert is_safe_name(name) is safe


def test_resolve_stays_inside_the_container() -> None:
    assert resolve("OEBPS/content.opf", "text/ch1.xhtml") == "OEBPS/text/ch1.xhtml"
    assert resolve("OEBPS/text/ch1.xhtml", "../images/a.png") == "OEBPS/images/a.png"
    assert resolve("OEBPS/content.opf", "../../etc/passwd") is None


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE html [
<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
<!ENTITY file SYSTEM "file:///etc/passwd">
]>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head>
<body><p>Before &lol9; after &file; end.</p></body></html>
"""


def _with_chapter(text: str) -> bytes:
    return epub3(
        extra_manifest='<item id="x" href="x.xhtml" media-type="application/xhtml+xml"/>',
        extra_spine='<itemref idref="x"/>',
        files=(("OEBPS/x.xhtml", text),),
    )


def test_an_entity_bomb_in_a_chapter_is_refused() -> None:
    assert "refused: OEBPS/x.xhtml declares XML entities" in refusal(_with_chapter(LAUGHS))


def test_external_entities_are_never_loaded() -> None:
    external = (
        '<?xml version="1.0"?>\n<!DOCTYPE html [<!ENTITY file SYSTEM "file:///etc/passwd">]>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head>'
        "<body><p>Before &file; after.</p></body></html>"
    )
    parsed = FORMAT.parse(source(_with_chapter(external)))
    assert parsed.blocks[-1].text == "Before  after."
    assert parsed.notices == ()


def test_an_entity_bomb_in_the_package_document_is_refused() -> None:
    data = epub3()
    bomb = LAUGHS.split("<html", maxsplit=1)[0].replace("DOCTYPE html", "DOCTYPE package")
    members = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist()[1:]:
            body: bytes | str = archive.read(info)
            if info.filename == "OEBPS/content.opf":
                body = (
                    archive.read(info)
                    .decode()
                    .replace('<?xml version="1.0" encoding="UTF-8"?>\n', bomb, 1)
                )
                body = body.replace("A Test Book", "A &lol9; Book")
            members.append((info.filename, body))
    message = refusal(zip_bytes(members))
    assert "the package document OEBPS/content.opf declares XML entities" in message

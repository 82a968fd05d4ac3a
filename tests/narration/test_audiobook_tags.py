"""Audiobook metadata (issue 12 item 10), read back with ffprobe/ffmpeg from real renders:
cover art embedded in MP3 (APIC), M4B (covr) and OGG (METADATA_BLOCK_PICTURE) from
``--cover``, an EPUB's own cover or a generated title card; narrator, genre, description,
album artist and the M4B audiobook media kind (stik 2); a bad ``--cover`` is one line."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from reader.audio.cover import CARD_SIZE

from .narration_helpers import ROOT, ffprobe, run_reader

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
</rootfiles></container>"""
OPF = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="uid">urn:uuid:12345678-1234-4234-8234-123456789abc</dc:identifier>
<dc:title>A Covered Book</dc:title><dc:creator>Ada Writer</dc:creator><dc:language>en</dc:language>
<meta property="dcterms:modified">2024-05-01T00:00:00Z</meta></metadata>
<manifest>
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="ch1" href="ch1.xhtml" media-type="application/xhtml+xml"/>
<item id="c" href="images/cover.png" media-type="image/png" properties="cover-image"/>
</manifest><spine><itemref idref="ch1"/></spine></package>"""
XHTML = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>{title}</title></head><body>{body}</body></html>"""


def epub_with_cover(cover: bytes) -> bytes:
    """A small EPUB 3 whose manifest names ``cover`` as its cover image."""
    nav = '<nav epub:type="toc"><ol><li><a href="ch1.xhtml">One</a></li></ol></nav>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("mimetype", "application/epub+zip", zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", CONTAINER)
        book.writestr("OEBPS/content.opf", OPF)
        book.writestr("OEBPS/nav.xhtml", XHTML.format(title="Contents", body=nav))
        body = "<h1>One</h1><p>The first paragraph of the covered book.</p>"
        book.writestr("OEBPS/ch1.xhtml", XHTML.format(title="One", body=body))
        book.writestr("OEBPS/images/cover.png", cover)
    return out.getvalue()


SPEECH = str(ROOT / "texts" / "sessions-iacp-2018.md")


def picture(colour: str, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, kind)
    return out.getvalue()


def embedded_cover(path: Path) -> bytes:
    """The attached picture of an audio file, as ffmpeg takes it out."""
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v", "-c", "copy", "-f", "image2",
         "-frames:v", "1", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip


def tags(path: Path) -> dict[str, str]:
    info = ffprobe(path)
    found = {k.lower(): v for k, v in info["format"].get("tags", {}).items()}
    for stream in info["streams"]:
        if stream["codec_type"] == "audio":
            found.update({k.lower(): v for k, v in stream.get("tags", {}).items()})
    return found


@pytest.fixture(scope="module")
def with_cover(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tags")
    (root / "cover.png").write_bytes(picture("orange"))
    result = run_reader(
        "render", SPEECH, "--paragraphs", "1-2", "--format", "mp3,m4b,ogg", "--quiet",
        "--cover", str(root / "cover.png"), "-o", str(root / "out"), cache=root / "cache",
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return root


@pytest.mark.parametrize("fmt", ["mp3", "m4b", "ogg"])
def test_given_cover_is_embedded(with_cover: Path, fmt: str) -> None:
    audio = with_cover / "out" / f"sessions-iacp-2018.{fmt}"
    pictures = [s for s in ffprobe(audio)["streams"] if s["disposition"]["attached_pic"]]
    assert len(pictures) == 1
    cover = embedded_cover(audio)
    if fmt == "ogg":  # ffmpeg re-reads the Vorbis picture block as a picture stream
        with Image.open(io.BytesIO(cover)) as image:
            assert image.size == (64, 48)
    else:
        assert cover == (with_cover / "cover.png").read_bytes()
    assert (with_cover / "out" / "cover.png").read_bytes() == (
        with_cover / "cover.png"
    ).read_bytes()


@pytest.mark.parametrize("fmt", ["mp3", "m4b", "ogg"])
def test_audiobook_tags(with_cover: Path, fmt: str) -> None:
    found = tags(with_cover / "out" / f"sessions-iacp-2018.{fmt}")
    assert found["genre"] == "Audiobook"
    assert found["album_artist"] == "Attorney General Sessions"
    assert found["composer"].startswith("espeak:")  # the narrator: the voice
    # Ogg: ffmpeg reads Vorbis DESCRIPTION back as "comment".
    description = found["comment" if fmt == "ogg" else "description"]
    assert description == "Remarks as prepared for delivery."
    if fmt == "m4b":
        assert found["media_type"] == "2"  # stik: audiobook
    else:
        assert found["narrator"] == found["composer"]


def test_m4b_says_it_is_an_audiobook(with_cover: Path) -> None:
    data = (with_cover / "out" / "sessions-iacp-2018.m4b").read_bytes()
    at = data.find(b"stik")
    assert at > 0
    # The stik atom's data box: 8 bytes of size and type, 8 of flags, then the kind.
    assert data[at + 4 + 16] == 2


def test_title_card_and_epub_cover(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    result = run_reader(
        "render", SPEECH, "--paragraphs", "1", "--format", "mp3", "--quiet", "-o", str(plain),
        cache=tmp_path / "cache",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with Image.open(io.BytesIO(embedded_cover(plain / "sessions-iacp-2018.mp3"))) as card:
        assert card.format == "JPEG" and card.size == (CARD_SIZE, CARD_SIZE)
        assert len(card.getcolors(1 << 16) or range(1 << 17)) > 2  # lettering on the ground

    cover = picture("purple")
    book = tmp_path / "book.epub"
    book.write_bytes(epub_with_cover(cover))
    result = run_reader(
        "render", str(book), "--paragraphs", "1", "--format", "mp3", "--quiet",
        "-o", str(tmp_path / "book"), cache=tmp_path / "cache",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert embedded_cover(tmp_path / "book" / "book.mp3") == cover


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a picture", "is not a picture"), (picture("red", "GIF"), "is a GIF picture")],
)
def test_bad_cover_is_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.img"
    bad.write_bytes(content)
    result = run_reader(
        "render", SPEECH, "--cover", str(bad), "-o", str(tmp_path / "out"), cache=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"reader: error: {bad} {message}; give a PNG or JPEG"
    ]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.mp3"))


def test_profiles(with_cover: Path, tmp_path: Path) -> None:
    def stream(path: Path) -> dict[str, str]:
        info = ffprobe(path)
        audio: dict[str, str] = next(s for s in info["streams"] if s["codec_type"] == "audio")
        return audio

    standard = with_cover / "out"
    assert stream(standard / "sessions-iacp-2018.mp3")["sample_rate"] == "22050"
    assert stream(standard / "sessions-iacp-2018.mp3")["bit_rate"] == "48000"
    high = tmp_path / "high"
    result = run_reader(
        "render", SPEECH, "--paragraphs", "1-2", "--format", "mp3,m4b", "--quiet",
        "--profile", "high", "-o", str(high), cache=with_cover / "cache",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in ("sessions-iacp-2018.mp3", "sessions-iacp-2018.m4b", "p001.mp3", "p002.m4b"):
        assert stream(high / name)["sample_rate"] == "44100"
    assert stream(high / "sessions-iacp-2018.mp3")["bit_rate"] == "128000"
    assert stream(standard / "sessions-iacp-2018.m4b")["sample_rate"] == "22050"
    aac = int(stream(high / "sessions-iacp-2018.m4b")["bit_rate"])
    assert aac > 1.2 * int(stream(standard / "sessions-iacp-2018.m4b")["bit_rate"])

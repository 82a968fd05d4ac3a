"""Cover art for the audiobook files: the cover image of an EPUB that is being read, a
picture the user names (``--cover FILE``, a real PNG or JPEG), or else a title card drawn
with Pillow (title and author in DejaVu, or Pillow's own font where DejaVu is missing).

Units: pixels.
"""

from __future__ import annotations

import io
import posixpath
import textwrap
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from reader.errors import ReaderError
from reader.sanitize import for_terminal

FORMATS = {"PNG": ".png", "JPEG": ".jpg"}
CARD_SIZE = 1400  # square, what audiobook stores ask for at the least
FONTS = Path("/usr/share/fonts/truetype/dejavu")
MAX_BYTES = 20 * 1024 * 1024


def check_image(data: bytes, where: str) -> str:
    """The suffix (``.png``/``.jpg``) of a real PNG or JPEG picture, or one clear line."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ReaderError(f"{for_terminal(where)} is not a picture; give a PNG or JPEG") from None
    if kind not in FORMATS:
        raise ReaderError(f"{for_terminal(where)} is a {kind} picture; give a PNG or JPEG")
    return FORMATS[kind]


def read_cover(path: Path) -> tuple[bytes, str]:
    """``--cover FILE``: its bytes and suffix, checked."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ReaderError(f"{for_terminal(str(path))} is over 20 MB; give a smaller picture")
        data = path.read_bytes()
    except OSError as error:
        raise ReaderError(
            f"cannot read the cover {for_terminal(str(path))}: {error.strerror or error}"
        ) from None
    return data, check_image(data, str(path))


def epub_cover(path: Path) -> tuple[bytes, str] | None:
    """The cover image of the EPUB at ``path`` (EPUB 3 ``cover-image``, or EPUB 2's
    ``<meta name="cover">``), when it has a PNG or JPEG one."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as book:
            container = etree.fromstring(book.read("META-INF/container.xml"))
            rootfile = container.find(".//{*}rootfile")
            if rootfile is None:
                return None
            opf_path = rootfile.get("full-path", "")
            opf = etree.fromstring(book.read(opf_path))
            items = opf.findall(".//{*}manifest/{*}item")
            href = next(
                (i.get("href") for i in items if "cover-image" in (i.get("properties") or "")),
                None,
            )
            if href is None:
                meta = opf.find(".//{*}metadata/{*}meta[@name='cover']")
                wanted = meta.get("content") if meta is not None else None
                href = next((i.get("href") for i in items if i.get("id") == wanted), None)
            if not href:
                return None
            data = book.read(posixpath.normpath(posixpath.join(posixpath.dirname(opf_path), href)))
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return None
    try:
        return data, check_image(data, "the EPUB's cover")
    except ReaderError:
        return None


def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSerif-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(str(FONTS / name), size)
    except OSError:
        return ImageFont.load_default(size)


def title_card(title: str, author: str) -> bytes:
    """A square JPEG with ``title`` and ``author`` centred on a dark ground."""
    image = Image.new("RGB", (CARD_SIZE, CARD_SIZE), (24, 38, 56))
    draw = ImageDraw.Draw(image)
    margin = CARD_SIZE // 12
    draw.rectangle(
        (margin // 2, margin // 2, CARD_SIZE - margin // 2, CARD_SIZE - margin // 2),
        outline=(214, 178, 96),
        width=6,
    )
    title_font, author_font = _font(CARD_SIZE // 14, True), _font(CARD_SIZE // 24, False)
    lines = textwrap.wrap(title or "Untitled", width=20)[:6]
    heights = [draw.textbbox((0, 0), line, font=title_font)[3] for line in lines]
    y = CARD_SIZE // 2 - (sum(heights) + 24 * len(lines)) // 2 - CARD_SIZE // 16
    for line, height in zip(lines, heights, strict=True):
        draw.text((CARD_SIZE // 2, y), line, font=title_font, fill=(245, 240, 228), anchor="ma")
        y += height + 24
    if author:
        y += CARD_SIZE // 12
        for line in textwrap.wrap(author, width=36)[:2]:
            draw.text((CARD_SIZE // 2, y), line, font=author_font, fill=(214, 178, 96), anchor="ma")
            y += CARD_SIZE // 20
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def choose_cover(
    source: Path | None, given: Path | None, title: str, author: str, folder: Path
) -> Path:
    """Write the cover into ``folder`` (``cover.jpg``/``cover.png``) and return its path:
    ``given`` (``--cover``), else an EPUB ``source``'s own cover, else a title card."""
    found = read_cover(given) if given is not None else None
    if found is None and source is not None and source.suffix.lower() == ".epub":
        found = epub_cover(source)
    data, suffix = found if found is not None else (title_card(title, author), ".jpg")
    path = folder / f"cover{suffix}"
    path.write_bytes(data)
    return path


def picture_block(path: Path) -> str:
    """The picture at ``path`` as a Vorbis ``METADATA_BLOCK_PICTURE`` comment value
    (a base64 FLAC picture block, type 3: front cover), which Ogg players show."""
    import base64
    import struct

    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        depth = 8 * len(image.getbands())
    mime = b"image/png" if path.suffix == ".png" else b"image/jpeg"
    block = struct.pack(">II", 3, len(mime)) + mime + struct.pack(">I", 0)
    block += struct.pack(">IIIII", width, height, depth, 0, len(data)) + data
    return base64.b64encode(block).decode("ascii")

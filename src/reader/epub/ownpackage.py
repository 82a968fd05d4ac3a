"""The package document of a reader's own book, edited for read-along: the book's own
metadata, manifest and spine kept, and added to them only what Media Overlays need (the
overlay items and their audio, ``media-overlay`` on each narrated content document, the
durations and the active class) and the accessibility metadata that describes them.

The identifier is kept on purpose: fonts obfuscated by the IDPF algorithm are keyed to it,
and the read-along edition is the same book. ``dcterms:modified`` is set to now (the
package changed). Accessibility metadata the book already has is kept; ours is added beside
it without repeating a value, and an existing summary is extended rather than replaced.

Units: durations are whole milliseconds written as SMIL clock values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from reader.epub.overlays import clock

DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_PROPERTIES = ("media:duration", "media:active-class", "media:playback-active-class")


@dataclass(frozen=True, slots=True)
class NewItem:
    """A manifest item to add (``href`` relative to the package document)."""

    ident: str
    href: str
    media_type: str
    properties: str = ""


@dataclass(frozen=True, slots=True)
class Narration:
    """What the package must say about the overlays: each narrated content document's
    manifest id with its overlay's id and duration (ms)."""

    overlays: Sequence[tuple[str, str, int]]
    active_class: str
    paragraphs: int
    fallbacks: int
    images_without_alt: int
    has_images: bool
    unit: str = "sentence"


def package_ids(root: etree._Element) -> set[str]:
    """Every id already used in the package document."""
    return {str(node.get("id")) for node in root.iter() if node.get("id")}


def _append(parent: etree._Element, tag: str) -> etree._Element:
    """A new last child indented like its siblings (the package stays easy to read)."""
    last = parent[-1] if len(parent) else None
    child = etree.SubElement(parent, tag)
    if last is not None:
        child.tail, last.tail = last.tail, parent.text
    return child


def _meta(metadata: etree._Element, ns: str, prop: str, value: str, refines: str = "") -> None:
    meta = _append(metadata, f"{{{ns}}}meta")
    meta.set("property", prop)
    if refines:
        meta.set("refines", refines)
    meta.text = value


def summary(narration: Narration) -> str:
    """Our part of the accessibility summary: what the narration covers and how it shows."""
    parts = [
        f"This edition adds synthetic-speech narration of all {narration.paragraphs} "
        "paragraphs of the text, synchronized with the text: during playback the reading "
        f"system highlights each {narration.unit} as it is spoken (underlined and outlined, "
        "not by colour alone); table rows are highlighted whole."
    ]
    if narration.fallbacks:
        one = narration.fallbacks == 1
        what = f"{narration.unit} that crosses" if one else f"{narration.unit}s that cross"
        parts.append(
            f"For {narration.fallbacks} {what} the book's own markup the whole paragraph is "
            "highlighted instead."
        )
    parts.append("Headings, titles and the table of contents are text only, not narrated.")
    return " ".join(parts)


def edit_package(
    root: etree._Element,
    *,
    new_items: Sequence[NewItem],
    narration: Narration,
    modified: datetime,
) -> None:
    """Edit the parsed package document in place (see the module docstring)."""
    ns = etree.QName(root).namespace or "http://www.idpf.org/2007/opf"
    manifest = root.find(f"{{{ns}}}manifest")
    metadata = root.find(f"{{{ns}}}metadata")
    assert manifest is not None and metadata is not None
    by_id = {item.get("id"): item for item in manifest.iterfind(f"{{{ns}}}item")}
    for text_id, overlay_id, _ in narration.overlays:
        by_id[text_id].set("media-overlay", overlay_id)
    for new in new_items:
        item = _append(manifest, f"{{{ns}}}item")
        item.set("id", new.ident)
        item.set("href", new.href)
        item.set("media-type", new.media_type)
        if new.properties:
            item.set("properties", new.properties)
    existing: dict[str, list[etree._Element]] = {}
    for meta in metadata.iterfind(f"{{{ns}}}meta"):
        existing.setdefault(meta.get("property", ""), []).append(meta)
    for prop in MEDIA_PROPERTIES:
        for meta in existing.pop(prop, []):
            metadata.remove(meta)
    stamp = modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if existing.get("dcterms:modified"):
        existing["dcterms:modified"][0].text = stamp
    else:
        _meta(metadata, ns, "dcterms:modified", stamp)
    for _, overlay_id, duration in narration.overlays:
        _meta(metadata, ns, "media:duration", clock(duration), f"#{overlay_id}")
    _meta(metadata, ns, "media:duration", clock(sum(d for _, _, d in narration.overlays)))
    _meta(metadata, ns, "media:active-class", narration.active_class)
    _accessibility(metadata, ns, existing, narration)


def _accessibility(
    metadata: etree._Element,
    ns: str,
    existing: dict[str, list[etree._Element]],
    narration: Narration,
) -> None:
    def values(prop: str) -> set[str]:
        return {"".join(map(str, m.itertext())).strip() for m in existing.get(f"schema:{prop}", [])}

    wanted: list[tuple[str, str]] = [("accessMode", "textual"), ("accessMode", "auditory")]
    if narration.has_images:
        wanted.append(("accessMode", "visual"))
    wanted.append(("accessModeSufficient", "textual,auditory"))
    if not narration.images_without_alt:
        wanted.append(("accessModeSufficient", "textual"))
    wanted += [
        ("accessibilityFeature", "synchronizedAudioText"),
        # Every EPUB 3 book has a navigation document (an EPUB 2 one gets one made from
        # its NCX); we claim nothing about the book we have not checked or added.
        ("accessibilityFeature", "tableOfContents"),
    ]
    if narration.has_images and not narration.images_without_alt:
        wanted.append(("accessibilityFeature", "alternativeText"))
    if not values("accessibilityHazard"):
        # We cannot vouch for the book's own content (animations, sounds).
        wanted.append(("accessibilityHazard", "unknown"))
    for prop, value in wanted:
        if value not in values(prop):
            _meta(metadata, ns, f"schema:{prop}", value)
    ours = summary(narration)
    summaries = existing.get("schema:accessibilitySummary", [])
    if summaries:
        own = "".join(map(str, summaries[0].itertext())).strip()
        for child in list(summaries[0]):
            summaries[0].remove(child)
        summaries[0].text = f"{own} {ours}".strip()
    else:
        _meta(metadata, ns, "schema:accessibilitySummary", ours)

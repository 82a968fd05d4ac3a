"""Realistic English prose of any size, generated without the network, for the scale bench.

Sentences come from a word-pair (bigram) chain trained on the bundled speech, the test
addresses and the seed web page, so they carry real vocabulary, numbers, abbreviations,
quotes and punctuation. A pool of distinct paragraphs (varied lengths) is drawn from the
chain and sampled, in a seeded order, until the size is reached; a heading opens a chapter
every few dozen paragraphs (``## Chapter N: ...`` in Markdown, a short title line in text).
"""

from __future__ import annotations

import itertools
import random
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SOURCES = (
    ROOT / "texts" / "sessions-iacp-2018.md",
    ROOT / "tests" / "data" / "addresses.md",
    ROOT / "tests" / "data" / "seed-page.txt",
)
_POOL = 4000


def _corpus() -> list[str]:
    words: list[str] = []
    for path in _SOURCES:
        text = path.read_text(encoding="utf-8")
        if text.startswith("---"):
            text = text.split("---", 2)[2]
        text = re.sub(r"^#+ .*$", "", text, flags=re.MULTILINE)
        words += text.split()
    return words


def _chain(words: list[str]) -> dict[str, list[str]]:
    chain: dict[str, list[str]] = defaultdict(list)
    for first, second in itertools.pairwise(words):
        chain[first].append(second)
    return chain


def _sentence(chain: dict[str, list[str]], openers: list[str], rng: random.Random) -> str:
    word = rng.choice(openers)
    out = [word]
    limit = rng.randint(6, 40)
    while len(out) < limit or not out[-1].endswith((".", "?", "!", '."', ".\u201d")):
        followers = chain.get(word)
        if not followers or len(out) > 80:
            out[-1] = out[-1].rstrip(",;:") + "."
            break
        word = rng.choice(followers)
        out.append(word)
    return " ".join(out)


def paragraphs(seed: int = 14) -> list[str]:
    """A pool of distinct paragraphs of two to nine sentences."""
    rng = random.Random(seed)
    words = _corpus()
    chain = _chain(words)
    openers = [w for w in words if w[:1].isupper() and w.isalpha()]
    return [
        " ".join(_sentence(chain, openers, rng) for _ in range(rng.randint(2, 9)))
        for _ in range(_POOL)
    ]


def prose(size: int, markdown: bool, seed: int = 14) -> str:
    """About ``size`` bytes of prose with chapter headings, as Markdown or plain text."""
    rng = random.Random(seed)
    pool = paragraphs(seed)
    titles = [p.split(".")[0][:60].strip() for p in pool[:200]]
    parts: list[str] = []
    total, chapter, until_heading = 0, 0, 0
    while total < size:
        if until_heading == 0:
            chapter += 1
            title = f"Chapter {chapter}: {rng.choice(titles)}"
            parts.append(f"## {title}" if markdown else title)
            until_heading = rng.randint(20, 60)
        paragraph = rng.choice(pool)
        if markdown and rng.random() < 0.1:
            words = paragraph.split(" ")
            at = rng.randrange(len(words))
            words[at] = f"*{words[at]}*" if rng.random() < 0.5 else f"[{words[at]}](#n{at})"
            paragraph = " ".join(words)
        parts.append(paragraph)
        total += len(parts[-1].encode()) + 2
        until_heading -= 1
    return "\n\n".join(parts) + "\n"

"""Why a key cannot act now, in words.

A key that does nothing looks, to someone who cannot see the screen, exactly like a key
that worked. Every reading-screen action that can be impossible is wrapped with
:func:`explained`: when :func:`refusal` has a reason, the reason becomes the notice (read
by screen readers) instead of silence. Limits name their value ("Fastest rate: 430 words a
minute", read from ``settings.MAX_RATE`` so it follows the engine's range).

An action that needs the whole document waits, with a notice, while a long one is still
loading (:func:`waiting_for_loading`), instead of acting on the part loaded so far.

Units: paragraph numbers in the words are 1-based.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from reader.settings import MAX_RATE, MIN_RATE
from reader.tui.largeprint import LEVELS

if TYPE_CHECKING:
    from reader.tui.screens.reading import ReaderScreen

MIN_WIDTH = 20
NO_NARRATION = "No narration: the speech engine or the audio device is not available."

Action = TypeVar("Action", bound=Callable[..., Any])


def refusal(screen: ReaderScreen, action: str) -> str | None:
    """Why ``action`` cannot run on ``screen`` now, or None when it can."""
    last = screen.last_index
    at_end = screen.current == last
    at_start = screen.current == 0
    narrator = screen.narrator
    # The narration limits stay where the screen keeps them (the engine's rate range).
    speech = screen.speech_blocked()
    sentences = len(screen.paragraph.sentences)
    reasons: dict[str, tuple[bool, str]] = {
        "next_paragraph": (at_end, f"Already at the last paragraph ({last + 1} of {last + 1})."),
        "last_paragraph": (at_end, f"Already at the last paragraph ({last + 1} of {last + 1})."),
        "previous_paragraph": (at_start, "Already at the first paragraph."),
        "first_paragraph": (at_start, "Already at the first paragraph."),
        "next_sentence": (
            at_end and screen.sentence + 1 >= sentences,
            "Already at the last sentence of the document.",
        ),
        "previous_sentence": (
            at_start and screen.sentence == 0,
            "Already at the first sentence of the document.",
        ),
        "larger": (screen.level >= LEVELS[-1], f"Largest text size: {LEVELS[-1]}."),
        "smaller": (screen.level <= LEVELS[0], f"Smallest text size: {LEVELS[0]}."),
        "default_size": (screen.level == LEVELS[0], "Already the default text size (1)."),
        "wider": (
            screen.at_full_width(),
            "The reading column is already as wide as the window.",
        ),
        "narrower": (
            0 < screen.reading_width <= MIN_WIDTH,
            f"Narrowest reading column: {MIN_WIDTH} characters.",
        ),
        "search_next": (not screen.search_text, "No search yet: press / to search."),
        "search_previous": (not screen.search_text, "No search yet: press / to search."),
        "bookmarks": (
            not screen.reader.session.state.bookmarks,
            "No bookmarks yet: press m to bookmark this paragraph.",
        ),
        "play_pause": (speech["play_pause"], NO_NARRATION),
        "voice": (speech["voice"], NO_NARRATION),
        "stop": (speech["stop"], "Narration is already stopped."),
        "faster": (
            speech["faster"],
            NO_NARRATION if narrator is None else f"Fastest rate: {MAX_RATE} words a minute.",
        ),
        "slower": (
            speech["slower"],
            NO_NARRATION if narrator is None else f"Slowest rate: {MIN_RATE} words a minute.",
        ),
    }
    blocked, reason = reasons.get(action, (False, ""))
    return reason if blocked else None


# What needs the whole document: while a long one is still loading (a 50 MB file, for
# about a second after the first paint) these wait for the rest, say so, and then run;
# the second kind only at the last paragraph loaded so far.
WHOLE_DOCUMENT = {
    "last_paragraph": "the last paragraph",
    "go_to": "going to a paragraph",
    "contents": "the contents",
    "next_section": "the next section",
    "search": "searching",
    "search_next": "the next match",
    "search_previous": "the previous match",
    "export": "exporting",
}
AT_THE_END = {"next_paragraph": "the next paragraph", "next_sentence": "the next sentence"}


def waiting_for_loading(screen: ReaderScreen, action: str) -> str | None:
    """What the notice says while ``action`` waits for the rest of a document that is
    still loading, or None when it can run now."""
    document = screen.reader.session.document
    if document.complete:
        return None
    what = WHOLE_DOCUMENT.get(action)
    if what is None and screen.current >= screen.last_index:
        what = AT_THE_END.get(action)
    if what is None:
        return None
    count = len(document.paragraphs)
    return f"Still loading the document ({count:,} paragraphs so far); {what} once it has loaded."


def explained(method: Action) -> Action:
    """Run the action, or say in the notice why it cannot run now; an action that needs
    the whole of a document still loading runs once it has loaded (the screen's
    ``after_loading``; a later one replaces it)."""
    name = method.__name__.removeprefix("action_")

    @functools.wraps(method)
    def wrapper(self: ReaderScreen, *args: object) -> object:
        waiting = waiting_for_loading(self, name) if self.is_mounted else None
        if waiting is not None:
            self.notice = waiting
            self.after_loading = functools.partial(wrapper, self, *args)
            return None
        reason = refusal(self, name) if self.is_mounted else None
        if reason is not None:
            self.notice = reason
            return None
        return method(self, *args)

    return wrapper  # type: ignore[return-value]

"""The reading screen: owns the reading state (paragraph, sentence, size, search,
bookmarks) and pushes it to the reading view and status line with ``data_bind``.

Units: ``current`` is a 0-based paragraph index, ``sentence`` a 0-based index into that
paragraph's sentences; spans are paragraph-local character offsets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.geometry import Offset
from textual.reactive import reactive
from textual.timer import Timer

from reader import sections
from reader.document import Paragraph, Section
from reader.sanitize import for_terminal
from reader.selection import search_indices
from reader.settings import GRANULARITIES
from reader.tui.bindings import READING_BINDINGS
from reader.tui.largeprint import LEVELS
from reader.tui.refusals import MIN_WIDTH, explained
from reader.tui.screens.contents import ContentsDialog
from reader.tui.screens.dialogs import BookmarksDialog, ExportDialog, GoToDialog, SearchDialog
from reader.tui.screens.help import HelpScreen, key_table
from reader.tui.screens.paging import PagingScreen
from reader.tui.screens.voices import VoiceDialog
from reader.tui.themes import THEME_NAMES
from reader.tui.widgets.reading import FULL_WIDTH, ReadingView
from reader.tui.widgets.status import TextLine

WIDTH_STEP = 10
SAVE_DELAY = 2.0


class ReaderScreen(PagingScreen):
    """Numbered paragraphs, the status line in words, and every reading key."""

    BINDINGS: ClassVar[list[BindingType]] = READING_BINDINGS

    level: reactive[int] = reactive(1, init=False)
    reading_width: reactive[int] = reactive(0, init=False)
    line_spacing: reactive[int] = reactive(0, init=False)
    search_terms: reactive[tuple[str, ...]] = reactive((), init=False)
    heading: reactive[str] = reactive("", init=False)

    def __init__(self) -> None:
        super().__init__(id="reading")
        self._save_timer: Timer | None = None
        self.search_text = ""
        # An action that waits for the rest of a document still loading (refusals.py).
        self.after_loading: Callable[[], object] | None = None

    def compose(self) -> ComposeResult:
        session = self.reader.session
        yield TextLine(id="title").data_bind(text=ReaderScreen.heading)
        yield ReadingView(session.document, id="view").data_bind(
            ReaderScreen.current,
            ReaderScreen.word_span,
            ReaderScreen.sentence_span,
            ReaderScreen.level,
            ReaderScreen.reading_width,
            ReaderScreen.line_spacing,
            ReaderScreen.search_terms,
        )
        yield TextLine(id="notice").data_bind(text=ReaderScreen.notice)
        yield TextLine(id="status").data_bind(text=ReaderScreen.status)
        # One plain line instead of Textual's Footer: a widget per key cost a third of
        # the start-up time, and a screen reader reads one line of words more easily.
        yield TextLine(id="keys")

    def on_mount(self) -> None:
        session = self.reader.session
        state = session.state
        count = len(session.document.paragraphs)
        self.level = state.size if state.size in LEVELS else 1
        self.reading_width = session.settings.preferences.reading_width
        self.line_spacing = session.settings.preferences.line_spacing
        start = session.start if session.start is not None else state.paragraph
        start = max(0, min(start, count - 1))
        if session.start is None:
            sentence = self._sentence_at(session.document.paragraphs[start], state.offset)
            self.set_reactive(ReaderScreen.sentence, sentence)
        self.current = start
        self.watch_current()
        self.notice = " ".join(session.notices)
        shown = key_table(self, footer_only=True)
        self.query_one("#keys", TextLine).text = "  ".join(f"{k} {d}" for k, d in shown)
        self.speech_setup()
        self.query_one(ReadingView).show_bookmarks(state.bookmarks)
        self.query_one(ReadingView).focus()
        self._refresh_status()

    def terminal_cursor(self) -> Offset | None:
        """The reading place while the reading view has focus (the top left of the view
        when paging has moved the place out of sight)."""
        view = self.query_one(ReadingView)
        if self.focused is not view:
            return None
        cell = view.cursor_cell()
        return view.content_region.offset + (cell if cell is not None else Offset(0, 0))

    # ----- state helpers ---------------------------------------------------------------

    @staticmethod
    def _sentence_at(paragraph: Paragraph, offset: int) -> int:
        found = 0
        for number, sentence in enumerate(paragraph.sentences):
            if paragraph.local(sentence.start) <= offset:
                found = number
        return found

    def watch_current(self) -> None:
        document = self.reader.session.document
        section = document.section_of(self.paragraph)
        title = document.title
        self.heading = f"{title} — {section.title}" if section.title not in ("", title) else title
        self._changed()

    def watch_sentence(self) -> None:
        self._changed()

    def _changed(self) -> None:
        self._update_spans()
        self._refresh_status()
        self._schedule_save()
        self.prepare_narration()
        self.refresh_bindings()
        self.call_after_refresh(self.place_cursor)

    # ----- persistence -----------------------------------------------------------------

    def _schedule_save(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_DELAY, self.save_state)

    def document_grew(self, word_counts: list[int] | None) -> None:
        """The document has loaded: the counts, then the action that waited for it (when
        this screen is still the one shown: not over a dialog opened meanwhile)."""
        super().document_grew(word_counts)
        waiting, self.after_loading = self.after_loading, None
        if waiting is not None and self.app.screen is self:
            self.notice = ""
            waiting()

    def save_state(self) -> None:
        """Remember position, size, theme, voice and rate for this document."""
        session = self.reader.session
        session.state = replace(
            session.state,
            paragraph=self.current,
            offset=self.sentence_offset(),
            size=self.level,
            theme=self.app.theme,
        )
        session.save()

    # ----- navigation ------------------------------------------------------------------

    def go(self, index: int, offset: int = 0) -> None:
        """Make paragraph ``index`` current, at the sentence holding ``offset``."""
        index = max(0, min(index, self.last_index))
        paragraph = self.reader.session.document.paragraphs[index]
        self.notice = ""
        with self.prevent():
            self.set_reactive(ReaderScreen.sentence, self._sentence_at(paragraph, offset))
        if index == self.current:
            self._changed()
        self.current = index
        self.moved_while_speaking(offset)

    @explained
    def action_next_paragraph(self) -> None:
        """Next paragraph."""
        self.go(self.current + 1)

    @explained
    def action_previous_paragraph(self) -> None:
        """Previous paragraph."""
        self.go(self.current - 1)

    @explained
    def action_first_paragraph(self) -> None:
        """First paragraph."""
        self.go(0)

    @explained
    def action_last_paragraph(self) -> None:
        """Last paragraph."""
        self.go(self.last_index)

    @explained
    def action_next_sentence(self) -> None:
        """Next sentence, into the next paragraph at the end of this one."""
        if self.sentence + 1 < len(self.paragraph.sentences):
            self.go(self.current, self._offset_of(self.sentence + 1))
        elif self.current < self.last_index:
            self.go(self.current + 1)

    @explained
    def action_previous_sentence(self) -> None:
        """Previous sentence, into the previous paragraph at the start of this one."""
        if self.sentence > 0:
            self.go(self.current, self._offset_of(self.sentence - 1))
        elif self.current > 0:
            previous = self.reader.session.document.paragraphs[self.current - 1]
            last = previous.sentences[-1] if previous.sentences else None
            self.go(self.current - 1, previous.local(last.start) if last else 0)

    def _offset_of(self, sentence: int) -> int:
        return self.paragraph.local(self.paragraph.sentences[sentence].start)

    @explained
    def action_go_to(self) -> None:
        """Ask for a paragraph number."""
        count = len(self.reader.session.document.paragraphs)

        def done(index: object) -> None:
            if isinstance(index, int):
                self.go(index)

        self.app.push_screen(GoToDialog(count), done)

    # ----- sections ----------------------------------------------------------------------

    def _no_headings(self) -> bool:
        if sections.has_headings(self.reader.session.document):
            return False
        self.notice = "This document has no headings, so no contents: : goes to a paragraph."
        return True

    def _go_to_section(self, section: Section) -> None:
        document = self.reader.session.document
        self.go(sections.target(document, section))
        total = len(document.sections)
        title = for_terminal(sections.label(section))
        self.notice = f"Section {section.number} of {total}: {title}"

    @explained
    def action_contents(self) -> None:
        """List the sections; Enter goes to one."""
        if self._no_headings():
            return
        document = self.reader.session.document

        def done(index: object) -> None:
            if isinstance(index, int):
                self._go_to_section(document.sections[index])

        current = document.section_of(self.paragraph).index
        self.app.push_screen(ContentsDialog(document, current), done)

    @explained
    def action_next_section(self) -> None:
        """The first paragraph of the next section."""
        if self._no_headings():
            return
        document = self.reader.session.document
        found = sections.next_start(document, self.current)
        if found is None:
            total = len(document.sections)
            self.notice = f"Already in the last section ({total} of {total})."
            return
        self._go_to_section(found)

    def action_previous_section(self) -> None:
        """The first paragraph of this section, or of the one before when already there."""
        if self._no_headings():
            return
        document = self.reader.session.document
        found = sections.previous_start(document, self.current)
        if found is None:
            self.notice = "Already at the start of the first section."
            return
        self._go_to_section(found)

    # ----- text size, width, spacing, theme ---------------------------------------------

    def _set_level(self, level: int) -> None:
        self.level = max(LEVELS[0], min(level, LEVELS[-1]))
        self._changed()
        self.notice = f"Text size {self.level}."

    @explained
    def action_larger(self) -> None:
        """Larger text."""
        self._set_level(self.level + 1)

    @explained
    def action_smaller(self) -> None:
        """Smaller text."""
        self._set_level(self.level - 1)

    @explained
    def action_default_size(self) -> None:
        """The terminal's own font size."""
        self._set_level(1)

    def _full_width(self) -> int:
        view = self.query_one(ReadingView)
        return max(MIN_WIDTH, view.size.width - view.gutter_width - 1)

    def at_full_width(self) -> bool:
        """Whether the reading column is as wide as the window."""
        return self.query_one(ReadingView).text_width >= self._full_width()

    @explained
    def action_wider(self) -> None:
        """Widen the reading column (up to the window)."""
        width = self.query_one(ReadingView).text_width + WIDTH_STEP
        self.reading_width = FULL_WIDTH if width >= self._full_width() else width
        self._remember_preferences()
        self._say_width()

    @explained
    def action_narrower(self) -> None:
        """Narrow the reading column."""
        width = self.query_one(ReadingView).text_width
        self.reading_width = max(MIN_WIDTH, (width - 1) // WIDTH_STEP * WIDTH_STEP)
        self._remember_preferences()
        self._say_width()

    def _say_width(self) -> None:
        width = self.query_one(ReadingView).text_width
        self.notice = (
            "Reading column as wide as the window."
            if self.reading_width >= FULL_WIDTH
            else f"Reading column {width} characters wide."
        )

    def action_line_spacing(self) -> None:
        """Cycle the blank rows between lines: 0, 1, 2."""
        self.line_spacing = (self.line_spacing + 1) % 3
        self._remember_preferences()
        rows = self.line_spacing
        self.notice = f"Line spacing: {rows} blank {'row' if rows == 1 else 'rows'} between lines."

    def action_granularity(self) -> None:
        """Cycle what narration marks: word, sentence, paragraph."""
        settings = self.reader.session.settings
        now = GRANULARITIES.index(settings.preferences.granularity)
        chosen = GRANULARITIES[(now + 1) % len(GRANULARITIES)]
        settings.preferences = replace(settings.preferences, granularity=chosen)
        self.notice = f"Highlighting by {chosen}."
        self._remember_preferences()
        self._update_spans()
        self.poll_speech()

    def _remember_preferences(self) -> None:
        settings = self.reader.session.settings
        settings.preferences = replace(
            settings.preferences, reading_width=self.reading_width, line_spacing=self.line_spacing
        )
        self._changed()

    def action_next_theme(self) -> None:
        """Switch to the next colour theme."""
        now = THEME_NAMES.index(self.app.theme) if self.app.theme in THEME_NAMES else -1
        self.app.theme = THEME_NAMES[(now + 1) % len(THEME_NAMES)]
        self._changed()

    # ----- search, bookmarks, export, help ---------------------------------------------

    @explained
    def action_search(self) -> None:
        """Ask for words and go to the next paragraph holding them all."""

        def done(words: object) -> None:
            if isinstance(words, str):
                self.search_text = words
                self.search_terms = tuple(words.casefold().split())
                self._search(backwards=False, include_current=False)

        self.app.push_screen(SearchDialog(self.search_text), done)

    def _search(self, *, backwards: bool, include_current: bool = False) -> None:
        document = self.reader.session.document
        step = -1 if backwards else 1
        start = self.current if include_current else (self.current + step) % len(document)
        found = next(iter(search_indices(document, self.search_text, start, backwards)), None)
        if found is None:
            self.notice = f"No paragraph contains {for_terminal(repr(self.search_text))}."
            return
        self.go(found)
        self.notice = f"Match in paragraph {found + 1}: {for_terminal(self.search_text)}"

    @explained
    def action_search_next(self) -> None:
        """Next paragraph matching the search."""
        self._search(backwards=False)

    @explained
    def action_search_previous(self) -> None:
        """Previous paragraph matching the search."""
        self._search(backwards=True)

    def action_bookmark(self) -> None:
        """Bookmark the current paragraph, or remove its bookmark."""
        session = self.reader.session
        marks = set(session.state.bookmarks)
        if self.current in marks:
            marks.discard(self.current)
            self.notice = f"Bookmark removed from paragraph {self.current + 1}."
        else:
            marks.add(self.current)
            self.notice = f"Bookmarked paragraph {self.current + 1}."
        session.state = replace(session.state, bookmarks=tuple(sorted(marks)))
        self.query_one(ReadingView).show_bookmarks(session.state.bookmarks)
        self.save_state()

    @explained
    def action_bookmarks(self) -> None:
        """List the bookmarks; Enter goes to one."""
        session = self.reader.session

        def done(result: object) -> None:
            if not isinstance(result, tuple):
                return
            _what, index, deleted = result
            if deleted:
                kept = tuple(m for m in session.state.bookmarks if m not in deleted)
                session.state = replace(session.state, bookmarks=kept)
                self.query_one(ReadingView).show_bookmarks(kept)
                self.save_state()
            if isinstance(index, int):
                self.go(index)

        self.app.push_screen(BookmarksDialog(session.document, list(session.state.bookmarks)), done)

    @explained
    def action_voice(self) -> None:
        """Choose the narration voice; it is kept for this document."""

        narrator = self.narrator

        def done(result: object) -> None:
            if isinstance(result, tuple):
                self.use_voice(result[1])
                self.save_state()
            if narrator is not None:
                narrator.settle()

        # The natural voice and the one highlighted start loading now (Piper: about 0.4 s).
        warm = narrator.warm if narrator is not None else None
        self.app.push_screen(VoiceDialog(self.reader.session.state.voice, ready_ahead=warm), done)

    @explained
    def action_export(self) -> None:
        """Export paragraphs to a plain-text file."""

        def done(message: object) -> None:
            if isinstance(message, str):
                self.notice = message

        self.app.push_screen(ExportDialog(self.reader.session.document, self.current), done)

    def action_help(self) -> None:
        """Show every key."""
        self.app.push_screen(HelpScreen(key_table(self)))

    def action_quit_reader(self) -> None:
        """Save the place and leave."""
        self.speech_close()
        self.save_state()
        self.app.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Every key stays enabled: one that cannot act says why (see tui/refusals.py)."""
        del action, parameters
        return True

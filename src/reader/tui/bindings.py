"""The reading screen's keys, each with an id (for remapping) and a description (for the
help screen and the footer). Users remap them in the settings file's ``keymap``
(``{"next_paragraph": "n,j,down,l"}``); Textual's ``set_keymap`` applies it.

Units: none; key names are Textual's (``right_parenthesis`` is ``)``).
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

READING_BINDINGS: list[BindingType] = [
    Binding("n,j,down,enter", "next_paragraph", "Next paragraph", id="next_paragraph",
            show=False),
    Binding("p,k,up", "previous_paragraph", "Previous paragraph", id="previous_paragraph",
            show=False),
    Binding("home,g", "first_paragraph", "First paragraph", id="first_paragraph", show=False),
    Binding("end,G", "last_paragraph", "Last paragraph", id="last_paragraph", show=False),
    Binding("colon", "go_to", "Go to paragraph number", id="go_to", show=False),
    Binding("T", "contents", "Table of contents (Enter goes to a section)", id="contents",
            show=False),
    Binding("right_curly_bracket", "next_section", "Next section", id="next_section",
            show=False),
    Binding("left_curly_bracket", "previous_section",
            "Previous section (the start of this one first)", id="previous_section",
            show=False),
    Binding("right_parenthesis", "next_sentence", "Next sentence", id="next_sentence",
            show=False),
    Binding("left_parenthesis", "previous_sentence", "Previous sentence",
            id="previous_sentence", show=False),
    Binding("space", "play_pause", "Play/pause", id="play_pause", show=True),
    Binding("s", "stop", "Stop narration", id="stop", show=False),
    Binding("right_square_bracket", "faster", "Faster speech", id="faster", show=False),
    Binding("left_square_bracket", "slower", "Slower speech", id="slower", show=False),
    Binding("v", "voice", "Choose the voice", id="voice", show=False),
    Binding("plus,equals_sign", "larger", "Larger text", id="larger", show=False),
    Binding("minus", "smaller", "Smaller text", id="smaller", show=False),
    Binding("0", "default_size", "Default text size", id="default_size", show=False),
    Binding("greater_than_sign", "wider", "Wider reading column", id="wider", show=False),
    Binding("less_than_sign", "narrower", "Narrower reading column", id="narrower",
            show=False),
    Binding("L", "line_spacing", "Change line spacing", id="line_spacing", show=False),
    Binding("h", "granularity", "Highlight word, sentence or paragraph", id="granularity",
            show=False),
    Binding("t", "next_theme", "Next colour theme", id="next_theme", show=False),
    Binding("slash", "search", "Search", id="search", show=False),
    Binding("f3,ctrl+n", "search_next", "Next search match", id="search_next", show=False),
    # N as well: xterm-compatible terminals send shift+f3 as ESC[1;2R, which Textual reads
    # as a cursor-position report (the app also turns that report back into the key).
    Binding("shift+f3,ctrl+p,N", "search_previous", "Previous search match",
            id="search_previous", show=False),
    # Paged away, the view stays put while narration plays, until c or a move.
    Binding("pagedown,ctrl+f", "page(1)", "Page down (the place stays; the view too, until c)",
            id="page_down", show=False),
    Binding("pageup,ctrl+b", "page(-1)", "Page up (the place stays; the view too, until c)",
            id="page_up", show=False),
    Binding("ctrl+d", "page(0.5)", "Half a page down", id="half_page_down", show=False),
    Binding("ctrl+u", "page(-0.5)", "Half a page up", id="half_page_up", show=False),
    Binding("c", "back_to_place", "Back to the reading place (the view follows it again)",
            id="back_to_place", show=False),
    Binding("ctrl+c", "quit_hint", "How to quit", id="quit_hint", show=False),
    Binding("m", "bookmark", "Bookmark this paragraph (again to remove)", id="bookmark",
            show=False),
    Binding("apostrophe", "bookmarks", "List bookmarks", id="bookmarks", show=False),
    Binding("e", "export", "Export to plain text", id="export", show=False),
    Binding("question_mark,f1", "help", "Help: all keys", id="help", show=True),
    Binding("q", "quit_reader", "Quit", id="quit", show=True),
]  # fmt: skip

"""Where the terminal cursor goes, worked out afresh for every frame.

Textual moves the (hidden) terminal cursor to ``App.cursor_position`` after each frame it
writes. Setting that position from event handlers left it stale: set before the first
layout it pointed at the title, and after a dialog closed it stayed where the dialog's
input had put it. The app instead asks the screen on top for the cell at each frame
(``terminal_cursor``), so braille displays and review cursors follow the reading place,
the focused field or the selected list item at every moment.

Units: offsets are screen cells (x, y) from the top left of the terminal.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.geometry import Offset
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, OptionList


def option_cell(options: OptionList) -> Offset | None:
    """The first cell of the highlighted option of ``options`` on screen (None when
    nothing is highlighted or it is scrolled out of sight)."""
    highlighted = options.highlighted
    if highlighted is None or not options.is_mounted:
        return None
    # Textual 8.2.8 keeps the option-to-line map private; pinned, so read it here.
    line = options._index_to_line.get(highlighted)
    if line is None:
        return None
    region = options.content_region
    y = line - int(options.scroll_offset.y)
    if not 0 <= y < region.height:
        return None
    return Offset(region.x, region.y + y)


def input_cell(field: Input) -> Offset:
    """The cell of an input's caret. Not ``Input.cursor_screen_offset``: at the end of
    the text that adds one cell for Textual's own drawn caret, one cell too far."""
    region = field.content_region
    caret = cell_len(field.value[: field.cursor_position])
    x = region.x + caret - int(field.scroll_offset.x)
    return Offset(min(x, region.right - 1) if region.width else region.x, region.y)


def widget_cell(widget: Widget, *, prefer_list: bool = False) -> Offset | None:
    """The cell for a focused ``widget``: the caret of an input, the highlighted option of
    a list, else the first cell of its content."""
    if isinstance(widget, OptionList):
        return option_cell(widget)
    if isinstance(widget, Input):
        if prefer_list:
            lists = widget.screen.query(OptionList)
            found = option_cell(lists.first()) if lists else None
            if found is not None:
                return found
        return input_cell(widget)
    region = widget.content_region
    return region.offset if region.area else None


def dialog_cursor(screen: Screen[object], *, prefer_list: bool = False) -> Offset | None:
    """The cell for a dialog: its focused control (or the highlighted item of its list
    with ``prefer_list``), else the top left of its first ``.dialog`` box."""
    focused = screen.focused
    if focused is not None:
        found = widget_cell(focused, prefer_list=prefer_list)
        if found is not None:
            return found
    boxes = screen.query(".dialog")
    return boxes.first().content_region.offset if boxes else None

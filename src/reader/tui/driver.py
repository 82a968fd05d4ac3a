"""The terminal driver with mouse reporting limited to what the reader uses.

Textual turns on any-motion tracking (``?1003``), so every mouse movement is sent to the
app and the terminal's own text selection is blocked. The reader uses the mouse for the
wheel and clicks in dialogs only: button tracking (``?1000``) with SGR coordinates
(``?1006``) is enough, and Shift-drag selects text in xterm-compatible terminals.

Units: none.
"""

from __future__ import annotations

from textual.driver import Driver


def quieter_mouse(base: type[Driver]) -> type[Driver]:
    """``base`` with button-only mouse tracking, when it is Textual's Linux driver."""
    from textual.drivers.linux_driver import LinuxDriver

    if not issubclass(base, LinuxDriver):
        return base

    class ButtonMouseDriver(base):  # type: ignore[valid-type,misc]
        """Textual's Linux driver without any-motion mouse tracking."""

        def _enable_mouse_support(self) -> None:
            if not self._mouse:
                return
            self.write("\x1b[?1000h")  # button presses and the wheel
            self.write("\x1b[?1006h")  # SGR coordinates (any window size)
            self.flush()

    return ButtonMouseDriver

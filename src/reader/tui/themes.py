"""The reader's colour themes: every text/background pair is chosen here, by name.

Units: colours are ``#rrggbb`` strings. :func:`contrast_ratio` is the WCAG 2 ratio (1 to 21).
Each :class:`Palette` becomes a Textual theme whose variables the stylesheet uses for the
body, the current paragraph, the status and notice lines, the footer and the dialogs; the
word being spoken is the current paragraph's colours reversed and bold, so it is never
marked by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from textual.theme import Theme


@dataclass(frozen=True, slots=True)
class Palette:
    """Foreground/background pairs of everything the reader draws."""

    name: str
    label: str
    dark: bool
    body_fg: str
    body_bg: str
    gutter_fg: str
    current_fg: str
    current_bg: str
    status_fg: str
    status_bg: str
    dialog_fg: str
    dialog_bg: str
    accent: str
    minimum_contrast: float

    def pairs(self) -> dict[str, tuple[str, str]]:
        """Every (text, background) pair this palette is used for, by what it shows."""
        return {
            "body": (self.body_fg, self.body_bg),
            "paragraph numbers": (self.gutter_fg, self.body_bg),
            "current paragraph": (self.current_fg, self.current_bg),
            "spoken word": (self.current_bg, self.current_fg),
            "status line": (self.status_fg, self.status_bg),
            "footer": (self.status_fg, self.status_bg),
            "dialogs and help": (self.dialog_fg, self.dialog_bg),
            "scroll bars": (self.accent, self.dialog_bg),
        }


PALETTES = (
    Palette(
        name="reader-dark",
        label="dark",
        dark=True,
        body_fg="#e8e6e3",
        body_bg="#1b1d21",
        gutter_fg="#b4b9c2",
        current_fg="#ffffff",
        current_bg="#2e3a4c",
        status_fg="#ffffff",
        status_bg="#3b4252",
        dialog_fg="#f0f0f0",
        dialog_bg="#262a33",
        accent="#88c0f0",
        minimum_contrast=4.5,
    ),
    Palette(
        name="reader-light",
        label="light",
        dark=False,
        body_fg="#1d1d1f",
        body_bg="#fbfaf6",
        gutter_fg="#50535a",
        current_fg="#000000",
        current_bg="#e3ecfa",
        status_fg="#ffffff",
        status_bg="#2f3440",
        dialog_fg="#111111",
        dialog_bg="#eeece6",
        accent="#1f5fbf",
        minimum_contrast=4.5,
    ),
    Palette(
        name="reader-high-contrast",
        label="high contrast",
        dark=True,
        body_fg="#ffffff",
        body_bg="#000000",
        gutter_fg="#ffffff",
        current_fg="#ffff00",
        current_bg="#000000",
        status_fg="#000000",
        status_bg="#ffffff",
        dialog_fg="#ffffff",
        dialog_bg="#000000",
        accent="#ffff00",
        minimum_contrast=7.0,
    ),
    Palette(
        name="reader-sepia",
        label="sepia",
        dark=False,
        body_fg="#3a2e1f",
        body_bg="#f4ecd8",
        gutter_fg="#5c4b36",
        current_fg="#241a0e",
        current_bg="#e6d7b3",
        status_fg="#f4ecd8",
        status_bg="#4a3b28",
        dialog_fg="#2e2416",
        dialog_bg="#ece0c4",
        accent="#5e4420",
        minimum_contrast=4.5,
    ),
)
PALETTE_BY_NAME = {palette.name: palette for palette in PALETTES}
THEME_NAMES = tuple(palette.name for palette in PALETTES)
DEFAULT_THEME = THEME_NAMES[0]
_COLOUR_FIELDS = tuple(
    f.name for f in fields(Palette) if f.name not in ("name", "label", "dark", "minimum_contrast")
)


def theme_label(name: str) -> str:
    """The theme's name in words ("high contrast")."""
    palette = PALETTE_BY_NAME.get(name)
    return palette.label if palette else name


def _textual_theme(palette: Palette) -> Theme:
    variables = {
        f"reader-{name.replace('_', '-')}": getattr(palette, name) for name in _COLOUR_FIELDS
    }
    variables.update(
        {
            "footer-foreground": palette.status_fg,
            "footer-background": palette.status_bg,
            "footer-key-foreground": palette.status_fg,
            "footer-key-background": palette.status_bg,
            "footer-description-foreground": palette.status_fg,
            "footer-description-background": palette.status_bg,
            "footer-item-background": palette.status_bg,
            "input-cursor-foreground": palette.dialog_bg,
            "input-cursor-background": palette.dialog_fg,
            "input-selection-foreground": palette.dialog_bg,
            "input-selection-background": palette.dialog_fg,
            "block-cursor-foreground": palette.dialog_bg,
            "block-cursor-background": palette.dialog_fg,
            "block-cursor-text-style": "bold",
            "block-cursor-blurred-foreground": palette.dialog_bg,
            "block-cursor-blurred-background": palette.dialog_fg,
            "scrollbar": palette.accent,
            "scrollbar-hover": palette.accent,
            "scrollbar-active": palette.dialog_fg,
            "scrollbar-background": palette.dialog_bg,
            "scrollbar-background-hover": palette.dialog_bg,
            "scrollbar-background-active": palette.dialog_bg,
            "scrollbar-corner-color": palette.dialog_bg,
        }
    )
    return Theme(
        name=palette.name,
        primary=palette.accent,
        accent=palette.accent,
        foreground=palette.body_fg,
        background=palette.body_bg,
        surface=palette.dialog_bg,
        panel=palette.status_bg,
        dark=palette.dark,
        variables=variables,
    )


def reader_themes() -> list[Theme]:
    """The Textual themes to register, in the order ``t`` cycles through them."""
    return [_textual_theme(palette) for palette in PALETTES]


def theme_variable_defaults() -> dict[str, str]:
    """Values for the reader's variables under themes that are not the reader's own."""
    palette = PALETTES[0]
    return {f"reader-{n.replace('_', '-')}": getattr(palette, n) for n in _COLOUR_FIELDS}


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio between two colours."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)

"""WCAG contrast of every text/background pair the reader shows, per theme: computed from
the palettes and from the cells actually drawn on the reading screen, help and dialogs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.style import Style
from textual.pilot import Pilot

from reader.document import Document
from reader.playback import Player
from reader.tui.app import ReaderApp
from reader.tui.screens.reading import ReaderScreen
from reader.tui.screens.voices import VoiceDialog
from reader.tui.themes import PALETTES, Palette, contrast_ratio


@pytest.mark.parametrize("palette", PALETTES, ids=[p.name for p in PALETTES])
def test_palette_pairs(palette: Palette) -> None:
    for what, (fg, bg) in palette.pairs().items():
        ratio = contrast_ratio(fg, bg)
        assert ratio >= palette.minimum_contrast, (palette.name, what, fg, bg, round(ratio, 2))
    if palette.name.endswith("high-contrast"):
        assert palette.minimum_contrast >= 7


def test_contrast_formula_known_values() -> None:
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert contrast_ratio("#777777", "#777777") == 1.0
    assert round(contrast_ratio("#767676", "#ffffff"), 2) == 4.54


def _hex(style: Style) -> tuple[str, str]:
    assert style.color is not None and style.bgcolor is not None, style
    fg = style.color.get_truecolor().hex
    bg = style.bgcolor.get_truecolor().hex
    return (bg, fg) if style.reverse else (fg, bg)


async def _listed(dialog: VoiceDialog, pilot: Pilot[None]) -> None:
    for _ in range(500):
        if dialog.voices is not None:
            break
        await pilot.pause(0.02)
    assert dialog.voices, "no voices listed"
    await pilot.pause()


def _drawn_pairs(app: ReaderApp) -> set[tuple[str, str]]:
    pairs = set()
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if segment.text.strip() and segment.style is not None and not segment.control:
                pairs.add(_hex(segment.style))
    return pairs


@pytest.mark.parametrize("palette", PALETTES, ids=[p.name for p in PALETTES])
async def test_drawn_cells_reach_the_contrast(
    palette: Palette,
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: object,
) -> None:
    # With a player, so that the voice chooser (narration only) opens too.
    app = make_app(speech, start=1, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = palette.name
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        screen.notice = "A notice line."
        screen.word_span = (2, 6)  # as narration marks a word
        await pilot.pause()
        seen = _drawn_pairs(app)
        dialogs = (("question_mark",), ("e",), ("colon", "9", "9", "enter"), ("slash",), ("v",))
        for keys in dialogs:
            await pilot.press(*keys)
            await pilot.pause()
            if isinstance(app.screen, VoiceDialog):
                await _listed(app.screen, pilot)
            seen |= _drawn_pairs(app)
            await pilot.press("escape")
        await pilot.press("plus", "plus")
        await pilot.pause()
        seen |= _drawn_pairs(app)
    assert len(seen) >= 5
    for fg, bg in seen:
        ratio = contrast_ratio(fg, bg)
        assert ratio >= palette.minimum_contrast, (palette.name, fg, bg, round(ratio, 2))


async def test_no_color_keeps_the_marks(
    speech: Document, make_app: Callable[..., ReaderApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(speech)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        screen.word_span = (0, 5)
        await pilot.pause()
        styles = [s.style for strip in app.screen._compositor.render_strips() for s in strip]
        assert any(style and style.reverse and style.bold for style in styles)
        assert any(style and style.underline for style in styles)

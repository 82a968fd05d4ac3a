"""Encoder settings, containers and tolerances of every encoded audio format, for the render
folder (``mp3``, ``ogg``, ``m4b``) and for EPUB books (``mp3``, ``aac`` in MP4).

Units: bitrates as ffmpeg spells them; tolerances in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from reader.media import require as require_tools

# Mono speech at the engine's 22.05 kHz: 48 kb/s keeps eSpeak's voice clean in every codec.
BITRATE = "48k"
# How far a file's played length may be from its sync map (issue 5: 30 ms). MP3 keeps up to
# one frame of end padding (26 ms at 22.05 kHz), see ``reader.audio.probe``.
TOLERANCE_MS = 30.0
# Files per ffmpeg process: its start-up is paid once per batch, but every open input and
# encoder costs about 0.7 MB, so batches stay small enough for books.
BATCH = 16
# What the render asks for when ffmpeg is missing and WAV would do.
WAV_HINT = ", or ask for --format wav"


@dataclass(frozen=True, slots=True)
class AudioKind:
    """How one audio format is encoded and recognised: its suffix and media type, the
    codec and container names ffprobe reports, ffmpeg's codec options and its muxer (always
    named: temporary file names hide the suffix, and a guessed muxer can be wrong)."""

    suffix: str
    media_type: str
    codec: str
    container: str
    options: tuple[str, ...]
    muxer: str


MP3_MAKEUP_DB = 0.45

KINDS: dict[str, AudioKind] = {
    # LAME at quality 7 ("fast") is twice as fast as its default and transparent enough
    # for 22 kHz speech at this bitrate. At a constant bitrate LAME decodes 0.45 dB under
    # its input whatever the audio and the rate (measured with ffmpeg 5.1's libmp3lame on
    # a 1 kHz sine, RMS -35.05 dB in, -35.50 out, and on eSpeak NG speech, -18.3 in,
    # -18.8 out, at 48 and 128 kbit/s): the encoder's input is raised by as much, so the
    # MP3 plays at the loudness the mastering chose.
    "mp3": AudioKind(
        ".mp3",
        "audio/mpeg",
        "mp3",
        "mp3",
        (
            "-c:a",
            "libmp3lame",
            "-b:a",
            BITRATE,
            "-compression_level",
            "7",
            "-af",
            f"volume={MP3_MAKEUP_DB}dB",
        ),
        "mp3",
    ),
    # The Ogg muxer draws a random stream serial number for every file unless asked to be
    # bit-exact (then the serial is the stream's index): two renders give the same bytes.
    "ogg": AudioKind(
        ".ogg",
        "audio/ogg",
        "vorbis",
        "ogg",
        ("-c:a", "libvorbis", "-q:a", "3", "-fflags", "+bitexact"),
        "ogg",
    ),
    # ffmpeg's AAC "twoloop" coder is four to six times slower than "fast" for no audible
    # gain in speech at this rate.
    "m4b": AudioKind(
        ".m4b",
        "audio/mp4",
        "aac",
        "mov",
        ("-c:a", "aac", "-aac_coder", "fast", "-b:a", BITRATE),
        "ipod",
    ),
    # For EPUB: AAC in MP4, never raw ADTS (".aac"), which has no edit list and plays 1024
    # samples (46 ms) late; "+faststart" lets playback start at once.
    "aac": AudioKind(
        ".m4a",
        "audio/mp4",
        "aac",
        "mov",
        ("-c:a", "aac", "-aac_coder", "fast", "-b:a", BITRATE, "-movflags", "+faststart"),
        "mp4",
    ),
}

# Delivery profiles (``reader render --profile``): what each changes in the codec options
# (given after them: the later option wins). "standard" is the engine's 22.05 kHz as is.
PROFILES: dict[str, dict[str, tuple[str, ...]]] = {
    "standard": {},
    "high": {
        "mp3": ("-ar", "44100", "-b:a", "128k"),
        "m4b": ("-ar", "44100", "-b:a", "64k"),
        "aac": ("-ar", "44100", "-b:a", "64k"),
        "ogg": ("-ar", "44100", "-q:a", "5"),
    },
}
DEFAULT_PROFILE = "standard"

CODECS: dict[str, list[str]] = {name: list(KINDS[name].options) for name in ("mp3", "ogg", "m4b")}
"""The render folder's encoded formats and their codec options (part of its manifest's
digest, so a change of settings re-encodes)."""


def require(what: str, hint: str = "") -> None:
    """Raise a one-line ``ReaderError`` naming the package when ffmpeg/ffprobe are absent."""
    require_tools(what, hint)

"""Audio playback with a position clock: the only module that imports miniaudio.

Units: positions are frames (one 16-bit mono sample per frame) counted from the start of
the clip being played; ``sample_rate`` is frames per second. The clock is the number of
frames the audio device has actually pulled from our stream generator, so it follows the
device (and stops when the device stalls) rather than a wall-clock guess.

The device runs miniaudio's callback thread; every piece of state it touches is guarded by
one lock. ``--audio null`` (miniaudio's null backend) plays in real time into nothing, so
the text still advances on machines without a sound card.
"""

from __future__ import annotations

import contextlib
import os
import threading
import wave
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from reader.errors import EXIT_FAILURE, ReaderError

if TYPE_CHECKING:
    import miniaudio

SAMPLE_WIDTH = 2  # bytes per frame: 16-bit mono
AUDIO_CHOICES = ("auto", "null")
# Small periods keep the device's read-ahead (and so the clock's lead) to about 10 ms.
PERIOD_MS = 10


class PlayerState(Enum):
    """What the player is doing."""

    STOPPED = "stopped"
    PLAYING = "playing"
    PAUSED = "paused"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class Clip:
    """16-bit mono PCM audio with a caller's ``tag`` (for example a paragraph index) and
    ``piece`` (for example which piece of that paragraph)."""

    samples: bytes
    sample_rate: int
    tag: int = 0
    piece: int = 0

    @property
    def frames(self) -> int:
        """Length in frames."""
        return len(self.samples) // SAMPLE_WIDTH

    @classmethod
    def from_wav(cls, path: Path, tag: int = 0, piece: int = 0) -> Clip:
        """Read a 16-bit mono WAV file (what eSpeak NG writes)."""
        try:
            with wave.open(str(path), "rb") as wav:
                if wav.getsampwidth() != SAMPLE_WIDTH or wav.getnchannels() != 1:
                    raise ReaderError(
                        f"{path}: is not 16-bit mono audio; render the narration again",
                        EXIT_FAILURE,
                    )
                rate = wav.getframerate()
                samples = wav.readframes(wav.getnframes())
        except (OSError, EOFError, wave.Error) as error:
            raise ReaderError(
                f"{path}: cannot read the narration audio ({error}); render it again",
                EXIT_FAILURE,
            ) from None
        return cls(samples, rate, tag, piece)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The player at one instant: which clip (tag and piece), how far the device has
    played, the state."""

    tag: int | None
    position: int
    sample_rate: int
    state: PlayerState
    piece: int = 0


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """ALSA prints its probing failures straight to file descriptor 2, which is where the
    terminal UI draws; hide them while a device is opened."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with Path(os.devnull).open("wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class Player:
    """Plays clips one after another on one device and counts the frames it consumed."""

    def __init__(self, audio: str = "auto", sample_rate: int = 22050) -> None:
        if audio not in AUDIO_CHOICES:
            raise ReaderError(f"--audio {audio}: choose one of {', '.join(AUDIO_CHOICES)}")
        self.requested = audio
        self.notice: str | None = None
        self._lock = threading.Lock()
        self._clip: Clip | None = None
        self._next: Clip | None = None
        self._position = 0
        self._state = PlayerState.STOPPED
        self._device: miniaudio.PlaybackDevice | None = None
        self._sample_rate = sample_rate
        self.backend = ""
        self._open(sample_rate)

    def _open(self, sample_rate: int) -> None:
        import miniaudio  # here, not at the top: the reader paints before sound is needed

        if self._device is not None:
            self._device.close()
            self._device = None
        device = None
        if self.requested == "auto":
            try:
                with _quiet_stderr():
                    device = self._make_device(sample_rate, None)
            except miniaudio.MiniaudioError:
                self.notice = "No sound device could be opened; playing silently in real time."
            if device is not None and device.backend.lower() == "null":
                self.notice = "No sound device found; playing silently in real time."
        if device is None:
            device = self._make_device(sample_rate, [miniaudio.Backend.NULL])
        self._device = device
        self._sample_rate = sample_rate
        self.backend = str(device.backend)
        stream = self._stream()
        next(stream)
        device.start(stream)

    @staticmethod
    def _make_device(
        sample_rate: int, backends: list[miniaudio.Backend] | None
    ) -> miniaudio.PlaybackDevice:
        import miniaudio

        return miniaudio.PlaybackDevice(
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=1,
            sample_rate=sample_rate,
            buffersize_msec=PERIOD_MS,
            backends=backends,
            app_name="reader",
        )

    @property
    def is_null(self) -> bool:
        """Whether sound goes nowhere (the null backend)."""
        return self.backend.lower() == "null"

    def _stream(self) -> Generator[bytes, int, None]:
        """The device's data source; runs on miniaudio's thread."""
        required = yield b""
        while True:
            with self._lock:
                chunk = self._take(required)
            required = yield chunk

    def _take(self, required: int) -> bytes:
        out = bytearray()
        while self._state is PlayerState.PLAYING and self._clip is not None and required > 0:
            clip = self._clip
            count = min(required, clip.frames - self._position)
            start = self._position * SAMPLE_WIDTH
            out += clip.samples[start : start + count * SAMPLE_WIDTH]
            self._position += count
            required -= count
            if self._position >= clip.frames:
                if self._next is not None and self._next.sample_rate == clip.sample_rate:
                    self._clip, self._next, self._position = self._next, None, 0
                else:
                    self._state = PlayerState.FINISHED
        out += bytes(required * SAMPLE_WIDTH)
        return bytes(out)

    def play(self, clip: Clip, start: int = 0) -> None:
        """Play ``clip`` from frame ``start``, replacing whatever was playing."""
        if clip.sample_rate != self._sample_rate:
            self._open(clip.sample_rate)
        with self._lock:
            self._clip, self._next = clip, None
            self._position = max(0, min(start, clip.frames))
            self._state = PlayerState.PLAYING

    def enqueue(self, clip: Clip) -> None:
        """Play ``clip`` right after the current one ends (no gap). If the current clip
        has already finished, it starts now."""
        with self._lock:
            if self._state is PlayerState.FINISHED and clip.sample_rate == self._sample_rate:
                self._clip, self._next, self._position = clip, None, 0
                self._state = PlayerState.PLAYING
            else:
                self._next = clip

    @property
    def queued(self) -> int | None:
        """The tag of the clip waiting to follow, if any."""
        with self._lock:
            return None if self._next is None else self._next.tag

    def pause(self) -> None:
        """Stop the clock where it is; the device keeps running and plays silence."""
        with self._lock:
            if self._state is PlayerState.PLAYING:
                self._state = PlayerState.PAUSED

    def resume(self) -> None:
        """Continue from where :meth:`pause` stopped."""
        with self._lock:
            if self._state is PlayerState.PAUSED:
                self._state = PlayerState.PLAYING

    def seek(self, frame: int) -> None:
        """Move within the current clip (frames from its start)."""
        with self._lock:
            if self._clip is not None:
                self._position = max(0, min(frame, self._clip.frames))
                if self._state is PlayerState.FINISHED and self._position < self._clip.frames:
                    self._state = PlayerState.PLAYING

    def stop(self) -> None:
        """Forget the current and queued clips."""
        with self._lock:
            self._clip, self._next, self._position = None, None, 0
            self._state = PlayerState.STOPPED

    def snapshot(self) -> Snapshot:
        """A consistent view of clip, position and state."""
        with self._lock:
            clip = self._clip
            tag, piece = (None, 0) if clip is None else (clip.tag, clip.piece)
            return Snapshot(tag, self._position, self._sample_rate, self._state, piece)

    def close(self) -> None:
        """Release the device."""
        self.stop()
        if self._device is not None:
            self._device.close()
            self._device = None


def open_player(audio: str = "auto", sample_rate: int = 22050) -> Player:
    """A started player on the chosen device (``auto`` falls back to the null backend)."""
    return Player(audio, sample_rate)

"""reader: an accessible audio-and-text reader (terminal UI, narration, plain-text export)."""

__version__ = "0.1.0"

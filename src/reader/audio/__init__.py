"""The one audio back end, for the render folder and for EPUB books alike: encoder settings
and tolerances (``formats``), encoding and streaming assembly (``encode``), probing and
length checks (``probe``), and cutting MP3 frames (``mp3join``). Processes are started by
:mod:`reader.media`; files are written through :mod:`reader.atomic`."""

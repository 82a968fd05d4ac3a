"""The argparse code and handlers of every ``reader`` command, one module per group:
``documents`` (open, info, export, read) and ``render`` (render, voices); ``common`` holds
what they share. Only :mod:`reader.cli` (the entry point) imports this package; the domain
never does, which ``tests/unit/test_architecture.py`` checks."""

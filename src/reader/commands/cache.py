"""``reader cache``: the narration cache's folder, size, entries and limit; ``--clear``
empties it and ``--limit MB`` sets its size limit.

Units: megabytes (1024 x 1024 bytes) on the command line and in what is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from reader.commands.common import Handler


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def run_cache(args: argparse.Namespace) -> int:
    """Show the cache, or clear it, or set its limit."""
    from reader.narration import cachelimit
    from reader.narration.cache import default_cache_dir
    from reader.sanitize import for_terminal

    root = default_cache_dir()
    if args.limit is not None:
        limit = cachelimit.parse_megabytes(args.limit, "--limit")
        cachelimit.set_limit(root, limit)
        removed = cachelimit.enforce_limit(root, limit)
        print(f"Limit set to {_megabytes(limit)}; removed {_entries(removed.entries)}.")
    if args.clear:
        removed = cachelimit.clear(root)
        kept = cachelimit.usage(root)
        print(
            f"Removed {_entries(removed.entries)} ({_megabytes(removed.size)})"
            + (f"; kept {_entries(kept.entries)} in use" if kept.entries else "")
            + "."
        )
    if args.limit is None and not args.clear:
        used = cachelimit.usage(root)
        limit = cachelimit.limit_bytes(root)
        source = f"from {cachelimit.LIMIT_ENV}" if os.environ.get(cachelimit.LIMIT_ENV) else "limit"
        sys.stdout.write(
            f"Narration cache: {for_terminal(str(root))}\n"
            f"Entries: {used.entries:,}\n"
            f"Size: {_megabytes(used.size)} of {_megabytes(limit)} ({source})\n"
        )
    return 0


def _entries(count: int) -> str:
    return f"{count:,} {'entry' if count == 1 else 'entries'}"


def add_cache_command(
    commands: argparse._SubParsersAction[Any], handlers: dict[str, Handler]
) -> None:
    """Add ``cache`` to the ``reader`` command line."""
    cache = commands.add_parser(
        "cache", help="the narration cache: size and entries, --clear, --limit MB"
    )
    cache.add_argument(
        "--clear", action="store_true", help="remove every entry no running reader is using"
    )
    cache.add_argument(
        "--limit",
        metavar="MB",
        help="keep the cache under MB megabytes (default 4096; READER_CACHE_MAX_MB wins)",
    )
    handlers["cache"] = run_cache

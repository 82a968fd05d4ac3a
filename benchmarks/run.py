"""`make bench`: run every ``benchmarks/bench_*.py`` script in turn and show its output.

Each script measures its own baseline in the same run and prints ratios against it, so the
figures hold on a shared, noisy machine. A script that fails makes the whole run fail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    """Run the benchmark scripts; return non-zero if any failed."""
    folder = Path(__file__).resolve().parent
    failed = []
    for script in sorted(folder.glob("bench_*.py")):
        print(f"== {script.stem}", flush=True)
        result = subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=False)
        if result.returncode:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

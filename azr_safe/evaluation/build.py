"""Rebuild the stored problem sets in the jail and print their sha256.

    python -m azr_safe.evaluation.build cruxeval heldout          # rewrite data/*.jsonl
    python -m azr_safe.evaluation.build --check cruxeval heldout  # rebuild in memory, compare with the pins

Both builds are deterministic: the same sources, the same order, outputs from the jail. After an
intended change, bump the set's version, rebuild, and pin the new hash in `datasets.PINNED_SHA256`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from azr_safe.evaluation.cruxeval import build_cruxeval
from azr_safe.evaluation.datasets import PINNED_SHA256, sha256_of_problems, write_problems
from azr_safe.evaluation.heldout import HELDOUT_FILE, build_heldout
from azr_safe.evaluation.jailed import open_jail
from azr_safe.evaluation.runner import CRUXEVAL_FILE

BUILDERS = {"cruxeval": (CRUXEVAL_FILE, build_cruxeval), "heldout": (HELDOUT_FILE, build_heldout)}
DATA_DIR = Path(__file__).parent / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild the evaluation problem sets in the jail.")
    parser.add_argument("sets", nargs="+", choices=sorted(BUILDERS))
    parser.add_argument("--check", action="store_true", help="Compare with the pinned hashes; write nothing.")
    args = parser.parse_args(argv)
    failed = False
    with open_jail() as jail:
        for name in args.sets:
            filename, builder = BUILDERS[name]
            problems = builder(jail)
            if args.check:
                digest = sha256_of_problems(problems)
                same = digest == PINNED_SHA256[filename]
                failed |= not same
                print(f"{filename}: {len(problems)} problems, sha256 {digest} {'matches' if same else 'DIFFERS from'} the pin")
            else:
                digest = write_problems(DATA_DIR / filename, problems)
                print(f"{filename}: {len(problems)} problems, sha256 {digest}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

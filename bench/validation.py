"""Time the validation of one exercise: its reference, right and wrong solutions graded.

Prints JSON: per exercise the number of solutions graded (each with every seed of
``graders.engine.validation.SEEDS``) and the wall time of ``validate_exercise`` in one
warm sandbox, as a worker runs it: the first validation of a draft (the reference's
answers to the fixed inputs not cached yet: a new or edited reference) and the median
of ``--repeat`` further ones (the same reference again).

    python bench/validation.py [--repeat 5] [SLUG ...]   (default: gelu-numpy softmax-numpy)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graders import engine
from graders.engine.catalog import load_exercise
from graders.engine.validation import SEEDS, Solutions, validate_exercise
from graders.sandbox import Sandbox

FOLDERS = (ROOT / "exercises" / "catalog", ROOT / "exercises" / "demo_drafts")


def folder_of(slug: str) -> Path:
    for root in FOLDERS:
        if (root / slug).is_dir():
            return root / slug
    raise SystemExit(f"no exercise folder {slug!r} in {', '.join(map(str, FOLDERS))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", default=["gelu-numpy", "softmax-numpy"])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    results = {}
    with Sandbox() as sandbox:
        for slug in options.slugs:
            entry = load_exercise(folder_of(slug))
            spec = engine.ExerciseSpec.from_dict(entry).to_dict()
            solutions = Solutions(
                entry["reference_code"], entry["wrong_solutions"], entry["right_solutions"]
            )
            times = []
            for _ in range(options.repeat + 1):
                began = time.perf_counter()
                report = validate_exercise(spec, solutions, sandbox=sandbox)
                times.append((time.perf_counter() - began) * 1000)
                if not report["passed"]:
                    raise SystemExit(f"{slug} does not validate: {report['problems']}")
            results[slug] = {
                "solutions": 1 + len(solutions.right) + len(solutions.wrong),
                "seeds": len(SEEDS),
                "gradings": len(report["solutions"]),
                "first_ms": round(times[0], 1),
                "again_median_ms": round(statistics.median(times[1:]), 1),
            }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

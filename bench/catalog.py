"""Time grading each code exercise's reference with its full test suite.

Prints JSON: per exercise the number of tests, the number of sandbox calls, and the
median wall time of ``engine.grade`` (reference run + student run + judging) over
``--repeat`` runs, all through one warm sandbox as a worker would use it.

    python bench/catalog.py [--repeat 5] [SLUG ...]
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
from graders.engine.code import plan_calls
from graders.sandbox import Sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", help="exercises to time (default: every code exercise)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    exercises = [
        e for e in engine.load_catalog(ROOT / "exercises" / "catalog") if e["kind"] == "code"
    ]
    if args.slugs:
        exercises = [e for e in exercises if e["slug"] in args.slugs]
    rows = []
    with Sandbox() as sandbox:
        for exercise in exercises:
            spec = engine.ExerciseSpec.from_dict(exercise)
            submission = engine.Submission(code=exercise["reference_code"], seed=1)
            times, verdict = [], None
            for _ in range(args.repeat):
                start = time.perf_counter()
                verdict = engine.grade(spec, submission, sandbox=sandbox)
                times.append(time.perf_counter() - start)
            calls = sum(len(c) for _, _, c in plan_calls(spec, submission))
            rows.append(
                {
                    "exercise": exercise["slug"],
                    "tests": len(spec.spec["tests"]),
                    "calls": calls,
                    "score": f"{verdict.score:g}/{verdict.max_score:g}",
                    "grade_ms_median": round(statistics.median(times) * 1000, 1),
                    "grade_ms_max": round(max(times) * 1000, 1),
                }
            )
    print(json.dumps({"repeat": args.repeat, "exercises": rows}, indent=1))


if __name__ == "__main__":
    main()

"""Time grading each code exercise's reference with its full test suite.

Prints JSON: per exercise the number of tests, the number of sandbox calls, the median
wall time of ``engine.grade`` (reference run + student run + judging) over ``--repeat``
runs, all through one warm sandbox as a worker would use it, and the mean CPU time a
grading costs (this process, the zygote and every child, live or reaped). Each run has its own seed,
as every real submission does, so the reference runs the fresh random inputs each time.

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
sys.path.insert(0, str(ROOT / "bench"))

from process_cpu import own_tree_cpu

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
            times, verdict = [], None
            warm_up = engine.Submission(code=exercise["reference_code"], seed=0)
            engine.grade(spec, warm_up, sandbox=sandbox)
            cpu_before = own_tree_cpu()
            for seed in range(1, args.repeat + 1):
                submission = engine.Submission(code=exercise["reference_code"], seed=seed)
                start = time.perf_counter()
                verdict = engine.grade(spec, submission, sandbox=sandbox)
                times.append(time.perf_counter() - start)
            cpu_ms = (own_tree_cpu() - cpu_before) * 1000 / args.repeat
            calls = sum(len(c) for _, _, c in plan_calls(spec, submission))
            rows.append(
                {
                    "exercise": exercise["slug"],
                    "tests": len(spec.spec["tests"]),
                    "calls": calls,
                    "score": f"{verdict.score:g}/{verdict.max_score:g}",
                    "grade_ms_median": round(statistics.median(times) * 1000, 1),
                    "grade_ms_max": round(max(times) * 1000, 1),
                    "cpu_ms_mean": round(cpu_ms, 1),
                }
            )
    print(json.dumps({"repeat": args.repeat, "exercises": rows}, indent=1))


if __name__ == "__main__":
    main()

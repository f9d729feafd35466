"""How long concept questions take to grade; prints one JSON object.

For every concept exercise in the catalog, grades each of its samples (samples.toml)
N times without the embedding model and reports the median milliseconds per grade.
Then loads the bundled embedding model once (cold: import + weights) and reports the
median milliseconds of a text grade with the similarity suggestion.

Usage: .venv/bin/python bench/answers_grading.py [--n 200]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graders.engine.answers import grade_answer
from graders.engine.answers.similarity import Unavailable, default_model
from graders.engine.types import ExerciseSpec, Submission

CATALOG = ROOT / "exercises" / "catalog"


def load(slug: str) -> tuple[ExerciseSpec, list[dict]]:
    """The exercise's spec and its recorded samples."""
    data = tomllib.loads((CATALOG / slug / "exercise.toml").read_text(encoding="utf-8"))
    samples = tomllib.loads((CATALOG / slug / "samples.toml").read_text(encoding="utf-8"))
    return ExerciseSpec.from_dict(data), samples["sample"]


def median_ms(spec: ExerciseSpec, samples: list[dict], n: int, similarity: object) -> float:
    """Median wall time of one grade, in milliseconds, over n rounds of every sample."""
    times = []
    for _ in range(n):
        for sample in samples:
            submission = Submission(seed=sample.get("seed", 1), answer=sample["answer"])
            start = time.perf_counter()
            grade_answer(spec, submission, similarity=similarity)
            times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    slugs = sorted(p.parent.name for p in CATALOG.glob("*/samples.toml"))
    report: dict[str, object] = {"rounds": args.n, "rubric_only_ms": {}}
    for slug in slugs:
        spec, samples = load(slug)
        report["rubric_only_ms"][slug] = median_ms(spec, samples, args.n, None)

    start = time.perf_counter()
    model = default_model()
    report["model_load_s"] = round(time.perf_counter() - start, 2)
    if isinstance(model, Unavailable):
        report["model"] = model.reason
    else:
        report["with_similarity_ms"] = {}
        for slug in slugs:
            spec, samples = load(slug)
            if spec.kind == "text":
                report["with_similarity_ms"][slug] = median_ms(
                    spec, samples, max(1, args.n // 20), model
                )
    report["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

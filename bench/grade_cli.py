"""How long ``manage.py grade SLUG FILE --json`` takes, as acceptance runs it; prints JSON.

Runs the command N times per case as a subprocess from the project root on an empty
SQLite database (the fresh-clone path: exercise read from the catalog), and reports
the median and max wall time per case, plus the load average at the start so numbers
from a busy machine can be told apart.

Usage: .venv/bin/python bench/grade_cli.py [--n 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "exercises" / "catalog"
CASES = {
    "sigmoid-numpy reference (code, sandbox)": (
        "sigmoid-numpy",
        CATALOG / "sigmoid-numpy" / "reference.py",
    ),
    "sigmoid-torch reference (code, torch checks)": (
        "sigmoid-torch",
        CATALOG / "sigmoid-torch" / "reference.py",
    ),
    "cross-entropy-logits answer (choice, no sandbox)": ("cross-entropy-logits", None),
}


def run_once(slug: str, path: Path | None, database: Path) -> tuple[float, int, float]:
    """Run the command once; returns (wall seconds, exit code, score)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", "grade", slug, str(path) if path else "-", "--json"],
        cwd=ROOT,
        env=env,
        input=None if path else json.dumps("logits"),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    elapsed = time.perf_counter() - started
    score = json.loads(result.stdout)["score"] if result.stdout else float("nan")
    return elapsed, result.returncode, score


def main() -> None:
    """Parse ``--n``, time every case, print one JSON object."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5)
    options = parser.parse_args()
    report: dict[str, object] = {"n": options.n, "loadavg_at_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "never-migrated.sqlite3"
        for name, (slug, path) in CASES.items():
            runs = [run_once(slug, path, database) for _ in range(options.n)]
            seconds = [wall for wall, _, _ in runs]
            report[name] = {
                "median_s": round(statistics.median(seconds), 3),
                "max_s": round(max(seconds), 3),
                "exit_codes": sorted({code for _, code, _ in runs}),
                "scores": sorted({score for _, _, score in runs}),
            }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

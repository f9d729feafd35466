"""End-to-end latency of one submission with the real stack; prints one JSON object.

Starts its own web tier (gunicorn) on a fresh SQLite database, one real Celery worker
on a private queue, and uses Redis at REDIS_URL. Then, as the demo student, submits
N correct solutions one after another (cycling sigmoid/relu/softmax) and times each
from the POST until a GET shows it graded. The breakdown uses the server's
timestamps (created, finished) and the worker's own grading time:

- post:        the POST round trip (validate, insert, commit, send to Redis)
- grading:     the engine + sandbox time measured inside the worker
- around_grading: created -> finished minus grading: broker, pickup, the result POST
               and its DB write (a grading this quick posts no "started" report)
- detect:      finished -> the client's poll saw it (poll interval artefact)

Usage: .venv/bin/python bench/end_to_end.py [--n 20] [--burst 20]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = {
    "sigmoid-numpy": (ROOT / "exercises/catalog/sigmoid-numpy/reference.py"),
    "relu-numpy": (ROOT / "exercises/catalog/relu-numpy/reference.py"),
    "softmax-numpy": (ROOT / "exercises/catalog/softmax-numpy/reference.py"),
}
POLL_SECONDS = 0.01


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait()


def stamp(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def submit_and_wait(
    base: str, tokens: tuple[str, str], slug: str, code: str, poll: float = POLL_SECONDS
) -> dict[str, Any]:
    """Submit as the student, watch as the instructor (whose view includes the verdict)."""
    headers = {"Authorization": f"Token {tokens[0]}"}
    watcher = {"Authorization": f"Token {tokens[1]}"}
    t0 = time.time()
    response = requests.post(
        f"{base}/api/v1/exercises/{slug}/submissions/", json={"code": code}, headers=headers
    )
    t_posted = time.time()
    response.raise_for_status()
    url = f"{base}/api/v1/submissions/{response.json()['id']}/"
    deadline = t0 + 300
    while True:
        body = requests.get(url, headers=watcher).json()
        if body["status"] in ("graded", "failed"):
            break
        if time.time() > deadline:
            raise RuntimeError(f"not graded within 300 s: {body}")
        time.sleep(poll)
    t_seen = time.time()
    if body["status"] != "graded" or body["score"] != body["max_score"]:
        raise RuntimeError(f"reference solution not graded full marks: {body}")
    created, finished = (stamp(body[k]) for k in ("created_at", "finished_at"))
    grading = (body.get("verdict") or {}).get("extra", {}).get("grading_ms")
    sample = {
        "end_to_end": (t_seen - t0) * 1000,
        "post": (t_posted - t0) * 1000,
        "detect": (t_seen - finished) * 1000,
    }
    if grading is not None:
        sample["grading"] = float(grading)
        sample["around_grading"] = (finished - created) * 1000 - float(grading)
    return sample


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median": round(statistics.median(ordered), 1),
        "p95": round(p95, 1),
        "min": round(ordered[0], 1),
        "max": round(ordered[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="sequential submissions to time")
    parser.add_argument("--burst", type=int, default=0, help="then submit this many at once")
    parser.add_argument("--concurrency", type=int, default=1, help="worker processes")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="actquiz-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "actquiz.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "ACTQUIZ_GRADING_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
        "ACTQUIZ_API_URL": base,
        "ACTQUIZ_SUBMISSION_RATE": "100000/min",
        "ACTQUIZ_MAX_PENDING_PER_USER": "100000",
        "LOG_LEVEL": "WARNING",
    }
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_catalog", "-v", "0")
    creds = json.loads(manage(env, "demo_setup", "--json"))
    env["ACTQUIZ_GRADER_TOKEN"] = creds["grader"]["token"]
    tokens = (creds["student"]["token"], creds["instructor"]["token"])

    web = start(
        [sys.executable, "-m", "gunicorn", "actquiz.wsgi", "-b", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4"],
        env, workdir / "web.log",
    )  # fmt: skip
    worker = start(
        [sys.executable, "-m", "celery", "-A", "actquiz", "worker", "-Q",
         env["ACTQUIZ_GRADING_QUEUE"], "--concurrency", str(options.concurrency),
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        env, workdir / "worker.log",
    )  # fmt: skip
    try:
        deadline = time.time() + 60
        while True:
            try:
                requests.get(f"{base}/api/v1/exercises/", timeout=10)
                break
            except requests.RequestException:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        codes = {slug: path.read_text() for slug, path in SOLUTIONS.items()}
        slugs = sorted(codes)
        cold = submit_and_wait(base, tokens, slugs[0], codes[slugs[0]])
        # A second warm-up: each sandbox child type may pay a first-use cost.
        for slug in slugs:
            submit_and_wait(base, tokens, slug, codes[slug])
        samples = [
            submit_and_wait(base, tokens, slugs[i % 3], codes[slugs[i % 3]])
            for i in range(options.n)
        ]
        result: dict[str, Any] = {
            "n": options.n,
            "worker_processes": options.concurrency,
            "database": "sqlite",
            "poll_interval_ms": POLL_SECONDS * 1000,
            "cold_first_submission_ms": round(cold["end_to_end"], 1),
        }
        for key in ("end_to_end", "post", "grading", "around_grading", "detect"):
            values = [s[key] for s in samples if key in s]
            if values:
                result[f"{key}_ms"] = summary(values)
        result["per_exercise_median_ms"] = {
            slug: {
                key: round(statistics.median(s[key] for s in samples[i::3] if key in s), 1)
                for key in ("end_to_end", "grading")
                if any(key in s for s in samples[i::3])
            }
            for i, slug in enumerate(slugs)
            if samples[i::3]
        }
        if options.burst:
            began = time.time()
            with ThreadPoolExecutor(max_workers=options.burst) as pool:
                burst = list(
                    pool.map(
                        lambda i: submit_and_wait(
                            base, tokens, slugs[i % 3], codes[slugs[i % 3]], poll=0.2
                        ),
                        range(options.burst),
                    )
                )
            elapsed = time.time() - began
            result["burst"] = {
                "submissions": options.burst,
                "wall_s": round(elapsed, 2),
                "per_second": round(options.burst / elapsed, 2),
                "end_to_end_ms": summary([s["end_to_end"] for s in burst]),
            }
        print(json.dumps(result, indent=2))
    finally:
        stop(worker)
        stop(web)


if __name__ == "__main__":
    main()

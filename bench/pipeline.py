"""Where the time of one graded submission goes, on the real stack; prints one JSON object.

Starts the stack of ``bench/load.py`` (gunicorn with the production settings, one
Celery worker with one grading process per core, its own Redis, the sweep, a fresh
PostgreSQL database), warms every grading process, then POSTs ``--n`` submissions through the
API from ``--clients`` threads (right and wrong answers from the catalog, each
score checked) and watches the database until every one is graded. Reported:

- graded_per_s: graded submissions per second, first POST to last verdict stored
- stages_ms (p50/p95 over the submissions, from the server's own timestamps):
    post:        the client's POST round trip (validate, insert, commit, send to Redis)
    grading:     engine + sandbox inside the worker (the verdict's ``grading_ms``)
    sandbox:     the sandbox children's wall time (part of grading)
    around_grading: created -> finished minus grading: broker, pickup, the result POST
                 and its DB work (a grading this quick posts no "started" report)
    end_to_end:  created -> finished
- cpu_ms_per_submission: CPU time used during the run divided by N, per part:
    web (gunicorn processes), worker (Celery pool processes, their zygotes and every
    sandbox child), postgres (the backends of this database), client (this script)
- load_average_1m before and after: other work on the machine shares the cores.

Usage: .venv/bin/python bench/pipeline.py [--n 200] [--exercises sigmoid-numpy,...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import percentile, solutions
from load_stack import Stack
from process_cpu import process_table, tree_cpu


class Watch:
    """CPU of the stack's parts, sampled before and after the measured run."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.backends: set[int] = set()

    def _backend_pids(self) -> set[int]:
        with psycopg.connect(f"{self.stack.server}/postgres", autocommit=True) as connection:
            rows = connection.execute(
                "select pid from pg_stat_activity where datname = %s", (self.stack.database,)
            ).fetchall()
        return {int(row[0]) for row in rows}

    def sample(self) -> dict[str, Any]:
        self.backends |= self._backend_pids()
        table = process_table()
        roots = [process.pid for process in self.stack.processes.values()]
        web, worker = self.stack.processes["gunicorn"].pid, self.stack.processes["worker"].pid
        return {
            "web": tree_cpu(table, [web]),
            "worker": tree_cpu(table, [worker]),
            # Backends are the postmaster's children, not ours: each is counted while alive.
            "postgres": {pid: table[pid][1] for pid in self.backends if pid in table},
            "client": tree_cpu(table, [os.getpid()]) - tree_cpu(table, roots),
        }


def cpu_used(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    """CPU seconds per part between two samples; a backend gone before the end is missed."""
    used = {part: after[part] - before[part] for part in ("web", "worker", "client")}
    used["postgres"] = sum(
        seconds - before["postgres"].get(pid, 0.0) for pid, seconds in after["postgres"].items()
    )
    return used


def wait_until_idle(watch: Watch, limit: float = 240.0) -> float:
    """Wait until the worker is quiet (its text model loaded in the background); returns s."""
    began = time.monotonic()
    last = watch.sample()["worker"]
    while time.monotonic() - began < limit:
        time.sleep(2.0)
        now = watch.sample()["worker"]
        if now - last < 0.2:
            break
        last = now
    return time.monotonic() - began


def summary(values: list[float]) -> dict[str, float | None]:
    return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}


def submission_rows(stack: Stack, ids: list[int]) -> list[dict[str, Any]]:
    with psycopg.connect(f"{stack.server}/{stack.database}") as connection:
        rows = connection.execute(
            """
            select id, status, score,
                   extract(epoch from created_at)::float, extract(epoch from finished_at)::float,
                   (verdict -> 'extra' ->> 'grading_ms')::float,
                   (verdict -> 'extra' ->> 'wall_ms')::float
            from exercises_submission where id = any(%s)
            """,
            (ids,),
        ).fetchall()
    keys = ("id", "status", "score", "created", "finished", "grading", "sandbox")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def wait_until_finished(stack: Stack, ids: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(f"{stack.server}/{stack.database}", autocommit=True) as connection:
        while time.monotonic() < deadline:
            (pending,) = connection.execute(
                "select count(*) from exercises_submission "
                "where id = any(%s) and status not in ('graded', 'failed')",
                (ids,),
            ).fetchone()
            if not pending:
                return
            time.sleep(0.02)
    raise RuntimeError(f"not every submission was graded within {timeout:g} s")


def submit_all(stack: Stack, answers: list[dict[str, Any]], n: int, clients: int) -> list[Any]:
    """POST ``n`` submissions round robin over students and answers; returns (id, answer, ms)."""
    local = threading.local()

    def one(index: int) -> tuple[int, dict[str, Any], float]:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        student = stack.students[index % len(stack.students)]
        answer = answers[index % len(answers)]
        began = time.perf_counter()
        response = session.post(
            f"{stack.url}/api/v1/exercises/{answer['slug']}/submissions/",
            json={"code": answer["code"], "course": stack.credentials["course"]},
            headers={"Authorization": f"Token {student['token']}"},
            timeout=60,
        )
        if response.status_code != 202:
            raise RuntimeError(f"submit HTTP {response.status_code}: {response.text[:300]}")
        return response.json()["id"], answer, (time.perf_counter() - began) * 1000

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(one, range(n)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="submissions to time")
    parser.add_argument("--exercises", default="sigmoid-numpy", help="comma-separated slugs")
    parser.add_argument("--clients", type=int, default=4, help="threads POSTing at once")
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn processes")
    parser.add_argument("--worker-processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=900.0)
    options = parser.parse_args()
    wanted = options.exercises.split(",")
    answers = [a for a in solutions() if a["slug"] in wanted]
    if not answers:
        sys.exit(f"no catalog answers for {wanted}; bench/load.py's EXERCISES lists the known ones")

    stack = Stack(web_workers=options.web_workers, worker_processes=options.worker_processes)
    try:
        stack.prepare(options.students)
        stack.start()
        warm = submit_all(stack, answers, options.worker_processes * 4, options.clients)
        wait_until_finished(stack, [i for i, _, _ in warm], options.timeout)
        watch = Watch(stack)
        idle_wait = wait_until_idle(watch)
        load_before = os.getloadavg()[0]
        before = watch.sample()
        began = time.time()
        sent = submit_all(stack, answers, options.n, options.clients)
        ids = [i for i, _, _ in sent]
        wait_until_finished(stack, ids, options.timeout)
        after = watch.sample()
        load_after = os.getloadavg()[0]
        rows = {row["id"]: row for row in submission_rows(stack, ids)}
    finally:
        stack.close()

    wrong = 0
    for submission_id, answer, _ in sent:
        score = rows[submission_id]["score"]
        right = score is not None and abs(score - answer["points"]) < 1e-6
        wrong += right != answer["right"] or score is None
    graded = [r for r in rows.values() if r["status"] == "graded"]
    last = max(r["finished"] for r in rows.values())
    stages = {
        "post": [ms for _, _, ms in sent],
        "grading": [r["grading"] for r in graded if r["grading"] is not None],
        "sandbox": [r["sandbox"] for r in graded if r["sandbox"] is not None],
        "around_grading": [
            (r["finished"] - r["created"]) * 1000 - r["grading"]
            for r in graded
            if r["grading"] is not None
        ],
        "end_to_end": [(r["finished"] - r["created"]) * 1000 for r in graded],
    }
    print(
        json.dumps(
            {
                "n": options.n,
                "exercises": wanted,
                "clients": options.clients,
                "web_workers": options.web_workers,
                "grading_processes": options.worker_processes,
                "cores": os.cpu_count(),
                "load_average_1m": {"before": round(load_before, 2), "after": round(load_after, 2)},
                "waited_for_idle_worker_s": round(idle_wait, 1),
                "graded": len(graded),
                "failed": sum(r["status"] == "failed" for r in rows.values()),
                "wrong_scores": wrong,
                "wall_s": round(last - began, 2),
                "graded_per_s": round(len(graded) / (last - began), 2),
                "stages_ms": {name: summary(values) for name, values in stages.items()},
                "cpu_ms_per_submission": {
                    part: round(seconds * 1000 / options.n, 1)
                    for part, seconds in cpu_used(before, after).items()
                },
                "median_stage_sum_check_ms": round(
                    statistics.median(stages["grading"])
                    + statistics.median(stages["around_grading"]),
                    1,
                ),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()

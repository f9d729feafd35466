"""Per-job latency of the sandbox versus a fresh interpreter per job, on this machine.

Runs a sigmoid exercise's full test suite (15 calls in one job) through ``Sandbox``
with every layer on, and the same calls in a fresh ``python`` that imports numpy and
torch (what a grader without a zygote pays per job), then prints one JSON object:
``{"zygote_ms": {"p50", "p95"}, "fresh_interpreter_ms": {"p50", "p95"}, "ratio_p50"}``.
Details go to stderr. Usage: ``python bench/sandbox.py [--jobs 300] [--fresh 15]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graders.sandbox import Call, Job, Limits, Sandbox
from graders.sandbox.sandbox import encode_job

STUDENT = """
import numpy as np

def sigmoid(x):
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out
"""

# A fresh interpreter doing the same work as the child: decode the job, load the
# module, run every call, send plain arrays back in the same wire format.
FRESH = """
import sys, types
sys.path.insert(0, sys.argv[1])
import numpy as np
import torch
from graders.sandbox import wire
frames, _ = wire.unpack(sys.stdin.buffer.read())
header, buffers = frames[0]
module = types.ModuleType("submission")
exec(compile(header["code"], "submission.py", "exec"), module.__dict__)
out = []
for call in header["calls"]:
    args = wire.decode_tree(call["args"], buffers)
    value = getattr(module, call["target"])(*args)
    bufs = []
    out.append(wire.pack({"type": "call", "value": wire.encode_tree(value, bufs)}, bufs))
sys.stdout.buffer.write(b"".join(out))
"""


def sigmoid_suite() -> Job:
    """The sigmoid exercise's tests as one job: edge values, sizes, shapes, dtypes."""
    rng = np.random.default_rng(0)
    inputs = [
        np.array([0.0]),
        np.array([-1.0, 0.0, 1.0]),
        np.array([-800.0, 800.0]),
        np.array([-1e-12, 1e-12]),
        np.linspace(-10, 10, 101),
        rng.normal(size=1000),
        rng.normal(size=(32, 32)),
        rng.normal(size=(4, 5, 6)),
        rng.normal(size=1000).astype(np.float32),
        np.array([np.inf, -np.inf]),
        rng.uniform(-50, 50, size=500),
        np.zeros(10),
        rng.normal(scale=100, size=200),
        np.arange(-5, 6, dtype=np.float64),
        rng.normal(size=(10, 1)),
    ]
    calls = tuple(Call(name=f"test_{i}", target="sigmoid", args=(x,)) for i, x in enumerate(inputs))
    return Job(code=STUDENT, calls=calls, framework="numpy")


def percentiles(samples: list[float]) -> dict[str, float]:
    return {
        "p50": round(float(np.percentile(samples, 50)), 2),
        "p95": round(float(np.percentile(samples, 95)), 2),
    }


def time_zygote(job: Job, jobs: int) -> list[float]:
    samples = []
    with Sandbox() as sandbox:
        for _ in range(20):
            sandbox.run(job, Limits())
        for _ in range(jobs):
            started = time.perf_counter()
            result = sandbox.run(job, Limits())
            samples.append((time.perf_counter() - started) * 1000)
            assert result.status == "ok" and all(call.ok for call in result.calls), result
        print(f"layers on: {', '.join(sandbox.layers)}", file=sys.stderr)
    return samples


def time_fresh(job: Job, runs: int) -> list[float]:
    payload = encode_job(job, Limits())
    root = str(Path(__file__).resolve().parents[1])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_NUM_THREADS": "1"}
    samples = []
    for index in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-I", "-B", "-c", FRESH, root],
            input=payload,
            capture_output=True,
            env=env,
            check=True,
        )
        elapsed = (time.perf_counter() - started) * 1000
        assert done.stdout, done.stderr
        if index:  # the first run warms the page cache
            samples.append(elapsed)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300, help="zygote jobs to time")
    parser.add_argument("--fresh", type=int, default=15, help="fresh interpreters to time")
    options = parser.parse_args()
    job = sigmoid_suite()
    zygote = time_zygote(job, options.jobs)
    fresh = time_fresh(job, options.fresh)
    report = {
        "zygote_ms": percentiles(zygote),
        "fresh_interpreter_ms": percentiles(fresh),
        "ratio_p50": round(float(np.percentile(fresh, 50) / np.percentile(zygote, 50)), 1),
    }
    print(
        f"{len(job.calls)} calls per job; {len(zygote)} zygote jobs, {len(fresh)} fresh runs",
        file=sys.stderr,
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()

"""Does the worker's memory stay flat over many jobs? Prints one JSON object.

Runs 1,000 jobs (mostly the sigmoid suite of ``bench/sandbox.py``, with a crash and an
exception mixed in every tenth job) through one ``Sandbox`` and reports the worker's
and the zygote's resident memory and open descriptors before and after.
Usage: ``python bench/sandbox_memory.py [--jobs 1000]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sandbox import sigmoid_suite

from graders.sandbox import Job, Limits, Sandbox

CRASH = "import os\ndef sigmoid(x):\n    os._exit(3)\n"
RAISES = "def sigmoid(x):\n    raise ValueError('no')\n"


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS line")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def snapshot(sandbox: Sandbox) -> dict[str, float]:
    gc.collect()
    zygote = sandbox.zygote_pid
    assert zygote is not None
    return {
        "worker_rss_mib": rss_mib(os.getpid()),
        "zygote_rss_mib": rss_mib(zygote),
        "worker_fds": open_fds(os.getpid()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    options = parser.parse_args()
    suite = sigmoid_suite()
    odd = [Job(code=CRASH, calls=suite.calls[:1]), Job(code=RAISES, calls=suite.calls[:1])]
    statuses: dict[str, int] = {}
    with Sandbox() as sandbox:
        for _ in range(10):  # let the first allocations settle before measuring
            sandbox.run(suite, Limits())
        before = snapshot(sandbox)
        for index in range(options.jobs):
            job = odd[(index // 10) % 2] if index % 10 == 9 else suite
            status = sandbox.run(job, Limits()).status
            statuses[status] = statuses.get(status, 0) + 1
        after = snapshot(sandbox)
    report = {
        "jobs": options.jobs,
        "statuses": statuses,
        "worker_rss_mib": {"before": before["worker_rss_mib"], "after": after["worker_rss_mib"]},
        "zygote_rss_mib": {"before": before["zygote_rss_mib"], "after": after["zygote_rss_mib"]},
        "worker_open_fds": {"before": before["worker_fds"], "after": after["worker_fds"]},
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()

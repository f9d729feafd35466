"""A reference's jobs reuse one long-lived child; nothing else ever does."""

from __future__ import annotations

import numpy as np

from graders.sandbox import Call, Job, Limits, Sandbox

SHORT = Limits(cpu_seconds=2, wall_seconds=2.0, memory_bytes=256 * 1024 * 1024)

# Counts the jobs its process has run: sys outlives the module, which each job re-runs.
COUNTING = """
import sys
import numpy as np

sys.jobs_here = getattr(sys, "jobs_here", 0) + 1

def jobs(x):
    return np.array([float(sys.jobs_here)]) + 0 * x[:1]
"""


def counting_job(resident: bool, code: str = COUNTING) -> Job:
    call = Call(name="n", target="jobs", args=(np.zeros(3),))
    return Job(code=code, calls=(call,), resident=resident)


def jobs_seen(sandbox: Sandbox, job: Job) -> float:
    result = sandbox.run(job, SHORT)
    assert result.status == "ok", result.message
    return float(result.calls[0].value[0])


def test_resident_jobs_of_one_code_share_a_child_and_others_never_do(sandbox: Sandbox) -> None:
    first = jobs_seen(sandbox, counting_job(resident=True))
    assert jobs_seen(sandbox, counting_job(resident=True)) == first + 1
    assert jobs_seen(sandbox, counting_job(resident=False)) == 1.0
    other_code = COUNTING + "\n# another exercise's reference\n"
    assert jobs_seen(sandbox, counting_job(resident=True, code=other_code)) == 1.0


def test_a_resident_that_times_out_or_dies_is_replaced_by_a_fresh_one(sandbox: Sandbox) -> None:
    hang = COUNTING + "\ndef hang(x):\n    while True:\n        pass\n"
    die = COUNTING + "\nimport os\ndef die(x):\n    os._exit(3)\n"
    for code, target, status in ((hang, "hang", "timeout"), (die, "die", "crash")):
        assert jobs_seen(sandbox, counting_job(resident=True, code=code)) >= 1.0
        bad = Job(
            code=code, calls=(Call(name="b", target=target, args=(np.zeros(3),)),), resident=True
        )
        assert sandbox.run(bad, SHORT).status == status
        assert jobs_seen(sandbox, counting_job(resident=True, code=code)) == 1.0


def test_a_resident_and_a_fresh_child_run_together(sandbox: Sandbox) -> None:
    together = (counting_job(resident=True), counting_job(resident=False))
    resident, fresh = sandbox.run_together(together, SHORT)
    assert resident.status == fresh.status == "ok"
    assert fresh.calls[0].value[0] == 1.0

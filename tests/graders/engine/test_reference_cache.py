"""A worker runs each fixed reference call once; random hidden inputs are run every time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graders import engine
from graders.engine import ExerciseSpec, Submission
from graders.engine.code import REFERENCE_CACHE
from graders.engine.reference_cache import ReferenceCache
from graders.sandbox import Call, CallResult, Job, Limits, RunResult, Sandbox

CATALOG = Path(__file__).resolve().parents[3] / "exercises" / "catalog"
SIGMOID = next(e for e in engine.load_catalog(CATALOG) if e["slug"] == "sigmoid-numpy")


class RecordingSandbox:
    """The real sandbox, remembering the jobs it was given."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.jobs: list[Job] = []

    def run_together(self, jobs: tuple[Job, ...], limits: Limits) -> list[RunResult]:
        self.jobs.extend(jobs)
        return self.sandbox.run_together(jobs, limits)


@pytest.mark.slow
def test_a_second_submission_runs_the_reference_only_on_fresh_random_inputs(sandbox) -> None:
    spec = ExerciseSpec.from_dict(SIGMOID)
    recording = RecordingSandbox(sandbox)
    reference_code = SIGMOID["reference_code"]
    student_code = SIGMOID["right_solutions"]["textbook.py"]

    for seed in (101, 202):
        verdict = engine.grade(spec, Submission(code=student_code, seed=seed), sandbox=recording)
        assert verdict.score == verdict.max_score

    reference_jobs = [job for job in recording.jobs if job.code == reference_code]
    student_jobs = [job for job in recording.jobs if job.code == student_code]
    second_reference = {call.name for call in reference_jobs[-1].calls}
    assert {call.name for call in student_jobs[-1].calls} > second_reference
    assert "a_large_input/large" not in second_reference
    assert any(name.startswith("random_batch/") for name in second_reference)
    assert REFERENCE_CACHE.bytes_held > 80_000  # the large input's answer is kept


def result(name: str, value: np.ndarray, ok: bool = True) -> CallResult:
    return CallResult(name=name, ok=ok, value=value)


def call(name: str, x: np.ndarray) -> Call:
    return Call(name=name, target="f", args=(x,))


def test_a_cached_answer_comes_back_under_the_asking_calls_name() -> None:
    cache = ReferenceCache()
    x = np.arange(4.0)
    _, missing, keys = cache.lookup("ref", "numpy", (call("t1/a", x),))
    cache.store(keys, (result("t1/a", x * 2),))

    cached, missing, _ = cache.lookup("ref", "numpy", (call("t2/b", x.copy()),))
    assert missing == ()
    assert cached["t2/b"].name == "t2/b"
    np.testing.assert_array_equal(cached["t2/b"].value, x * 2)


def test_other_inputs_or_another_reference_are_not_answered_from_the_cache() -> None:
    cache = ReferenceCache()
    x = np.arange(4.0)
    _, _, keys = cache.lookup("ref", "numpy", (call("a", x),))
    cache.store(keys, (result("a", x),))
    assert cache.lookup("ref", "numpy", (call("a", x + 1),))[1] != ()
    assert cache.lookup("ref v2", "numpy", (call("a", x),))[1] != ()
    assert cache.lookup("ref", "numpy", (call("a", x.astype(np.float32)),))[1] != ()


def test_a_failed_reference_call_is_never_kept() -> None:
    cache = ReferenceCache()
    x = np.arange(4.0)
    _, _, keys = cache.lookup("ref", "numpy", (call("a", x),))
    cache.store(keys, (result("a", x, ok=False),))
    assert cache.lookup("ref", "numpy", (call("a", x),))[1] != ()


def test_the_cache_forgets_the_least_recently_used_answers_past_its_size() -> None:
    cache = ReferenceCache(max_bytes=3 * (8 * 1000 + 1024))
    arrays = [np.full(1000, float(i)) for i in range(4)]
    for i, x in enumerate(arrays):
        _, _, keys = cache.lookup("ref", "numpy", (call(f"c{i}", x),))
        cache.store(keys, (result(f"c{i}", x),))
    assert cache.lookup("ref", "numpy", (call("c0", arrays[0]),))[1] != ()
    assert cache.lookup("ref", "numpy", (call("c3", arrays[3]),))[1] == ()


def test_the_same_call_twice_in_one_job_keeps_the_faster_timing() -> None:
    cache = ReferenceCache()
    x = np.arange(3.0)
    first, again = call("speed/large", x), call("speed/again", x)
    _, missing, keys = cache.lookup("ref", "numpy", (first, again))
    assert len(missing) == 2
    slow = CallResult(name="speed/large", ok=True, value=x, seconds=0.004)
    fast = CallResult(name="speed/again", ok=True, value=x, seconds=0.00001)
    cache.store(keys, (slow, fast))
    cached, missing, _ = cache.lookup("ref", "numpy", (call("later", x),))
    assert missing == () and cached["later"].seconds == 0.00001

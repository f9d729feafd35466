"""``manage.py grade SLUG FILE [--json]``: grade a file exactly as a worker would.

Same engine, same sandbox (``graders.engine.grade(..., sandbox=Sandbox())``). With
``--json`` stdout carries one JSON object and nothing else; logs go to stderr.

Exit status: 0 when a verdict on the submission was reached (a wrong, broken or
hostile submission is a verdict: score 0 with a message); 2 for usage errors (unknown
slug, unreadable file); 3 when the grader itself is broken (status ``failed``: the
sandbox could not start, the reference failed).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from exercises import offline

logger = logging.getLogger(__name__)

EXIT_USAGE = 2
EXIT_BROKEN = 3
# Same default for every run, so a verdict (and a variant question) is reproducible.
DEFAULT_SEED = 0
# Extra tries after a "failed" verdict (the grader's fault, not the submission's).
GRADING_RETRIES = 1


class Command(BaseCommand):
    help = "Grade FILE (code, or a JSON answer) against exercise SLUG with the real sandbox."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug", help="exercise slug, e.g. sigmoid-numpy")
        parser.add_argument("file", help='submission file ("-" reads stdin)')
        parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="seed of random inputs and variants"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        json_stdout = self._reserve_stdout() if options["json"] else None
        try:
            verdict = self._grade(options["slug"], options["file"], options["seed"])
        except offline.UsageError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        if json_stdout is not None:
            text = json.dumps(verdict, ensure_ascii=False, default=str)
            json_stdout.write(text.encode("utf-8") + b"\n")
            json_stdout.flush()
        else:
            self.stdout.write(offline.text_report(verdict))
        if verdict["status"] != "graded":
            sys.exit(EXIT_BROKEN)

    def _reserve_stdout(self) -> Any:
        """Keep the real stdout for the JSON and send everything else to stderr.

        Redirecting file descriptor 1 itself (not only ``sys.stdout``) also catches
        writes from C libraries and from processes the sandbox forks.
        """
        sys.stdout.flush()
        real = os.fdopen(os.dup(1), "wb")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self.stdout = OutputWrapper(sys.stderr)
        return real

    def _grade(self, slug: str, path: str, seed: int) -> dict[str, Any]:
        spec, source = offline.exercise_spec(slug)
        logger.info("grading %s (from the %s)", slug, source)
        is_code = spec["kind"] == "code"
        limit = settings.ACTQUIZ_MAX_CODE_BYTES if is_code else settings.ACTQUIZ_MAX_ANSWER_BYTES
        raw = offline.read_bytes(path, limit=limit)
        if len(raw) > limit:
            return offline.rejected_verdict(
                spec, seed, "too_large", f"The submission is larger than {limit} bytes."
            )
        try:
            # utf-8-sig drops the byte-order mark some Windows editors write, which
            # Python would otherwise reject as an invalid character on line 1.
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return offline.rejected_verdict(
                spec, seed, "encoding", "The submission is not valid UTF-8 text."
            )
        code, answer = (text, None) if is_code else (None, offline.decode_answer(text))
        verdict = self._run_engine(spec, seed, code=code, answer=answer)
        for _ in range(GRADING_RETRIES):
            if verdict["status"] == "graded":
                break
            # "failed" is never the student's fault (a sandbox that could not start
            # under memory pressure, a zygote that died): like the workers' sweep, try
            # again with a fresh sandbox before reporting a broken grader.
            logger.warning("grading failed (%s); retrying once", verdict.get("error"))
            verdict = self._run_engine(spec, seed, code=code, answer=answer)
        return verdict

    def _run_engine(
        self, spec: dict[str, Any], seed: int, *, code: str | None, answer: Any
    ) -> dict[str, Any]:
        # GNU OpenMP is not fork-safe: the sandbox forks children from a process that
        # has torch loaded, so every thread pool must stay single-threaded.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
        try:
            from graders import engine
        except Exception as exc:  # an import failure is a broken install
            logger.exception("the grading engine cannot be imported")
            return offline.failed_verdict(spec, seed, f"the grading engine is broken: {exc}")
        exercise = engine.ExerciseSpec.from_dict(spec)
        submission = engine.Submission(seed=seed, code=code, answer=answer)
        try:
            if exercise.kind != "code":
                return engine.grade(exercise, submission).to_dict()
            from graders.sandbox import Sandbox

            with Sandbox(
                allow_missing_layers=settings.ACTQUIZ_SANDBOX_ALLOW_MISSING_LAYERS
            ) as sandbox:
                return engine.grade(exercise, submission, sandbox=sandbox).to_dict()
        except Exception as exc:  # never a traceback instead of a verdict
            logger.exception("grading %s failed inside the grader", spec["slug"])
            return offline.failed_verdict(spec, seed, f"the grader failed: {exc}")

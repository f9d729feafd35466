"""``manage.py grade SLUG FILE [FILE ...] [--json] [--lang ko]``: grade files as a worker would.

Same engine, same sandbox: the files are graded in turn through one long-lived
``Sandbox``, as a worker grades its queue, so an instructor can grade a folder of
submissions offline. With ``--json`` stdout carries one JSON verdict per line, one per
file in the order given (each with its ``file``), and nothing else; logs go to stderr.
``--lang`` renders every student-facing text from the feedback catalog (``en``, ``ko``).

Exit status: 0 when a verdict was reached for every file (a wrong, broken or hostile
submission is a verdict: score 0 with a message); 2 for usage errors (unknown slug, an
unreadable file: nothing is graded); 3 when the grader itself is broken for some file
(status ``failed``: the sandbox could not start, the reference failed).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any, Self

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from exercises import offline

logger = logging.getLogger(__name__)

EXIT_USAGE = 2
EXIT_BROKEN = 3
# Same default for every run, so a verdict (and a variant question) is reproducible.
DEFAULT_SEED = 0
# The languages of the feedback catalog (graders.engine.feedback.LANGUAGES), named here
# so that a broken engine install still gets its "failed" verdict instead of a traceback.
LANGUAGES = ("en", "ko")
# Extra tries after a "failed" verdict (the grader's fault, not the submission's).
GRADING_RETRIES = 1


class Command(BaseCommand):
    help = "Grade FILEs (code, or JSON answers) against exercise SLUG with the real sandbox."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug", help="exercise slug, e.g. sigmoid-numpy")
        parser.add_argument("files", nargs="+", help='submission files ("-" reads stdin)')
        parser.add_argument("--json", action="store_true", help="print one JSON verdict a line")
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="seed of random inputs and variants"
        )
        parser.add_argument(
            "--lang", choices=sorted(LANGUAGES), default="en", help="language of the messages"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        json_stdout = self._reserve_stdout() if options["json"] else None
        slug, seed, lang = options["slug"], options["seed"], options["lang"]
        try:
            spec, source = offline.exercise_spec(slug)
            logger.info("grading %s (from the %s)", slug, source)
            inputs = [(path, self._read(spec, path)) for path in options["files"]]
        except offline.UsageError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        broken = False
        with _Grader(spec, seed) as grader:
            for path, raw in inputs:
                verdict = _rendered(grader.grade(raw), lang)
                if len(inputs) > 1 or json_stdout is not None:
                    verdict["file"] = path
                broken = broken or verdict["status"] != "graded"
                if json_stdout is not None:
                    text = json.dumps(verdict, ensure_ascii=False, default=str)
                    # A lone surrogate (from a file name or anything the grader passed
                    # through) cannot be UTF-8: it becomes U+FFFD, never a crash.
                    json_stdout.write(text.encode("utf-8", "replace") + b"\n")
                    json_stdout.flush()
                else:
                    report = offline.text_report(verdict)
                    self.stdout.write(report.encode("utf-8", "replace").decode("utf-8"))
        if broken:
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

    def _read(self, spec: dict[str, Any], path: str) -> bytes:
        limit = (
            settings.ACTQUIZ_MAX_CODE_BYTES
            if spec["kind"] == "code"
            else settings.ACTQUIZ_MAX_ANSWER_BYTES
        )
        return offline.read_bytes(path, limit=limit)


def _rendered(verdict: dict[str, Any], lang: str) -> dict[str, Any]:
    """``verdict`` with its messages in ``lang`` (as they are if the engine is broken)."""
    try:
        from graders.engine.feedback import render_verdict
    except Exception:  # noqa: BLE001 - the verdict already says the engine is broken
        return verdict
    return render_verdict(verdict, lang)


class _Grader:
    """Grades submissions of one exercise in turn, through one sandbox kept across files."""

    def __init__(self, spec: dict[str, Any], seed: int) -> None:
        self.spec, self.seed = spec, seed
        self.is_code = spec["kind"] == "code"
        self.limit = (
            settings.ACTQUIZ_MAX_CODE_BYTES if self.is_code else settings.ACTQUIZ_MAX_ANSWER_BYTES
        )
        self.sandbox: Any = None

    def __enter__(self) -> Self:
        # GNU OpenMP is not fork-safe: the sandbox forks children from a process that
        # has torch loaded, so every thread pool must stay single-threaded.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
        return self

    def __exit__(self, *exc: object) -> None:
        self._close_sandbox()

    def _close_sandbox(self) -> None:
        if self.sandbox is not None:
            try:
                self.sandbox.close()
            except Exception:  # closing a broken sandbox must not hide the verdicts
                logger.exception("closing the sandbox failed")
            self.sandbox = None

    def grade(self, raw: bytes) -> dict[str, Any]:
        """The verdict dict for one file's bytes."""
        spec, seed, limit = self.spec, self.seed, self.limit
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
        code, answer = (text, None) if self.is_code else (None, offline.decode_answer(text))
        verdict = self._run_engine(code=code, answer=answer)
        for _ in range(GRADING_RETRIES):
            if verdict["status"] == "graded":
                break
            # "failed" is never the student's fault (a sandbox that could not start
            # under memory pressure, a zygote that died): like the workers' sweep, try
            # again with a fresh sandbox before reporting a broken grader.
            logger.warning("grading failed (%s); retrying once", verdict.get("error"))
            self._close_sandbox()
            verdict = self._run_engine(code=code, answer=answer)
        return verdict

    def _run_engine(self, *, code: str | None, answer: Any) -> dict[str, Any]:
        spec, seed = self.spec, self.seed
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
            if self.sandbox is None:
                from graders.sandbox import Sandbox

                self.sandbox = Sandbox(
                    allow_missing_layers=settings.ACTQUIZ_SANDBOX_ALLOW_MISSING_LAYERS
                )
                self.sandbox.start()
            return engine.grade(exercise, submission, sandbox=self.sandbox).to_dict()
        except Exception as exc:  # never a traceback instead of a verdict
            logger.exception("grading %s failed inside the grader", spec["slug"])
            return offline.failed_verdict(spec, seed, f"the grader failed: {exc}")

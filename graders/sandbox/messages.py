"""Student-facing text: trimmed tracebacks, syntax errors, signal names, scrubbed paths.

A student must see where *their* code went wrong and nothing about the machine: no
frames from numpy, torch or the harness, no absolute paths, no environment.
"""

from __future__ import annotations

import re
import signal
import traceback

MODULE_FILE = "submission.py"
MAX_MESSAGE = 4000

# Any absolute path with at least two components (library files, the project, /root);
# not the path of a URL (https://numpy.org/... in an error message stays readable).
_PATH = re.compile(r"(?<![\w.:/])/(?:[\w.+\-@]+/)+[\w.+\-@]*")

SIGNAL_MESSAGES = {
    signal.SIGSYS: "the submission tried an operation that is not allowed here "
    "(starting a process, opening a network connection or a similar system call)",
    signal.SIGSEGV: "the submission crashed with a segmentation fault",
    signal.SIGBUS: "the submission crashed with a bus error",
    signal.SIGABRT: "the submission aborted",
    signal.SIGFPE: "the submission crashed with a floating-point exception",
    signal.SIGILL: "the submission crashed with an illegal instruction",
}


def scrub(text: str) -> str:
    """Replace absolute paths in ``text`` with ``<path>`` and cap its length; return it."""
    text = _PATH.sub("<path>", text)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 15] + "\n... (truncated)"


def exception_text(exc: BaseException) -> str:
    """``Type: message``, scrubbed, for the exception ``exc``."""
    detail = str(exc)
    name = type(exc).__name__
    return scrub(f"{name}: {detail}" if detail else name)


def student_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` keeping only frames from the student's own module.

    Returns the usual ``Traceback (most recent call last):`` text, then ``Type: message``.
    """
    frames = [
        frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == MODULE_FILE
    ]
    lines = ["Traceback (most recent call last):"] if frames else []
    for frame in frames[-20:]:
        lines.append(f'  File "{MODULE_FILE}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    lines.append(exception_text(exc))
    return scrub("\n".join(lines))


def syntax_error_text(exc: SyntaxError) -> str:
    """``SyntaxError: msg (line L, column C)`` for a compile error in the student's module."""
    where = f"line {exc.lineno}" if exc.lineno else "unknown line"
    if exc.offset:
        where += f", column {exc.offset}"
    lines = [f"{type(exc).__name__}: {exc.msg} ({where})"]
    if exc.text:
        lines.append("    " + exc.text.rstrip("\n"))
    return scrub("\n".join(lines))


def signal_text(signum: int) -> str:
    """A sentence naming the signal ``signum`` that ended the child."""
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    return f"{SIGNAL_MESSAGES.get(signum, 'the submission was stopped')} ({name})"

"""The trusted side's reading of a child's frames: strict checks, fresh arrays, verdicts.

Nothing in a frame is trusted: every field is type-checked, every array is rebuilt by
``wire.decode_tree``, and anything that does not fit makes the run a crash (a zero),
never an exception in the worker.
"""

from __future__ import annotations

import os
import signal
from typing import Any

import numpy as np

from graders.sandbox import wire
from graders.sandbox.messages import signal_text
from graders.sandbox.types import STATUSES, CallResult, Limits

ERROR_KINDS = (None, "exception", "forbidden", "unsupported_return")


def _value(value: Any) -> Any:
    if value is None or type(value) is np.ndarray:
        return value
    if type(value) is tuple:
        return tuple(_value(item) for item in value)
    raise wire.WireError("a returned value is not an array, a tuple or None")


def _structure(value: Any) -> Any:
    if value is None or type(value) in (np.ndarray, bool, int, float, str):
        return value
    if type(value) in (tuple, list):
        return type(value)(_structure(item) for item in value)
    raise wire.WireError("an argument came back in an unexpected form")


def _text(value: Any, limit: int = 8000) -> str:
    if type(value) is not str:
        raise wire.WireError("a text field is not a string")
    return wire.clean_text(value[:limit])


# A call's own timing is only a claim, and it must stay an ordinary float.
MAX_SECONDS = 1e6


def _seconds(value: Any) -> float:
    if type(value) not in (int, float) or not -MAX_SECONDS <= value <= MAX_SECONDS:
        raise wire.WireError("malformed call duration")
    return float(value)


def call_result(header: dict[str, Any], buffers: list[bytes]) -> CallResult:
    """Rebuild one ``CallResult`` from a call frame; raises ``wire.WireError`` if malformed."""

    used: set[int] = set()

    def tree(key: str) -> Any:
        return wire.decode_tree(header[key], buffers, used=used) if key in header else None

    error_kind = header.get("error_kind")
    if error_kind not in ERROR_KINDS or type(header.get("ok")) is not bool:
        raise wire.WireError("malformed call result")
    grads = tree("grads")
    parameters = tree("parameters")
    if parameters is not None and (
        type(parameters) is not dict or not all(type(v) is np.ndarray for v in parameters.values())
    ):
        raise wire.WireError("parameters must be arrays")
    modules = header.get("modules")
    if modules is not None:
        if type(modules) is not list or not all(
            type(pair) is list and len(pair) == 2 and all(type(part) is str for part in pair)
            for pair in modules
        ):
            raise wire.WireError("malformed module structure")
        modules = tuple((_text(pair[0], 200), _text(pair[1], 200)) for pair in modules[:1000])
    seconds = header.get("seconds", 0.0)
    warnings = header.get("warnings", [])
    if type(warnings) is not list:
        raise wire.WireError("malformed call result")
    args_after = tree("args_after")
    return CallResult(
        name=_text(header.get("name")),
        ok=header["ok"],
        value=_value(tree("value")),
        value_type=_text(header.get("value_type", ""), 200),
        grads=_value(grads) if grads is not None else (),
        args_after=_structure(args_after) if args_after is not None else None,
        parameters=parameters,
        modules=modules,
        error=_text(header["error"]) if header.get("error") is not None else None,
        error_kind=error_kind,
        seconds=_seconds(seconds),
        warnings=tuple(_text(w, 500) for w in warnings[:20]),
    )


def read_frames(
    data: bytes, call_names: list[str]
) -> tuple[list[CallResult], dict[str, Any] | None, str | None]:
    """Decode everything a child sent.

    ``data`` is the raw result-pipe content; ``call_names`` are the job's call names in
    order (a frame for any other call, or too many frames, is malformed). Returns
    ``(calls, final_status, problem)``: the calls that decoded, the final
    ``{"status", "message"}`` frame if one arrived, and the first problem (or None).
    """
    frames, clean = wire.unpack(data, max_frames=len(call_names) + 1)
    calls: list[CallResult] = []
    for header, buffers in frames:
        kind = header.get("type")
        if kind == "call":
            try:
                call = call_result(header, buffers)
            except wire.WireError as exc:
                return calls, None, f"malformed result: {exc}"
            except Exception as exc:  # noqa: BLE001 - any oddity in a forged frame is a zero
                return calls, None, f"malformed result ({type(exc).__name__})"
            if len(calls) >= len(call_names) or call.name != call_names[len(calls)]:
                return calls, None, "malformed result: a result for a call that was not made"
            calls.append(call)
        elif kind == "status":
            status, message = header.get("status"), header.get("message", "")
            if status not in STATUSES or type(message) is not str:
                return calls, None, "malformed status"
            return calls, {"status": status, "message": wire.clean_text(message[:8000])}, None
        else:
            return calls, None, "malformed frame"
    return calls, None, None if clean else "the result was cut off"


def exit_verdict(wait_status: int, cpu_seconds: float, limits: Limits) -> tuple[str, str]:
    """Turn how the child ended (without a final status frame) into ``(status, message)``."""
    if os.WIFSIGNALED(wait_status):
        signum = os.WTERMSIG(wait_status)
        if signum == signal.SIGKILL and cpu_seconds >= limits.cpu_seconds - 0.05:
            return "timeout", f"CPU time limit of {limits.cpu_seconds} s exceeded"
        if signum in (signal.SIGSYS,):
            return "forbidden", signal_text(signum)
        return "crash", signal_text(signum)
    code = os.WEXITSTATUS(wait_status)
    return "crash", f"the submission exited before returning its results (exit code {code})"

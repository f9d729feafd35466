"""Structured logs: one JSON object per line (``LOG_FORMAT=json``), with the submission id.

Every record names the submission it is about whenever one is known: the web tier
takes it from the URL being served (``/api/v1/submissions/<id>/...``), a worker from
the task it runs (``submission_id``), and a call may pass ``extra={"submission_id": n}``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
from typing import Any

# Set for the duration of a web request by actquiz.metrics.RequestMetricsMiddleware.
request_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "actquiz_request_context", default=None
)

# Attributes every LogRecord has; anything else on a record came in through ``extra``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


def _task_context() -> dict[str, Any]:
    # Only a worker process runs tasks; the web tier never imports Celery's state here.
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a requirement
        return {}
    task = current_task
    if task is None or not getattr(task, "request", None) or task.request.id is None:
        return {}
    context: dict[str, Any] = {"task": task.name, "task_id": task.request.id}
    kwargs = task.request.kwargs or {}
    if "submission_id" in kwargs:
        context["submission_id"] = kwargs["submission_id"]
    elif task.request.args and task.name.endswith("grade_submission"):
        context["submission_id"] = task.request.args[0]
    return context


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON: time, level, logger, message, context, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(request_context.get() or {})
        entry.update(_task_context())
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)

"""The Celery application: configured from Django settings (``CELERY_*``).

Workers consume only the grading queue (``settings.ACTQUIZ_GRADING_QUEUE``) and import
``graders.tasks``; the web tier imports this module only to *send* tasks by name, so
it never imports the engine, the sandbox or torch.
"""

from __future__ import annotations

import logging
import logging.config
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from celery import Celery
from celery.signals import heartbeat_sent, setup_logging
from celery.utils.log import get_multiprocessing_logger
from kombu import Connection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actquiz.settings")

app = Celery("actquiz", include=["graders.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")

# Broker connections kept open between sends, by (process, broker URL): opening one and
# declaring the queue on it cost about as much CPU as the rest of a submission's POST.
_idle_connections: dict[tuple[int, str], list[Connection]] = {}
_idle_lock = threading.Lock()


@contextmanager
def broker_connection() -> Iterator[Connection]:
    """A connection to the broker configured now, reused by later sends of this process.

    Keyed by the process (a forked web worker never shares its parent's socket) and the
    current ``broker_url``. A connection that raised anything is closed, not kept: the
    next send opens a fresh one from the current settings, so a Redis restart costs at
    most the send that met it, which ``send_task``'s retry policy already reconnects.
    """
    key = (os.getpid(), str(app.conf.broker_url))
    with _idle_lock:
        idle = _idle_connections.get(key)
        connection = idle.pop() if idle else None
    if connection is None:
        connection = app.connection_for_write()
    try:
        yield connection
    except BaseException:
        with suppress(Exception):  # the error that brought us here is the one to report
            connection.release()
        raise
    with _idle_lock:
        _idle_connections.setdefault(key, []).append(connection)


@setup_logging.connect
def _use_django_logging(loglevel: int | str | None = None, **kwargs: object) -> None:
    # Without a receiver Celery replaces the root handlers with its own plain format, so
    # a worker would ignore LOG_FORMAT=json. The level is the worker's --loglevel.
    from django.conf import settings

    if settings.LOG_FORMAT == "json":
        # Progress bars (the embedding model's loader draws one) are for a terminal; in a
        # log of one JSON object per line they would run into the next record.
        os.environ.setdefault("TQDM_DISABLE", "1")
    logging.config.dictConfig(settings.LOGGING)
    root = logging.getLogger()
    if loglevel:
        root.setLevel(loglevel)
    # The pool's own logger (a process that died, say) does not propagate to the root.
    pool_logger = get_multiprocessing_logger()
    if pool_logger is not None:
        pool_logger.handlers = list(root.handlers)


@heartbeat_sent.connect
def _note_heartbeat(sender: object, **kwargs: object) -> None:
    # Every 2 s in each worker's main process: GET /metrics shows the age of the last.
    from actquiz.metrics import record_worker_heartbeat

    hostname = getattr(getattr(sender, "eventer", None), "hostname", None)
    if hostname:
        record_worker_heartbeat(str(hostname))

"""The Celery application: configured from Django settings (``CELERY_*``).

Workers consume only the grading queue (``settings.ACTQUIZ_GRADING_QUEUE``) and import
``graders.tasks``; the web tier imports this module only to *send* tasks by name, so
it never imports the engine, the sandbox or torch.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import heartbeat_sent

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actquiz.settings")

app = Celery("actquiz", include=["graders.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")


@heartbeat_sent.connect
def _note_heartbeat(sender: object, **kwargs: object) -> None:
    # Every 2 s in each worker's main process: GET /metrics shows the age of the last.
    from actquiz.metrics import record_worker_heartbeat

    hostname = getattr(getattr(sender, "eventer", None), "hostname", None)
    if hostname:
        record_worker_heartbeat(str(hostname))

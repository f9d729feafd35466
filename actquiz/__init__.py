"""ActQuiz: a quiz and grading service for activation-function exercises."""

# Importing the Celery app here makes it the current app wherever Django runs, so
# `shared_task` and `send_task` in the web tier use its configuration.
from actquiz.celery import app as celery_app

__all__ = ("celery_app",)

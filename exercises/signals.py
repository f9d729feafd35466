"""Signals other apps listen to (LMS grade passback and webhooks)."""

from django.dispatch import Signal

# Sent with ``submission=`` whenever the score that counts for a student may have
# changed: a verdict recorded, a review, a regrade, a course policy change.
score_changed = Signal()

# Sent with ``submission=`` when a worker's verdict made a submission ``graded``
# (after the change is saved, before ``score_changed``).
submission_graded = Signal()

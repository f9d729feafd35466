"""Signals other apps listen to (the LMS sends grade passback on ``score_changed``)."""

from django.dispatch import Signal

# Sent with ``submission=`` whenever the score that counts for a student may have
# changed: a verdict recorded, a review, a regrade, a course policy change.
score_changed = Signal()

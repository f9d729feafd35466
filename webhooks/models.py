"""Webhooks a course's instructors registered, and every delivery and attempt to them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from exercises.models import Course


class Webhook(models.Model):
    class Event(models.TextChoices):
        SUBMISSION_GRADED = "submission.graded"
        SCORE_CHANGED = "score.changed"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    # Signs every delivery (HMAC needs it in the clear); shown to the instructor once.
    secret = models.CharField(max_length=100)
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.course.slug}: {self.url}"


class WebhookDelivery(models.Model):
    """One event for one webhook: its body is fixed, attempts are retried until done."""

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    # The receiver's deduplication key (X-ActQuiz-Delivery): the same on every attempt.
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["webhook", "-created_at"])]


class WebhookAttempt(models.Model):
    """One HTTP try of a delivery: when, the status (None: no answer), an excerpt."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(auto_now_add=True)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    body_excerpt = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at", "-id"]

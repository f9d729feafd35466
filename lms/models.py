"""What the LTI 1.3 tool stores: keys, platforms, launches' identities and grade passback."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from exercises.models import Course, Exercise


class ToolKey(models.Model):
    """One of the tool's RSA keys. The newest active key signs; retired keys stay in
    the JWKS until ``retire_at`` so platforms holding a cached copy still verify."""

    kid = models.CharField(max_length=64, unique=True)
    private_key_pem = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    retire_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.kid


class Registration(models.Model):
    """A platform (an LMS) registered with the tool: one issuer and client id."""

    issuer = models.CharField(max_length=255)
    client_id = models.CharField(max_length=255)
    auth_login_url = models.URLField(max_length=500)
    auth_token_url = models.URLField(max_length=500)
    key_set_url = models.URLField(max_length=500)
    # Launches from any context of this platform land in this course when set;
    # otherwise each LTI context gets its own course on first launch.
    course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, blank=True)
    platform_jwks = models.JSONField(default=dict, blank=True)
    platform_jwks_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "client_id"], name="lti_registration_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issuer} ({self.client_id})"


class Deployment(models.Model):
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="deployments"
    )
    deployment_id = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "deployment_id"], name="lti_deployment_unique"
            )
        ]

    def __str__(self) -> str:
        return self.deployment_id


class LaunchNonce(models.Model):
    """A nonce handed out at login initiation; the launch consumes it (single use)."""

    value = models.CharField(max_length=64, unique=True)
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)


class AccessToken(models.Model):
    """A platform's OAuth2 access token for a set of scopes, reused until it expires."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE)
    scopes = models.CharField(max_length=1000)
    token = models.TextField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "scopes"], name="lti_token_unique")
        ]


class LtiUser(models.Model):
    """An LMS user: identified by (issuer, sub), never by e-mail."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE)
    sub = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_identities"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "sub"], name="lti_user_unique")
        ]

    def __str__(self) -> str:
        return f"{self.sub}@{self.registration.issuer}"


class LtiContext(models.Model):
    """An LMS course (LTI context), mapped to an ActQuiz course."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE)
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lti_contexts")
    deployment_id = models.CharField(max_length=255, blank=True)
    lineitems_url = models.URLField(max_length=1000, blank=True)
    memberships_url = models.URLField(max_length=1000, blank=True)
    roster_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "context_id"], name="lti_context_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title or self.context_id} -> {self.course}"


class ResourceLink(models.Model):
    """A link in the LMS that launches one exercise, with its gradebook line item."""

    context = models.ForeignKey(LtiContext, on_delete=models.CASCADE, related_name="links")
    resource_link_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="lti_links")
    lineitem_url = models.URLField(max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["context", "resource_link_id"], name="lti_resource_link_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_link_id}: {self.exercise}"


class GradeSync(models.Model):
    """One student's grade for one resource link, as last delivered to the platform."""

    resource_link = models.ForeignKey(ResourceLink, on_delete=models.CASCADE, related_name="syncs")
    lti_user = models.ForeignKey(LtiUser, on_delete=models.CASCADE, related_name="syncs")
    # The Score last accepted by the platform (timestamp left out): the same state is
    # never sent twice, so a duplicate task is harmless.
    delivered_state = models.JSONField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resource_link", "lti_user"], name="lti_grade_sync_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lti_user} on {self.resource_link}"


class PassbackAttempt(models.Model):
    """One HTTP attempt at delivering a score: what the instructor sees."""

    sync = models.ForeignKey(GradeSync, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    url = models.URLField(max_length=1000, blank=True)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    body_excerpt = models.TextField(blank=True)
    score = models.JSONField(null=True, blank=True)
    ok = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]

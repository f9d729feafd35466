"""Courses, exercises and submissions: what ActQuiz stores."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from exercises.jsoncodec import NonFiniteJSONDecoder, NonFiniteJSONEncoder


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.slug


class Membership(models.Model):
    class Role(models.TextChoices):
        STUDENT = "student"
        INSTRUCTOR = "instructor"
        GRADER = "grader"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="membership_user_course")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course} as {self.role}"


class Exercise(models.Model):
    class Kind(models.TextChoices):
        CODE = "code"
        CHOICE = "choice"
        NUMERIC = "numeric"
        TEXT = "text"

    class Framework(models.TextChoices):
        NUMPY = "numpy"
        TORCH = "torch"
        NONE = "", "none"

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    title_ko = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    framework = models.CharField(max_length=16, choices=Framework.choices, blank=True)
    prompt = models.TextField(blank=True)
    prompt_ko = models.TextField(blank=True)
    entry_point = models.CharField(max_length=100, blank=True)
    signature = models.CharField(max_length=500, blank=True)
    starter_code = models.TextField(blank=True)
    # Kind-specific grading data read only by graders.engine; never sent to students.
    spec = models.JSONField(
        default=dict, encoder=NonFiniteJSONEncoder, decoder=NonFiniteJSONDecoder
    )
    reference_code = models.TextField(blank=True)
    points = models.FloatField(default=10)
    time_limit_seconds = models.FloatField(default=5)
    memory_limit_mb = models.PositiveIntegerField(default=256)
    published = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    concepts = models.JSONField(default=list, blank=True)
    # Digest of the catalog content last loaded; a change bumps ``version``.
    content_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class CourseExercise(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="offerings")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="offerings")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "exercise"], name="offering_course_exercise")
        ]

    def __str__(self) -> str:
        return f"{self.course}: {self.exercise}"


class ExerciseVariant(models.Model):
    """The per-student seed that picks a student's variant of an exercise."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="variants")
    seed = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "exercise"], name="variant_user_exercise")
        ]


class Submission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        GRADED = "graded"
        FAILED = "failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="submissions")
    exercise_version = models.PositiveIntegerField()
    course = models.ForeignKey(
        Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions"
    )
    code = models.TextField(blank=True)
    answer = models.JSONField(null=True, blank=True)
    seed = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField()
    tests = models.JSONField(default=list, blank=True)
    error = models.JSONField(null=True, blank=True)
    hints = models.JSONField(default=list, blank=True)
    needs_review = models.BooleanField(default=False)
    reviewed_score = models.FloatField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_submissions",
    )
    review_comment = models.TextField(blank=True)
    # The student's Nth submission of this exercise.
    attempt = models.PositiveIntegerField()
    # Bumped on every (re)enqueue; a worker's result must name the current one.
    grading_attempt = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the broker accepted the task; null means it was never handed over.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    verdict = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "exercise", "attempt"], name="submission_user_exercise_attempt"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="submission_status_created")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.exercise} by {self.user} ({self.status})"

    @property
    def effective_score(self) -> float | None:
        """The score that counts: an instructor's review overrides the automatic one."""
        if self.reviewed_score is not None:
            return self.reviewed_score
        return self.score

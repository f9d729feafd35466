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
    # Known-wrong and other-right solutions ({file name: code}) that validation grades.
    wrong_solutions = models.JSONField(default=dict, blank=True)
    right_solutions = models.JSONField(default=dict, blank=True)
    # The exercise document an instructor is editing; null when nothing is pending.
    # Students are graded by the fields above until the draft is published.
    draft = models.JSONField(
        null=True, blank=True, encoder=NonFiniteJSONEncoder, decoder=NonFiniteJSONDecoder
    )
    # Set once the exercise is created or edited in the product: ``load_catalog``
    # then leaves it alone, so a file never overwrites an instructor's work.
    edited_in_product = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class ExerciseVersion(models.Model):
    """One published state of an exercise, never changed afterwards."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField(encoder=NonFiniteJSONEncoder, decoder=NonFiniteJSONDecoder)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["exercise", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "number"], name="version_exercise_number")
        ]

    def __str__(self) -> str:
        return f"{self.exercise} v{self.number}"


class CourseExercise(models.Model):
    class CountedAttempt(models.TextChoices):
        BEST = "best"
        LAST = "last"
        LAST_BEFORE_DUE = "last_before_due", "last before the due date"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="offerings")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="offerings")
    position = models.PositiveIntegerField(default=0)
    # The course policy for this exercise (exercises/grading_policy.py applies it).
    opens_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    late_penalty_percent_per_day = models.FloatField(default=0)
    no_credit_after_due = models.BooleanField(default=False)
    attempt_limit = models.PositiveIntegerField(null=True, blank=True)
    counted_attempt = models.CharField(
        max_length=20, choices=CountedAttempt.choices, default=CountedAttempt.BEST
    )
    # Choice questions: each further attempt earns this many percent less.
    retry_penalty_percent = models.FloatField(default=0)

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
    # Per rubric item overrides of a review: {test name: points}.
    reviewed_items = models.JSONField(default=dict, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # The student's Nth submission of this exercise.
    attempt = models.PositiveIntegerField()
    # Bumped on every (re)enqueue; a worker's result must name the current one.
    grading_attempt = models.PositiveIntegerField(default=1)
    # Times a worker began grading it, as reported: every "started" call (redeliveries
    # included), or the result of a delivery too quick to report its start; past
    # settings.ACTQUIZ_MAX_DELIVERIES the submission is failed, not run again.
    deliveries = models.PositiveIntegerField(default=0)
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


class ValidationJob(models.Model):
    """One run of an exercise draft's self-test on the workers."""

    class Status(models.TextChoices):
        RUNNING = "running"
        PASSED = "passed"
        FAILED = "failed"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="validations")
    # Digest of the draft document validated; publishing requires the current one.
    document_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"validation #{self.pk} of {self.exercise} ({self.status})"


class RegradeJob(models.Model):
    """Grading again every submission in a scope (exercise, one student, one submission)."""

    class Status(models.TextChoices):
        RUNNING = "running"
        DONE = "done"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="regrades")
    scope = models.CharField(max_length=200)
    # The course the regrade was limited to; its instructors follow the job. Null for
    # a regrade across courses (a superuser's, or an instructor's of several courses).
    course = models.ForeignKey(
        Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="regrades"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One running regrade per exercise: the database settles a race.
            models.UniqueConstraint(
                fields=["exercise"],
                condition=models.Q(status="running"),
                name="regrade_one_running_per_exercise",
            )
        ]

    def __str__(self) -> str:
        return f"regrade #{self.pk} of {self.exercise} ({self.done}/{self.total})"


class RegradeItem(models.Model):
    job = models.ForeignKey(RegradeJob, on_delete=models.CASCADE, related_name="items")
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="regrade_items"
    )
    grading_attempt = models.PositiveIntegerField()
    old_score = models.FloatField(null=True, blank=True)
    # The version that graded the old result: a regrade that fails keeps that result.
    old_exercise_version = models.PositiveIntegerField(null=True, blank=True)
    new_score = models.FloatField(null=True, blank=True)
    finished = models.BooleanField(default=False)
    # Grading failed on our side (the old result was kept); counted in the job's ``failed``.
    failed = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["submission", "grading_attempt"], name="regrade_item_lookup")
        ]


class Run(models.Model):
    """A try of a student's code on the visible tests, or an instructor's dry run.

    Never a submission: it counts no attempt and no score. A student's run carries only
    the visible tests to the worker (hidden ones are never run, so nothing of them can
    show); an instructor's dry run (``draft``) grades the exercise's draft document, or
    the current exercise when there is none, on every test.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        DONE = "done"
        FAILED = "failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="runs")
    course = models.ForeignKey(
        Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    draft = models.BooleanField(default=False)
    code = models.TextField(blank=True)
    answer = models.JSONField(null=True, blank=True)
    seed = models.BigIntegerField()
    # The points of the tests sent to the worker: a posted verdict cannot raise them.
    max_score = models.FloatField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    verdict = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="run_user_created")]

    def __str__(self) -> str:
        return f"run #{self.pk} of {self.exercise} by {self.user} ({self.status})"

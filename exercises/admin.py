"""Admin screens, for superusers only (``is_staff`` alone does not let anyone in).

The exercise form goes through the same checks as the authoring API
(``exercises.documents.validate_document``): it refuses what the API would refuse,
and a content change becomes the exercise's draft, which is validated on the workers
and published as a new version (the admin actions below, or the API).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from actquiz.exceptions import ApiError
from exercises import access, authoring, documents
from exercises.models import (
    Course,
    CourseExercise,
    Exercise,
    ExerciseVariant,
    Membership,
    Submission,
)


def _admin_permission(request: HttpRequest) -> bool:
    return access.can_use_admin(request.user)


admin.site.has_permission = _admin_permission  # type: ignore[method-assign]


class CourseExerciseInline(admin.TabularInline):
    model = CourseExercise
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("slug", "title")
    inlines = [CourseExerciseInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "course", "role")
    list_filter = ("role", "course")


# The form fields that make up the exercise document (the rest is bookkeeping).
CONTENT_FIELDS = (
    "title",
    "title_ko",
    "kind",
    "framework",
    "prompt",
    "prompt_ko",
    "entry_point",
    "signature",
    "starter_code",
    "reference_code",
    "spec",
    "points",
    "time_limit_seconds",
    "memory_limit_mb",
    "concepts",
    "wrong_solutions",
    "right_solutions",
)


class ExerciseAdminForm(forms.ModelForm):
    """The exercise's content, checked as an exercise document before it is saved."""

    class Meta:
        model = Exercise
        fields = ("slug", *CONTENT_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = Exercise(**{name: cleaned.get(name) for name in CONTENT_FIELDS})
        candidate.slug = cleaned.get("slug") or self.instance.slug
        for name in ("framework", "entry_point", "signature", "starter_code", "reference_code"):
            setattr(candidate, name, getattr(candidate, name) or "")
        for name in ("wrong_solutions", "right_solutions", "spec"):
            setattr(candidate, name, getattr(candidate, name) or {})
        try:
            self.document = documents.validate_document(
                documents.to_json(documents.document_from_exercise(candidate))
            )
        except ApiError as exc:
            for field, texts in (exc.fields or {}).items():
                target = ADMIN_FIELD_OF.get(field.split("/")[0], None)
                for text in texts:
                    self.add_error(target, f"{field}: {text}")
        return cleaned


# Document keys -> the admin form's field for the error message.
ADMIN_FIELD_OF = {
    "reference": "reference_code",
    "starter": "starter_code",
    "wrong": "wrong_solutions",
    "right": "right_solutions",
    "spec": "spec",
    "points": "points",
    "kind": "kind",
    "framework": "framework",
    "entry_point": "entry_point",
    "time_limit_seconds": "time_limit_seconds",
    "memory_limit_mb": "memory_limit_mb",
    "concepts": "concepts",
    "slug": "slug",
}


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    form = ExerciseAdminForm
    list_display = (
        "slug",
        "kind",
        "framework",
        "points",
        "published",
        "version",
        "has_draft",
        "edited_in_product",
        "updated_at",
    )
    list_filter = ("kind", "framework", "published", "edited_in_product")
    search_fields = ("slug", "title", "title_ko")
    actions = ("validate_drafts", "publish_drafts")

    @admin.display(boolean=True, description="draft pending")
    def has_draft(self, exercise: Exercise) -> bool:
        return exercise.draft is not None

    def get_readonly_fields(self, request: HttpRequest, obj: Exercise | None = None) -> Any:
        # A slug is a public contract: fixed once the exercise exists.
        return ("slug",) if obj is not None else ()

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        # The form shows the working document (the pending draft, if any), so the next
        # edit continues the draft instead of starting again from the live version.
        exercise = super().get_object(request, object_id, from_field)
        if exercise is not None and exercise.draft is not None and request.method == "GET":
            for name, value in documents.fields_from_document(exercise.draft).items():
                setattr(exercise, name, value)
        return exercise

    def save_model(self, request: HttpRequest, obj: Exercise, form: Any, change: bool) -> None:
        document = form.document
        if not change:
            obj.published = False
            obj.version = 0
            obj.draft = document
            obj.edited_in_product = True
            super().save_model(request, obj, form, change)
            messages.info(request, "Saved as an unpublished draft: validate, then publish it.")
            return
        live = Exercise.objects.get(pk=obj.pk)
        if documents.document_hash(document) == documents.document_hash(
            documents.document_from_exercise(live)
        ):
            live.draft = None
            live.save(update_fields=["draft", "updated_at"])
            return
        authoring.draft_save(exercise=live, document=document)
        messages.info(
            request,
            "The change is saved as the draft; students keep the live version until "
            "the draft passes validation and is published.",
        )

    @admin.action(description="Validate the draft on the workers")
    def validate_drafts(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        for exercise in queryset:
            try:
                job = authoring.validation_start(exercise=exercise, user=request.user)
            except ApiError as exc:
                messages.error(request, f"{exercise.slug}: {exc.detail}")
                continue
            messages.info(request, f"{exercise.slug}: validation #{job.id} {job.status}")

    @admin.action(description="Publish the validated draft")
    def publish_drafts(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        for exercise in queryset:
            try:
                version = authoring.exercise_publish(exercise=exercise, user=request.user)
            except ApiError as exc:
                messages.error(request, f"{exercise.slug}: {exc.detail}")
                continue
            messages.info(request, f"{exercise.slug}: published version {version.number}")


@admin.register(ExerciseVariant)
class ExerciseVariantAdmin(admin.ModelAdmin):
    list_display = ("user", "exercise", "seed")


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "exercise",
        "status",
        "score",
        "max_score",
        "attempt",
        "created_at",
    )
    list_filter = ("status", "exercise", "needs_review")
    raw_id_fields = ("user", "reviewed_by")
    readonly_fields = ("created_at", "enqueued_at", "started_at", "finished_at")

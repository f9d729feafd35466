"""Admin screens, for superusers only (``is_staff`` alone does not let anyone in)."""

from django.contrib import admin
from django.http import HttpRequest

from exercises import access
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


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ("slug", "kind", "framework", "points", "published", "version", "updated_at")
    list_filter = ("kind", "framework", "published")
    search_fields = ("slug", "title", "title_ko")


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

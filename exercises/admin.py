"""Admin screens for instructors and staff."""

from django.contrib import admin

from exercises.models import (
    Course,
    CourseExercise,
    Exercise,
    ExerciseVariant,
    Membership,
    Submission,
)


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

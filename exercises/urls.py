"""REST API routes under /api/v1/ (views in exercises/apis.py)."""

from django.urls import path

from exercises import apis

app_name = "api"

urlpatterns = [
    path("exercises/", apis.ExerciseListApi.as_view(), name="exercise-list"),
    path("exercises/<slug:slug>/", apis.ExerciseDetailApi.as_view(), name="exercise-detail"),
    path(
        "exercises/<slug:slug>/submissions/",
        apis.ExerciseSubmissionsApi.as_view(),
        name="exercise-submissions",
    ),
    path("exercises/<slug:slug>/runs/", apis.ExerciseRunsApi.as_view(), name="exercise-runs"),
    path("runs/<int:run_id>/", apis.RunDetailApi.as_view(), name="run-detail"),
    path("runs/<int:run_id>/result/", apis.RunResultApi.as_view(), name="run-result"),
    path("submissions/", apis.SubmissionListApi.as_view(), name="submission-list"),
    path(
        "submissions/<int:submission_id>/",
        apis.SubmissionDetailApi.as_view(),
        name="submission-detail",
    ),
    path(
        "submissions/<int:submission_id>/started/",
        apis.SubmissionStartedApi.as_view(),
        name="submission-started",
    ),
    path(
        "submissions/<int:submission_id>/result/",
        apis.SubmissionResultApi.as_view(),
        name="submission-result",
    ),
    path(
        "submissions/<int:submission_id>/review/",
        apis.SubmissionReviewApi.as_view(),
        name="submission-review",
    ),
    path(
        "submissions/<int:submission_id>/regrade/",
        apis.SubmissionRegradeApi.as_view(),
        name="submission-regrade",
    ),
    path(
        "exercises/<slug:slug>/regrade/",
        apis.ExerciseRegradeApi.as_view(),
        name="exercise-regrade",
    ),
    path("regrades/<int:regrade_id>/", apis.RegradeDetailApi.as_view(), name="regrade-detail"),
    path("courses/", apis.CourseListApi.as_view(), name="course-list"),
    path(
        "courses/<slug:slug>/submissions/",
        apis.CourseSubmissionsApi.as_view(),
        name="course-submissions",
    ),
    path("courses/<slug:slug>/gradebook/", apis.GradebookApi.as_view(), name="course-gradebook"),
]

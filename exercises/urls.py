"""REST API routes under /api/v1/ (views in exercises/apis.py)."""

from django.urls import path

from exercises import apis, authoring_apis, course_apis

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
    path(
        "exercises/<slug:slug>/draft/",
        authoring_apis.ExerciseDraftApi.as_view(),
        name="exercise-draft",
    ),
    path(
        "exercises/<slug:slug>/export/",
        authoring_apis.ExerciseExportApi.as_view(),
        name="exercise-export",
    ),
    path(
        "exercises/<slug:slug>/validate/",
        authoring_apis.ExerciseValidateApi.as_view(),
        name="exercise-validate",
    ),
    path(
        "exercises/<slug:slug>/publish/",
        authoring_apis.ExercisePublishApi.as_view(),
        name="exercise-publish",
    ),
    path(
        "exercises/<slug:slug>/versions/",
        authoring_apis.ExerciseVersionsApi.as_view(),
        name="exercise-versions",
    ),
    path(
        "exercises/<slug:slug>/versions/<int:number>/",
        authoring_apis.ExerciseVersionApi.as_view(),
        name="exercise-version",
    ),
    path(
        "validations/<int:job_id>/",
        authoring_apis.ValidationDetailApi.as_view(),
        name="validation-detail",
    ),
    path(
        "validations/<int:job_id>/result/",
        authoring_apis.ValidationResultApi.as_view(),
        name="validation-result",
    ),
    path("markup/preview/", authoring_apis.MarkupPreviewApi.as_view(), name="markup-preview"),
    path("courses/", apis.CourseListApi.as_view(), name="course-list"),
    path(
        "courses/<slug:slug>/exercises/",
        authoring_apis.CourseExercisesApi.as_view(),
        name="course-exercises",
    ),
    path(
        "courses/<slug:slug>/submissions/",
        apis.CourseSubmissionsApi.as_view(),
        name="course-submissions",
    ),
    path("courses/<slug:slug>/gradebook/", apis.GradebookApi.as_view(), name="course-gradebook"),
    path(
        "courses/<slug:slug>/gradebook.csv",
        course_apis.GradebookCsvApi.as_view(),
        name="course-gradebook-csv",
    ),
    path(
        "courses/<slug:slug>/exercises/<slug:exercise_slug>/",
        course_apis.CourseExercisePolicyApi.as_view(),
        name="course-exercise-policy",
    ),
    path(
        "courses/<slug:slug>/exercises/<slug:exercise_slug>/analytics/",
        course_apis.ExerciseAnalyticsApi.as_view(),
        name="course-exercise-analytics",
    ),
]

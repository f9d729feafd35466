"""Page routes (HTML for people); the REST API lives in exercises/urls.py."""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.decorators.http import require_http_methods

from actquiz.login_limits import RateLimitedAuthenticationForm
from exercises import authoring_views, views
from exercises.page_security import with_page_headers as secured

app_name = "pages"

urlpatterns = [
    path("", secured(views.home), name="home"),
    path(
        "login/",
        secured(
            # LoginView would also take PUT as a login attempt.
            require_http_methods(["GET", "POST"])(
                auth_views.LoginView.as_view(
                    template_name="exercises/login.html",
                    authentication_form=RateLimitedAuthenticationForm,
                    redirect_authenticated_user=True,
                    next_page="pages:home",
                )
            )
        ),
        name="login",
    ),
    path(
        "logout/",
        secured(auth_views.LogoutView.as_view(next_page="pages:login")),
        name="logout",
    ),
    path("courses/<slug:slug>/", secured(views.course_detail), name="course"),
    path(
        "courses/<slug:course_slug>/exercises/<slug:slug>/",
        secured(views.exercise_detail),
        name="exercise",
    ),
    path(
        "courses/<slug:course_slug>/exercises/<slug:slug>/regrade/",
        secured(views.exercise_regrade),
        name="exercise_regrade",
    ),
    path(
        "courses/<slug:course_slug>/exercises/<slug:slug>/author/",
        secured(authoring_views.exercise_author),
        name="exercise_author",
    ),
    path(
        "courses/<slug:course_slug>/author/new/",
        secured(authoring_views.exercise_new),
        name="exercise_new",
    ),
    path(
        "courses/<slug:course_slug>/exercises/<slug:slug>/policy/",
        secured(views.exercise_policy),
        name="exercise_policy",
    ),
    path(
        "courses/<slug:course_slug>/exercises/<slug:slug>/analytics/",
        secured(views.exercise_analytics),
        name="exercise_analytics",
    ),
    path("courses/<slug:slug>/gradebook/", secured(views.gradebook), name="gradebook"),
    path(
        "courses/<slug:slug>/submissions/",
        secured(views.course_submissions),
        name="course_submissions",
    ),
    path("submissions/<int:pk>/", secured(views.submission_detail), name="submission"),
]

"""Page routes (HTML for people); the REST API lives in exercises/urls.py."""

from django.contrib.auth import views as auth_views
from django.urls import path

from exercises import views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="exercises/login.html",
            redirect_authenticated_user=True,
            next_page="pages:home",
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="pages:login"), name="logout"),
    path("courses/<slug:slug>/", views.course_detail, name="course"),
    path(
        "courses/<slug:course_slug>/exercises/<slug:slug>/",
        views.exercise_detail,
        name="exercise",
    ),
    path("courses/<slug:slug>/gradebook/", views.gradebook, name="gradebook"),
    path("courses/<slug:slug>/submissions/", views.course_submissions, name="course_submissions"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
]

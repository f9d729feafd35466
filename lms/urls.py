"""LTI routes (mounted at /lti/)."""

from django.urls import path

from exercises.page_security import with_page_headers as secured
from lms import views

app_name = "lms"

urlpatterns = [
    path("login/", views.oidc_login, name="login"),
    path("launch/", views.launch, name="launch"),
    path("deep-link/", views.launch, name="deep_link_launch"),
    path("deep-link/respond/", views.deep_link_respond, name="deep_link_respond"),
    path("jwks/", views.jwks, name="jwks"),
    path("courses/<slug:slug>/", secured(views.course_lms), name="course"),
    path(
        "courses/<slug:slug>/grades/<int:sync_id>/send/",
        secured(views.send_again),
        name="send_again",
    ),
    path(
        "courses/<slug:slug>/contexts/<int:context_id>/roster/",
        secured(views.sync_roster),
        name="sync_roster",
    ),
]

"""REST API routes under /api/v1/ (views in exercises/apis.py)."""

from django.urls import path

app_name = "api"

urlpatterns: list = []

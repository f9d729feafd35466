"""Routes of a course's webhooks under /api/v1/ (views in webhooks/apis.py)."""

from django.urls import path

from webhooks import apis

app_name = "webhooks"

urlpatterns = [
    path("courses/<slug:slug>/webhooks/", apis.CourseWebhooksApi.as_view(), name="webhook-list"),
    path(
        "courses/<slug:slug>/webhooks/<int:webhook_id>/",
        apis.CourseWebhookDetailApi.as_view(),
        name="webhook-detail",
    ),
    path(
        "courses/<slug:slug>/webhooks/<int:webhook_id>/deliveries/",
        apis.WebhookDeliveriesApi.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "courses/<slug:slug>/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/resend/",
        apis.WebhookResendApi.as_view(),
        name="webhook-resend",
    ),
]

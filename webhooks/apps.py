from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Connects the receivers that turn grading events into webhook deliveries.
        from webhooks import receivers  # noqa: F401

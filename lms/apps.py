from django.apps import AppConfig


class LmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms"
    verbose_name = "LMS (LTI 1.3)"

    def ready(self) -> None:
        # Connects the score_changed receiver that enqueues grade passback.
        from lms import receivers  # noqa: F401

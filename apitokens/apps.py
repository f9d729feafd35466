from django.apps import AppConfig


class ApiTokensConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apitokens"
    verbose_name = "API tokens"

    def ready(self) -> None:
        # The receivers revoke a user's tokens when the password changes; the schema
        # extension tells the OpenAPI schema how token authentication works.
        from apitokens import api_schema, receivers  # noqa: F401

"""Top-level URL map: the REST API under /api/v1/ (index, schema, docs), the admin, the pages."""

from django.contrib import admin
from django.urls import include, path, re_path

from actquiz.api import api_not_found
from actquiz.health import healthz
from actquiz.login_limits import RateLimitedAdminAuthenticationForm
from actquiz.metrics import metrics

# The admin's login counts and refuses failed logins like the page login.
admin.site.login_form = RateLimitedAdminAuthenticationForm

urlpatterns = [
    path("api/v1/", include("actquiz.api_docs")),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("api/v1/", include("exercises.urls")),
    path("api/v1/", include("apitokens.urls")),
    path("api/v1/", include("webhooks.urls")),
    # Anything else under /api/ is a JSON 404, never Django's HTML page.
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
    path("lti/", include("lms.urls")),
    path("", include("exercises.page_urls")),
]

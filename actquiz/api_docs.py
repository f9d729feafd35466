"""The API's front door: an index at /api/v1/, the OpenAPI schema and its docs pages."""

from __future__ import annotations

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

# Entry points a client starts from; the schema lists every operation.
_INDEX_LINKS = {
    "schema": "api-schema",
    "docs": "api-docs",
    "redoc": "api-redoc",
    "exercises": "api:exercise-list",
    "submissions": "api:submission-list",
    "courses": "api:course-list",
    "tokens": "apitokens:token-list",
}
# Not REST operations, so not in the schema: the LTI 1.3 endpoints an LMS is given
# (manage.py lti_register prints them with the public base URL) and the health check.
_OTHER_LINKS = {
    "lti_login": "lms:login",
    "lti_launch": "lms:launch",
    "lti_deep_link": "lms:deep_link_launch",
    "lti_jwks": "lms:jwks",
    "health": "healthz",
}


class ApiIndex(APIView):
    """What this API is and where its parts are; open to anyone, like the schema."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        responses=inline_serializer(
            "ApiIndex",
            {
                "name": serializers.CharField(),
                "version": serializers.CharField(),
                "authentication": serializers.CharField(),
                "links": serializers.DictField(child=serializers.URLField()),
            },
        )
    )
    def get(self, request: Request) -> Response:
        links = {
            key: request.build_absolute_uri(reverse(name))
            for key, name in {**_INDEX_LINKS, **_OTHER_LINKS}.items()
        }
        return Response(
            {
                "name": "ActQuiz API",
                "version": "1",
                "authentication": "Authorization: Token <secret> (issue one at /api/v1/tokens/)",
                "links": links,
            }
        )


urlpatterns = [
    path("", ApiIndex.as_view(), name="api-index"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("docs/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

"""API plumbing shared by every endpoint: one error body shape.

Every error leaves as ``{"error": {"code", "message", "fields"?}}``; bad input is
always a 4xx, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from actquiz.exceptions import ApiError

logger = logging.getLogger(__name__)

# Seconds a client is told to wait after a 429 that has no better estimate.
DEFAULT_RETRY_AFTER = 10


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the one error body shape: ``code`` (stable), ``message`` (human), ``fields``."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {msg}" for key, value in detail.items() for msg in _flatten(value)]
    if isinstance(detail, list):
        return [msg for item in detail for msg in _flatten(item)]
    return [str(detail)]


def _validation_body(exc: exceptions.ValidationError) -> dict[str, Any]:
    detail = exc.detail
    if isinstance(detail, dict):
        fields = {str(key): _flatten(value) for key, value in detail.items()}
        first = next(iter(fields.items()), None)
        message = f"{first[0]}: {first[1][0]}" if first and first[1] else "Invalid input."
        return error_body("invalid", message, fields)
    messages = _flatten(detail)
    return error_body("invalid", messages[0] if messages else "Invalid input.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Turn any exception raised in a DRF view into the JSON error body.

    ``exc`` is the exception, ``context`` DRF's view context. Returns the response;
    an unexpected exception is logged and becomes a 500 with the same body shape.
    """
    # Django's own 404 and 403 become DRF exceptions here, so they get the body too.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.error("unhandled error in %s", context.get("view"), exc_info=exc)
        set_rollback()
        return Response(
            error_body("server_error", "Something went wrong on our side."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and "Retry-After" not in response:
        # Every 429 says when to come back; DRF adds it only for its own throttles.
        response["Retry-After"] = str(getattr(exc, "retry_after", None) or DEFAULT_RETRY_AFTER)
    if isinstance(exc, ApiError):
        response.data = error_body(exc.error_code, str(exc.detail), exc.fields)
    elif isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = error_body(str(code), " ".join(_flatten(exc.detail)))
    return response


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Answer an unknown ``/api/`` URL with the JSON error body instead of an HTML page.

    Exempt from CSRF: a POST to an unknown URL changes nothing, and should read as a
    JSON 404, not as the HTML CSRF failure page.
    """
    return JsonResponse(
        error_body("not_found", f"No API endpoint at {request.path}."),
        status=status.HTTP_404_NOT_FOUND,
    )

"""/api/v1/courses/{course}/webhooks/: a course's webhooks, their deliveries, "send again"."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from actquiz.exceptions import ApiError
from apitokens.apis import StrictSerializer
from exercises import access, pagination
from exercises.api_schema import operation
from exercises.models import Course
from webhooks import services
from webhooks.enqueue import enqueue_delivery
from webhooks.models import Webhook, WebhookDelivery

ATTEMPTS_SHOWN = 20


class WebhookOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=services.EVENTS))
    description = serializers.CharField(allow_blank=True)
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class CreatedWebhookOutput(WebhookOutput):
    secret = serializers.CharField(help_text="Signs every delivery; shown only here.")


class AttemptOutput(serializers.Serializer):
    attempted_at = serializers.DateTimeField()
    http_status = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    body_excerpt = serializers.CharField(allow_blank=True)
    duration_ms = serializers.IntegerField()


class DeliveryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.UUIDField()
    event = serializers.CharField()
    state = serializers.ChoiceField(choices=WebhookDelivery.State.choices)
    attempts = serializers.IntegerField()
    last_status = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    payload = serializers.JSONField()
    attempt_log = AttemptOutput(many=True, help_text="The newest attempts first.")


def webhook_data(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "url": webhook.url,
        "events": list(webhook.events),
        "description": webhook.description,
        "active": webhook.active,
        "created_at": webhook.created_at,
    }


def delivery_data(delivery: WebhookDelivery) -> dict[str, Any]:
    attempts = list(delivery.attempt_log.all()[:ATTEMPTS_SHOWN])
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "event": delivery.event,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "payload": delivery.payload,
        "attempt_log": [
            {
                "attempted_at": attempt.attempted_at,
                "http_status": attempt.http_status,
                "error": attempt.error,
                "body_excerpt": attempt.body_excerpt,
                "duration_ms": attempt.duration_ms,
            }
            for attempt in attempts
        ],
    }


def _course(request: Request, slug: str) -> Course:
    course = get_object_or_404(access.courses_visible_to(request.user), slug=slug)
    if not access.can_manage_course_webhooks(request.user, course):
        raise PermissionDenied("Only instructors of this course manage its webhooks.")
    return course


def _webhook(request: Request, slug: str, webhook_id: int) -> Webhook:
    return get_object_or_404(Webhook.objects.filter(course=_course(request, slug)), pk=webhook_id)


class WebhookInput(StrictSerializer):
    url = serializers.URLField(max_length=500, help_text="http(s) URL that receives POSTs.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=services.EVENTS),
        required=False,
        allow_empty=False,
        help_text="Default: every event.",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class WebhookChangeInput(StrictSerializer):
    url = serializers.URLField(max_length=500, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=services.EVENTS), required=False, allow_empty=False
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)
    rotate_secret = serializers.BooleanField(
        required=False, help_text="true: a new secret, shown in this response only."
    )


class CourseWebhooksApi(APIView):
    @operation(
        ok=WebhookOutput(many=True),
        operation_id="course_webhook_list",
        parameters=pagination.parameters(pagination.LIST_PAGE),
    )
    def get(self, request: Request, slug: str) -> Response:
        """List the course's webhooks (instructors); never their secrets."""
        course = _course(request, slug)
        return pagination.paginated(
            request,
            Webhook.objects.filter(course=course),
            lambda page: [webhook_data(w) for w in page],
            default_limit=pagination.LIST_PAGE,
        )

    @operation(
        ok=CreatedWebhookOutput,
        ok_status=201,
        request=WebhookInput,
        operation_id="course_webhook_create",
    )
    def post(self, request: Request, slug: str) -> Response:
        """Register a URL for ``submission.graded`` and/or ``score.changed``; 201 with the secret."""
        course = _course(request, slug)
        body = WebhookInput(data=request.data)
        body.is_valid(raise_exception=True)
        webhook = services.webhook_create(
            course=course,
            url=body.validated_data["url"],
            events=body.validated_data.get("events", list(services.EVENTS)),
            description=body.validated_data.get("description", ""),
            created_by=request.user,
        )
        return Response(
            {**webhook_data(webhook), "secret": webhook.secret}, status=status.HTTP_201_CREATED
        )


class CourseWebhookDetailApi(APIView):
    @operation(ok=WebhookOutput, operation_id="course_webhook_detail")
    def get(self, request: Request, slug: str, webhook_id: int) -> Response:
        """Show one webhook."""
        return Response(webhook_data(_webhook(request, slug, webhook_id)))

    @operation(
        ok=CreatedWebhookOutput, request=WebhookChangeInput, operation_id="course_webhook_update"
    )
    def patch(self, request: Request, slug: str, webhook_id: int) -> Response:
        """Change the URL, events, description or ``active``; ``rotate_secret`` for a new secret.

        ``secret`` is in the answer only when it was rotated.
        """
        webhook = _webhook(request, slug, webhook_id)
        body = WebhookChangeInput(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        rotate = changes.pop("rotate_secret", False)
        webhook = services.webhook_update(webhook=webhook, **changes)
        data = webhook_data(webhook)
        if rotate:
            data["secret"] = services.webhook_rotate_secret(webhook=webhook).secret
        return Response(data)

    @operation(ok=WebhookOutput, operation_id="course_webhook_delete")
    def delete(self, request: Request, slug: str, webhook_id: int) -> Response:
        """Remove a webhook with its delivery log."""
        webhook = _webhook(request, slug, webhook_id)
        data = webhook_data(webhook)
        webhook.delete()
        return Response(data)


class WebhookDeliveriesApi(APIView):
    @operation(
        ok=DeliveryOutput(many=True),
        operation_id="course_webhook_delivery_list",
        parameters=[
            OpenApiParameter(
                "state",
                str,
                OpenApiParameter.QUERY,
                required=False,
                enum=list(WebhookDelivery.State.values),
                description="Only deliveries in this state.",
            ),
            *pagination.parameters(pagination.DELIVERY_PAGE),
        ],
    )
    def get(self, request: Request, slug: str, webhook_id: int) -> Response:
        """The webhook's newest deliveries, each with its attempts (time, status, excerpt)."""
        webhook = _webhook(request, slug, webhook_id)
        deliveries = WebhookDelivery.objects.filter(webhook=webhook)
        wanted = request.query_params.get("state")
        if wanted is not None:
            if wanted not in WebhookDelivery.State.values:
                raise ApiError(
                    f"state must be one of {', '.join(WebhookDelivery.State.values)}.",
                    fields={"state": ["invalid"]},
                )
            deliveries = deliveries.filter(state=wanted)
        return pagination.paginated(
            request,
            deliveries.prefetch_related("attempt_log"),
            lambda page: [delivery_data(d) for d in page],
            default_limit=pagination.DELIVERY_PAGE,
        )


class WebhookResendApi(APIView):
    @operation(ok=DeliveryOutput, ok_status=202, request=None, operation_id="course_webhook_resend")
    def post(self, request: Request, slug: str, webhook_id: int, delivery_id: int) -> Response:
        """Send a delivery again (same body and ``X-ActQuiz-Delivery``, a fresh signature)."""
        webhook = _webhook(request, slug, webhook_id)
        delivery = get_object_or_404(
            WebhookDelivery.objects.filter(webhook=webhook), pk=delivery_id
        )
        delivery = services.delivery_resend(delivery=delivery)
        enqueue_delivery(delivery.id)
        return Response(delivery_data(delivery), status=status.HTTP_202_ACCEPTED)

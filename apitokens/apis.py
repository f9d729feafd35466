"""/api/v1/tokens/: the caller's own API tokens (list, issue, revoke)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from actquiz.exceptions import ApiError
from apitokens import services
from apitokens.models import ApiToken
from exercises import access, pagination
from exercises.api_schema import operation


class TokenOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The first characters of the secret.")
    state = serializers.ChoiceField(choices=ApiToken.State.choices)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_reason = serializers.CharField(allow_blank=True)


class IssuedTokenOutput(TokenOutput):
    token = serializers.CharField(help_text="The secret: shown only in this response.")


def token_data(token: ApiToken, now: Any) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "state": token.state_at(now),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "revoked_reason": token.revoked_reason,
    }


class StrictSerializer(serializers.Serializer):
    """A request body serializer that refuses fields it does not declare."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise ApiError(
                f"Unknown field(s): {', '.join(unknown)}.",
                fields={key: ["unknown field"] for key in unknown},
            )
        return attrs


def _may_manage(request: Request) -> None:
    if not access.can_manage_own_api_tokens(request.user):
        raise PermissionDenied("This account may not manage API tokens.")


class TokenListApi(APIView):
    class InputSerializer(StrictSerializer):
        name = serializers.CharField(
            max_length=100, help_text="What the token is for, e.g. the integration's name."
        )
        expires_in_days = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=settings.ACTQUIZ_API_TOKEN_MAX_DAYS,
            help_text=f"Default {settings.ACTQUIZ_API_TOKEN_DEFAULT_DAYS}.",
        )

    @operation(
        ok=TokenOutput(many=True),
        operation_id="token_list",
        parameters=[
            OpenApiParameter(
                "state",
                str,
                OpenApiParameter.QUERY,
                required=False,
                enum=[choice for choice, _ in ApiToken.State.choices],
                description="Only tokens in this state.",
            ),
            *pagination.parameters(pagination.LIST_PAGE),
        ],
    )
    def get(self, request: Request) -> Response:
        """List the caller's tokens (live, expired and revoked), newest first; never a secret."""
        _may_manage(request)
        now = timezone.now()
        wanted = request.query_params.get("state")
        if wanted is not None and wanted not in ApiToken.State.values:
            raise ApiError(
                f"state must be one of {', '.join(ApiToken.State.values)}.",
                fields={"state": ["invalid"]},
            )
        tokens = [token_data(token, now) for token in access.api_tokens_of(request.user)]
        if wanted is not None:
            tokens = [token for token in tokens if token["state"] == wanted]
        return pagination.paginated(request, tokens, list, default_limit=pagination.LIST_PAGE)

    @operation(
        ok=IssuedTokenOutput, ok_status=201, request=InputSerializer, operation_id="token_create"
    )
    def post(self, request: Request) -> Response:
        """Issue a named token for the caller; the secret is in this response only.

        A token issued by a request authenticated with a token expires no later than it.
        """
        _may_manage(request)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        days = body.validated_data.get("expires_in_days", settings.ACTQUIZ_API_TOKEN_DEFAULT_DAYS)
        expires_at = timezone.now() + timedelta(days=days)
        # A token minted with a token lives no longer than it: a stolen token cannot
        # buy itself a longer life.
        parent = request.auth if isinstance(request.auth, ApiToken) else None
        if parent is not None and parent.expires_at is not None:
            expires_at = min(expires_at, parent.expires_at)
        issued = services.token_create(
            user=request.user, name=body.validated_data["name"], expires_at=expires_at
        )
        data = {**token_data(issued.token, timezone.now()), "token": issued.secret}
        return Response(data, status=status.HTTP_201_CREATED)


class TokenDetailApi(APIView):
    def _token(self, request: Request, token_id: int) -> ApiToken:
        _may_manage(request)
        # Someone else's token is a 404: ids must not reveal other users' tokens.
        return get_object_or_404(access.api_tokens_of(request.user), pk=token_id)

    @operation(ok=TokenOutput, operation_id="token_detail")
    def get(self, request: Request, token_id: int) -> Response:
        """Show one of the caller's tokens."""
        return Response(token_data(self._token(request, token_id), timezone.now()))

    @operation(ok=TokenOutput, operation_id="token_revoke")
    def delete(self, request: Request, token_id: int) -> Response:
        """Revoke one of the caller's tokens (kept in the list as revoked); idempotent."""
        token = services.token_revoke(
            token=self._token(request, token_id), reason="revoked by its owner"
        )
        return Response(token_data(token, timezone.now()))

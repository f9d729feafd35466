"""API tokens as their owners and the workers use them: issued once, hashed, expiring, revocable."""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apitokens import services
from apitokens.models import ApiToken

pytestmark = pytest.mark.django_db


def with_token(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def logged_in(user: AbstractBaseUser) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_a_token_is_shown_once_stored_hashed_and_then_authenticates(
    student: AbstractBaseUser,
) -> None:
    created = logged_in(student).post(
        "/api/v1/tokens/", {"name": "my notebook", "expires_in_days": 7}, format="json"
    )

    assert created.status_code == 201, created.content
    secret = created.json()["token"]
    stored = ApiToken.objects.get(pk=created.json()["id"])
    assert secret not in {stored.digest, stored.prefix} and secret.startswith(stored.prefix)
    assert stored.digest == services.token_digest(secret)
    assert timedelta(days=6) < stored.expires_at - timezone.now() <= timedelta(days=7)
    listed = with_token(secret).get("/api/v1/tokens/")
    assert listed.status_code == 200
    assert [t["name"] for t in listed.json()] == ["my notebook"]
    assert "token" not in listed.json()[0] and listed.json()[0]["state"] == "active"
    assert with_token(secret).get("/api/v1/exercises/").status_code == 200


def test_bearer_works_like_token(student: AbstractBaseUser) -> None:
    secret = services.token_create(user=student, name="ci", expires_at=None).secret
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert client.get("/api/v1/tokens/").status_code == 200


def test_an_expired_token_gets_a_401_saying_it_expired(student: AbstractBaseUser) -> None:
    issued = services.token_create(
        user=student, name="old", expires_at=timezone.now() + timedelta(seconds=30)
    )
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = with_token(issued.secret).get("/api/v1/exercises/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    error = response.json()["error"]
    assert error["code"] == "token_expired" and "expired at" in error["message"]


def test_a_revoked_token_gets_a_401_saying_it_was_revoked(student: AbstractBaseUser) -> None:
    secret = services.token_create(user=student, name="laptop", expires_at=None).secret
    other = services.token_create(user=student, name="ci", expires_at=None).secret
    token_id = ApiToken.objects.get(name="laptop").pk

    revoked = with_token(other).delete(f"/api/v1/tokens/{token_id}/")
    refused = with_token(secret).get("/api/v1/exercises/")

    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert refused.status_code == 401
    error = refused.json()["error"]
    assert error["code"] == "token_revoked" and "revoked by its owner" in error["message"]
    states = {t["name"]: t["state"] for t in with_token(other).get("/api/v1/tokens/").json()}
    assert states == {"laptop": "revoked", "ci": "active"}


def test_an_unknown_token_gets_a_plain_401(student: AbstractBaseUser) -> None:
    response = with_token("aq_not-a-token-at-all").get("/api/v1/exercises/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"


def test_changing_the_password_revokes_every_token_but_a_rehash_does_not(
    student: AbstractBaseUser,
) -> None:
    secret = services.token_create(user=student, name="ci", expires_at=None).secret
    student.set_password("pw-123456")  # the same password, hashed again
    student.save()
    assert with_token(secret).get("/api/v1/exercises/").status_code == 200

    student.set_password("a new password 9")
    student.save()

    response = with_token(secret).get("/api/v1/exercises/")
    assert response.status_code == 401
    assert "password changed" in response.json()["error"]["message"]


def test_one_live_token_per_name_and_nobody_sees_anothers(
    student: AbstractBaseUser, make_user: Callable[..., AbstractBaseUser]
) -> None:
    services.token_create(user=student, name="ci", expires_at=None)
    mallory = make_user("mallory")
    token_id = ApiToken.objects.get(user=student).pk

    again = logged_in(student).post("/api/v1/tokens/", {"name": "ci"}, format="json")
    theirs = logged_in(mallory).get(f"/api/v1/tokens/{token_id}/")
    deleted = logged_in(mallory).delete(f"/api/v1/tokens/{token_id}/")

    assert again.status_code == 409 and again.json()["error"]["code"] == "token_name_taken"
    assert theirs.status_code == 404 and deleted.status_code == 404
    assert ApiToken.objects.get(pk=token_id).revoked_at is None


def test_a_token_minted_with_a_token_expires_no_later_than_it(student: AbstractBaseUser) -> None:
    parent_expiry = timezone.now() + timedelta(days=2)
    parent = services.token_create(user=student, name="short", expires_at=parent_expiry).secret

    child = with_token(parent).post(
        "/api/v1/tokens/", {"name": "child", "expires_in_days": 300}, format="json"
    )

    assert child.status_code == 201
    assert ApiToken.objects.get(name="child").expires_at == parent_expiry


def test_bad_token_requests_get_clear_400s(student: AbstractBaseUser) -> None:
    client = logged_in(student)

    unknown = client.post("/api/v1/tokens/", {"name": "x", "scope": "all"}, format="json")
    too_long = client.post(
        "/api/v1/tokens/", {"name": "x", "expires_in_days": 10_000}, format="json"
    )
    state = client.get("/api/v1/tokens/?state=sleeping")

    assert unknown.status_code == 400 and "scope" in unknown.json()["error"]["message"]
    assert too_long.status_code == 400 and "expires_in_days" in too_long.json()["error"]["fields"]
    assert state.status_code == 400


def test_a_grader_account_may_not_mint_tokens(grader: AbstractBaseUser) -> None:
    response = logged_in(grader).post("/api/v1/tokens/", {"name": "extra"}, format="json")

    assert response.status_code == 403


def test_changing_the_configured_grader_token_keeps_the_old_one_for_the_overlap(
    settings: Any,
) -> None:
    settings.ACTQUIZ_GRADER_TOKEN = "first-grader-token-" + "a" * 20
    call_command("grader_account", stderr=io.StringIO())
    settings.ACTQUIZ_GRADER_TOKEN = "second-grader-token-" + "b" * 20

    call_command("grader_account", overlap_minutes=30, stderr=io.StringIO())

    old = ApiToken.objects.get(digest=services.token_digest("first-grader-token-" + "a" * 20))
    new = ApiToken.objects.get(digest=services.token_digest("second-grader-token-" + "b" * 20))
    assert new.expires_at is None and new.name == "grader"
    assert timedelta(minutes=29) < old.expires_at - timezone.now() <= timedelta(minutes=30)
    for secret in ("first-grader-token-" + "a" * 20, "second-grader-token-" + "b" * 20):
        assert with_token(secret).get("/api/v1/courses/").status_code == 200


def test_rotating_an_unconfigured_grader_token_prints_a_new_one_once(settings: Any) -> None:
    settings.ACTQUIZ_GRADER_TOKEN = ""
    first = io.StringIO()
    call_command("grader_account", print_token=True, stdout=first)

    with pytest.raises(CommandError, match="stored hashed"):
        call_command("grader_account", print_token=True, stdout=io.StringIO())
    second = io.StringIO()
    call_command("grader_account", rotate=True, print_token=True, overlap_minutes=0, stdout=second)

    assert first.getvalue().strip() != second.getvalue().strip()
    assert with_token(second.getvalue().strip()).get("/api/v1/courses/").status_code == 200
    refused = with_token(first.getvalue().strip()).get("/api/v1/courses/")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_expired"


def test_the_api_token_command_issues_lists_and_revokes(student: AbstractBaseUser) -> None:
    out = io.StringIO()
    call_command("api_token", "create", "--user", "alice", "--name", "moodle", "--json", stdout=out)
    secret = json.loads(out.getvalue())["token"]
    assert with_token(secret).get("/api/v1/exercises/").status_code == 200

    listing = io.StringIO()
    call_command("api_token", "list", "--user", "alice", "--json", stdout=listing)
    call_command("api_token", "revoke", "--user", "alice", "--name", "moodle", stdout=io.StringIO())

    assert [row["name"] for row in json.loads(listing.getvalue())] == ["moodle"]
    assert secret not in listing.getvalue()
    assert with_token(secret).get("/api/v1/exercises/").status_code == 401


def test_plaintext_tokens_from_before_are_carried_over_hashed(student: AbstractBaseUser) -> None:
    migration = importlib.import_module("apitokens.migrations.0002_hash_plaintext_tokens")
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY,"
            " user_id integer NOT NULL, created timestamp with time zone NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, student.pk, timezone.now()]
        )
    migration.hash_plaintext_tokens(apps, SimpleNamespace(connection=connection))

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    assert with_token(key).get("/api/v1/exercises/").status_code == 200
    assert not ApiToken.objects.filter(digest=key).exists()

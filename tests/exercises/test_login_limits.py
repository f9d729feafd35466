"""Password guessing: failed logins are limited per account and per address, on shared counters."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456"  # make_user's password


@pytest.fixture
def limits(settings):
    settings.ACTQUIZ_LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.ACTQUIZ_LOGIN_FAILURES_PER_IP = 12
    settings.ACTQUIZ_LOGIN_WINDOW_SECONDS = 900
    return settings


def page_login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_after_too_many_wrong_passwords_even_the_right_one_is_refused_with_retry_after(
    limits, student
):
    client = Client()
    for _ in range(5):
        wrong = page_login(client, "alice", "guess")
        assert wrong.status_code == 200
        assert "do not match" in wrong.content.decode()

    refused = page_login(client, "alice", PASSWORD)

    assert refused.status_code == 429
    # Up to the window and a fifth (the estimate weighs the previous window's count:
    # tests/test_sliding_window.py shows a retry at Retry-After gets in).
    assert 1 <= int(refused["Retry-After"]) <= 900 * 6 // 5
    assert "Too many failed logins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still not logged in


def test_the_account_limit_holds_whatever_the_address_and_the_spelling(limits, student):
    for index in range(5):
        page_login(Client(), "alice" if index % 2 else "ALICE", "guess", f"10.0.1.{index}")
    assert page_login(Client(), "alice", PASSWORD, "10.9.9.9").status_code == 429


def test_an_address_guessing_across_accounts_is_stopped_but_others_still_log_in(
    limits, make_user, student
):
    for index in range(12):
        page_login(Client(), f"user{index}", "guess", "10.0.0.66")

    assert page_login(Client(), "alice", PASSWORD, "10.0.0.66").status_code == 429
    elsewhere = Client()
    assert page_login(elsewhere, "alice", PASSWORD, "10.0.0.7").status_code == 302
    assert elsewhere.get("/").status_code == 200


def test_a_successful_login_forgets_the_accounts_earlier_failures(limits, student):
    for _ in range(4):
        page_login(Client(), "alice", "guess")
    assert page_login(Client(), "alice", PASSWORD).status_code == 302
    for _ in range(4):
        page_login(Client(), "alice", "guess")
    assert page_login(Client(), "alice", PASSWORD).status_code == 302


def test_the_admin_login_counts_and_refuses_the_same_way(limits, superuser):
    for _ in range(5):
        response = Client().post(
            "/admin/login/", {"username": "admin", "password": "guess"}, REMOTE_ADDR="10.0.0.2"
        )
        assert response.status_code == 200
    client = Client()
    refused = client.post(
        "/admin/login/", {"username": "admin", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert refused.status_code == 429
    assert refused.has_header("Retry-After")
    assert "Too many failed logins" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(limits, student):
    limits.ACTQUIZ_TRUSTED_PROXIES = 1
    for index in range(12):
        Client().post(
            "/login/",
            {"username": f"user{index}", "password": "guess"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    other_client = Client().post(
        "/login/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert other_client.status_code == 302

"""Failed admin sign-ins lock the account and the client's address for a while."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from tests.accounts.conftest import PASSWORD, sign_in

# The admin speaks German (LANGUAGE_CODE) to a browser that asks for nothing else.
LOCKED = "Zu viele fehlgeschlagene Anmeldeversuche"


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.ACCOUNTS_LOGIN_COOLOFF_MINUTES = 15
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    return settings


def test_a_few_failures_do_not_lock(client, users, limits):
    for _ in range(2):
        response = sign_in(client, "koordination", "wrong")
        assert response.status_code == 200 and LOCKED not in response.text
    assert sign_in(client, "koordination").status_code == 302
    assert signed_in(client)


def test_account_is_locked_after_failures_from_many_addresses(client, users, limits):
    for number in range(3):
        sign_in(client, "koordination", "wrong", REMOTE_ADDR=f"192.0.2.{number}")

    response = sign_in(client, "koordination", PASSWORD, REMOTE_ADDR="198.51.100.1")

    assert response.status_code == 429
    assert LOCKED in response.text and "15 Minuten" in response.text
    assert not signed_in(client)
    # Other accounts from that address still get in.
    assert sign_in(client, "redaktion", REMOTE_ADDR="198.51.100.1").status_code == 302


def test_address_is_locked_after_failures_across_accounts(client, users, limits):
    for username in ("chef", "redaktion", "nobody"):
        sign_in(client, username, "wrong", REMOTE_ADDR="192.0.2.7")

    response = sign_in(client, "koordination", PASSWORD, REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 429 and LOCKED in response.text
    assert not signed_in(client)
    assert sign_in(client, "koordination", REMOTE_ADDR="192.0.2.8").status_code == 302


def test_lockout_ends_after_the_cool_off(client, users, limits):
    for _ in range(3):
        sign_in(client, "redaktion", "wrong")
    assert sign_in(client, "redaktion").status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert sign_in(client, "redaktion").status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("behind_proxy", [True, False])
def test_forwarded_address_counts_only_behind_our_proxy(
    client, users, limits, behind_proxy
):
    """Behind the proxy the address it appended (the last entry) is the client's;
    what the client itself put in front is ignored. Without a proxy the header is
    the client's own invention and the connection's address counts.
    """
    if behind_proxy:
        limits.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for number in range(3):
        sign_in(
            client,
            "nobody",
            "wrong",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{number}, 192.0.2.50",
        )

    other_client = sign_in(
        client, "redaktion", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.51"
    )

    assert other_client.status_code == (302 if behind_proxy else 429)

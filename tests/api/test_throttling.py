"""Per-client throttling of the public APIs: a clear 429 in the one error format."""

import pytest

SUGGEST = "/api/search/suggest/"


@pytest.fixture
def three_a_minute(settings, db):
    """A small limit, counted from zero; the database answers (no search engine)."""
    from django.core.cache import cache

    settings.API_THROTTLE_RATE = "3/min"
    settings.SEARCH_URL = ""
    cache.clear()


def _ask(client, url=SUGGEST, address="203.0.113.7", **params):
    return client.get(url, {"q": "Deu", **params}, REMOTE_ADDR=address)


def test_the_request_over_the_limit_gets_429_with_retry_after(client, three_a_minute):
    answers = [_ask(client) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert body["errors"] == {}
    assert f"{refused['Retry-After']} Sekunden" in body["error"]  # German by default
    assert refused["Content-Type"].startswith("application/json")


def test_every_api_shares_one_count_per_client(client, three_a_minute):
    assert _ask(client, "/api/search/").status_code == 200
    assert _ask(client, "/api/finder/").status_code == 400  # no topic: still counted
    assert _ask(client, SUGGEST).status_code == 200
    assert _ask(client, "/api/finder/").status_code == 429
    assert _ask(client, "/api/openapi.json").status_code == 429


def test_clients_are_counted_separately(client, three_a_minute):
    for _ in range(3):
        assert _ask(client, address="203.0.113.7").status_code == 200
    assert _ask(client, address="203.0.113.7").status_code == 429
    assert _ask(client, address="198.51.100.2").status_code == 200


def test_an_empty_rate_switches_throttling_off(client, three_a_minute, settings):
    settings.API_THROTTLE_RATE = ""
    assert {_ask(client).status_code for _ in range(6)} == {200}


def test_a_client_cannot_dodge_the_limit_with_its_own_forwarded_for(
    client, three_a_minute
):
    answers = [
        client.get(
            SUGGEST,
            {"q": "Deu"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )
        for number in range(4)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]


def test_behind_one_proxy_the_forwarded_client_is_counted(
    client, three_a_minute, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def ask(address):
        return client.get(
            SUGGEST,
            {"q": "Deu"},
            REMOTE_ADDR="10.0.0.2",  # the proxy
            HTTP_X_FORWARDED_FOR=f"spoofed, {address}",
        )

    assert [ask("198.51.100.1").status_code for _ in range(4)][-1] == 429
    assert ask("198.51.100.2").status_code == 200

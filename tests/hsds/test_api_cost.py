"""The HSDS API's work per request follows the answer, not the region: the rows the
database returns for one page or one lookup stay the same when the region has 2 and
10 times the offers, ``full`` is capped, and ``format=ndjson`` reads a chunk at a
time.
"""

import json
import uuid

import pytest
from django.core.cache import cache
from django.db import connection

from directory.models import OfferPage
from hsds import selectors, views
from hsds.vocabulary import TAXONOMIES
from tests.factories import (
    AgencyPageFactory,
    ContactPointPageFactory,
    OfferPageFactory,
    TargetGroupFactory,
    TopicFactory,
)

API = "/api/hsds"
BASE = 3  # offers in the smallest region; each page below asks for fewer
PER_PAGE = 2


class RowCounter:
    """Rows each query returned (``connection.execute_wrapper``)."""

    def __init__(self):
        self.rows: list[int] = []

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        self.rows.append(max(context["cursor"].rowcount, 0))
        return result


def _rows(client, url, params=None) -> list[int]:
    """Rows per query of one GET (the whole body read, streamed or not)."""
    counter = RowCounter()
    with connection.execute_wrapper(counter):
        response = client.get(f"{API}{url}", params or {})
        assert response.status_code == 200, response.content
        if response.streaming:
            b"".join(response.streaming_content)
    return counter.rows


@pytest.fixture
def grow(home):
    """``grow(n)``: the region grows to n offers, two places, topics and a target
    group each, all under one agency, in tree order.
    """
    agency = AgencyPageFactory(parent=home)
    places = [ContactPointPageFactory(parent=agency) for _ in range(2)]
    topics = [TopicFactory(slug=f"thema-{n}", name=f"Thema {n}") for n in range(2)]
    group = TargetGroupFactory(slug="frauen", name="Frauen")

    def grow_to(total: int):
        for _ in range(OfferPage.objects.count(), total):
            offer = OfferPageFactory(parent=agency)
            offer.contact_points.set(places)
            offer.topics.set(topics)
            offer.target_groups.set([group])
            offer.save()  # page relations are kept with the page
        assert OfferPage.objects.visible().count() == total

    return grow_to


def _at_sizes(grow, measure) -> list:
    """``measure()`` with BASE, 2 × BASE and 10 × BASE offers."""
    found = []
    for size in (BASE, 2 * BASE, 10 * BASE):
        grow(size)
        found.append(measure())
    return found


@pytest.mark.parametrize(
    "params",
    [
        {"full": "true"},
        {},
        {"minimal": "true"},
        {"search": "Angebot", "taxonomy_id": TAXONOMIES["topics"].id},
    ],
)
def test_a_page_of_services_reads_the_same_rows_at_2x_and_10x(client, grow, params):
    rows = _at_sizes(
        grow, lambda: _rows(client, "/services", {"per_page": PER_PAGE, **params})
    )

    assert rows[0] == rows[1] == rows[2]


@pytest.mark.parametrize("params", [{"full": "true"}, {"postcode": "86150"}])
def test_a_page_of_services_at_locations_reads_the_same_rows(client, grow, params):
    def measure():
        rows = _rows(client, "/service_at_locations", {"per_page": PER_PAGE, **params})
        body = client.get(
            f"{API}/service_at_locations", {"per_page": PER_PAGE, **params}
        ).json()
        return rows, body["size"], body["total_items"]

    (few, *_), (twice, *_), (many, size, total) = _at_sizes(grow, measure)

    assert few == twice == many
    assert size == PER_PAGE and total == 2 * 10 * BASE  # two places an offer


def test_looking_up_a_service_at_a_location_reads_the_same_rows(client, grow):
    def measure():
        listed = client.get(f"{API}/service_at_locations", {"per_page": 1}).json()
        # One near the end of the list: the newest offer's.
        last = client.get(
            f"{API}/service_at_locations",
            {"per_page": 1, "page": listed["total_items"] - 1},
        ).json()["contents"][0]
        # The first lookup after a change of the catalogue stores every key once.
        found = client.get(f"{API}/service_at_locations/{last['id']}").json()
        assert found["id"] == last["id"] and found["location"]["addresses"]
        return _rows(client, f"/service_at_locations/{last['id']}")

    rows = _at_sizes(grow, measure)

    assert rows[0] == rows[1] == rows[2]


def test_an_unknown_id_is_a_404_without_a_scan(client, grow):
    def measure():
        # The first id not found after a change of the catalogue builds the keys.
        client.get(f"{API}/service_at_locations/{uuid.uuid4()}")
        counter = RowCounter()
        with connection.execute_wrapper(counter):
            response = client.get(f"{API}/service_at_locations/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.json()["error"]
        return counter.rows

    rows = _at_sizes(grow, measure)

    assert rows[0] == rows[1] == rows[2]
    assert sum(rows[2]) <= 2


def test_an_id_no_list_gave_out_is_still_found(client, grow):
    grow(2 * BASE)
    listed = client.get(f"{API}/service_at_locations", {"per_page": 100}).json()
    wanted = listed["contents"][-1]
    cache.clear()  # as in a fresh process

    found = client.get(f"{API}/service_at_locations/{wanted['id']}")

    assert found.status_code == 200
    assert found.json()["service"]["id"] == wanted["service_id"]
    assert found.json()["location"]["id"] == wanted["location_id"]


def test_a_service_at_a_location_added_after_the_keys_were_built_is_found(client, grow):
    grow(BASE)
    first = client.get(f"{API}/service_at_locations", {"per_page": 1}).json()
    assert (
        client.get(
            f"{API}/service_at_locations/{first['contents'][0]['id']}"
        ).status_code
        == 200
    )  # the keys are built

    grow(BASE + 1)  # a change of the catalogue
    listed = client.get(f"{API}/service_at_locations", {"per_page": 100}).json()
    newest = listed["contents"][-1]

    found = client.get(f"{API}/service_at_locations/{newest['id']}")

    assert found.status_code == 200
    assert found.json()["id"] == newest["id"]


def test_organizations_nest_at_most_the_cap_and_say_how_to_page(
    client, grow, monkeypatch
):
    monkeypatch.setattr(selectors, "MAX_NESTED_SERVICES", 2 * BASE)
    grow(2 * BASE)
    assert client.get(f"{API}/organizations", {"full": "true"}).status_code == 200

    grow(10 * BASE)
    rows = _rows(client, "/organizations")  # brief: always answers
    response = client.get(f"{API}/organizations", {"full": "true"})

    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == "full"
    assert f"{10 * BASE} Angebote" in body["error"]  # German: the default language
    assert "per_page" in body["error"] and "organization_id" in body["error"]
    assert max(rows) <= 2  # one agency (and its count)


def test_ndjson_streams_a_chunk_at_a_time(client, grow, monkeypatch):
    monkeypatch.setattr(views, "NDJSON_CHUNK", PER_PAGE)

    def measure():
        rows = _rows(client, "/services", {"format": "ndjson", "full": "true"})
        response = client.get(f"{API}/services", {"format": "ndjson"})
        lines = b"".join(response.streaming_content).decode().splitlines()
        return max(rows), [json.loads(line)["id"] for line in lines]

    (few, _), (twice, _), (many, ids) = _at_sizes(grow, measure)

    # The biggest single read is one chunk's prefetch, however big the region.
    assert few == twice == many
    assert len(ids) == len(set(ids)) == 10 * BASE

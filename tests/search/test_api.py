"""The JSON search API and the search page: shape, validation, odd input, no 500s."""

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from search.forms import SearchForm

PARAMETERS = [*SearchForm.base_fields, "unknown"]


def test_api_returns_the_documented_shape(client, indexed):
    response = client.get(
        "/api/search/",
        {"q": "Deutschkurs Frauen", "lang": "ar"},
        HTTP_ORIGIN="https://example.org",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert {"count", "results", "facets", "page", "pages", "degraded"} <= set(data)
    first = data["results"][0]
    assert first["id"] == str(indexed["frauenkurs"].hsds_id)
    assert first["title"] == "دورة لغة ألمانية للنساء مع رعاية الأطفال"
    assert first["url"] == "/ar/vhs/frauenkurs/"
    assert {"summary", "agency", "topics", "highlight"} <= set(first)
    assert first["topics"] == [{"slug": "sprache", "name": "اللغة", "language": "ar"}]
    assert {
        "topic",
        "target_group",
        "residence_status",
        "district",
        "language",
        "free",
        "format",
        "wheelchair",
    } <= set(data["facets"])


def test_api_language_from_accept_language(client, indexed):
    data = client.get("/api/search/", {"q": "юрист"}, HTTP_ACCEPT_LANGUAGE="uk").json()
    assert data["language"] == "uk"
    assert data["results"][0]["title"] == "Юридична консультація щодо перебування"


def test_api_distance_sort_returns_distances(client, indexed):
    data = client.get(
        "/api/search/", {"topic": "sprache", "sort": "distance", "near": "bergheim"}
    ).json()
    assert data["results"][0]["distance_m"] < 100


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lang": "xx"}, "lang"),
        ({"topic": "<script>"}, "topic"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"lat": "91", "lon": "10"}, "lat"),
        ({"lat": "48"}, "__all__"),
        ({"sort": "distance"}, "sort"),
        ({"format": "carrier-pigeon"}, "format"),
        ({"open_on": "someday"}, "open_on"),
    ],
)
def test_api_rejects_bad_parameters_with_a_message(client, db, params, field):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    body = response.json()
    errors = body["errors"]
    assert field in errors and errors[field][0]
    # One error format: a sentence for people, and the parameter at fault.
    assert body["error"] == errors[field][0]
    assert body.get("parameter") == (None if field == "__all__" else field)


def test_search_page_drops_bad_filters_and_says_so(client, indexed):
    response = client.get(
        "/de/search/", {"q": "Deutschkurs", "topic": "<b>", "page": "x"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "für Frauen mit Kinderbetreuung" in body  # the title, with the match marked
    assert "<mark>Deutschkurs</mark>" in body
    assert "notice" in body


def test_search_page_facets_are_links_that_work_without_javascript(client, indexed):
    body = client.get("/de/search/", {"q": "", "topic": "sprache"}).content.decode()
    assert 'name="topic" value="sprache" checked' in body
    assert "(3)" in body
    assert "Rechtsberatung zum Aufenthalt" not in body


def test_search_page_pagination_keeps_the_query(client, indexed):
    body = client.get(
        "/de/search/", {"q": "", "topic": "sprache", "page_size": 1}
    ).content.decode()
    assert "page=2" in body and "topic=sprache" in body


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.dictionaries(
        st.sampled_from(PARAMETERS),
        st.one_of(
            st.text(max_size=300),
            st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
            st.sampled_from(
                [
                    "sprache",
                    "de",
                    "ar",
                    "true",
                    "false",
                    "1",
                    "-1",
                    "1e309",
                    "nan",
                    "distance",
                    "' OR 1=1 --",
                    "\u202e",
                    "%00",
                    "{}",
                ]
            ),
        ),
        max_size=6,
    )
)
def test_api_never_fails_whatever_the_parameters(client, indexed, params):
    response = client.get("/api/search/", params)
    assert response.status_code in (200, 400)
    data = json.loads(response.content)
    assert ("results" in data) if response.status_code == 200 else ("errors" in data)
    # engine errors never leak
    assert "Exception" not in response.content.decode()


@pytest.mark.parametrize(
    "q", ["x" * 10_000, "\x00\x01\x02", "🙂" * 100, "((((", "\\", "*?~^"]
)
def test_api_and_page_handle_huge_and_odd_queries(client, indexed, q):
    assert client.get("/api/search/", {"q": q}).status_code == 200
    assert client.get("/de/search/", {"q": q}).status_code == 200


def test_suggest_api(client, indexed):
    data = client.get("/api/search/suggest/", {"q": "Integ", "lang": "de"}).json()
    assert data["suggestions"][0]["text"] == "Integrationskurs am Abend"
    assert (
        client.get("/api/search/suggest/", {"q": "x", "lang": "zz"}).status_code == 400
    )


def test_openapi_document_describes_the_search_api(client, db):
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    parameters = {p["name"] for p in spec["paths"]["/api/search/"]["get"]["parameters"]}
    assert {"q", "lang", "topic", "page"} <= parameters

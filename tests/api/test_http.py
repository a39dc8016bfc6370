"""What every public API shares: CORS for GET from any origin, only GET/HEAD/OPTIONS,
the answer language and one error format (search, suggest, finder, HSDS, the
document).
"""

import pytest

URLS = [
    "/api/search/",
    "/api/search/suggest/",
    "/api/finder/",
    "/api/hsds/services",
    "/api/openapi.json",
]
ORIGIN = "https://verein.example.org"


@pytest.fixture
def engine_off(settings, db):
    settings.SEARCH_URL = ""


@pytest.mark.parametrize("url", URLS)
def test_a_preflight_from_another_origin_allows_only_reading(client, engine_off, url):
    response = client.options(
        url,
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept-language",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "HEAD", "OPTIONS"}
    assert "accept-language" in response["Access-Control-Allow-Headers"].lower()


@pytest.mark.parametrize("url", URLS)
def test_a_get_from_another_origin_may_be_read(client, engine_off, url):
    response = client.get(url, {"topic": "x"}, HTTP_ORIGIN=ORIGIN)
    assert response["Access-Control-Allow-Origin"] == "*"


def test_pages_and_the_admin_are_not_cors_enabled(client, engine_off):
    for url in ["/de/search/", "/api/docs/", "/admin/login/"]:
        response = client.get(url, HTTP_ORIGIN=ORIGIN)
        assert "Access-Control-Allow-Origin" not in response, url


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", URLS)
def test_writing_methods_get_405_in_the_one_error_format(
    client, engine_off, url, method
):
    response = getattr(client, method)(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 405
    body = response.json()
    assert body["errors"] == {}
    assert method.upper() in body["error"]
    assert set(response["Allow"].replace(" ", "").split(",")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }


def test_head_answers_like_get_without_a_body(client, engine_off):
    response = client.head("/api/search/suggest/", {"q": "Deu"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.content == b""


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("uk", "uk"),
        ("fr-CA, en;q=0.5", "fr"),
        ("xx, ar;q=0.9, de;q=0.8", "ar"),
        ("en;q=0.1, tr;q=0.9", "tr"),
        ("", "de"),
        ("klingon", "de"),
        ("*", "de"),
    ],
)
def test_the_answer_language_follows_accept_language(
    client, engine_off, header, language
):
    response = client.get("/api/search/", HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 200
    assert response.json()["language"] == language
    assert "Accept-Language" in response["Vary"]


def test_lang_wins_over_accept_language(client, engine_off):
    response = client.get("/api/search/", {"lang": "AR"}, HTTP_ACCEPT_LANGUAGE="uk")
    assert response.json()["language"] == "ar"


@pytest.mark.parametrize(
    "url", ["/api/search/", "/api/search/suggest/", "/api/finder/"]
)
def test_an_unknown_lang_is_a_400_in_the_one_format(client, engine_off, url):
    response = client.get(url, {"lang": "xx", "topic": "sprache"})
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == "lang"
    assert list(body["errors"]) == ["lang"]
    assert body["error"] == body["errors"]["lang"][0]
    assert "de, en, ar" in body["error"]


def test_errors_about_several_parameters_name_no_single_one(client, engine_off):
    body = client.get("/api/search/", {"lat": "48"}).json()
    assert list(body["errors"]) == ["__all__"]
    assert "parameter" not in body
    assert body["error"] == body["errors"]["__all__"][0]


def test_validation_messages_are_in_the_answer_language(client, engine_off):
    german = client.get("/api/finder/", {"topic": "gibt-es-nicht", "lang": "de"})
    english = client.get("/api/finder/", {"topic": "gibt-es-nicht", "lang": "en"})
    assert german.status_code == english.status_code == 400
    assert german.json()["error"] != english.json()["error"]
    assert "topic" in english.json()["error"].lower()

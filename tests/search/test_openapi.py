"""The OpenAPI document (generated from the views, served at /api/openapi.json):
valid OpenAPI 3.1, every parameter described, its schemas matching the real answers.
"""

import json

import pytest
from django.conf import settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from api.openapi import document
from directory.forms import FinderApiForm
from search.forms import SearchForm

DOCUMENT_URI = "urn:wegweiser:openapi"
JSON = "application/json"


@pytest.fixture(scope="module")
def spec():
    return document()


def _pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901) into the document."""
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _resolve(spec: dict, item: dict) -> dict:
    """Follow a local $ref (responses, parameters and headers may be references)."""
    while "$ref" in item:
        node = spec
        for part in item["$ref"].removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        item = node
    return item


def _response(spec: dict, path: str, status: int) -> dict:
    return _resolve(spec, spec["paths"][path]["get"]["responses"][str(status)])


def _validator(spec: dict, path: str, status: int) -> Draft202012Validator:
    """A validator for the JSON body the document gives for path and status: the whole
    document is the root resource, so the schema's $refs resolve within it."""
    registry = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    # Through the response object as it stands in the document: inline or a $ref.
    response = spec["paths"][path]["get"]["responses"][str(status)]
    target = (
        response["$ref"].removeprefix("#")
        if "$ref" in response
        else _pointer("paths", path, "get", "responses", str(status))
    )
    target += _pointer("content", JSON, "schema")
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#{target}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _assert_valid(validator: Draft202012Validator, body) -> None:
    errors = sorted(validator.iter_errors(body), key=lambda error: list(error.path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, error.path)) or '(root)'}: {error.message}"
        for error in errors
    )


def test_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises OpenAPISpecValidatorError with the details
    assert spec["info"]["title"] == "Wegweiser API"
    assert spec["info"]["version"] == "1.0.0"
    assert spec["servers"] == [{"url": "/"}]
    assert {"/api/search/", "/api/search/suggest/", "/api/finder/"} <= set(
        spec["paths"]
    )
    # Only the public APIs: not the Wagtail admin's internal API.
    assert all(path.startswith("/api/") for path in spec["paths"])


def test_document_lists_every_api_path(spec):
    """Every URL under /api/ answered by a DRF view is in the document."""
    from django.urls import get_resolver
    from drf_spectacular.generators import EndpointEnumerator

    served = {path for path, *_rest in EndpointEnumerator().get_api_endpoints()}
    # The reference page (HTML) is not an API.
    served = {path for path in served if path.startswith("/api/")} - {"/api/docs/"}
    assert served and served == set(spec["paths"])
    assert get_resolver().resolve("/api/search/").url_name == "search-api"


def test_every_operation_answers_errors_in_the_one_format(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "429"):
                if status == "400" and not operation.get("parameters"):
                    continue
                schema = operation["responses"][status]["content"][JSON]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (
                    path,
                    method,
                    status,
                )
            assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_document_names_no_external_host(client, db):
    assert "://" not in client.get("/api/openapi.json").content.decode()


def _query_parameters(spec: dict, path: str) -> dict:
    parameters = [_resolve(spec, p) for p in spec["paths"][path]["get"]["parameters"]]
    return {p["name"]: p for p in parameters if p["in"] == "query"}


def test_every_search_parameter_is_documented(spec):
    by_name = _query_parameters(spec, "/api/search/")
    assert set(by_name) == set(SearchForm.base_fields)
    languages = [code for code, _name in settings.LANGUAGES]
    assert _resolve(spec, by_name["lang"]["schema"])["enum"] == languages
    for facet in ("topic", "target_group", "residence_status", "district", "language"):
        assert by_name[facet]["schema"]["type"] == "array"
        assert by_name[facet]["explode"] is True
    assert by_name["page"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 500,
        "default": 1,
    }
    assert by_name["page_size"]["schema"]["maximum"] == 50
    assert by_name["format"]["schema"]["enum"] == ["in_person", "online", "hybrid"]
    assert by_name["open_on"]["schema"]["enum"][0] == "mon"
    assert by_name["free"]["schema"] == {"type": "boolean"}
    assert by_name["lat"]["schema"] == {"type": "number", "minimum": -90, "maximum": 90}
    assert all(p["description"] for p in by_name.values())


def test_every_finder_and_suggest_parameter_is_documented(spec):
    finder = _query_parameters(spec, "/api/finder/")
    assert set(finder) == set(FinderApiForm.base_fields)
    assert finder["topic"]["required"] is True
    assert finder["postcode"]["schema"]["pattern"] == "^[0-9]{5}$"
    suggest = _query_parameters(spec, "/api/search/suggest/")
    assert set(suggest) == {"q", "lang"}
    assert suggest["lang"]["schema"]["enum"] == [code for code, _ in settings.LANGUAGES]


def test_served_document_is_the_generated_one(client, db, spec):
    response = client.get("/api/openapi.json", HTTP_ORIGIN="https://example.org")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(JSON)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert json.loads(response.content) == spec


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/search/?q=Deutschkurs&lang=ar", 200),
        ("/api/search/?topic=sprache&sort=distance&near=bergheim", 200),
        ("/api/search/?page=0", 400),
        ("/api/search/?lang=zz", 400),
        ("/api/search/suggest/?q=Integ&lang=de", 200),
    ],
)
def test_responses_match_the_documented_schemas(client, indexed, spec, url, status):
    response = client.get(url, HTTP_ORIGIN="https://example.org")
    assert response.status_code == status
    assert response["Content-Type"].startswith(JSON)
    path = url.split("?")[0]
    documented = _response(spec, path, status)
    assert JSON in documented["content"]
    for header in documented.get("headers", {}):
        assert response.has_header(header), header
    assert response["Access-Control-Allow-Origin"] == "*"

    body = response.json()
    validator = _validator(spec, path, status)
    _assert_valid(validator, body)
    assert not validator.is_valid({})  # the schema is resolved, not vacuous

    # The bodies exercise the nested schemas, not just empty lists.
    if path == "/api/search/" and status == 200:
        assert body["results"] and not body["degraded"] and body["facets"]["topic"]
        if "sort=distance" in url:
            # the nearest has a distance (offers without a place have none)
            assert "distance_m" in body["results"][0]
    if path == "/api/search/suggest/":
        assert body["suggestions"]


def test_degraded_response_matches_the_documented_schema(
    client, region, settings, spec
):
    settings.SEARCH_URL = ""  # no engine: the database answers
    response = client.get("/api/search/", {"q": "Deutschkurs", "lang": "ar"})
    assert response.status_code == 200
    body = response.json()
    assert body["degraded"] is True and body["results"] and body["facets"] == {}
    _assert_valid(_validator(spec, "/api/search/", 200), body)


def test_suggest_rejects_an_unknown_language_as_documented(client, db, spec):
    response = client.get("/api/search/suggest/", {"q": "x", "lang": "zz"})
    assert response.status_code == 400
    assert "lang" in response.json()["errors"]
    _assert_valid(_validator(spec, "/api/search/suggest/", 400), response.json())


def test_finder_answers_match_the_documented_schemas(client, agency, spec):
    from directory.models import Responsibility
    from tests.factories import ContactPointPageFactory, TopicFactory

    topic = TopicFactory(slug="aufenthalt")
    point = ContactPointPageFactory(parent=agency, postcode="86720")
    Responsibility.objects.create(
        topic=topic, agency=agency, contact_point=point, title_de="Aufenthalt"
    )

    answer = client.get("/api/finder/", {"topic": "aufenthalt", "lang": "ar"})
    refused = client.get("/api/finder/", {"topic": "gibt-es-nicht"})

    assert answer.status_code == 200 and answer.json()["matched"] is True
    _assert_valid(_validator(spec, "/api/finder/", 200), answer.json())
    assert refused.status_code == 400
    _assert_valid(_validator(spec, "/api/finder/", 400), refused.json())

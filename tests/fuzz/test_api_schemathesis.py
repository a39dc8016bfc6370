"""Schemathesis over every operation of the generated OpenAPI document (search,
suggest, HSDS, finder), in-process through Django's WSGI handler over the demo
region: whatever the generated request, no 5xx, and the answer is what the document
promises (a documented status code and content type, the schema of the body, the
headers).

Each operation gets inputs that fit the document (positive) and inputs that break it
(negative), drawn reproducibly (``derandomize``), with the search engine off (the
database answers) and, for search and suggest, once more against the local engine.
The default budget (about 1,000 requests here, 2,300 in the folder) keeps
``tests/fuzz`` within about three minutes on two cores; a bigger run::

    FUZZ_EXAMPLES=1000 .venv/bin/python -m pytest tests/fuzz -q   # 10 × the inputs
    FUZZ_RANDOM=1 .venv/bin/python -m pytest tests/fuzz -q        # new inputs each run

The requests per endpoint and the slowest answer are printed after the run. A
failure prints the request (``case.as_curl_command()``) and the server's traceback.
"""

import sys
import time
import traceback

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.openapi import document
from tests.fuzz.conftest import budget
from tests.fuzz.tally import sent

SPEC = document()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Inputs per operation and mode (search, suggest, finder and the HSDS operations).
EXAMPLES = {GenerationMode.POSITIVE: 40, GenerationMode.NEGATIVE: 20}


def _schema():
    schema = schemathesis.openapi.from_dict(SPEC)
    schema.app = WSGIHandler()
    return schema


SCHEMA = _schema()
OPERATIONS = [
    result.ok() for result in SCHEMA.get_all_operations() if result.ok() is not None
]
# Negative inputs need a parameter to break.
RUNS = [
    (operation, mode)
    for operation in OPERATIONS
    for mode in EXAMPLES
    if mode is GenerationMode.POSITIVE or list(operation.iter_parameters())
]


class _Crashes:
    """Tracebacks of exceptions the handler turned into a 500, for the report."""

    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, sender, request=None, **kwargs):
        self.seen.append("".join(traceback.format_exception(*sys.exc_info())))


@pytest.fixture
def app_requests(db):
    """Requests through the real WSGI handler inside the test's transaction: as in
    Django's test client, a request must not close the connection it shares with
    the test. Yields the tracebacks of crashed requests.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    crashes = _Crashes()
    got_request_exception.connect(crashes)
    yield crashes
    got_request_exception.disconnect(crashes)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _real_ids(path: str) -> list[str]:
    """Ids that exist, so the "one record" operations are also tried on a hit."""
    from directory.models import AgencyPage, ContactPointPage, OfferPage, Topic

    kinds = {
        "/api/hsds/services/{id}": OfferPage.objects.live(),
        "/api/hsds/organizations/{id}": AgencyPage.objects.live(),
        "/api/hsds/service_at_locations/{id}": ContactPointPage.objects.live(),
        "/api/hsds/taxonomy_terms/{id}": Topic.objects.all(),
    }
    rows = kinds.get(path)
    if rows is None:
        return []
    return [str(value) for value in rows.values_list("hsds_id", flat=True)[:20]]


def _run(operation, mode: GenerationMode, crashes: _Crashes, *, examples: int) -> None:
    real_ids = _real_ids(operation.path)

    @budget(examples)
    @given(
        case=operation.as_strategy(generation_mode=mode),
        real=st.sampled_from(real_ids) if real_ids else st.none(),
        use_real=st.booleans(),
    )
    def check(case, real, use_real):
        if real is not None and use_real:
            case.path_parameters = {**(case.path_parameters or {}), "id": real}
        crashes.seen.clear()
        started = time.monotonic()
        response = case.call()
        label = operation.label + (" (engine)" if django_settings.SEARCH_URL else "")
        sent(label, time.monotonic() - started)
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception:
            if crashes.seen:
                print(crashes.seen[-1])  # noqa: T201  (the server side of a 500)
            print(case.as_curl_command())  # noqa: T201
            raise

    check()


@pytest.mark.parametrize(
    ("operation", "mode"), RUNS, ids=[f"{op.label}-{mode}" for op, mode in RUNS]
)
def test_no_server_error_and_answers_as_documented_engine_off(
    seeded, app_requests, settings, operation, mode
):
    settings.SEARCH_URL = ""  # the database answers searches
    _run(operation, mode, app_requests, examples=EXAMPLES[mode])


ENGINE_RUNS = [
    (operation, mode)
    for operation, mode in RUNS
    if operation.path in ("/api/search/", "/api/search/suggest/")
]


@pytest.fixture
def engine_indexed(seeded, search_settings):
    """The local search engine with the demo region indexed."""
    from search.indexing import rebuild

    rebuild()


@pytest.mark.parametrize(
    ("operation", "mode"),
    ENGINE_RUNS,
    ids=[f"{op.label}-{mode}" for op, mode in ENGINE_RUNS],
)
def test_search_answers_as_documented_engine_on(
    engine_indexed, app_requests, operation, mode
):
    _run(operation, mode, app_requests, examples=EXAMPLES[mode])

"""Security headers (issue 9): a strict Content-Security-Policy on every public answer
(pages, API, 404, 500) and public HTML that needs no inline script or style, a looser
policy in the admin, Permissions-Policy, and HSTS on by default in production."""

import json
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from directory.services import coordinators_group_ensure
from tests.directory.test_pages import district, offer, topic  # noqa: F401 (fixtures)
from tests.processes import ROOT, process_env

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug in a view")


# The site's URLs plus one that fails, for the 500 page (see test_the_500_page_…).
urlpatterns = [path("boom/", _boom), *site_urlpatterns]


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_public_headers(response) -> None:
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert_common_headers(response)


def assert_common_headers(response) -> None:
    permissions = response["Permissions-Policy"]
    assert "geolocation=(self)" in permissions
    assert "camera=()" in permissions
    assert "microphone=()" in permissions
    assert "browsing-topics=()" in permissions
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


JAVASCRIPT_TYPES = {None, "", "text/javascript", "module"}


class InlineCode(HTMLParser):
    """Collects what a no-inline policy blocks: script and style elements with a
    body, style attributes, event-handler attributes and javascript: links."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        # Data blocks (type="application/json" …) are not run, so CSP allows them.
        runs = attributes.get("type") in JAVASCRIPT_TYPES
        if tag == "style" or (tag == "script" and "src" not in attributes and runs):
            self._open = tag
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "href" and (value or "").strip().startswith("javascript:"):
                self.found.append(f"<{tag} href={value!r}>")

    def handle_data(self, data):
        if self._open and data.strip():
            self.found.append(f"<{self._open}>{data.strip()[:60]}")

    def handle_endtag(self, tag):
        self._open = None


def inline_code(response) -> list[str]:
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def coordinator(home):
    user = get_user_model().objects.create_user("koordination", password="x")
    user.groups.add(coordinators_group_ensure(home=home))
    return user


def test_public_pages_have_the_strict_policy_and_no_inline_code(
    client,
    offer,  # noqa: F811
    topic,  # noqa: F811
):
    urls = [
        "/de/",
        "/ar/",
        "/de/topics/",
        offer.url,
        offer.agency.url,
        "/de/search/?q=Deutschkurs&free=true",
        "/ar/search/?q=دورة",
        "/de/who-is-responsible/",
        f"/de/who-is-responsible/?topic={topic.slug}",
        "/de/newsletter/",
        "/ar/newsletter/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_public_headers(response)
        assert inline_code(response) == [], url


def test_api_answers_have_the_headers(client, offer):  # noqa: F811
    for url in ["/api/hsds/services", "/api/search/suggest/?q=Deu&lang=de"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/json")
        assert_public_headers(response)


def test_a_404_has_the_headers_and_no_inline_code(client, home):
    response = client.get("/de/gibt-es-nicht/")
    assert response.status_code == 404
    assert_public_headers(response)
    assert inline_code(response) == []


@pytest.mark.urls(__name__)
def test_the_500_page_has_the_headers_and_no_inline_code(home):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.content.decode()
    assert_public_headers(response)
    assert inline_code(response) == []
    stylesheet = settings.STATIC_URL + "css/error.css"
    assert f'href="{stylesheet}"' in response.content.decode()
    assert client.get(stylesheet).status_code == 200


def test_the_admin_has_its_looser_policy(client, coordinator, offer):  # noqa: F811
    client.force_login(coordinator)
    for url in ["/admin/", f"/admin/pages/{offer.pk}/edit/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response["Content-Security-Policy"])
        # Wagtail writes inline scripts and styles and shows chosen images as blobs.
        assert "'unsafe-inline'" in policy["script-src"]
        assert "'unsafe-inline'" in policy["style-src"]
        assert {"data:", "blob:"} <= set(policy["img-src"])
        # Previews are admin pages framed by the admin, never by another site.
        assert policy["frame-ancestors"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert_common_headers(response)


def test_the_admin_login_page_is_under_the_admin_policy(client):
    response = client.get("/admin/login/")
    assert "'unsafe-inline'" in response["Content-Security-Policy"]


def test_reports_and_report_only_mode_by_setting(client, home, settings):
    settings.OPERATIONS_CSP_REPORT_URI = "https://reports.example.org/csp"
    settings.OPERATIONS_CSP_REPORT_ONLY = True
    response = client.get("/de/")
    assert "Content-Security-Policy" not in response
    policy = directives(response["Content-Security-Policy-Report-Only"])
    assert policy["report-uri"] == ["https://reports.example.org/csp"]
    assert policy["report-to"] == ["csp"]
    assert policy["script-src"] == ["'self'"]
    assert response["Reporting-Endpoints"] == 'csp="https://reports.example.org/csp"'


def test_an_empty_setting_switches_a_header_off(client, home, settings):
    settings.OPERATIONS_CSP_PUBLIC = ""
    settings.OPERATIONS_PERMISSIONS_POLICY = ""
    response = client.get("/de/")
    assert "Content-Security-Policy" not in response
    assert "Permissions-Policy" not in response


def test_a_policy_a_view_sets_itself_is_kept(client, home, settings):
    # Wagtail's image serving sends "default-src 'none'" for SVGs; it stays.
    from django.http import HttpResponse

    from operations.headers import SecurityHeadersMiddleware

    def view(request):
        response = HttpResponse("<svg/>", content_type="image/svg+xml")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    request = client.get("/de/").wsgi_request
    response = SecurityHeadersMiddleware(view)(request)
    assert response["Content-Security-Policy"] == "default-src 'none'"


def _production_settings(tmp_path, **overrides: str) -> dict:
    """Settings as a production process (DJANGO_DEBUG=0) reads them."""
    env = process_env(tmp_path, DJANGO_DEBUG="0", **overrides)
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ['SECURE_HSTS_SECONDS', "
        "'OPERATIONS_CSP_PUBLIC', 'OPERATIONS_CSP_ADMIN', "
        "'OPERATIONS_PERMISSIONS_POLICY']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_hsts_is_on_in_production_and_a_setting_turns_it_off(
    tmp_path, client, home, settings
):
    production = _production_settings(tmp_path)
    assert production["SECURE_HSTS_SECONDS"] == 31536000
    settings.DEBUG = False
    settings.SECURE_HSTS_SECONDS = production["SECURE_HSTS_SECONDS"]
    response = client.get("/de/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert_public_headers(response)

    opted_out = _production_settings(tmp_path, SECURE_HSTS_SECONDS="0")
    assert opted_out["SECURE_HSTS_SECONDS"] == 0
    settings.SECURE_HSTS_SECONDS = opted_out["SECURE_HSTS_SECONDS"]
    # A new client: Django's SecurityMiddleware reads its settings when built.
    assert "Strict-Transport-Security" not in Client().get("/de/", secure=True)


def test_policies_come_from_the_environment(tmp_path):
    production = _production_settings(
        tmp_path,
        OPERATIONS_CSP_PUBLIC="default-src 'self' https://tiles.example.org",
        OPERATIONS_CSP_ADMIN="default-src *",
        OPERATIONS_PERMISSIONS_POLICY="geolocation=()",
    )
    assert production["OPERATIONS_CSP_PUBLIC"] == (
        "default-src 'self' https://tiles.example.org"
    )
    assert production["OPERATIONS_CSP_ADMIN"] == "default-src *"
    assert production["OPERATIONS_PERMISSIONS_POLICY"] == "geolocation=()"

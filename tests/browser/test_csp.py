"""The security headers in Chromium (issue 9): under the strict public policy and the
admin's looser one, no page breaks a rule (no `securitypolicyviolation` event, no CSP
or Permissions-Policy complaint on the console) and the JavaScript still works:
autocomplete, instant filters, "Use my location", the admin's editor and preview."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from directory.services import agency_editors_group_ensure
from search.indexing import rebuild
from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "csp-test-passwort-1"
AUENSTADT = {"latitude": 48.7, "longitude": 10.9}

# Runs in every frame before the page's own scripts (injected by the browser, so
# the policy under test does not apply to it).
LISTEN = """
document.addEventListener('securitypolicyviolation', e => window.cspViolation({
  page: location.href, directive: e.violatedDirective, blocked: e.blockedURI,
  source: e.sourceFile, line: e.lineNumber, sample: e.sample,
}));
"""


class Complaints:
    """What the browser reported about the policies while a page was open."""

    def __init__(self, page):
        self.violations: list[dict] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        page.expose_function(
            "cspViolation", lambda found: self.violations.append(found)
        )
        page.add_init_script(LISTEN)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message):
        if re.search(r"Content.Security.Policy|Permissions.Policy", message.text):
            self.console.append(f"{message.type}: {message.text}")

    def all(self) -> list:
        return [*self.violations, *self.console, *self.errors]


@pytest.fixture
def watched_phone(browser):
    """A phone whose location is Auenstadt (granted), and the complaints it hears."""
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        geolocation=AUENSTADT,
        permissions=["geolocation"],
    )
    page = context.new_page()
    blocked: list[str] = []
    page.route(
        lambda url: not url.startswith("http://localhost:"),
        lambda route: (blocked.append(route.request.url), route.abort()),
    )
    complaints = Complaints(page)
    yield page, complaints
    context.close()
    assert blocked == []


@pytest.fixture
def live_search(live_site, search_settings):
    rebuild()
    return live_site


@pytest.mark.parametrize("language", ["de", "ar"])
def test_public_pages_break_no_rule_and_their_scripts_work(
    live_server, live_search, watched_phone, language
):
    page, complaints = watched_phone
    base = live_server.url
    with translation.override(language):
        thanks_url = reverse("newsletter-thanks")
        offer_url = live_search["offer"].url
        agency_url = live_search["agency"].url

    for url in [
        f"/{language}/",
        f"/{language}/topics/",
        f"/{language}/topics/{live_search['topic'].slug}/",
        offer_url,
        agency_url,
        f"/{language}/who-is-responsible/",
        f"/{language}/gibt-es-nicht/",
    ]:
        page.goto(base + url)
        assert complaints.all() == [], url
    assert page.locator("link[rel=stylesheet]").count() >= 1
    # The stylesheet applied: the skip link is moved out of sight.
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.skip')).position"
    ) in {"absolute", "fixed"}

    # The finder's first question leads to the next one.
    page.goto(f"{base}/{language}/who-is-responsible/")
    page.locator("main form button[type=submit], main form a").first.click()
    page.wait_for_load_state()
    assert complaints.all() == []

    # Search: autocomplete from /api/search/suggest/.
    query = "Deutsch" if language == "de" else "دورة لغ"
    page.goto(f"{base}/{language}/search/?q={query}")
    page.locator("#q").fill(query)
    suggestion = page.locator("#suggestions a").first
    suggestion.wait_for(timeout=5000)
    assert suggestion.inner_text()
    page.locator("#q").press("Escape")
    assert page.locator("#suggestions").is_hidden()
    # Instant filters: results reload in place and the address follows.
    if page.locator("details.filters[open]").count() == 0:
        page.locator("details.filters summary").click()
    page.locator('input[name="free"]').check()
    page.wait_for_url("**free=true**", timeout=5000)
    # "Use my location" (Permissions-Policy allows geolocation here).
    locate = page.locator("[data-locate]")
    assert locate.is_visible()
    locate.click()
    page.wait_for_url(re.compile(r"lat=48\.7"), timeout=5000)
    assert "sort=distance" in page.url
    screenshot(page, f"csp-search-{language}-phone")
    assert complaints.all() == []

    # Newsletter sign-up: the form posts and the thanks page shows.
    page.goto(f"{base}/{language}/newsletter/")
    page.locator("main input[type=email]").fill(f"csp-{language}@example.org")
    page.locator("main input[name=consent]").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{thanks_url}", timeout=5000)
    assert complaints.all() == []


def test_the_admin_editor_and_preview_break_no_rule(live_server, live_site, browser):
    agency = live_site["agency"]
    editor = get_user_model().objects.create_user(
        "redaktion-caritas", password=PASSWORD
    )
    editor.groups.add(agency_editors_group_ensure(agency=agency))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    complaints = Complaints(page)
    base = live_server.url
    try:
        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", "redaktion-caritas")
        page.fill("#id_password", PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/admin/$"))
        assert complaints.all() == []

        page.goto(f"{base}/admin/pages/{live_site['offer'].pk}/edit/")
        assert page.locator("input[name=title_de], input[name=title]").count() >= 1
        # The preview panel renders the public template inside the admin.
        page.locator('[data-side-panel-toggle="preview"]').click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('iframe')].some("
            "f => f.contentDocument && f.contentDocument.querySelector('main h1'))",
            timeout=10000,
        )
        headings = page.evaluate(
            "() => [...document.querySelectorAll('iframe')].map("
            "f => f.contentDocument && f.contentDocument.querySelector('main h1'))"
            ".filter(Boolean).map(h => h.textContent)"
        )
        assert any("Deutschkurs" in heading for heading in headings), headings
        screenshot(page, "csp-admin-edit-preview")
        assert complaints.all() == []
        # Leaving the editor sends a beacon that releases the editing session: let
        # the server answer it while the test may still use the database (a request
        # after the test ends fails inside the live server and crashed an xdist worker).
        page.goto(f"{base}/admin/")
        page.wait_for_load_state("networkidle")
    finally:
        context.close()

"""The browsable API reference (/api/docs/) in headless Chromium: Swagger UI from our
own static files, under the site's strict Content-Security-Policy, lists the
operations and tries one out.
"""

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_csp import Complaints

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(browser, transactional_db, settings):
    settings.SEARCH_URL = ""  # the database answers "Try it out"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    elsewhere: list[str] = []
    page.route(
        lambda url: not url.startswith("http://localhost:"),
        lambda route: (elsewhere.append(route.request.url), route.abort()),
    )
    yield page, Complaints(page), elsewhere
    context.close()


def test_reference_lists_the_operations_without_breaking_the_policy(live_server, desk):
    page, complaints, elsewhere = desk
    response = page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]

    operations = page.locator(".opblock-summary-path")
    operations.first.wait_for(timeout=15000)
    paths = set(operations.all_inner_texts())
    assert {"/api/search/", "/api/search/suggest/", "/api/finder/"} <= {
        path.replace("\u200b", "") for path in paths
    }
    assert page.locator(".info .title").inner_text().startswith("Wegweiser API")

    # Try the suggest operation: the request goes to our API and the answer shows.
    suggest = page.locator("#operations-search-suggestOfferTitles")
    suggest.locator(".opblock-summary").click()
    suggest.locator(".try-out__btn").click()
    suggest.locator(".execute").click()
    status = suggest.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=10000)
    assert "200" in status.inner_text()
    screenshot(page, "api-docs")
    assert complaints.all() == []
    assert elsewhere == []

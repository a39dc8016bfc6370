"""The search page in Chromium: works without JavaScript, and with it offers
autocomplete and instant filters; German and Arabic at phone width."""

import pytest

from search.indexing import rebuild
from tests.browser.conftest import fits_viewport, follow, run_axe, screenshot
from tests.browser.test_public_pages import CONTRAST_JS, serious

pytestmark = pytest.mark.browser


@pytest.fixture
def live_search(live_site, search_settings):
    rebuild()
    return live_site


def test_search_without_javascript_filters_by_facet_links(
    live_server, live_search, no_js_phone
):
    page = no_js_phone
    page.goto(live_server.url + "/de/search/?q=Deutschkurs")
    assert (
        "Deutschkurs für Frauen mit Kinderbetreuung"
        in page.locator("[data-results]").inner_text()
    )
    page.locator("details.filters summary").click()
    page.locator('input[name="free"]').check()
    follow(page, page.locator(".filters button[type=submit]"))
    assert "free=true" in page.url
    assert "Deutschkurs für Frauen" in page.locator("[data-results]").inner_text()


@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        ("de", "Deutsch", "Deutschkurs für Frauen mit Kinderbetreuung"),
        ("ar", "دورة لغ", "دورة لغة ألمانية للنساء مع رعاية الأطفال"),
    ],
)
def test_autocomplete_suggests_offers(
    live_server, live_search, phone, language, query, expected
):
    phone.goto(live_server.url + f"/{language}/search/")
    phone.locator("#q").fill(query)
    suggestion = phone.locator("#suggestions a").first
    suggestion.wait_for(timeout=5000)
    assert suggestion.inner_text() == expected
    follow(phone, suggestion)
    assert phone.locator("h1").inner_text() == expected


@pytest.mark.parametrize("language", ["de", "ar"])
def test_instant_filters_update_results_and_url(
    live_server, live_search, phone, language
):
    phone.goto(live_server.url + f"/{language}/search/?topic=sprache")
    before = phone.locator("[data-results] .card").count()
    if phone.locator("details.filters[open]").count() == 0:
        phone.locator("details.filters summary").click()
    phone.locator('input[name="free"]').check()
    phone.wait_for_url("**free=true**", timeout=5000)
    phone.wait_for_function(
        "n => document.querySelectorAll('[data-results] .card').length < n",
        arg=before,
        timeout=5000,
    )
    screenshot(phone, f"search-{language}-phone")
    assert fits_viewport(phone)
    assert serious(run_axe(phone)) == []
    assert phone.evaluate(CONTRAST_JS) == []
    assert phone.blocked_requests == []


@pytest.mark.parametrize(
    ("language", "query"),
    [("fa", "کلاس زبان آلمانی"), ("ru", "курсы немецкого языка для женщин")],
)
def test_a_question_in_another_language_finds_the_german_offer(
    live_server, live_search, phone, language, query
):
    """Neither offer has a Farsi or Russian text: found by meaning, marked German."""
    phone.goto(live_server.url + f"/{language}/search/?q={query}")
    cards = phone.locator("[data-results] .card")
    titles = [cards.nth(i).locator("h2").inner_text() for i in range(cards.count())]
    assert "Deutschkurs für Frauen mit Kinderbetreuung" in titles[:2]
    first = cards.first
    assert first.locator("h2 a").get_attribute("lang") == "de"
    assert first.locator(".written-in").inner_text().strip()
    assert phone.locator(".meaning-only").count() == 1  # no offer has these words
    screenshot(phone, f"search-{language}-by-meaning-phone")
    assert fits_viewport(phone)
    assert serious(run_axe(phone)) == []
    assert phone.evaluate(CONTRAST_JS) == []
    assert phone.blocked_requests == []

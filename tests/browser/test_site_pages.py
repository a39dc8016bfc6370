"""The accessibility statement and the easy-language page on small phones, in German
and Pashto; the feedback form sent from the browser."""

import pytest

from demo.site_pages import site_pages_seed
from directory.models import AccessibilityFeedback
from tests.browser.conftest import fits_viewport, follow, run_axe, screenshot
from tests.browser.test_public_pages import CONTRAST_JS

pytestmark = pytest.mark.browser

PAGES = {"statement": "barrierefreiheit", "easy": "leichte-sprache"}


@pytest.fixture
def site(transactional_db, live_server):
    from tests.conftest import make_home

    home = make_home(port=int(live_server.url.rsplit(":", 1)[1]))
    site_pages_seed(home=home)
    return home


@pytest.fixture(params=[360, 320], ids=["360px", "320px"])
def small_phone(request, browser):
    context = browser.new_context(
        viewport={"width": request.param, "height": 720},
        device_scale_factor=2,
        is_mobile=True,
    )
    page = context.new_page()
    blocked = []

    def refuse_third_parties(route):
        blocked.append(route.request.url)
        route.abort()

    page.route(
        lambda url: not url.startswith("http://localhost:"), refuse_third_parties
    )
    page.blocked_requests = blocked
    yield page
    context.close()


@pytest.mark.parametrize(("language", "direction"), [("de", "ltr"), ("ps", "rtl")])
@pytest.mark.parametrize("name", list(PAGES))
def test_site_pages_fit_small_phones_and_pass_axe(
    live_server, site, small_phone, name, language, direction
):
    page = small_phone
    page.goto(f"{live_server.url}/{language}/{PAGES[name]}/")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (
        language,
        direction,
    )
    width = page.viewport_size["width"]
    screenshot(page, f"site-{name}-{language}-{width}px")
    assert fits_viewport(page)
    assert run_axe(page) == []
    assert page.evaluate(CONTRAST_JS) == []
    assert page.blocked_requests == []
    # The footer links every site page in the page's language.
    footer = page.locator("footer nav.site-pages a")
    assert footer.count() == 4
    assert all(
        href.startswith(f"/{language}/")
        for href in footer.evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    )
    if name == "easy":
        pictograms = page.locator("img.pictogram")
        assert pictograms.count() >= 7
        # Every pictogram loaded (a broken image has no natural width).
        assert pictograms.evaluate_all(
            "imgs => imgs.every(i => i.complete && i.naturalWidth > 0 && i.alt)"
        )


@pytest.mark.parametrize("language", ["de", "ps"])
def test_feedback_sent_from_the_browser_shows_the_thanks(
    live_server, site, browser, language
):
    context = browser.new_context(viewport={"width": 360, "height": 720})
    page = context.new_page()
    page.goto(f"{live_server.url}/{language}/leichte-sprache/")
    # From the footer of any page to the statement, which knows where we came from.
    follow(page, page.locator('footer a[data-kind="accessibility"]'))
    page.fill(
        "#feedback-message", "Die Bilder auf der Seite Leichte Sprache sind klein."
    )
    page.fill("#feedback-email", "leser@example.org")
    follow(page, page.locator(".feedback-form button[type=submit]"))
    thanks = page.locator("#feedback-thanks")
    assert thanks.is_visible()
    assert page.locator(".feedback-form").count() == 0
    screenshot(page, f"site-feedback-thanks-{language}")
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.page_url == f"/{language}/leichte-sprache/"
    assert (feedback.language, feedback.email) == (language, "leser@example.org")
    assert run_axe(page) == []
    context.close()

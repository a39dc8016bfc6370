"""Printing and sharing in Chromium: an offer and a list of results on A4 paper in
German and Arabic (the PDF Chromium makes, and screenshots under print media in
test-artifacts/), and the share button using the system share sheet when the
phone has one."""

import re

import pytest
from django.utils import translation

from search.indexing import rebuild
from tests.browser.conftest import ARTIFACTS, PHONE, screenshot

pytestmark = pytest.mark.browser

A4 = {"width": 794, "height": 1123}  # CSS pixels at 96 dpi
SITE = "https://wegweiser.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    """The public address, not the (test) server's: what is printed and shared."""
    settings.SITE_URL = SITE


# Stand-ins for the phone's share sheet and print dialog, injected before the page's
# own scripts (by the browser, so the site's script policy does not apply).
SHARE_SHEET = """
window.shared = [];
window.printed = 0;
Object.defineProperty(navigator, 'share', {
  configurable: true,
  value: data => { window.shared.push(data); return Promise.resolve(); },
});
Object.defineProperty(navigator, 'canShare', {configurable: true, value: () => true});
window.print = () => { window.printed += 1; };
"""
NO_SHARE_SHEET = """
delete Navigator.prototype.share;
delete Navigator.prototype.canShare;
window.followed = [];
// After the page's own handlers: remember whether the link would be followed, and
// stay on the page.
window.addEventListener('click', e => {
  const link = e.target.closest('a');
  if (link) { window.followed.push(e.defaultPrevented ? null : link.href); }
  e.preventDefault();
});
"""


def url_in(page, language: str) -> str:
    with translation.override(language):
        return page.url


def pdf_pages(pdf: bytes) -> int:
    assert pdf.startswith(b"%PDF-")
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def printed(browser, url: str, name: str) -> tuple[object, int]:
    """Open ``url`` as for printing on A4: a screenshot under print media and the
    number of pages of Chromium's PDF. Returns the page (still open) and the count.
    """
    context = browser.new_context(viewport=A4)
    page = context.new_page()
    page.goto(url)
    page.emulate_media(media="print")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"print-{name}.png"), full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (ARTIFACTS / f"print-{name}.pdf").write_bytes(pdf)
    return page, pdf_pages(pdf)


def hidden_on_paper(page) -> dict[str, bool]:
    return {
        selector: not page.locator(selector).first.is_visible()
        for selector in (
            ".language-menu",
            ".site-header form",
            ".site-footer",
            ".page-actions",
        )
        if page.locator(selector).count()
    }


@pytest.mark.parametrize(("language", "direction"), [("de", "ltr"), ("ar", "rtl")])
def test_offer_prints_on_one_a4_page_with_address_hours_and_qr_code(
    live_server, live_site, browser, language, direction
):
    url = live_server.url + url_in(live_site["offer"], language)
    page, pages = printed(browser, url, f"offer-{language}")
    assert pages == 1
    assert all(hidden_on_paper(page).values()), hidden_on_paper(page)
    text = page.locator("main").inner_text()
    assert "Marktplatz 1" in text  # address
    assert "09:00–12:00" in text  # hours
    reference = page.locator(".print-ref")
    assert reference.is_visible()
    # the public address, not the server's the page came from
    assert SITE + url_in(live_site["offer"], language) in reference.inner_text()
    assert live_server.url not in reference.inner_text()
    qr = page.locator(".print-ref svg.qr").bounding_box()
    assert qr["width"] > 80  # about 26 mm: big enough to scan from paper
    # the QR code sits at the end of the line: right in German, left in Arabic
    heading = page.locator("h1").bounding_box()
    if direction == "ltr":
        assert qr["x"] > heading["x"] + heading["width"] / 2
    else:
        assert qr["x"] + qr["width"] < heading["x"] + heading["width"] / 2
    # black on white
    colour = page.evaluate("getComputedStyle(document.querySelector('h1')).color")
    assert colour == "rgb(0, 0, 0)"
    page.context.close()


@pytest.fixture
def live_search(live_site, search_settings):
    rebuild()
    return live_site


@pytest.mark.parametrize("language", ["de", "ar"])
def test_search_results_print_as_a_compact_list_on_one_page(
    live_server, live_search, browser, language
):
    url = live_server.url + f"/{language}/search/?topic=sprache"
    page, pages = printed(browser, url, f"search-{language}")
    assert page.locator("[data-results] .card").count() == 2
    assert pages == 1
    assert all(hidden_on_paper(page).values()), hidden_on_paper(page)
    assert not page.locator(".search-form").is_visible()
    assert page.locator(".print-ref svg.qr").is_visible()
    reference = page.locator(".print-ref .print-url").inner_text()
    assert reference == f"{SITE}/{language}/search/?topic=sprache"
    # on paper each result says where and when (on the screen the page does)
    places = page.locator(".print-places")
    assert places.count() == 1  # the evening course has no place yet
    assert "Marktplatz 1, 86150 Auenstadt" in places.inner_text()
    assert "09:00–12:00" in places.inner_text()
    page.emulate_media(media="screen")
    assert not places.is_visible()
    page.context.close()


@pytest.mark.parametrize("language", ["de", "ar"])
def test_topic_list_prints_on_one_page(live_server, live_site, browser, language):
    page, pages = printed(
        browser, live_server.url + f"/{language}/topics/sprache/", f"topic-{language}"
    )
    assert pages == 1
    assert page.locator(".card").count() == 2
    assert "Marktplatz 1" in page.locator(".card .print-places").inner_text()
    page.context.close()


def test_share_opens_the_system_share_sheet_and_print_the_dialog(
    live_server, live_site, phone
):
    phone.add_init_script(SHARE_SHEET)
    url = live_server.url + url_in(live_site["offer"], "de")
    phone.goto(url)
    phone.locator("[data-share]").click()
    phone.wait_for_function("window.shared.length === 1")
    assert phone.evaluate("window.shared") == [
        {
            "title": "Deutschkurs für Frauen mit Kinderbetreuung",
            "url": SITE + url_in(live_site["offer"], "de"),
        }
    ]
    assert phone.url == url
    phone.locator(".page-actions [data-print]").click()
    assert phone.evaluate("window.printed") == 1


def test_share_without_a_share_sheet_falls_back_to_an_email(
    live_server, live_site, phone
):
    phone.add_init_script(NO_SHARE_SHEET)
    phone.goto(live_server.url + url_in(live_site["offer"], "de"))
    phone.locator("[data-share]").click()
    (followed,) = phone.evaluate("window.followed")
    assert followed.startswith("mailto:?subject=Deutschkurs")
    assert "body=http" in followed


def test_without_javascript_the_print_button_is_not_offered(
    live_server, live_site, no_js_phone
):
    no_js_phone.set_viewport_size(PHONE)
    no_js_phone.goto(live_server.url + url_in(live_site["offer"], "de"))
    assert not no_js_phone.locator("[data-print]").is_visible()
    share = no_js_phone.locator("[data-share]")
    assert share.is_visible()
    assert share.get_attribute("href").startswith("mailto:")
    box = share.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44


@pytest.mark.parametrize("language", ["de", "ar"])
def test_page_actions_are_big_enough_to_tap(live_server, live_site, phone, language):
    phone.goto(live_server.url + url_in(live_site["point"], language))
    actions = phone.locator(".page-actions .action")
    # share, print, calendar (weekday hours), route (coordinates)
    assert actions.count() == 4
    for index in range(4):
        box = actions.nth(index).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, index
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert actions.nth(3).get_attribute("href").startswith("geo:48.65")
    screenshot(phone, f"page-actions-{language}-phone")
    assert phone.blocked_requests == []

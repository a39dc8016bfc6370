"""The public site in headless Chromium at phone width, in German and Arabic."""

import pytest

from tests.browser.conftest import fits_viewport, follow, run_axe, screenshot

pytestmark = pytest.mark.browser

# Relative luminance contrast of every visible text element; axe skips Arabic script.
CONTRAST_JS = """
() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let n = el; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || !el || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const fg = lum(parse(style.color).slice(0, 3)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 ||
      (parseFloat(style.fontSize) >= 18.66 && style.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      worst.push({text: text.slice(0, 40), ratio: ratio.toFixed(2)});
    }
  }
  return worst;
}
"""


def serious(violations):
    return [v for v in violations if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(("language", "direction"), [("de", "ltr"), ("ar", "rtl")])
def test_offer_page_at_phone_width(live_server, live_site, phone, language, direction):
    from django.utils import translation

    with translation.override(language):
        url = live_site["offer"].url
    phone.goto(live_server.url + url)
    screenshot(phone, f"offer-{language}-phone")

    html = phone.locator("html")
    assert html.get_attribute("lang") == language
    assert html.get_attribute("dir") == direction
    heading = phone.locator("h1").inner_text()
    assert heading == (
        "Deutschkurs für Frauen mit Kinderbetreuung"
        if language == "de"
        else "دورة لغة ألمانية للنساء مع رعاية الأطفال"
    )
    # Nothing sticks out sideways on a small phone.
    assert fits_viewport(phone)
    assert phone.blocked_requests == []
    assert serious(run_axe(phone)) == []
    assert phone.evaluate(CONTRAST_JS) == []


def test_arabic_page_marks_german_fallback_and_lays_out_right_to_left(
    live_server, live_site, phone
):
    from django.utils import translation

    with translation.override("ar"):
        url = live_site["offer"].url
    phone.goto(live_server.url + url)
    fallback = phone.locator('p[lang="de"].fallback')
    assert fallback.inner_text() == "Komm montags um 9 Uhr vorbei."
    assert fallback.evaluate("el => getComputedStyle(el).direction") == "ltr"
    # In rtl the heading starts at the right edge.
    box = phone.locator("h1").bounding_box()
    assert box["x"] + box["width"] > phone.viewport_size["width"] - 40


def test_language_switcher_keeps_the_page(live_server, live_site, phone):
    from django.utils import translation

    with translation.override("de"):
        url = live_site["offer"].url
    phone.goto(live_server.url + url)
    phone.locator(".language-menu summary").click()
    follow(phone, phone.locator('.language-list a[hreflang="ar"]'))
    assert phone.locator("html").get_attribute("dir") == "rtl"
    assert (
        phone.locator("h1").inner_text() == "دورة لغة ألمانية للنساء مع رعاية الأطفال"
    )


def test_home_topics_and_search_work_without_javascript(
    live_server, live_site, no_js_phone
):
    page = no_js_phone
    page.goto(live_server.url + "/ar/")
    screenshot(page, "home-ar-phone")
    follow(page, page.locator("a.topic-tile", has_text="اللغة"))
    assert "دورة لغة ألمانية للنساء" in page.locator("main").inner_text()
    page.fill("#site-search", "كاريتاس")
    page.fill("#site-search", "دورة لغة")
    follow(page, page.locator(".search-bar button"))
    assert "/ar/search/" in page.url
    assert "دورة لغة ألمانية للنساء" in page.locator("main").inner_text()


@pytest.mark.parametrize("language", ["de", "ar"])
def test_home_and_contact_point_pass_axe(live_server, live_site, phone, language):
    from django.utils import translation

    with translation.override(language):
        urls = ["/" + language + "/", live_site["point"].url, live_site["agency"].url]
    for url in urls:
        phone.goto(live_server.url + url)
        assert serious(run_axe(phone)) == [], url
        assert phone.evaluate(CONTRAST_JS) == [], url
        assert fits_viewport(phone), url
    screenshot(phone, f"contact-point-{language}-phone")

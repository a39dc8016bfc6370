"""The "Who is responsible?" finder in Chromium at phone width: the demo region's
questions in German and Arabic, with and without JavaScript.
"""

import pytest

from tests.browser.conftest import fits_viewport, follow, run_axe, screenshot
from tests.browser.test_public_pages import CONTRAST_JS, serious

pytestmark = pytest.mark.browser

# What a person clicks and what the answer must show, per language.
WALKS = {
    "de": {
        "topic": "Aufenthalt und Recht",
        "status": "Duldung",
        "answer": [
            "Duldung verlängern",
            "Ausländerbehörde Landkreis Auental",
            "Ausländerbehörde im Landratsamt Auenstadt",
            "Schlossplatz 1",
            "biometrisches Foto",
        ],
        "no_match_topic": "Alltag und Freizeit",
        "district": "Rosenau",
        "counselling": ["Caritas-Beratung Rosenau", "Integrationsbüro im Landratsamt"],
    },
    "ar": {
        "topic": "الإقامة والقانون",
        "status": "وقف الترحيل (Duldung)",
        "answer": [
            "تمديد وثيقة التسامح (Duldung)",
            "دائرة الأجانب في مقاطعة أوينتال",
            "دائرة الأجانب في مبنى إدارة المقاطعة، أوينشتات",
            "Schlossplatz 1",
            "صورة بيومترية",
        ],
        "no_match_topic": "الحياة اليومية ووقت الفراغ",
        "district": "روزيناو",
        "counselling": [
            "استشارات الهجرة بالقرب منك",
            "نقطة الاتصال الأولى لكل الأسئلة",
        ],
    },
}


@pytest.fixture
def demo_site(transactional_db, live_server):
    """The demo region (without offers) served by the live server."""
    from wagtail.models import Collection

    from demo.seed import seed_demo
    from tests.conftest import _root_page

    # Transactional tests flush Wagtail's root page and root collection too.
    _root_page()
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    seed_demo(offers=0)


def check_page(page, name: str) -> None:
    screenshot(page, name)
    assert serious(run_axe(page)) == [], name
    assert page.evaluate(CONTRAST_JS) == [], name
    assert fits_viewport(page), name


def choose(page, text) -> None:
    page.locator("label.finder-choice", has_text=text).first.click()


def submit(page) -> None:
    follow(page, page.locator(".finder-actions button[type=submit]"))


def walk_to_answer(page, base: str, language: str, *, check: bool) -> None:
    walk = WALKS[language]
    page.goto(f"{base}/{language}/who-is-responsible/")
    assert page.locator("html").get_attribute("dir") == (
        "rtl" if language == "ar" else "ltr"
    )
    assert page.locator(".finder-progress").inner_text().strip()
    # One question per screen: only the topic question is on the first page.
    assert page.locator("input[name=status]").count() == 0
    if check:
        check_page(page, f"finder-{language}-1-topic")
    choose(page, walk["topic"])
    submit(page)

    assert page.locator("input[name=district]").count() == 0
    if check:
        check_page(page, f"finder-{language}-2-situation")
    choose(page, walk["status"])
    submit(page)

    if check:
        check_page(page, f"finder-{language}-3-place")
    page.fill("input[name=postcode]", "86733")  # Bergheim
    submit(page)


@pytest.mark.parametrize("language", ["de", "ar"])
def test_finder_answers_without_javascript(
    live_server, demo_site, no_js_phone, language
):
    page = no_js_phone
    walk_to_answer(page, live_server.url, language, check=False)
    answer = page.locator(".finder-answer")
    assert answer.count() == 1
    text = answer.inner_text()
    for expected in WALKS[language]["answer"]:
        assert expected in text
    # Opening hours, languages spoken at the desk.
    assert answer.locator(".hours-table tr").count() >= 3
    assert answer.locator('[lang="en"]').inner_text() == "English"
    screenshot(page, f"finder-{language}-answer-nojs")

    # Back to the place question, then a question with no rule: counselling instead.
    follow(page, page.locator("a.finder-back"))
    assert page.locator("input[name=postcode]").count() == 1
    page.goto(f"{live_server.url}/{language}/who-is-responsible/")
    choose(page, WALKS[language]["no_match_topic"])
    submit(page)
    page.locator('input[name=status][value=""]').check()
    submit(page)
    choose(page, WALKS[language]["district"])
    submit(page)
    assert page.locator("[data-no-match]").count() == 1
    counselling = page.locator(".finder-answer").all_inner_texts()
    assert len(counselling) == 2
    assert WALKS[language]["counselling"][0] in counselling[0]
    assert WALKS[language]["counselling"][1] in counselling[1]
    screenshot(page, f"finder-{language}-no-match-nojs")


@pytest.mark.parametrize("language", ["de", "ar"])
def test_finder_on_a_phone_passes_axe_and_stays_within_the_screen(
    live_server, demo_site, phone, language
):
    walk_to_answer(phone, live_server.url, language, check=True)
    text = phone.locator(".finder-answer").inner_text()
    for expected in WALKS[language]["answer"]:
        assert expected in text
    check_page(phone, f"finder-{language}-4-answer")
    if language == "ar":
        # Right to left: the answer card's coloured edge is on the right.
        edge = phone.locator(".finder-answer").evaluate(
            "el => getComputedStyle(el).borderRightWidth"
        )
        assert edge == "4px"
    assert phone.blocked_requests == []


def test_unknown_postcode_keeps_the_input_and_asks_for_the_place(
    live_server, demo_site, no_js_phone
):
    page = no_js_phone
    page.goto(f"{live_server.url}/de/who-is-responsible/?topic=arbeit&status=duldung")
    page.fill("input[name=postcode]", "12345")
    submit(page)
    assert page.locator("#finder-errors").inner_text().count("12345") == 1
    assert page.locator("input[name=postcode]").input_value() == "12345"
    choose(page, "Steinach")
    submit(page)
    assert "Beschäftigungserlaubnis" in page.locator(".finder-answer").inner_text()

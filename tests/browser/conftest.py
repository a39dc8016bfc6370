"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright
against the live server.
"""

import os
from datetime import time
from pathlib import Path

import pytest

from directory.models import OpeningSlot
from tests.browser.chromium import CHROMIUM, LAUNCH_ARGS
from tests.factories import (
    AgencyPageFactory,
    ContactPointPageFactory,
    LanguageFactory,
    TopicFactory,
    published_offer,
    translate,
)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium."
        )
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test
    # body stay synchronous, so Django's async guard would only get in the way here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=LAUNCH_ARGS
            )
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    blocked = []

    def refuse_third_parties(route):
        blocked.append(route.request.url)
        route.abort()

    # Any request that does not go to the live server is a bug (no third parties).
    page.route(
        lambda url: not url.startswith("http://localhost:"), refuse_third_parties
    )
    page.blocked_requests = blocked
    yield page
    context.close()


@pytest.fixture
def no_js_phone(browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    yield context.new_page()
    context.close()


def run_axe(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail("axe-core missing: run `npm ci` (make test does).")
    # Evaluated by the browser itself: a <script> tag would be inline script, which
    # the site's Content-Security-Policy blocks.
    page.evaluate(AXE.read_text())
    # Colours are measured as drawn: a fade-in still running (the admin's messages
    # slide in) is checked half transparent. Wait for the finite ones, 3 s at most.
    page.evaluate(
        "async () => { await Promise.race([new Promise(r => setTimeout(r, 3000)),"
        " Promise.all(document.getAnimations()"
        ".filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)"
        ".map(a => a.finished.catch(() => null)))]); }"
    )
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']}))"
        ".violations"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result
    ]


def follow(page, target) -> None:
    """Click what leads to another page and return once that page has loaded.

    A click does not wait for the navigation it starts, and
    `wait_for_load_state()` straight after it can still see the old page, which
    has long loaded: assertions then read the page that was left.
    """
    with page.expect_navigation():
        target.click()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def live_site(transactional_db, live_server):
    """A small region served by the live server:
    one agency, a place, an offer in de+ar.
    """
    from tests.conftest import make_home

    home = make_home(port=int(live_server.url.rsplit(":", 1)[1]))
    agency = AgencyPageFactory(parent=home, slug="caritas")
    translate(agency, "title", de="Caritasverband Auental", ar="جمعية كاريتاس آوئنتال")
    agency.save()
    topic = TopicFactory(slug="sprache")
    translate(topic, "name", de="Sprache", ar="اللغة")
    translate(
        topic,
        "description",
        de="Deutschkurse und Sprachcafés",
        ar="دورات اللغة الألمانية",
    )
    topic.save()
    point = ContactPointPageFactory(parent=agency, slug="zentrum")
    translate(
        point, "title", de="Caritas-Zentrum Auenstadt", ar="مركز كاريتاس في آوئنشتات"
    )
    translate(
        point,
        "transport_hint",
        de="Bus 3, Haltestelle Marktplatz",
        ar="الحافلة 3، محطة ساحة السوق",
    )
    point.save()
    for weekday in range(5):
        OpeningSlot.objects.create(
            page=point, weekday=weekday, opens=time(9), closes=time(12)
        )
    offer = published_offer(
        agency,
        slug="deutschkurs-frauen",
        texts={
            "title": {
                "de": "Deutschkurs für Frauen mit Kinderbetreuung",
                "ar": "دورة لغة ألمانية للنساء مع رعاية الأطفال",
            },
            "summary": {
                "de": "Vormittags, mit Kinderbetreuung im Nebenraum.",
                "ar": "في الصباح، مع رعاية الأطفال في الغرفة المجاورة.",
            },
            "how_to_apply": {"de": "Komm montags um 9 Uhr vorbei."},
        },
        topics=[topic],
        contact_points=[point],
        languages=[LanguageFactory(code="ar")],
    )
    published_offer(
        agency,
        slug="abendkurs",
        texts={
            "title": {"de": "Integrationskurs am Abend", "ar": "دورة اندماج مسائية"},
            "fee_description": {"de": "2,29 € pro Stunde"},
        },
        topics=[topic],
        is_free=False,
    )
    return {
        "home": home,
        "agency": agency,
        "offer": offer,
        "point": point,
        "topic": topic,
    }


def fits_viewport(page) -> bool:
    """No sideways scrolling. On a mobile viewport Chromium widens the layout to its
    content, so ``scrollWidth <= innerWidth`` would hold for an overflowing page too:
    compare with the width the test asked for."""
    width = page.viewport_size["width"]
    return page.evaluate(
        "(width) => document.documentElement.scrollWidth <= width"
        " && window.innerWidth <= width",
        width,
    )

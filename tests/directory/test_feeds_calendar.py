"""Atom feeds of new offers and iCalendar files of hours and dated offers: valid
documents, the reader's language, only what the public may see; the page actions
(share, calendar, route) and the print block on the pages."""

import re
import xml.etree.ElementTree as ET
from datetime import date, time, timedelta

import pytest
import qrcode
import qrcode.constants
from django.core.cache import cache
from django.utils import timezone, translation

from directory import feeds
from directory.calendar import escape_text, fold
from directory.models import OpeningException, OpeningSlot
from directory.templatetags import sharing_tags
from directory.templatetags.sharing_tags import qr_path
from tests.factories import (
    ContactPointPageFactory,
    TopicFactory,
    published_offer,
    translate,
)

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "https://wegweiser.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    """The public address differs from the request's host (``testserver``): every
    shared, printed, feed and calendar address must be under it."""
    settings.SITE_URL = SITE


@pytest.fixture
def topic(db):
    topic = TopicFactory(slug="sprache")
    translate(topic, "name", de="Sprache", en="Language", ar="اللغة")
    topic.save()
    return topic


@pytest.fixture
def other_topic(db):
    return TopicFactory(slug="arbeit", name="Arbeit", name_de="Arbeit")


@pytest.fixture
def point(agency):
    point = ContactPointPageFactory(
        parent=agency,
        slug="zentrum",
        title="Zentrum; Haus 2, Eingang B",
        title_de="Zentrum; Haus 2, Eingang B",
        phone="0821 12345",
    )
    OpeningSlot.objects.create(page=point, weekday=0, opens=time(9), closes=time(12))
    OpeningSlot.objects.create(
        page=point,
        weekday=2,
        opens=time(14),
        closes=time(16, 30),
        appointment_only=True,
    )
    return point


@pytest.fixture
def course(agency, topic, point):
    return published_offer(
        agency,
        slug="deutschkurs",
        texts={
            "title": {"de": "Deutschkurs", "en": "German course"},
            "summary": {"de": "Vormittags, mit Kinderbetreuung."},
        },
        topics=[topic],
        contact_points=[point],
    )


@pytest.fixture
def job_offer(agency, other_topic):
    return published_offer(
        agency,
        slug="bewerbung",
        texts={"title": {"de": "Bewerbungshilfe"}},
        topics=[other_topic],
    )


def url_in(page, language: str) -> str:
    with translation.override(language):
        return page.url


def atom(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own answer


def entries(feed: ET.Element) -> dict[str, ET.Element]:
    return {
        entry.findtext(f"{ATOM}title") or "": entry
        for entry in feed.iter(f"{ATOM}entry")
    }


# --- Atom feeds -----------------------------------------------------------------------


def test_feed_lists_visible_offers_in_the_readers_language_with_absolute_links(
    client, course, job_offer
):
    feed = atom(client.get("/en/feeds/offers.atom"))
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    found = entries(feed)
    # English where translated, German where not (as the pages do)
    assert set(found) == {"German course", "Bewerbungshilfe"}
    entry = found["German course"]
    link = entry.find(f"{ATOM}link").get("href")
    assert link == SITE + url_in(course, "en")
    assert entry.findtext(f"{ATOM}id") == f"urn:uuid:{course.hsds_id}"
    assert entry.findtext(f"{ATOM}updated")
    assert entry.findtext(f"{ATOM}published")
    assert entry.findtext(f"{ATOM}summary") == "Vormittags, mit Kinderbetreuung."
    assert [c.get("term") for c in entry.iter(f"{ATOM}category")] == ["Language"]
    assert feed.findtext(f"{ATOM}updated")
    self_link = [
        link.get("href")
        for link in feed.findall(f"{ATOM}link")
        if link.get("rel") == "self"
    ]
    assert self_link == [SITE + "/en/feeds/offers.atom"]
    alternate = [
        link.get("href")
        for link in feed.findall(f"{ATOM}link")
        if link.get("rel") == "alternate"
    ]
    assert alternate == [SITE + "/en/"]


def test_feed_in_arabic_links_arabic_pages(client, course):
    feed = atom(client.get("/ar/feeds/offers.atom"))
    links = [e.find(f"{ATOM}link").get("href") for e in feed.iter(f"{ATOM}entry")]
    assert links == [SITE + url_in(course, "ar")]
    assert "/ar/" in links[0]


def test_topic_feed_has_only_that_topics_offers(client, course, job_offer):
    assert set(entries(atom(client.get("/en/feeds/topics/sprache.atom")))) == {
        "German course"
    }
    assert set(entries(atom(client.get("/en/feeds/topics/arbeit.atom")))) == {
        "Bewerbungshilfe"
    }
    assert client.get("/en/feeds/topics/gibt-es-nicht.atom").status_code == 404


def test_hidden_offers_leave_the_feeds(client, course, job_offer):
    course.unpublish()
    job_offer.status = job_offer.Status.ENDED
    job_offer.save_revision().publish()
    for path in ("/en/feeds/offers.atom", "/en/feeds/topics/sprache.atom"):
        assert entries(atom(client.get(path))) == {}, path


def test_feed_is_bounded_newest_first(client, agency, monkeypatch):
    for number in range(3):
        offer = published_offer(agency, texts={"title": {"de": f"Angebot {number}"}})
        offer.first_published_at = timezone.now() + timedelta(minutes=number)
        offer.save(update_fields=["first_published_at"])
    monkeypatch.setattr(feeds, "FEED_SIZE", 2)
    feed = atom(client.get("/de/feeds/offers.atom"))
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles == ["Angebot 2", "Angebot 1"]


def test_home_and_topic_pages_announce_their_feeds(client, course):
    home = client.get("/en/").content.decode()
    assert re.search(
        r'<link rel="alternate" type="application/atom\+xml" '
        r'href="/en/feeds/offers.atom"',
        home,
    )
    topic_page = client.get("/en/topics/sprache/").content.decode()
    assert 'href="/en/feeds/topics/sprache.atom"' in topic_page
    assert topic_page.count("application/atom+xml") == 2  # <link> and the visible link


# --- iCalendar ----------------------------------------------------------------------


def ical_lines(response) -> list[str]:
    """Content lines of a calendar file, checked for CRLF and folding, unfolded."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content
    assert raw.endswith(b"\r\n")
    physical = raw.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(physical)  # no bare line feeds
    assert all(len(line) <= 75 for line in physical), max(physical, key=len)
    text = raw.decode("utf-8")  # folding never splits a character
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def events(lines: list[str]) -> list[dict[str, str]]:
    """The VEVENTs as {property name with parameters: value}."""
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT" and current is not None:
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return found


def unescape(value: str) -> str:
    return re.sub(
        r"\\([\\;,nN])", lambda m: {"n": "\n", "N": "\n"}.get(m[1], m[1]), value
    )


def test_contact_point_hours_are_weekly_events_in_berlin_time(client, point):
    lines = ical_lines(client.get(f"/de/calendar/places/{point.pk}.ics"))
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert lines[-1] == "END:VCALENDAR"
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/Berlin" in lines
    monday, wednesday = events(lines)
    assert monday["RRULE"] == "FREQ=WEEKLY;BYDAY=MO"
    start = monday["DTSTART;TZID=Europe/Berlin"]
    assert start.endswith("T090000")
    assert date(int(start[:4]), int(start[4:6]), int(start[6:8])).weekday() == 0
    assert monday["DTEND;TZID=Europe/Berlin"] == start[:8] + "T120000"
    assert wednesday["RRULE"] == "FREQ=WEEKLY;BYDAY=WE"
    assert wednesday["DTEND;TZID=Europe/Berlin"].endswith("T163000")
    # commas and semicolons in the name are escaped, and come back unchanged
    assert monday["SUMMARY"] == r"Zentrum\; Haus 2\, Eingang B"
    assert unescape(monday["SUMMARY"]) == "Zentrum; Haus 2, Eingang B"
    # the appointment-only slot says so after the name
    assert wednesday["SUMMARY"].startswith(monday["SUMMARY"] + " (")
    assert monday["LOCATION"] == r"Marktplatz 1\, 86150 Auenstadt"
    assert monday["GEO"] == "48.650000;10.220000"
    assert monday["URL"] == SITE + url_in(point, "de")


def test_uids_are_stable_and_unique(client, point):
    first = events(ical_lines(client.get(f"/de/calendar/places/{point.pk}.ics")))
    point.save_revision().publish()
    again = events(ical_lines(client.get(f"/de/calendar/places/{point.pk}.ics")))
    uids = [event["UID"] for event in first]
    assert uids == [event["UID"] for event in again]
    assert len(set(uids)) == len(uids)
    assert all(str(point.hsds_id) in uid for uid in uids)
    assert [e["DTSTART;TZID=Europe/Berlin"] for e in first] == [
        e["DTSTART;TZID=Europe/Berlin"] for e in again
    ]


def test_closed_days_are_left_out_and_special_hours_added(client, point):
    today = timezone.localdate()
    next_monday = today + timedelta(days=(0 - today.weekday()) % 7 or 7)
    OpeningException.objects.create(page=point, date=next_monday, closed=True)
    special = next_monday + timedelta(days=3)
    OpeningException.objects.create(
        page=point,
        date=special,
        closed=False,
        opens=time(10),
        closes=time(11),
        note="Nur Sprechstunde, mit Dolmetscherin",
    )
    monday, _wednesday, extra = events(
        ical_lines(client.get(f"/de/calendar/places/{point.pk}.ics"))
    )
    assert monday["EXDATE;TZID=Europe/Berlin"] == f"{next_monday:%Y%m%d}T090000"
    assert extra["DTSTART;TZID=Europe/Berlin"] == f"{special:%Y%m%d}T100000"
    assert "RRULE" not in extra
    assert extra["DESCRIPTION"] == r"Nur Sprechstunde\, mit Dolmetscherin"


def test_long_arabic_names_fold_at_75_octets_without_breaking_letters(client, point):
    name = "مركز الاستشارات للاجئين والمهاجرين، المبنى الثاني؛ المدخل الخلفي " * 2
    translate(point, "title", ar=name.strip())
    point.save_revision().publish()
    response = client.get(f"/ar/calendar/places/{point.pk}.ics")
    summaries = [e["SUMMARY"] for e in events(ical_lines(response))]
    assert unescape(summaries[0]) == name.strip()
    assert b"\r\n " in response.content  # it was long enough to be folded


def test_fold_and_escape_by_the_rfc():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "ä" * 100
    folded = fold(line)
    parts = folded.encode().split(b"\r\n")
    assert all(len(part) <= 75 for part in parts)
    assert all(part.startswith(b" ") for part in parts[1:])
    assert folded.replace("\r\n ", "") == line
    assert fold("short") == "short"


def test_dated_offer_with_hours_gets_timed_events_until_its_end(client, agency, point):
    start, end = date(2031, 3, 2), date(2031, 6, 30)
    offer = published_offer(
        agency,
        texts={"title": {"de": "Sommerkurs"}},
        contact_points=[point],
        start_date=start,
        end_date=end,
    )
    monday, _wednesday = events(
        ical_lines(client.get(f"/de/calendar/offers/{offer.pk}.ics"))
    )
    assert monday["DTSTART;TZID=Europe/Berlin"] == "20310303T090000"  # first Monday
    assert monday["RRULE"] == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20310630T215959Z"
    assert unescape(monday["SUMMARY"]).startswith("Sommerkurs – Zentrum")


def test_dated_offer_without_hours_is_one_all_day_event(client, agency):
    offer = published_offer(
        agency,
        texts={"title": {"de": "Ferienfahrt"}},
        start_date=date(2031, 8, 4),
        end_date=date(2031, 8, 8),
    )
    (event,) = events(ical_lines(client.get(f"/de/calendar/offers/{offer.pk}.ics")))
    assert event["DTSTART;VALUE=DATE"] == "20310804"
    assert event["DTEND;VALUE=DATE"] == "20310809"  # the day after the last
    assert event["SUMMARY"] == "Ferienfahrt"


def test_agency_calendar_has_its_places_hours(client, agency, point):
    second = ContactPointPageFactory(parent=agency, title="Außenstelle")
    OpeningSlot.objects.create(page=second, weekday=4, opens=time(8), closes=time(9))
    found = events(ical_lines(client.get(f"/de/calendar/agencies/{agency.pk}.ics")))
    assert sorted(e["RRULE"] for e in found) == [
        "FREQ=WEEKLY;BYDAY=FR",
        "FREQ=WEEKLY;BYDAY=MO",
        "FREQ=WEEKLY;BYDAY=WE",
    ]
    second.unpublish()
    found = events(ical_lines(client.get(f"/de/calendar/agencies/{agency.pk}.ics")))
    assert len(found) == 2
    page = client.get(url_in(agency, "en")).content.decode()
    assert f'href="/en/calendar/agencies/{agency.pk}.ics"' in page
    assert 'class="route-link" href="geo:48.650000,10.220000?' in page


def test_hidden_pages_have_no_calendar(client, agency, course, point, job_offer):
    assert client.get(f"/de/calendar/offers/{course.pk}.ics").status_code == 200
    course.unpublish()
    assert client.get(f"/de/calendar/offers/{course.pk}.ics").status_code == 404
    job_offer.assured_date = date(2000, 1, 1)  # hidden as stale
    job_offer.save(update_fields=["assured_date"])
    assert client.get(f"/de/calendar/offers/{job_offer.pk}.ics").status_code == 404
    point.unpublish()
    assert client.get(f"/de/calendar/places/{point.pk}.ics").status_code == 404
    # not an offer: the number of a place is no offer's calendar
    assert client.get(f"/de/calendar/offers/{agency.pk}.ics").status_code == 404
    agency.unpublish()
    assert client.get(f"/de/calendar/agencies/{agency.pk}.ics").status_code == 404
    assert client.get("/de/calendar/places/999999.ics").status_code == 404


# --- Page actions on the pages -------------------------------------------------------


def test_contact_point_page_has_route_calendar_share_and_print_block(client, point):
    body = client.get(url_in(point, "en")).content.decode()
    assert (
        'href="geo:48.650000,10.220000?q=48.650000,10.220000'
        '(Zentrum%3B%20Haus%202%2C%20Eingang%20B)"' in body
    )
    assert f'href="/en/calendar/places/{point.pk}.ics"' in body
    page_url = SITE + url_in(point, "en")
    assert f'data-url="{page_url}"' in body
    assert "mailto:?subject=" in body and "https%3A//wegweiser.example/en/" in body
    assert '<svg class="qr"' in body and page_url in body
    assert "testserver" not in body


def test_without_coordinates_the_route_searches_the_address(client, point):
    point.latitude = point.longitude = None
    point.save_revision().publish()
    body = client.get(url_in(point, "en")).content.decode()
    assert 'href="geo:0,0?q=Marktplatz%201%2C%2086150%20Auenstadt"' in body


def test_offer_page_has_route_and_phone_per_place_and_calendar(client, course, point):
    body = client.get(url_in(course, "en")).content.decode()
    assert 'class="route-link" href="geo:48.650000,10.220000?' in body
    assert 'href="tel:082112345"' in body
    assert f'href="/en/calendar/offers/{course.pk}.ics"' in body


def test_offer_without_dates_or_hours_offers_no_calendar(client, job_offer):
    body = client.get(url_in(job_offer, "en")).content.decode()
    assert "/calendar/" not in body
    assert "data-share" in body


def test_printed_topic_list_says_where_and_when_only_visible_places(
    client, course, point, agency
):
    hidden = ContactPointPageFactory(parent=agency, title="Geschlossenes Haus")
    course.contact_points.add(hidden)
    course.save_revision().publish()
    hidden.unpublish()
    body = client.get("/en/topics/sprache/").content.decode()
    (places,) = re.findall(
        r'<div class="print-only print-places">(.*?)</div>', body, re.S
    )
    assert "Marktplatz 1, 86150 Auenstadt" in places
    assert "0821 12345" in places
    assert "09:00–12:00" in places
    assert "Geschlossenes Haus" not in body


def test_a_very_long_address_is_shared_and_printed_without_its_query(client, course):
    body = client.get("/en/topics/sprache/?district=" + "x" * 5000).content.decode()
    assert '<svg class="qr"' in body
    assert SITE + "/en/topics/sprache/<" in body.replace("</bdi>", "<")
    block = body.split('print-ref">')[1].split("</div>")[0]
    assert "xxxxxxxxxx" not in block


def test_qr_code_strokes_draw_exactly_the_dark_modules():
    data = "https://wegweiser.example/ar/caritas/deutschkurs/?q=عربي"
    size, path = qr_path(data)
    drawn: set[tuple[int, int]] = set()
    x = y = 0
    for command, a, b in re.findall(r"([Mmh])(-?\d+)(?: (\d+)\.5)?", path):
        if command == "M":
            x, y = int(a), int(b)
        elif command == "m":
            x += int(a)
        else:
            drawn |= {(x + i, y) for i in range(int(a))}
            x += int(a)
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    matrix = code.get_matrix()
    assert size == len(matrix)
    dark = {(x, y) for y, row in enumerate(matrix) for x, on in enumerate(row) if on}
    assert drawn == dark


def printed_address(body: str) -> str:
    block = body.split('print-ref">')[1].split("</div>")[0]
    (address,) = re.findall(r'<bdi class="print-url" dir="ltr">(.*?)</bdi>', block)
    return address.replace("&amp;", "&")


def qr_of(body: str) -> str:
    (svg,) = re.findall(r'<svg class="qr".*?</svg>', body, re.S)
    return svg


def test_printed_and_shared_list_keeps_its_filters_but_no_tracking(client, course):
    query = (
        "?utm_source=newsletter&topic=sprache&fbclid=abc123&district=augsburg"
        "&lat=48.3705&lon=10.8978&q=" + "deutsch+" * 50 + "&page=2"
    )
    body = client.get("/en/topics/sprache/" + query).content.decode()
    address = printed_address(body)
    assert address == (
        SITE
        + "/en/topics/sprache/?q="
        + "+".join(["deutsch"] * 13)[:100]
        + "&topic=sprache&district=augsburg&page=2"
    )
    # The reader's place, and tracking, stay out of what is printed and shared.
    assert "utm_" not in address and "fbclid" not in address
    assert "lat=" not in address and "48.37" not in body.split('print-ref">')[1]


def test_the_qr_code_is_small_and_made_once_per_address(client, course, monkeypatch):
    cache.clear()
    made = []
    real = sharing_tags.qrcode.QRCode

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sharing_tags.qrcode, "QRCode", counting)
    base = "/en/topics/sprache/?q=" + "x" * 400
    first = client.get(base + "&utm_source=a").content.decode()
    again = client.get(base + "&utm_source=b&fbclid=c").content.decode()
    assert len(made) == 1  # the same public address: the code from the cache
    assert qr_of(first) == qr_of(again)
    # the longest address a list may have (was 11 kB for the whole query)
    assert len(qr_of(first).encode()) < 4500
    page = client.get(url_in(course, "en")).content.decode()
    client.get(url_in(course, "en") + "?utm_campaign=x")
    assert len(made) == 2
    assert len(qr_of(page).encode()) < 2200  # a page's address (was 2.7 kB)


def test_a_temporarily_closed_offer_has_no_calendar(client, agency, point):
    offer = published_offer(
        agency,
        texts={"title": {"de": "Pausierter Kurs"}},
        contact_points=[point],
        start_date=timezone.localdate() + timedelta(days=10),
        status="temporarily_closed",
    )
    body = client.get(url_in(offer, "en")).content.decode()
    assert "/calendar/" not in body
    assert events(ical_lines(client.get(f"/de/calendar/offers/{offer.pk}.ics"))) == []


def test_an_offer_that_only_started_in_the_past_has_no_calendar(client, agency):
    offer = published_offer(
        agency,
        texts={"title": {"de": "Begann letzten Monat"}},
        start_date=timezone.localdate() - timedelta(days=30),
    )
    body = client.get(url_in(offer, "en")).content.decode()
    assert "/calendar/" not in body
    assert events(ical_lines(client.get(f"/de/calendar/offers/{offer.pk}.ics"))) == []
    # running until a day to come: one event from its first to its last day
    offer.end_date = timezone.localdate() + timedelta(days=5)
    offer.save_revision().publish()
    assert f"/en/calendar/offers/{offer.pk}.ics" in (
        client.get(url_in(offer, "en")).content.decode()
    )
    (event,) = events(ical_lines(client.get(f"/de/calendar/offers/{offer.pk}.ics")))
    assert event["DTEND;VALUE=DATE"] == f"{offer.end_date + timedelta(days=1):%Y%m%d}"


def test_feed_author_is_the_site_name(client, course, settings):
    settings.WAGTAIL_SITE_NAME = "Wegweiser Auenstadt"
    feed = atom(client.get("/en/feeds/offers.atom"))
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Wegweiser Auenstadt"


@pytest.mark.parametrize(
    "path",
    [
        lambda course, point, agency: "/en/feeds/offers.atom",
        lambda course, point, agency: "/en/feeds/topics/sprache.atom",
        lambda course, point, agency: f"/de/calendar/offers/{course.pk}.ics",
        lambda course, point, agency: f"/de/calendar/places/{point.pk}.ics",
        lambda course, point, agency: f"/de/calendar/agencies/{agency.pk}.ics",
    ],
    ids=["feed", "topic-feed", "offer-ics", "place-ics", "agency-ics"],
)
def test_feeds_and_calendars_come_from_the_page_cache_until_a_publish(
    client, course, point, agency, settings, path
):
    settings.OPERATIONS_PAGE_CACHE_SECONDS = 60
    url = path(course, point, agency)
    first = client.get(url)
    again = client.get(url)
    assert (first["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again.get("Content-Disposition") == first.get("Content-Disposition")
    course.title_de = "Deutschkurs am Abend"
    course.save_revision().publish()
    changed = client.get(url)
    assert changed["X-Page-Cache"] == "miss"
    if url.startswith("/de/calendar/offers"):
        assert "Deutschkurs am Abend" in changed.content.decode()

"""The coordinators' reports (issue 12, part 3): coverage, stale content and the
translation backlog, activity; their CSV and XLSX exports; who may see them.

One small region with known numbers, built once per module (each test's own changes
roll back): two agencies, two topics, three districts, offers in two languages, one
online, one stale and one hidden as stale, a draft, an outdated and a missing
translation.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta

import openpyxl
import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, PageLogEntry

from directory import reports
from directory.models import (
    AgencyPage,
    ContactPointPage,
    District,
    Language,
    OfferPage,
    TargetGroup,
    Topic,
)
from directory.services import agency_editors_group_ensure, coordinators_group_ensure
from tests.conftest import make_home
from tests.factories import (
    AgencyPageFactory,
    ContactPointPageFactory,
    DistrictFactory,
    LanguageFactory,
    OfferPageFactory,
    TargetGroupFactory,
    TopicFactory,
    published_offer,
)

ROLES = ("anonymous", "editor_a", "coordinator", "superuser")
TITLES = {
    "agency_a": "Caritas Auental",
    "agency_b": "Diakonie Auental",
    "point_a_nord": "Treffpunkt Nordstadt",
    "point_a_sued": "Treffpunkt Südstadt",
    "point_b_nord": "Beratungsladen Nordstadt",
    "point_b_west": "Entwurfsbüro Weststadt",
    "sprachcafe": "Sprachcafé am Markt",
    "deutschkurs": "Deutschkurs",
    "beratung": "Sprachberatung",
    "online": "Bewerbungstraining online",
    "hidden": "Jobcafé von früher",
    "stale": "Bewerbungsmappe",
    "draft": "Geheimentwurf Beta",
}
# The café's title before its German text changed (its English title was made then).
SPRACHCAFE_FIRST = "Sprachcafé"
# The days before today on which each page was last confirmed (None: never); the
# others were confirmed today. 200 days is stale, 400 is hidden as stale too; the
# unpublished pages were never confirmed but are no stale content.
CONFIRMED_DAYS_AGO = {
    "hidden": 400,
    "stale": 200,
    "point_b_nord": None,
    "point_b_west": None,
    "draft": None,
}


@dataclass
class Region:
    """Primary keys only: every test reads fresh rows."""

    pages: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    terms: dict[str, int] = field(default_factory=dict)

    def page(self, name: str):
        return Page.objects.get(pk=self.pages[name]).specific

    def user(self, role: str):
        return get_user_model().objects.get(pk=self.users[role])

    def client(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.user(role))
        return client


def region_build() -> Region:
    """The region of this module (see the module docstring for its numbers)."""
    region = Region()
    home = make_home()
    agencies = {
        side: AgencyPageFactory(
            parent=home,
            title=TITLES[f"agency_{side}"],
            title_de=TITLES[f"agency_{side}"],
            slug=f"agentur-{side}",
        )
        for side in ("a", "b")
    }
    nord, sued, west = (
        DistrictFactory(name=name, name_de=name, slug=name.lower())
        for name in ("Nordstadt", "Suedstadt", "Weststadt")
    )
    arbeit, sprache = (
        TopicFactory(name=name, name_de=name, slug=name.lower())
        for name in ("Arbeit", "Sprache")
    )
    arabic = LanguageFactory(code="ar")
    ukrainian = LanguageFactory(
        code="uk", native_name="Українська", german_name="Ukrainisch"
    )
    women = TargetGroupFactory(name="Frauen", name_de="Frauen", slug="frauen")

    def point(name, agency, district, **fields):
        return ContactPointPageFactory(
            parent=agencies[agency],
            title=TITLES[name],
            title_de=TITLES[name],
            district=district,
            **fields,
        )

    points = {
        "point_a_nord": point("point_a_nord", "a", nord),
        "point_a_sued": point("point_a_sued", "a", sued),
        "point_b_nord": point("point_b_nord", "b", nord),
        # Unpublished: an offer that takes place here does not count in Weststadt.
        "point_b_west": point("point_b_west", "b", west, live=False),
    }

    def offer(name, agency, *, title_texts=None, **fields):
        return published_offer(
            agencies[agency],
            texts={"title": {"de": TITLES[name], **(title_texts or {})}},
            **fields,
        )

    offers = {
        "sprachcafe": offer(
            "sprachcafe",
            "a",
            title_texts={"de": SPRACHCAFE_FIRST, "en": "Language café"},
            topics=[sprache],
            contact_points=[points["point_a_nord"], points["point_a_sued"]],
            languages=[arabic],
            target_groups=[women],
        ),
        "deutschkurs": offer(
            "deutschkurs",
            "a",
            title_texts={"ar": "دورة ألمانية"},
            topics=[sprache, arbeit],
            contact_points=[points["point_a_nord"]],
            languages=[ukrainian],
        ),
        "beratung": offer(
            "beratung",
            "b",
            topics=[sprache],
            contact_points=[points["point_b_nord"], points["point_b_west"]],
            languages=[arabic],
        ),
        "online": offer(
            "online",
            "b",
            topics=[arbeit],
            languages=[arabic],
            format=OfferPage.Format.ONLINE,
        ),
        "hidden": offer(
            "hidden", "a", topics=[arbeit], contact_points=[points["point_a_sued"]]
        ),
        "stale": offer(
            "stale", "a", topics=[arbeit], contact_points=[points["point_a_sued"]]
        ),
    }
    # The English title was made from the German one, which then changed: outdated.
    sprachcafe = offers["sprachcafe"]
    sprachcafe.title_de = TITLES["sprachcafe"]
    sprachcafe.save_revision().publish()

    User = get_user_model()
    users = {
        "superuser": User.objects.create_superuser("chef", "chef@example.org", "x"),
        **{
            role: User.objects.create_user(role, f"{role}@example.org", "x")
            for role in ("editor_a", "editor_b", "coordinator")
        },
    }
    users["coordinator"].groups.add(coordinators_group_ensure(home=home))
    for side, agency in agencies.items():
        users[f"editor_{side}"].groups.add(agency_editors_group_ensure(agency=agency))

    # B's draft (on Sprache in Nordstadt) waits for a coordinator's approval.
    draft = OfferPageFactory(
        parent=agencies["b"],
        title=TITLES["draft"],
        title_de=TITLES["draft"],
        live=False,
    )
    draft.topics.set([sprache])
    draft.contact_points.set([points["point_b_nord"]])
    draft.save_revision(user=users["editor_b"])
    draft.get_workflow().start(draft, users["editor_b"])

    # Confirmations last, as a publish may confirm too.
    today = timezone.localdate()
    pages = {**points, **offers, "draft": draft}
    for name, page in pages.items():
        days = CONFIRMED_DAYS_AGO.get(name, 0)
        type(page).objects.filter(pk=page.pk).update(
            assured_date=None if days is None else today - timedelta(days=days),
            assurer_email="" if days is None else "pruefer@example.org",
        )
    region.pages = {
        "home": home.pk,
        **{f"agency_{side}": agency.pk for side, agency in agencies.items()},
        **{name: page.pk for name, page in pages.items()},
    }
    region.users = {role: user.pk for role, user in users.items()}
    region.terms = {
        **dict(District.objects.values_list("slug", "pk")),
        **dict(Topic.objects.values_list("slug", "pk")),
        **dict(Language.objects.values_list("code", "pk")),
        **dict(TargetGroup.objects.values_list("slug", "pk")),
    }
    return region


@pytest.fixture(scope="module")
def region(django_db_setup, django_db_blocker):
    """Built once per module in a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield region_build()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def one_factor(settings):
    settings.ACCOUNTS_2FA_REQUIRED = False


# --- helpers: the tables as a reader sees them ----------------------------------------


def _cell(soup, *headers: str) -> str:
    """The text of the table cell described by all of ``headers`` (header ids)."""
    wanted = set(headers)
    cells = [td for td in soup.find_all("td") if wanted <= set(td.get("headers", []))]
    assert len(cells) == 1, f"{headers}: {len(cells)} cells"
    return " ".join(cells[0].get_text(" ", strip=True).split())


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8"))))


def _xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(_body(response)), read_only=True)
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _by_first_column(rows: list[list]) -> dict[str, list]:
    """Data rows keyed by their first cell (the heading row left out)."""
    return {str(row[0]): row[1:] for row in rows[1:]}


COVERAGE_URL = "directory_report_coverage"
BACKLOG_URL = "directory_report_backlog"
ACTIVITY_URL = "directory_report_activity"

# Topic → counts in Nordstadt, Suedstadt, Weststadt, online.
COVERAGE_ALL = {"Arbeit": [1, 1, 0, 1], "Sprache": [3, 1, 0, 0]}
COVERAGE_ARABIC = {"Arbeit": [0, 0, 0, 1], "Sprache": [2, 1, 0, 0]}
COVERAGE_WOMEN = {"Arbeit": [0, 0, 0, 0], "Sprache": [1, 1, 0, 0]}
COLUMNS = ["district_nordstadt", "district_suedstadt", "district_weststadt", "online"]


# --- coverage --------------------------------------------------------------------


def test_coverage_counts_visible_offers_per_topic_and_district(db, region):
    table = reports.coverage_table()

    assert [column.key for column in table.columns] == COLUMNS
    assert {
        row.topic.name: [row.count(key) for key in COLUMNS] for row in table.rows
    } == COVERAGE_ALL


@pytest.mark.parametrize(
    ("switch", "expected"),
    [("ar", COVERAGE_ARABIC), ("women", COVERAGE_WOMEN)],
    ids=["language-arabic", "target-group-women"],
)
def test_coverage_switches_count_only_matching_offers(db, region, switch, expected):
    if switch == "women":
        table = reports.coverage_table(
            target_group=TargetGroup.objects.get(pk=region.terms["frauen"])
        )
    else:
        table = reports.coverage_table(
            language=Language.objects.get(pk=region.terms[switch])
        )

    assert {
        row.topic.name: [row.count(key) for key in COLUMNS] for row in table.rows
    } == expected


def test_coverage_answers_in_two_grouped_queries(
    db, region, django_assert_max_num_queries
):
    # Two GROUP BY queries, the view restrictions of offers and contact points
    # (Wagtail's public()), districts and topics: whatever the number of offers.
    with django_assert_max_num_queries(6):
        reports.coverage_table()


def test_coverage_page_marks_gaps_and_links_each_cell_to_the_search(db, region):
    response = region.client("coordinator").get(reverse(COVERAGE_URL))

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    for topic, counts in COVERAGE_ALL.items():
        row = f"coverage-topic-{topic.lower()}"
        for key, count in zip(COLUMNS, counts, strict=True):
            cell = soup.find("td", attrs={"headers": f"{row} coverage-{key}"})
            link = cell.find("a")
            assert link.get_text(" ", strip=True).split()[0] == str(count)
            gap = count == 0
            assert ("coverage-gap" in cell["class"]) == gap, (topic, key)
            # Not by colour alone: screen readers hear it.
            assert (cell.find(class_="w-sr-only") is not None) == gap
    nord = soup.find(
        "td", attrs={"headers": "coverage-topic-sprache coverage-district_nordstadt"}
    )
    assert nord.find("a")["href"] == "/de/search/?topic=sprache&district=nordstadt"
    online = soup.find("td", attrs={"headers": "coverage-topic-arbeit coverage-online"})
    assert online.find("a")["href"] == "/de/search/?topic=arbeit&format=online"


def test_coverage_page_with_the_language_switch(db, region):
    language = Language.objects.get(pk=region.terms["ar"])
    response = region.client("coordinator").get(
        reverse(COVERAGE_URL), {"language": language.pk}
    )

    soup = BeautifulSoup(response.content, "html.parser")
    for topic, counts in COVERAGE_ARABIC.items():
        row = f"coverage-topic-{topic.lower()}"
        for key, count in zip(COLUMNS, counts, strict=True):
            text = _cell(soup, row, f"coverage-{key}")
            assert text.split()[0] == str(count), (topic, key)
    cell = soup.find(
        "td", attrs={"headers": "coverage-topic-sprache coverage-district_nordstadt"}
    )
    assert cell.find("a")["href"] == (
        "/de/search/?topic=sprache&district=nordstadt&language=ar"
    )


@pytest.mark.parametrize("switch", [None, "ar"])
def test_coverage_exports_have_the_pages_numbers(db, region, switch):
    client = region.client("coordinator")
    params = {}
    expected = COVERAGE_ALL
    if switch:
        params["language"] = region.terms[switch]
        expected = COVERAGE_ARABIC

    as_csv = _csv_rows(client.get(reverse(COVERAGE_URL), {**params, "export": "csv"}))
    as_xlsx = _xlsx_rows(
        client.get(reverse(COVERAGE_URL), {**params, "export": "xlsx"})
    )

    # A column per district, by name, then the online one.
    assert as_csv[0][1:4] == ["Nordstadt", "Suedstadt", "Weststadt"]
    assert len(as_csv[0]) == 5
    assert as_xlsx[0][1:] == as_csv[0][1:]
    assert {
        topic: [int(n) for n in counts]
        for topic, counts in _by_first_column(as_csv).items()
    } == expected
    assert _by_first_column(as_xlsx) == expected


def test_coverage_gaps_are_the_empty_district_cells(db, region):
    gaps = reports.coverage_table().gaps()

    assert {(gap.topic.name, gap.district.name) for gap in gaps} == {
        ("Arbeit", "Weststadt"),
        ("Sprache", "Weststadt"),
    }


# --- stale content and translations ----------------------------------------------

# Agency → visible offers, stale offers, of them hidden, stale contact points, and
# (missing, outdated) per language.
BACKLOG = {
    "a": {
        "live_offers": 3,  # the hidden one is not visible
        "stale_offers": 2,
        "hidden_offers": 1,
        "stale_contact_points": 0,
        "en": (2, 1),  # the café's English title is outdated
        "ar": (2, 0),  # the course's Arabic title is current
        "uk": (3, 0),
    },
    "b": {
        "live_offers": 2,
        "stale_offers": 0,  # the draft, never confirmed, is not live
        "hidden_offers": 0,
        "stale_contact_points": 1,  # never confirmed; the unpublished one not
        "en": (2, 0),
        "ar": (2, 0),
        "uk": (2, 0),
    },
}
COUNTS = ("live_offers", "stale_offers", "hidden_offers", "stale_contact_points")


def test_translation_states_of_the_region(db, region):
    """The premise of the backlog's numbers, read through the model."""
    assert region.page("sprachcafe").translation_status("en") == "outdated"
    assert region.page("deutschkurs").translation_status("ar") == "current"
    assert region.page("stale").translation_status("en") == "missing"


def test_backlog_counts_per_agency_and_language(db, region):
    rows = {row.agency.slug: row for row in reports.backlog_by_agency()}

    assert set(rows) == {"agentur-a", "agentur-b"}
    for side, expected in BACKLOG.items():
        row = rows[f"agentur-{side}"]
        assert {name: getattr(row, name) for name in COUNTS} == {
            name: expected[name] for name in COUNTS
        }, side
        for code in ("en", "ar", "uk"):
            assert (row.missing[code], row.outdated[code]) == expected[code], (
                side,
                code,
            )


def test_backlog_page_shows_the_counts(db, region):
    response = region.client("coordinator").get(reverse(BACKLOG_URL))

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    for side, expected in BACKLOG.items():
        agency = f"backlog-agency-agentur-{side}"
        for name in COUNTS:
            assert _cell(soup, agency, f"backlog-{name}") == str(expected[name])
        for code in ("en", "ar", "uk"):
            missing, outdated = expected[code]
            assert _cell(soup, agency, f"backlog-missing_{code}") == str(missing)
            assert _cell(soup, agency, f"backlog-outdated_{code}") == str(outdated)


def test_backlog_filtered_to_one_agency_and_language(db, region):
    response = region.client("coordinator").get(
        reverse(BACKLOG_URL), {"agency": region.pages["agency_a"], "language": "en"}
    )

    soup = BeautifulSoup(response.content, "html.parser")
    assert TITLES["agency_b"] not in soup.find(id="backlog").get_text()
    assert _cell(soup, "backlog-agency-agentur-a", "backlog-outdated_en") == "1"
    assert not soup.find(id="backlog-missing_ar")


def test_backlog_exports_have_the_pages_numbers(db, region):
    client = region.client("coordinator")
    params = {"language": "en"}

    as_csv = _csv_rows(client.get(reverse(BACKLOG_URL), {**params, "export": "csv"}))
    as_xlsx = _xlsx_rows(client.get(reverse(BACKLOG_URL), {**params, "export": "xlsx"}))

    for rows in (as_csv, as_xlsx):
        data = _by_first_column(rows)
        for side, expected in BACKLOG.items():
            values = [int(value) for value in data[TITLES[f"agency_{side}"]]]
            assert values == [*(expected[name] for name in COUNTS), *expected["en"]]
    assert as_csv[0] == [str(heading) for heading in as_xlsx[0]]


def test_stale_drill_down_lists_the_agencys_stale_pages_with_who_and_when(db, region):
    url = reverse("directory_report_stale_pages", args=[region.pages["agency_a"]])

    response = region.client("coordinator").get(url)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    rows = soup.find(id="stale-pages").find("tbody").find_all("tr")
    # Stalest first.
    assert [row.find("a").get_text(strip=True) for row in rows] == [
        TITLES["hidden"],
        TITLES["stale"],
    ]
    for row, name in zip(rows, ("hidden", "stale"), strict=True):
        assert row.find("a")["href"] == reverse(
            "wagtailadmin_pages:edit", args=[region.pages[name]]
        )
        assert "pruefer@example.org" in row.get_text()
        confirmed = region.page(name).assured_date
        assert confirmed.strftime("%d.%m.%Y") in row.get_text()
    # The hidden one is marked so.
    assert [bool(row.find(class_="w-status")) for row in rows] == [True, False]
    assert TITLES["point_b_nord"] not in soup.find(id="stale-pages").get_text()


def test_stale_drill_down_lists_a_page_never_confirmed(db, region):
    url = reverse("directory_report_stale_pages", args=[region.pages["agency_b"]])

    response = region.client("coordinator").get(url)

    items = reports.stale_pages(agencies=[region.page("agency_b")])
    assert [item.title for item in items] == [TITLES["point_b_nord"]]
    assert items[0].assured_date is None
    soup = BeautifulSoup(response.content, "html.parser")
    rows = soup.find(id="stale-pages").find("tbody").find_all("tr")
    assert [row.find("a").get_text(strip=True) for row in rows] == [
        TITLES["point_b_nord"]
    ]
    assert "pruefer@example.org" not in rows[0].get_text()


# --- activity ------------------------------------------------------------------------


def _activity(region) -> dict:
    """Real changes in the page history, then one of them moved 40 days back."""
    PageLogEntry.objects.all().delete()
    coordinator, editor = region.user("coordinator"), region.user("editor_a")
    cafe = region.page("sprachcafe")
    for _ in range(2):
        cafe.save_revision(user=coordinator).publish(user=coordinator)
    course = region.page("deutschkurs")
    course.save_revision(user=editor, log_action=True)
    for name in ("point_b_nord", "agency_b", "home"):
        page = region.page(name)
        page.save_revision(user=coordinator).publish(user=coordinator)
    back = timezone.now() - timedelta(days=40)
    PageLogEntry.objects.filter(page_id=course.pk).update(timestamp=back)
    return {"old": timezone.localdate(back), "today": timezone.localdate()}


ACTIONS = ["wagtail.publish", "wagtail.edit"]


def _week(day):
    return day - timedelta(days=day.weekday())


def test_activity_counts_changes_per_agency_and_month(db, region):
    days = _activity(region)

    rows = reports.activity_by_agency(period="month", actions=ACTIONS)

    this_month, old_month = days["today"].replace(day=1), days["old"].replace(day=1)
    assert [(r.period, r.agency_title, r.changes, r.pages) for r in rows] == [
        (this_month, TITLES["agency_a"], 2, 1),
        (this_month, TITLES["agency_b"], 2, 2),
        (old_month, TITLES["agency_a"], 1, 1),
    ]


def test_activity_per_week_within_dates_of_one_action(db, region):
    days = _activity(region)

    weekly = reports.activity_by_agency(period="week", actions=ACTIONS)
    recent = reports.activity_by_agency(
        period="week", actions=ACTIONS, since=days["today"] - timedelta(days=7)
    )
    edits = reports.activity_by_agency(period="week", actions=["wagtail.edit"])
    of_b = reports.activity_by_agency(
        period="week", actions=ACTIONS, agency=region.page("agency_b")
    )

    assert {(r.period, r.agency_title, r.changes) for r in weekly} == {
        (_week(days["today"]), TITLES["agency_a"], 2),
        (_week(days["today"]), TITLES["agency_b"], 2),
        (_week(days["old"]), TITLES["agency_a"], 1),
    }
    assert {r.changes for r in recent} == {2} and len(recent) == 2
    assert [(r.period, r.agency_title, r.changes) for r in edits] == [
        (_week(days["old"]), TITLES["agency_a"], 1)
    ]
    assert [r.agency_title for r in of_b] == [TITLES["agency_b"]]


def test_activity_leaves_out_the_home_page(db, region):
    _activity(region)

    rows = reports.activity_by_agency(period="month")

    home_entries = PageLogEntry.objects.filter(page_id=region.pages["home"]).count()
    assert home_entries >= 1
    assert sum(row.changes for row in rows) == (
        PageLogEntry.objects.count() - home_entries
    )


def test_activity_page_and_exports_agree(db, region):
    days = _activity(region)
    client = region.client("coordinator")
    params = {"period": "month", "action": ACTIONS}

    page = client.get(reverse(ACTIVITY_URL), params)
    as_csv = _csv_rows(client.get(reverse(ACTIVITY_URL), {**params, "export": "csv"}))
    as_xlsx = _xlsx_rows(
        client.get(reverse(ACTIVITY_URL), {**params, "export": "xlsx"})
    )

    soup = BeautifulSoup(page.content, "html.parser")
    shown = [
        [td.get_text(strip=True) for td in row.find_all("td")][1:]
        for row in soup.find(id="activity").find("tbody").find_all("tr")
    ]
    expected = [
        [TITLES["agency_a"], "2", "1"],
        [TITLES["agency_b"], "2", "2"],
        [TITLES["agency_a"], "1", "1"],
    ]
    assert shown == expected
    assert [row[1:] for row in as_csv[1:]] == expected
    assert [[str(v) for v in row[1:]] for row in as_xlsx[1:]] == expected
    assert as_csv[1][0] == days["today"].replace(day=1).isoformat()


# --- who sees the reports ------------------------------------------------------------


def _report_urls(region) -> dict[str, str]:
    stale_pages = reverse(
        "directory_report_stale_pages", args=[region.pages["agency_b"]]
    )
    urls = {"stale drill-down": stale_pages}
    for name in (COVERAGE_URL, BACKLOG_URL, ACTIVITY_URL):
        urls[name] = reverse(name)
        urls[f"{name} results"] = reverse(f"{name}_results")
        for fmt in ("csv", "xlsx"):
            urls[f"{name} {fmt}"] = f"{reverse(name)}?export={fmt}"
    for fmt in ("csv", "xlsx"):
        urls[f"stale drill-down {fmt}"] = f"{stale_pages}?export={fmt}"
    return urls


URL_NAMES = [
    "stale drill-down",
    "stale drill-down csv",
    "stale drill-down xlsx",
    *(
        f"{name}{suffix}"
        for name in (COVERAGE_URL, BACKLOG_URL, ACTIVITY_URL)
        for suffix in ("", " results", " csv", " xlsx")
    ),
]
ALLOWED = {"coordinator", "superuser"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_only_coordinators_see_the_reports(db, region, url_name, role):
    url = _report_urls(region)[url_name]

    response = region.client(role).get(url)

    body = _body(response)
    if role in ALLOWED:
        assert response.status_code == 200, response.status_code
        assert body
    elif role == "anonymous":
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    else:
        # Wagtail's "permission denied": back to the dashboard, with a message.
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"] == reverse("wagtailadmin_home")
        assert TITLES["agency_b"].encode() not in body
        assert TITLES["point_b_nord"].encode() not in body


def test_an_editor_asking_for_results_by_script_gets_403(db, region):
    response = region.client("editor_a").get(
        reverse(f"{COVERAGE_URL}_results"), HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("role", "shown"), [("editor_a", False), ("coordinator", True)]
)
def test_report_menu_items_only_for_coordinators(db, region, role, shown):
    response = region.client(role).get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    body = response.content.decode()
    for name in (COVERAGE_URL, BACKLOG_URL, ACTIVITY_URL):
        assert (reverse(name) in body) == shown, name


def test_the_region_is_what_the_tests_think(db, region):
    """Guards the fixtures: the districts, topics and pages the numbers rely on."""
    assert District.objects.count() == 3
    assert Topic.objects.count() == 2
    assert OfferPage.objects.visible().count() == 5
    assert not ContactPointPage.objects.get(pk=region.pages["point_b_west"]).live
    assert AgencyPage.objects.count() == 2

"""Likely duplicates (issue 12): which pairs a scan finds, the coordinators' report
with its exports, the side-by-side view, "Not a duplicate", "Scan now", and who may
see any of it.
"""

import csv
import io
from dataclasses import dataclass

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from wagtail.models import PageLogEntry
from wagtail.users.models import UserProfile

from directory import duplicates
from directory.duplicates import (
    DISMISS_ACTION,
    THRESHOLD,
    duplicate_candidates,
    duplicates_find,
    duplicates_find_task,
)
from directory.models import (
    DuplicateCandidate,
    DuplicateDismissal,
    DuplicateScan,
    OfferPage,
)
from directory.services import agency_editors_group_ensure, coordinators_group_ensure
from tests.factories import (
    AgencyPageFactory,
    ContactPointPageFactory,
    DistrictFactory,
    TopicFactory,
    published_offer,
)

# A course and a close copy of it (a few words changed), as two agencies write it.
COURSE = {
    "title": {"de": "Deutschkurs für Frauen mit Kinderbetreuung"},
    "summary": {
        "de": "Deutsch lernen auf Niveau A1: dienstags und donnerstags von 9 bis 12 "
        "Uhr. Während des Kurses werden die Kinder im Nebenraum betreut."
    },
    "description": {
        "de": "<p>Anmeldung im Büro oder am Telefon. Bitte bringen Sie Ihren "
        "Ausweis mit. Ein neuer Kurs beginnt jeden Monat.</p>"
    },
}
COURSE_COPY = {
    "title": {"de": "Deutschkurs für Frauen – mit Kinderbetreuung"},
    "summary": {
        "de": "Deutsch lernen auf dem Niveau A1: dienstags und donnerstags von 9 bis "
        "12 Uhr. Während des Kurses werden die Kinder nebenan betreut."
    },
    "description": {
        "de": "<p>Anmeldung im Büro oder telefonisch. Bitte bringen Sie Ihren "
        "Ausweis mit. Jeden Monat beginnt ein neuer Kurs.</p>"
    },
}
# Same topic and place, another agency, another offer.
LANGUAGE_CAFE = {
    "title": {"de": "Sprachcafé am Abend"},
    "summary": {
        "de": "Bei Tee und Gebäck Deutsch sprechen üben, ohne Anmeldung, jeden "
        "Mittwoch ab 18 Uhr im Jugendhaus."
    },
}
# Different in German, alike in English.
JOBS = {
    "title": {"de": "Hilfe bei Bewerbungen", "en": "Help with job applications"},
    "summary": {
        "de": "Wir unterstützen beim Lebenslauf und beim Anschreiben und üben "
        "Vorstellungsgespräche mit Ihnen.",
        "en": "We help you write your CV and cover letter and prepare you for job "
        "interviews, every Monday afternoon.",
    },
}
JOBS_ELSEWHERE = {
    "title": {"de": "Jobcoaching für Geflüchtete", "en": "Help with job applications"},
    "summary": {
        "de": "Individuelle Begleitung auf dem Weg in Arbeit, Praktikum oder "
        "Ausbildung, Termine nach Vereinbarung.",
        "en": "We help you write your CV and your cover letter and get you ready "
        "for job interviews, every Monday afternoon.",
    },
}


@pytest.fixture(autouse=True)
def no_second_factor(settings):
    # The coordinators' second factor is tested in tests/accounts/.
    settings.ACCOUNTS_2FA_REQUIRED = False


@dataclass
class Region:
    home: object
    caritas: object
    diakonie: object
    vhs: object
    language: object
    work: object
    asylum: object
    town: object
    village: object

    def point(self, agency, district):
        return ContactPointPageFactory(parent=agency, district=district)

    def offer(self, agency, texts, *, topics=None, district=None, **fields):
        """A published offer at a contact point of ``agency`` in ``district``
        (default: the town; ``district=False``: no contact point)."""
        if district is None:
            district = self.town
        points = [self.point(agency, district)] if district else []
        return published_offer(
            agency,
            texts=texts,
            topics=topics if topics is not None else [self.language],
            contact_points=points,
            **fields,
        )


@pytest.fixture
def region(home, agency):
    return Region(
        home=home,
        caritas=agency,
        diakonie=AgencyPageFactory(parent=home, title="Diakonie Auental"),
        vhs=AgencyPageFactory(parent=home, title="Volkshochschule Auental"),
        language=TopicFactory(name="Sprache", name_de="Sprache"),
        work=TopicFactory(name="Arbeit", name_de="Arbeit"),
        asylum=TopicFactory(name="Asyl", name_de="Asyl"),
        town=DistrictFactory(name="Auenstadt", name_de="Auenstadt"),
        village=DistrictFactory(name="Bergdorf", name_de="Bergdorf"),
    )


def found(scan=None) -> dict[frozenset, DuplicateCandidate]:
    """The pairs the report lists, by the pair of offer ids."""
    return {
        frozenset((pair.first_id, pair.second_id)): pair
        for pair in duplicate_candidates(scan=scan)
    }


def pair(a, b) -> frozenset:
    return frozenset((a.pk, b.pk))


def pair_url(a, b) -> str:
    """The side-by-side view of a pair: on the report once for each listed pair."""
    return reverse("directory_duplicate_pair", args=sorted((a.pk, b.pk)))


# --- What a scan finds --------------------------------------------------------------


def test_a_near_copy_by_another_agency_in_the_same_place_is_found(region):
    course = region.offer(region.caritas, COURSE)
    copy = region.offer(region.diakonie, COURSE_COPY)

    scan = duplicates_find()

    assert scan.finished_at is not None and scan.offers == 2 and scan.pairs == 1
    candidate = found()[pair(course, copy)]
    assert candidate.score >= THRESHOLD
    assert (candidate.first_id, candidate.second_id) == tuple(
        sorted((course.pk, copy.pk))
    )
    assert candidate.reasons["language"] == "de"
    assert candidate.reasons["topics"] == ["Sprache"]
    assert candidate.reasons["districts"] == ["Auenstadt"]
    assert candidate.reasons["title"] > 0.8 and candidate.reasons["text"] > 0.6


def test_the_same_text_under_another_topic_is_not_a_duplicate(region):
    course = region.offer(region.caritas, COURSE)
    copy = region.offer(region.diakonie, COURSE_COPY)
    other_topic = region.offer(region.vhs, COURSE, topics=[region.work])

    duplicates_find()

    assert set(found()) == {pair(course, copy)}
    assert pair(course, other_topic) not in found()


def test_two_offers_of_the_same_agency_are_not_duplicates(region):
    course = region.offer(region.caritas, COURSE)
    own_copy = region.offer(region.caritas, COURSE_COPY)
    other = region.offer(region.diakonie, COURSE_COPY)

    duplicates_find()

    assert pair(course, own_copy) not in found()
    assert set(found()) == {pair(course, other), pair(own_copy, other)}


def test_in_person_offers_in_different_places_are_not_duplicates(region):
    course = region.offer(region.caritas, COURSE)
    in_the_village = region.offer(region.diakonie, COURSE_COPY, district=region.village)
    duplicates_find()
    assert found() == {}

    # Online, or without any contact point, it could be the same offer anywhere.
    in_the_village.format = OfferPage.Format.ONLINE
    in_the_village.save_revision().publish()
    placeless = region.offer(region.vhs, COURSE_COPY, district=False)
    duplicates_find()
    assert set(found()) == {
        pair(course, in_the_village),
        pair(course, placeless),
        pair(in_the_village, placeless),
    }


def test_offers_alike_only_in_english_are_found_in_english(region):
    jobs = region.offer(region.caritas, JOBS, topics=[region.work])
    elsewhere = region.offer(region.diakonie, JOBS_ELSEWHERE, topics=[region.work])

    duplicates_find()

    candidate = found()[pair(jobs, elsewhere)]
    assert candidate.reasons["language"] == "en"
    assert candidate.score >= THRESHOLD


def test_german_alone_does_not_make_the_english_pair_alike(region):
    # The positive control of the test above: without the English texts the
    # German ones are too different.
    german = {name: {"de": texts["de"]} for name, texts in JOBS.items()}
    german_elsewhere = {
        name: {"de": texts["de"]} for name, texts in JOBS_ELSEWHERE.items()
    }
    region.offer(region.caritas, german, topics=[region.work])
    region.offer(region.diakonie, german_elsewhere, topics=[region.work])

    duplicates_find()

    assert found() == {}


def test_unrelated_offers_on_the_same_topic_and_place_are_not_duplicates(region):
    course = region.offer(region.caritas, COURSE)
    cafe = region.offer(region.diakonie, LANGUAGE_CAFE)
    copy = region.offer(region.vhs, COURSE_COPY)

    duplicates_find()

    assert set(found()) == {pair(course, copy)}
    assert pair(course, cafe) not in found()


def test_an_offer_copied_by_many_agencies_keeps_a_bounded_number_of_partners(
    region, monkeypatch
):
    agencies = [
        region.caritas,
        region.diakonie,
        region.vhs,
        AgencyPageFactory(parent=region.home),
    ]
    copies = [
        region.offer(agency, COURSE if n % 2 else COURSE_COPY)
        for n, agency in enumerate(agencies)
    ]
    duplicates_find()
    assert len(found()) == 6  # every two of them

    monkeypatch.setattr(duplicates, "PARTNERS_PER_OFFER", 1)
    scan = duplicates_find()

    assert scan.pairs == len(found()) <= len(copies)
    assert {offer.pk for offer in copies} == {
        offer_id for key in found() for offer_id in key
    }


def test_a_new_scan_replaces_the_previous_ones_pairs(region):
    course = region.offer(region.caritas, COURSE)
    copy = region.offer(region.diakonie, COURSE_COPY)
    first = duplicates_find()
    second = duplicates_find()

    assert not DuplicateCandidate.objects.filter(scan=first).exists()
    assert set(found()) == {pair(course, copy)}
    assert duplicate_candidates().first().scan == second
    assert DuplicateScan.objects.filter(finished_at__isnull=False).count() == 2


def test_the_task_runs_a_scan(region, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    course = region.offer(region.caritas, COURSE)
    copy = region.offer(region.diakonie, COURSE_COPY)

    result = duplicates_find_task.enqueue()

    assert result.status == "SUCCESSFUL", result.errors
    scan = DuplicateScan.objects.get(pk=result.return_value["scan"])
    assert scan.finished_at is not None
    assert result.return_value == {"scan": scan.pk, "offers": 2, "pairs": 1}
    assert set(found()) == {pair(course, copy)}


def test_the_command_says_what_it_compared(region):
    region.offer(region.caritas, COURSE)
    region.offer(region.diakonie, COURSE_COPY)
    out = io.StringIO()

    call_command("duplicates_find", stdout=out)

    assert "2 offers compared, 1 likely duplicates found" in out.getvalue()
    assert DuplicateScan.objects.filter(finished_at__isnull=False).count() == 1


# --- People -------------------------------------------------------------------------


@pytest.fixture
def people(region):
    User = get_user_model()
    users = {
        "editor": User.objects.create_user("redaktion", "r@example.org", "x"),
        "coordinator": User.objects.create_user("koordination", "k@example.org", "x"),
        "superuser": User.objects.create_superuser("chef", "c@example.org", "x"),
    }
    users["editor"].groups.add(agency_editors_group_ensure(agency=region.caritas))
    users["coordinator"].groups.add(coordinators_group_ensure(home=region.home))
    for user in users.values():
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "en"  # assert on English messages
        profile.save()
    return users


def browser(people, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(people[role])
    return client


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def duplicate(region):
    """Two offers found as duplicates by a finished scan."""
    course = region.offer(region.caritas, COURSE)
    copy = region.offer(region.diakonie, COURSE_COPY)
    duplicates_find()
    return course, copy


def report() -> str:
    return reverse("directory_duplicates")


def test_the_report_lists_pairs_with_agencies_score_and_reasons(people, duplicate):
    course, copy = duplicate
    candidate = found()[pair(course, copy)]

    page = browser(people, "coordinator").get(report()).content.decode()

    assert course.title in page and copy.title in page
    assert "Caritas Auental" in page and "Diakonie Auental" in page
    assert f"{round(candidate.score * 100)} %" in page
    assert "Sprache" in page and "Auenstadt" in page
    assert "2 offers compared, 1 pairs found" in page
    assert pair_url(course, copy) in page


def test_the_report_says_when_no_scan_has_finished(people, region):
    page = browser(people, "coordinator").get(report()).content.decode()
    assert "No scan has finished yet." in page


def test_csv_and_xlsx_exports_contain_the_pairs(people, duplicate):
    course, copy = duplicate
    client = browser(people, "coordinator")

    response = client.get(report(), {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert {rows[0]["Offer"], rows[0]["Similar offer"]} == {course.title, copy.title}
    assert {rows[0]["Agency"], rows[0]["Its agency"]} == {
        "Caritas Auental",
        "Diakonie Auental",
    }
    assert int(rows[0]["Similarity (%)"]) >= THRESHOLD * 100
    assert rows[0]["Compared in"] == "German"

    response = client.get(report(), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content))
    ).active
    header, *data = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[:5] == [
        "Offer",
        "Agency",
        "Similar offer",
        "Its agency",
        "Similarity (%)",
    ]
    assert len(data) == 1
    assert {data[0][0], data[0][2]} == {course.title, copy.title}
    assert data[0][4] >= THRESHOLD * 100


def test_the_report_filters_by_agency_topic_and_minimum_score(
    people, region, duplicate
):
    courses = pair_url(*duplicate)
    jobs = pair_url(
        region.offer(region.vhs, JOBS, topics=[region.work]),
        region.offer(region.caritas, JOBS_ELSEWHERE, topics=[region.work]),
    )
    duplicates_find()
    client = browser(people, "coordinator")

    def listed(**filters) -> set[str]:
        page = client.get(report(), filters).content.decode()
        return {url for url in (courses, jobs) if url in page}

    assert listed() == {courses, jobs}
    assert listed(agency=region.diakonie.pk) == {courses}
    assert listed(agency=region.vhs.pk) == {jobs}
    assert listed(agency=region.caritas.pk) == {courses, jobs}
    assert listed(topic=region.work.pk) == {jobs}
    assert listed(topic=region.asylum.pk) == set()
    low, high = sorted(candidate.score for candidate in found().values())
    assert high - low > 0.01
    assert len(listed(min_score=round((low + high) * 50, 1))) == 1
    assert len(listed(min_score=round(low * 100 - 1))) == 2
    # A filter value that makes no sense is ignored, not an error.
    assert client.get(report(), {"agency": "x", "min_score": "y"}).status_code == 200


def test_the_report_is_paged(people, region):
    offers = [region.offer(region.caritas, LANGUAGE_CAFE) for _n in range(6)] + [
        region.offer(region.diakonie, LANGUAGE_CAFE) for _n in range(9)
    ]
    # 6 × 9 = 54 pairs of different agencies, written as one scan would.
    scan = DuplicateScan.objects.create(offers=len(offers), pairs=54)
    scan.finished_at = scan.started_at
    scan.save()
    DuplicateCandidate.objects.bulk_create(
        DuplicateCandidate(
            first_id=min(a.pk, b.pk),
            second_id=max(a.pk, b.pk),
            score=0.9,
            scan=scan,
        )
        for a in offers[:6]
        for b in offers[6:]
    )
    client = browser(people, "coordinator")

    first_page = client.get(report()).content.decode()
    second_page = client.get(report(), {"p": 2}).content.decode()

    assert first_page.count('name="first"') == 50
    assert second_page.count('name="first"') == 4
    assert "Page 1 of 2" in first_page


def test_the_side_by_side_view_shows_both_offers(people, duplicate, region):
    course, copy = duplicate
    url = reverse("directory_duplicate_pair", args=sorted((course.pk, copy.pk)))

    page = browser(people, "coordinator").get(url).content.decode()

    for offer in (course, copy):
        assert offer.title in page
        assert reverse("wagtailadmin_pages:edit", args=[offer.pk]) in page
    assert "Während des Kurses werden die Kinder im Nebenraum betreut" in page
    assert "Ausweis" in page  # the descriptions
    assert "Caritas Auental" in page and "Diakonie Auental" in page
    assert "Auenstadt" in page and "Sprache" in page
    assert "Not a duplicate" in page


def test_the_side_by_side_view_takes_the_pair_in_either_order(people, duplicate):
    course, copy = duplicate
    low, high = sorted((course.pk, copy.pk))
    client = browser(people, "coordinator")

    response = client.get(reverse("directory_duplicate_pair", args=[high, low]))

    assert response.status_code == 302
    assert response["Location"] == reverse("directory_duplicate_pair", args=[low, high])
    missing = client.get(reverse("directory_duplicate_pair", args=[low, 10**9]))
    assert missing.status_code == 302
    assert "does not exist" in " ".join(said(missing))


def test_not_a_duplicate_hides_the_pair_now_and_after_the_next_scan(people, duplicate):
    course, copy = duplicate
    client = browser(people, "coordinator")
    assert pair_url(course, copy) in client.get(report()).content.decode()

    response = client.post(
        reverse("directory_duplicates_dismiss"),
        {"first": copy.pk, "second": course.pk},
    )

    assert response.status_code == 302
    assert any("not duplicates" in message for message in said(response))
    dismissal = DuplicateDismissal.objects.get()
    assert (dismissal.first_id, dismissal.second_id) == tuple(
        sorted((course.pk, copy.pk))
    )
    assert dismissal.dismissed_by == people["coordinator"]
    assert pair_url(course, copy) not in client.get(report()).content.decode()
    logged = PageLogEntry.objects.filter(action=DISMISS_ACTION)
    assert {entry.page_id for entry in logged} == {course.pk, copy.pk}
    assert {entry.user_id for entry in logged} == {people["coordinator"].pk}
    for offer, other in ((course, copy), (copy, course)):
        history = client.get(reverse("wagtailadmin_pages:history", args=[offer.pk]))
        assert f"Marked as not a duplicate of “{other.title}”" in (
            history.content.decode()
        )

    scan = duplicates_find()

    assert scan.pairs == 0
    assert not DuplicateCandidate.objects.exists()
    assert pair_url(course, copy) not in client.get(report()).content.decode()


def test_a_pair_leaves_the_report_when_one_offer_is_unpublished(people, duplicate):
    course, copy = duplicate
    client = browser(people, "coordinator")
    assert pair_url(course, copy) in client.get(report()).content.decode()

    copy.unpublish()

    assert found() == {}
    assert pair_url(course, copy) not in client.get(report()).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "did not name two offers"),
        ({"first": "abc", "second": "1"}, "did not name two offers"),
        ({"first": "999999", "second": "999998"}, "does not exist"),
        ({"first": "SAME", "second": "SAME"}, "cannot be a duplicate of itself"),
    ],
)
def test_a_dismissal_naming_no_pair_says_so(people, duplicate, data, message):
    course, _copy = duplicate
    data = {key: str(course.pk) if v == "SAME" else v for key, v in data.items()}

    response = browser(people, "coordinator").post(
        reverse("directory_duplicates_dismiss"), data
    )

    assert response.status_code == 302
    assert message in " ".join(said(response))
    assert not DuplicateDismissal.objects.exists()


def test_scan_now_runs_the_scan_with_an_immediate_backend(people, duplicate, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    response = browser(people, "coordinator").post(reverse("directory_duplicates_scan"))
    assert response.status_code == 302
    assert any(
        "Scan finished: 2 offers compared, 1 pairs found." in message
        for message in said(response)
    )
    assert DuplicateScan.objects.count() == 2


def test_scan_now_with_a_worker_says_the_scan_has_started(people, duplicate, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    response = browser(people, "coordinator").post(reverse("directory_duplicates_scan"))
    assert response.status_code == 302
    assert any("The scan has started" in message for message in said(response))
    assert DuplicateScan.objects.count() == 1  # the worker runs it later


# --- Who may do what ----------------------------------------------------------------


def _report(client, pair_ids):
    return client.get(report())


def _export(client, pair_ids):
    return client.get(report(), {"export": "csv"})


def _side_by_side(client, pair_ids):
    return client.get(reverse("directory_duplicate_pair", args=pair_ids))


def _dismiss(client, pair_ids):
    first, second = pair_ids
    return client.post(
        reverse("directory_duplicates_dismiss"), {"first": first, "second": second}
    )


def _scan(client, pair_ids):
    return client.post(reverse("directory_duplicates_scan"))


def _done(action) -> bool:
    """Whether the action had its effect (for the reading ones: always)."""
    if action is _dismiss:
        return DuplicateDismissal.objects.exists()
    if action is _scan:
        return DuplicateScan.objects.count() == 2
    return True


ACTIONS = {
    "report": (_report, 200),
    "export": (_export, 200),
    "side by side": (_side_by_side, 200),
    "not a duplicate": (_dismiss, 302),
    "scan now": (_scan, 302),
}
ALLOWED = {"coordinator", "superuser"}


@pytest.mark.parametrize("role", ["anonymous", "editor", "coordinator", "superuser"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_only_coordinators_and_superusers_see_and_act(people, duplicate, role, action):
    request, success = ACTIONS[action]
    course, copy = duplicate
    client = browser(people, role)

    response = request(client, sorted((course.pk, copy.pk)))

    if role in ALLOWED:
        assert response.status_code == success
        assert _done(request)
        return
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))
    else:
        # Wagtail's answer to a denied admin page: back to the dashboard, saying why.
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
        assert len(said(response)) == 1
    assert not DuplicateDismissal.objects.exists()
    assert DuplicateScan.objects.count() == 1


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_editor_asking_by_script_gets_403(people, duplicate, action):
    request, _success = ACTIONS[action]
    course, copy = duplicate
    client = Client(headers={"x-requested-with": "XMLHttpRequest"})
    client.force_login(people["editor"])

    response = request(client, sorted((course.pk, copy.pk)))

    assert response.status_code == 403
    assert not DuplicateDismissal.objects.exists()


@pytest.mark.parametrize(
    ("role", "shown"), [("editor", False), ("coordinator", True), ("superuser", True)]
)
def test_the_reports_menu_lists_the_report_for_coordinators(people, role, shown):
    page = browser(people, role).get(reverse("wagtailadmin_home")).content.decode()
    assert (report() in page) is shown

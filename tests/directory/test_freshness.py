"""Keeping entries current: confirming, reminders by email (a real local SMTP
server), hiding offers nobody confirms and showing them again."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import PageLogEntry, Revision

from directory.freshness import freshness_check, pages_confirm
from directory.models import OfferPage
from directory.services import agency_editors_group_ensure, coordinators_group_ensure
from directory.signals import offers_visibility_changed
from tests.accounts.conftest import _user
from tests.factories import (
    AgencyPageFactory,
    ContactPointPageFactory,
    published_offer,
)
from tests.newsletter import conftest as newsletter_fixtures

# A real local SMTP server (aiosmtpd), as the newsletter tests use it.
smtp = newsletter_fixtures.smtp

TODAY = timezone.localdate()
STALE = TODAY - timedelta(days=200)  # past the 182 days, not yet hidden
GONE = TODAY - timedelta(days=300)  # past 182 + 91 days: hidden


@pytest.fixture(autouse=True)
def _periods(settings):
    settings.DIRECTORY_STALE_AFTER_DAYS = 182
    settings.DIRECTORY_HIDE_AFTER_DAYS = 91
    settings.ACCOUNTS_2FA_REQUIRED = False
    settings.WAGTAILADMIN_BASE_URL = "http://testserver"


def confirmed_on(page, day):
    type(page).objects.filter(pk=page.pk).update(assured_date=day)
    page.refresh_from_db()
    return page


def offer(agency, title, *, day=TODAY, **fields):
    page = published_offer(agency, texts={"title": {"de": title}}, **fields)
    return confirmed_on(page, day)


def url(page) -> str:
    with translation.override("de"):
        return page.url


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_publishing_a_change_confirms_it_by_its_author(agency):
    editor = _user("redaktion", group=agency_editors_group_ensure(agency=agency))
    page = offer(agency, "Sprachcafé", day=STALE)

    page.title_de = "Sprachcafé am Montag"
    page.save_revision(user=editor).publish()

    page = OfferPage.objects.get(pk=page.pk)
    assert page.assured_date == TODAY
    assert page.assurer_email == editor.email
    assert PageLogEntry.objects.filter(page=page, action="directory.confirm").exists()


def test_publishing_an_old_draft_keeps_a_newer_confirmation(agency):
    page = offer(agency, "Sprachcafé", day=STALE)
    page.title_de = "Sprachcafé (Entwurf)"
    draft = page.save_revision()  # nobody's: an import, say

    pages_confirm(pages=[page], user=None)
    Revision.objects.get(pk=draft.pk).publish()  # as the admin loads it

    page = OfferPage.objects.get(pk=page.pk)
    assert page.title_de == "Sprachcafé (Entwurf)"
    assert page.assured_date == TODAY  # not the draft's old date


def test_stale_offers_stay_until_the_grace_period_ends(agency, client):
    fresh = offer(agency, "Frisch-Kurs")
    stale = offer(agency, "Alt-Kurs", day=STALE)
    gone = offer(agency, "Weg-Kurs", day=GONE)

    assert set(OfferPage.objects.stale()) == {stale, gone}
    assert set(OfferPage.objects.visible()) == {fresh, stale}
    listing = client.get(url(agency)).content.decode()
    assert "Alt-Kurs" in listing and "Weg-Kurs" not in listing

    response = client.get(url(gone))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Dieses Angebot wird gerade nicht angezeigt" in page
    assert url(agency) in page  # the way on, not a dead end


def test_hiding_is_logged_and_announced_and_confirming_shows_it_again(
    agency, client, django_capture_on_commit_callbacks
):
    gone = offer(agency, "Weg-Kurs", day=GONE)
    editor = _user("redaktion", group=agency_editors_group_ensure(agency=agency))
    announced = []

    def receive(sender, offer_ids, **kwargs):
        announced.extend(offer_ids)

    offers_visibility_changed.connect(receive)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert freshness_check()["hidden"] == 1
        assert announced == [gone.pk]
        assert freshness_check()["hidden"] == 0  # once
    finally:
        offers_visibility_changed.disconnect(receive)
    gone.refresh_from_db()
    assert gone.stale_hidden_on == TODAY
    assert PageLogEntry.objects.filter(
        page=gone, action="directory.hidden_as_stale"
    ).exists()

    response = signed_in(editor).post(
        reverse("directory_freshness_agency", args=[agency.pk]), {"page": [gone.pk]}
    )
    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.assured_date == TODAY and gone.stale_hidden_on is None
    assert gone.assurer_email == editor.email
    assert client.get(url(gone)).status_code == 200
    assert PageLogEntry.objects.filter(
        page=gone, action="directory.shown_again", user=editor
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_search_drops_offers_hidden_as_stale(search_settings, home):
    from search import engine
    from search.indexing import drift

    def extra() -> set[str]:
        engine.client().indices.refresh(index=engine.alias_name())
        return set(drift()["extra"])

    agency = AgencyPageFactory(parent=home, title="Caritas", title_de="Caritas")
    offer(agency, "Frisch-Kurs")
    gone = offer(agency, "Weg-Kurs", day=GONE)  # indexed while it was fresh
    assert extra() == {str(gone.hsds_id)}

    freshness_check()

    assert extra() == set()
    pages_confirm(pages=[gone], user=None)
    assert str(gone.hsds_id) not in set(drift()["missing"])


def test_one_reminder_per_editor_and_agency_in_their_language(agency, home, smtp):
    other = AgencyPageFactory(parent=home, title="Diakonie", title_de="Diakonie")
    group = agency_editors_group_ensure(agency=agency)
    anna = _user("anna", group=group)  # English admin
    ben = _user("ben", group=group)
    ben.wagtail_userprofile.preferred_language = "de"
    ben.wagtail_userprofile.save()
    carla = _user("carla", group=agency_editors_group_ensure(agency=other))
    point = confirmed_on(
        ContactPointPageFactory(parent=agency, title="Büro", title_de="Büro"), STALE
    )
    first = offer(agency, "Alt-Kurs", day=STALE)
    offer(agency, "Frisch-Kurs")
    offer(other, "Diakonie-Kurs", day=STALE)
    orphan = AgencyPageFactory(parent=home, title="Ohne", title_de="Ohne")
    lonely = offer(orphan, "Ohne-Redaktion", day=STALE)

    counts = freshness_check()

    assert counts == {"hidden": 0, "agencies": 2, "emails": 3, "pages": 3}
    [to_anna] = smtp.to(anna.email)
    [to_ben] = smtp.to(ben.email)
    [to_carla] = smtp.to(carla.email)
    assert "2 entries to confirm" in to_anna.message["Subject"]
    assert "2 Einträge" in to_ben.message["Subject"]
    text = to_anna.message.get_body(("plain",)).get_content()
    assert "Alt-Kurs" in text and "Büro" in text and "Frisch-Kurs" not in text
    assert f"/admin/freshness/agency/{agency.pk}/" in text
    assert "Diakonie-Kurs" in to_carla.message.get_body(("plain",)).get_content()
    assert PageLogEntry.objects.filter(
        page=first, action="directory.stale_reminder"
    ).exists()

    assert freshness_check()["emails"] == 0  # never twice
    assert len(smtp.received) == 3
    lonely.refresh_from_db()
    assert lonely.stale_reminded_on is None  # waits for an editor

    # Confirmed, then stale again half a year later: a new reminder.
    pages_confirm(pages=[first, point], user=anna)
    later = TODAY + timedelta(days=190)
    assert freshness_check(today=later)["emails"] >= 2


def test_a_failed_reminder_is_sent_by_the_next_run(agency, settings, smtp):
    editor = _user("anna", group=agency_editors_group_ensure(agency=agency))
    stale = offer(agency, "Alt-Kurs", day=STALE)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens there

    assert freshness_check()["emails"] == 0
    stale.refresh_from_db()
    assert stale.stale_reminded_on is None

    settings.EMAIL_PORT = port
    assert freshness_check()["emails"] == 1
    assert len(smtp.to(editor.email)) == 1


def test_editors_confirm_only_their_own_agency(agency, home):
    other = AgencyPageFactory(parent=home, title="Diakonie", title_de="Diakonie")
    theirs = offer(other, "Diakonie-Kurs", day=STALE)
    editor = _user("anna", group=agency_editors_group_ensure(agency=agency))
    client = signed_in(editor)

    listing = client.get(reverse("directory_freshness_agency", args=[other.pk]))
    assert listing.status_code != 200
    client.post(reverse("directory_freshness_confirm", args=[theirs.pk]))
    client.post(
        reverse("directory_freshness_agency", args=[other.pk]), {"page": [theirs.pk]}
    )
    theirs.refresh_from_db()
    assert theirs.assured_date == STALE


def test_the_review_list_confirms_one_or_all(agency):
    editor = _user("anna", group=agency_editors_group_ensure(agency=agency))
    one = offer(agency, "Alt-Kurs", day=STALE)
    two = offer(agency, "Uralt-Kurs", day=GONE)
    point = confirmed_on(
        ContactPointPageFactory(parent=agency, title="Büro", title_de="Büro"), STALE
    )
    client = signed_in(editor)
    review = reverse("directory_freshness_agency", args=[agency.pk])

    page = client.get(review).content.decode()
    assert "3 entries were not confirmed" in page
    assert "Hidden from the public" in page
    assert STALE.strftime("%Y") in page

    client.post(reverse("directory_freshness_confirm", args=[one.pk]))
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.assured_date == TODAY and two.assured_date == GONE

    nothing = client.post(review, {})
    assert nothing.status_code == 302
    client.post(review, {"page": [two.pk, point.pk, "kaputt"]})
    two.refresh_from_db()
    point.refresh_from_db()
    assert two.assured_date == TODAY and point.assured_date == TODAY


def test_readers_see_when_an_entry_was_checked(agency, client):
    point = confirmed_on(
        ContactPointPageFactory(parent=agency, title="Büro", title_de="Büro"),
        TODAY - timedelta(days=3),
    )
    page = offer(agency, "Sprachcafé", contact_points=[point])
    for address in (url(page), url(point)):
        text = client.get(address).content.decode()
        assert "zuletzt bestätigt" in text or "last confirmed" in text, address


def test_coordinators_see_every_agency_to_confirm(agency, home):
    coordinator = _user("koordination", group=coordinators_group_ensure(home=home))
    other = AgencyPageFactory(parent=home, title="Diakonie", title_de="Diakonie")
    offer(other, "Diakonie-Kurs", day=STALE)
    client = signed_in(coordinator)
    index = client.get(reverse("directory_freshness")).content.decode()
    assert "Diakonie" in index and "Caritas Auental" in index
    agencies = client.get(reverse("directory_agencies")).content.decode()
    assert "no editors yet" in agencies

"""Admin editing: per-language panels,
and opening hours validated with clear messages.
"""

import pytest
from django.contrib.auth import get_user_model
from wagtail.test.utils.form_data import inline_formset, nested_form_data
from wagtail.users.models import UserProfile

from directory.models import ContactPointPage
from tests.factories import ContactPointPageFactory


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.org", "x")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"  # assert on English messages
    profile.save()
    client.force_login(user)
    return client


def point_form(point, slots, **overrides):
    data = {
        "title_de": point.title_de,
        "slug": point.slug,
        "street": point.street,
        "postcode": point.postcode,
        "city": point.city,
        "latitude": "48.65",
        "longitude": "10.22",
        "wheelchair": "yes",
        "opening_slots": inline_formset(slots),
        "opening_exceptions": inline_formset([]),
        "comments": inline_formset([]),
    }
    data.update(overrides)
    return nested_form_data(data)


def slot(weekday, opens, closes):
    return {"weekday": str(weekday), "opens": opens, "closes": closes}


def test_admin_edit_form_shows_language_picker_and_per_language_fields(
    admin_client, agency
):
    point = ContactPointPageFactory(parent=agency)
    body = admin_client.get(f"/admin/pages/{point.pk}/edit/").content.decode()
    assert 'name="title_de"' in body and 'name="title_ar"' in body
    assert 'name="transport_hint_uk"' in body


def test_valid_hours_are_saved(admin_client, agency):
    point = ContactPointPageFactory(parent=agency)
    response = admin_client.post(
        f"/admin/pages/{point.pk}/edit/",
        point_form(point, [slot(0, "09:00", "12:00"), slot(0, "13:00", "15:00")]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = ContactPointPage.objects.get(pk=point.pk).get_latest_revision_as_object()
    assert [
        (s.weekday, f"{s.opens:%H:%M}", f"{s.closes:%H:%M}")
        for s in draft.opening_slots.all()
    ] == [(0, "09:00", "12:00"), (0, "13:00", "15:00")]


@pytest.mark.parametrize(
    ("slots", "message"),
    [
        ([slot(0, "09:00", "12:00"), slot(0, "11:00", "14:00")], "overlap"),
        ([slot(2, "12:00", "09:00")], "end after it starts"),
        ([slot(2, "10:00", "10:00")], "end after it starts"),
    ],
)
def test_bad_hours_are_refused_with_a_message_and_input_kept(
    admin_client, agency, slots, message
):
    point = ContactPointPageFactory(parent=agency)
    response = admin_client.post(
        f"/admin/pages/{point.pk}/edit/",
        point_form(point, slots, street="Neue Straße 5"),
    )
    body = response.content.decode()
    assert response.status_code == 200  # the form again, not a 500
    assert message in body
    assert 'value="Neue Straße 5"' in body  # nothing the editor typed is lost
    assert not ContactPointPage.objects.get(pk=point.pk).opening_slots.exists()


@pytest.mark.parametrize(
    ("latitude", "longitude"), [("91", "10"), ("48", "200"), ("abc", "10")]
)
def test_bad_coordinates_are_refused_with_a_message(
    admin_client, agency, latitude, longitude
):
    point = ContactPointPageFactory(parent=agency)
    response = admin_client.post(
        f"/admin/pages/{point.pk}/edit/",
        point_form(point, [], latitude=latitude, longitude=longitude),
    )
    assert response.status_code == 200
    assert "error" in response.content.decode().lower()


def offer_form(**overrides):
    data = {
        "title_de": "Neues Sprachcafé",
        "slug": "sprachcafe-neu",
        "summary_de": "Jeden Dienstag Deutsch sprechen.",
        "description_de": '{"blocks": [], "entityMap": {}}',
        "format": "in_person",
        "status": "active",
        "is_free": "on",
        "contact_persons": inline_formset([]),
        "comments": inline_formset([]),
    }
    data.update(overrides)
    return nested_form_data(data)


def test_preview_of_a_new_offer_renders(admin_client, agency):
    url = f"/admin/pages/add/directory/offerpage/{agency.pk}/preview/"
    response = admin_client.post(url, offer_form())
    assert response.json()["is_valid"] is True
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Neues Sprachcafé" in page.content.decode()
    assert agency.title in page.content.decode()


def test_preview_of_an_edited_offer_shows_the_draft(admin_client, agency):
    from tests.factories import OfferPageFactory

    offer = OfferPageFactory(parent=agency)
    url = f"/admin/pages/{offer.pk}/edit/preview/"
    admin_client.post(url, offer_form(title_de="Geänderter Titel", slug=offer.slug))
    body = admin_client.get(url).content.decode()
    assert "Geänderter Titel" in body


def test_editor_saves_a_draft_and_the_public_page_stays_unchanged(
    admin_client, agency, client
):
    from tests.factories import OfferPageFactory

    offer = OfferPageFactory(parent=agency, title_de="Alter Titel")
    response = admin_client.post(
        f"/admin/pages/{offer.pk}/edit/",
        offer_form(title_de="Entwurfstitel", slug=offer.slug),
    )
    assert response.status_code == 302
    assert offer.revisions.count() >= 1
    public = client.get(offer.url).content.decode()
    assert "Alter Titel" in public and "Entwurfstitel" not in public


def test_preview_of_a_new_contact_point_shows_the_typed_hours(admin_client, agency):
    from tests.factories import ContactPointPageFactory

    template = ContactPointPageFactory.build(slug="neu", title_de="Neue Anlaufstelle")
    url = f"/admin/pages/add/directory/contactpointpage/{agency.pk}/preview/"
    response = admin_client.post(url, point_form(template, [slot(3, "10:00", "11:30")]))
    assert response.json()["is_valid"] is True
    body = admin_client.get(url).content.decode()
    assert "Neue Anlaufstelle" in body and "10:00–11:30" in body

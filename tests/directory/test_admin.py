"""Admin editing: per-language panels, and opening hours validated with clear messages."""

import pytest
from django.contrib.auth import get_user_model
from wagtail.users.models import UserProfile
from wagtail.test.utils.form_data import inline_formset, nested_form_data

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


def test_admin_edit_form_shows_language_picker_and_per_language_fields(admin_client, agency):
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
        (s.weekday, f"{s.opens:%H:%M}", f"{s.closes:%H:%M}") for s in draft.opening_slots.all()
    ] == [(0, "09:00", "12:00"), (0, "13:00", "15:00")]


@pytest.mark.parametrize(
    ("slots", "message"),
    [
        ([slot(0, "09:00", "12:00"), slot(0, "11:00", "14:00")], "overlap"),
        ([slot(2, "12:00", "09:00")], "end after it starts"),
        ([slot(2, "10:00", "10:00")], "end after it starts"),
    ],
)
def test_bad_hours_are_refused_with_a_message_and_input_kept(admin_client, agency, slots, message):
    point = ContactPointPageFactory(parent=agency)
    response = admin_client.post(
        f"/admin/pages/{point.pk}/edit/", point_form(point, slots, street="Neue Straße 5")
    )
    body = response.content.decode()
    assert response.status_code == 200  # the form again, not a 500
    assert message in body
    assert 'value="Neue Straße 5"' in body  # nothing the editor typed is lost
    assert not ContactPointPage.objects.get(pk=point.pk).opening_slots.exists()


@pytest.mark.parametrize(("latitude", "longitude"), [("91", "10"), ("48", "200"), ("abc", "10")])
def test_bad_coordinates_are_refused_with_a_message(admin_client, agency, latitude, longitude):
    point = ContactPointPageFactory(parent=agency)
    response = admin_client.post(
        f"/admin/pages/{point.pk}/edit/",
        point_form(point, [], latitude=latitude, longitude=longitude),
    )
    assert response.status_code == 200
    assert "error" in response.content.decode().lower()

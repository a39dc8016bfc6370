"""Models: the agency link, constraints, HSDS ids and translation state."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from directory.models import ContactPointPage, OfferPage, OpeningException, OpeningSlot
from tests.factories import (
    AgencyPageFactory,
    ContactPointPageFactory,
    OfferPageFactory,
    translate,
)


def test_offer_belongs_to_the_agency_it_is_created_under(agency):
    offer = OfferPageFactory(parent=agency)
    assert OfferPage.objects.get(pk=offer.pk).agency_id == agency.pk


def test_moving_an_offer_moves_it_to_the_new_agency(home, agency):
    other = AgencyPageFactory(parent=home)
    offer = OfferPageFactory(parent=agency)
    offer.move(other, pos="last-child")
    assert OfferPage.objects.get(pk=offer.pk).agency_id == other.pk


def test_offer_cannot_exist_without_an_agency(agency):
    offer = OfferPageFactory(parent=agency)
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferPage.objects.filter(pk=offer.pk).update(agency=None)


def test_deleting_an_agency_deletes_its_offers_and_contact_points(agency):
    offer = OfferPageFactory(parent=agency)
    point = ContactPointPageFactory(parent=agency)
    agency.delete()
    assert not OfferPage.objects.filter(pk=offer.pk).exists()
    assert not ContactPointPage.objects.filter(pk=point.pk).exists()


def test_every_page_gets_its_own_hsds_id_also_when_copied(agency):
    offer = OfferPageFactory(parent=agency)
    copy = offer.copy(update_attrs={"slug": "kopie", "title": "Kopie"})
    assert copy.hsds_id != offer.hsds_id


@pytest.mark.parametrize(
    ("field_values", "message"),
    [
        ({"min_age": 30, "max_age": 18}, "Mindestalter"),
        (
            {"start_date": date(2026, 5, 1), "end_date": date(2026, 4, 1)},
            "vor seinem Beginn",
        ),
    ],
)
def test_offer_constraints_reject_inverted_ranges(agency, field_values, message):
    offer = OfferPageFactory(parent=agency)
    for name, value in field_values.items():
        setattr(offer, name, value)
    with pytest.raises(ValidationError, match=message):
        offer.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferPage.objects.filter(pk=offer.pk).update(**field_values)


def test_offer_with_a_fee_needs_the_fee_described(agency):
    offer = OfferPageFactory(parent=agency)
    offer.is_free = False
    with pytest.raises(ValidationError, match="Kosten"):
        offer.full_clean()
    translate(offer, "fee_description", de="5 € pro Termin")
    offer.full_clean()


def test_opening_slot_must_end_after_it_starts(agency):
    point = ContactPointPageFactory(parent=agency)
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningSlot.objects.create(
            page=point, weekday=1, opens=time(12), closes=time(9)
        )


def test_special_hours_need_both_times(agency):
    point = ContactPointPageFactory(parent=agency)
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningException.objects.create(
            page=point, date=date(2026, 12, 24), closed=False
        )


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(91, 10), (48, 181), (-95, -200), (48.1, None)]
)
def test_invalid_coordinates_are_rejected_with_a_message(agency, latitude, longitude):
    point = ContactPointPageFactory(parent=agency)
    point.latitude, point.longitude = latitude, longitude
    with pytest.raises(ValidationError) as error:
        point.full_clean()
    assert (
        "latitude" in str(error.value).lower()
        or "longitude" in str(error.value).lower()
    )


def test_invalid_coordinates_cannot_reach_the_database(agency):
    point = ContactPointPageFactory(parent=agency)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactPointPage.objects.filter(pk=point.pk).update(latitude=123.0)


def test_translation_is_marked_outdated_when_the_german_text_changes(agency):
    offer = OfferPageFactory(parent=agency)
    translate(offer, "summary", de="Deutschkurs am Vormittag", ar="دورة ألمانية صباحية")
    offer.save()
    assert offer.translation_status("ar") == "current"
    assert offer.translation_status("uk") == "missing"

    translate(offer, "summary", de="Deutschkurs am Nachmittag")
    offer.save()
    assert offer.translation_status("ar") == "outdated"

    translate(offer, "summary", ar="دورة ألمانية بعد الظهر")
    offer.save()
    assert offer.translation_status("ar") == "current"


def test_untranslated_field_falls_back_to_german(agency, settings):
    from django.utils import translation

    offer = OfferPageFactory(parent=agency)
    translate(offer, "summary", de="Beratung für Familien", en="")
    offer.save()
    with translation.override("ar"):
        assert OfferPage.objects.get(pk=offer.pk).summary == "Beratung für Familien"
    assert offer.is_fallback("summary", "ar")
    assert not offer.is_fallback("summary", "de")


def test_publishing_an_old_draft_after_a_move_keeps_the_new_agency(home, agency):
    other = AgencyPageFactory(parent=home)
    offer = OfferPageFactory(parent=agency)
    draft = offer.save_revision()
    offer.move(other, pos="last-child")
    draft.publish()
    assert OfferPage.objects.get(pk=offer.pk).agency_id == other.pk


def test_offer_takes_place_only_at_its_own_agencys_contact_points(home, agency):
    other = AgencyPageFactory(parent=home)
    own_point = ContactPointPageFactory(parent=agency)
    foreign_point = ContactPointPageFactory(parent=other)
    offer = OfferPageFactory(parent=agency)
    offer.contact_points = [own_point, foreign_point]
    offer.full_clean()
    assert list(offer.contact_points.all()) == [own_point]
    offer.contact_points = [own_point, foreign_point]
    offer.save()
    assert list(OfferPage.objects.get(pk=offer.pk).contact_points.all()) == [own_point]


def test_a_draft_published_after_a_move_leaves_the_old_agencys_places_behind(
    home, agency
):
    other = AgencyPageFactory(parent=home)
    offer = OfferPageFactory(parent=agency)
    offer.contact_points = [ContactPointPageFactory(parent=agency)]
    draft = offer.save_revision()
    offer.move(other, pos="last-child")
    draft.publish()
    moved = OfferPage.objects.get(pk=offer.pk)
    assert moved.agency_id == other.pk
    assert list(moved.contact_points.all()) == []

"""The per-record mappers: HSDS documents in, our page fields out, no database."""

from datetime import date, time

import pytest

from directory.models import TargetGroup, Topic
from hsds.mapping import (
    KEEP,
    MappedOffer,
    MappedResponsibility,
    RecordError,
    location_map,
    organization_map,
    service_map,
    term_map,
)
from hsds.vocabulary import PROPERTIES, TAXONOMIES

SERVICE = "0b9f6d0e-6a4e-4d1b-9d41-5f2c7e8a1b01"
ORGANIZATION = "4e1a2b3c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
LOCATION = "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
TERM = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"


def service(**fields) -> dict:
    return {
        "id": SERVICE,
        "name": "Beratung",
        "organization_id": ORGANIZATION,
        **fields,
    }


def prop(code: str, value: str = "") -> dict:
    return {"taxonomy_term_id": PROPERTIES[code].id, "value": value}


def test_a_brief_service_changes_only_what_it_carries():
    mapped = service_map(service(description="<p>Hilfe</p><script>x</script>"))

    assert isinstance(mapped, MappedOffer)
    assert mapped.title == "Beratung"
    assert mapped.description == "<p>Hilfe</p>"
    assert mapped.owner.id == ORGANIZATION
    for kept in ("min_age", "assured_date", "how_to_apply", "start_date", "summary"):
        assert getattr(mapped, kept) is KEEP, kept
    assert mapped.languages is None and mapped.contacts is None
    assert not mapped.full and not mapped.set_terms


def test_a_full_service_sets_every_field_even_to_empty():
    mapped = service_map(
        service(
            service_at_locations=[{"location_id": LOCATION}],
            minimum_age=16,
            fees_description="5 Euro",
            schedules=[{"valid_from": "2030-01-01", "valid_to": "2030-06-30"}],
            languages=[{"code": "AR", "name": "Arabisch"}],
            attributes=[prop("summary", "Kurz"), {"taxonomy_term_id": TERM}],
        )
    )

    assert mapped.full
    assert (mapped.min_age, mapped.max_age) == (16, None)
    assert (mapped.is_free, mapped.fee_description) == (False, "5 Euro")
    assert (mapped.start_date, mapped.end_date) == (date(2030, 1, 1), date(2030, 6, 30))
    assert mapped.summary == "Kurz" and mapped.how_to_apply == ""
    assert [(x.code, x.name) for x in mapped.languages] == [("ar", "Arabisch")]
    assert [t.id for t in mapped.attributes.terms] == [TERM]
    assert [link.location_id for link in mapped.links] == [LOCATION]


def test_cost_options_without_a_fee_text_become_one():
    mapped = service_map(
        service(cost_options=[{"option": "Kurs", "amount": 20, "currency": "EUR"}])
    )
    assert (mapped.is_free, mapped.fee_description) == (False, "Kurs 20 EUR")
    assert service_map(service(cost_options=[{"amount": 0}])).is_free is True


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"minimum_age": "twelve"}, "minimum_age: 'twelve' is not a number"),
        ({"maximum_age": 12.5}, "maximum_age: 12.5 is not an age"),
        ({"assured_date": "gestern"}, "assured_date: 'gestern' is not a date"),
        ({"id": "no-uuid"}, "service.id: 'no-uuid' is not a UUID"),
        ({"organization_id": "nope"}, "service.organization_id: 'nope' is not a UUID"),
        ({"name": 7}, "name: expected text"),
        ({"languages": [{"name": "Arabisch"}]}, "languages[0].code is missing"),
        (
            {"attributes": [{"taxonomy_term_id": "x1"}]},
            "attributes[0].taxonomy_term_id: 'x1' is not a UUID",
        ),
        (
            {"service_at_locations": [{"location_id": "here"}]},
            "location_id: 'here' is not a UUID",
        ),
        (
            {"contacts": [{"name": "A", "phones": [{"number": "1" * 41}]}]},
            "contacts.phones.number",
        ),
    ],
)
def test_a_value_that_does_not_parse_names_its_field(fields, message):
    with pytest.raises(
        RecordError, match=message.replace("[", r"\[").replace(".", r"\.")
    ):
        service_map(service(**fields))


def test_a_service_without_organization_needs_the_imports_agency():
    document = service()
    del document["organization_id"]

    with pytest.raises(RecordError, match="service: no organization"):
        service_map(document)
    assert service_map(document, owned=False).owner is None


def test_a_nested_organization_is_mapped_with_the_service():
    mapped = service_map(
        service(organization={"id": ORGANIZATION, "name": "Verein", "email": "a@b.de"})
    )
    assert mapped.owner.organization.name == "Verein"
    assert mapped.owner.organization.email == "a@b.de"


def test_the_responsibility_property_makes_a_responsibility():
    mapped = service_map(
        service(
            description="Beratung",
            attributes=[prop("responsibility"), {"taxonomy_term_id": TERM}],
            required_documents=[{"document": "Pass"}, {"document": " "}],
        )
    )
    assert isinstance(mapped, MappedResponsibility)
    assert mapped.explanation == ""  # the same as its name
    assert mapped.what_to_bring == "Pass"


def test_hours_become_weekly_slots_and_single_day_exceptions():
    mapped = location_map(
        {
            "id": LOCATION,
            "name": "Rathaus",
            "schedules": [
                {"byday": "MO,WE", "opens_at": "09:00", "closes_at": "12:00"},
                {
                    "valid_from": "2030-12-24",
                    "valid_to": "2030-12-24",
                    "description": "Heiligabend",
                },
                {"valid_from": "2030-01-01", "valid_to": "2030-02-01"},
            ],
        }
    )

    assert mapped.hours.slots == {
        (0, time(9), time(12), False),
        (2, time(9), time(12), False),
    }
    assert mapped.hours.exceptions == {
        date(2030, 12, 24): (True, None, None, "Heiligabend")
    }
    assert mapped.notes == (
        "schedules[2]: neither weekly hours nor a single day; left out",
    )


@pytest.mark.parametrize(
    ("schedules", "message"),
    [
        (
            [
                {"byday": "MO", "opens_at": "09:00", "closes_at": "12:00"},
                {"byday": "MO", "opens_at": "11:00", "closes_at": "13:00"},
            ],
            "opening hours overlap on MO: 09:00–12:00 and 11:00–13:00",
        ),
        (
            [{"byday": "XX", "opens_at": "09:00", "closes_at": "12:00"}],
            "schedules[0].byday: 'XX' is not a weekday",
        ),
        (
            [{"byday": "MO", "opens_at": "9 Uhr", "closes_at": "12:00"}],
            "schedules[0].opens_at: '9 Uhr' is not a time",
        ),
        (
            [{"byday": "MO", "opens_at": "12:00", "closes_at": "09:00"}],
            "schedules[0]: weekly hours need opens_at before closes_at",
        ),
    ],
)
def test_hours_that_make_no_sense_are_refused(schedules, message):
    with pytest.raises(RecordError) as caught:
        location_map({"id": LOCATION, "schedules": schedules})
    assert message in str(caught.value)


def test_a_place_off_the_earth_loses_its_coordinates_with_a_note():
    mapped = location_map({"id": LOCATION, "latitude": 100, "longitude": 8})

    assert (mapped.latitude, mapped.longitude) == (None, None)
    assert "latitude/longitude 100, 8 are not valid coordinates" in mapped.notes[0]
    assert mapped.name == "Anlaufstelle"
    assert mapped.street is KEEP and mapped.hours is KEEP


def test_location_properties_and_address():
    mapped = location_map(
        {
            "id": LOCATION,
            "addresses": [
                {"address_type": "postal", "address_1": "Postfach 1"},
                {
                    "address_type": "physical",
                    "address_1": "Markt 1",
                    "postal_code": "35037",
                    "city": "Marburg",
                },
            ],
            "attributes": [prop("wheelchair", "perhaps"), prop("lift")],
        }
    )

    assert (mapped.name, mapped.street, mapped.postcode) == (
        "Markt 1",
        "Markt 1",
        "35037",
    )
    assert mapped.attributes.wheelchair == "unknown"  # not one of ours
    assert mapped.attributes.has_lift and not mapped.attributes.has_hearing_loop
    assert mapped.phone == "" and mapped.accessibility_note == ""


def test_terms_go_to_their_taxonomy_and_need_a_name():
    target = term_map(
        {"id": TERM, "name": "Frauen", "taxonomy_id": TAXONOMIES["target-groups"].id}
    )
    assert target.model is TargetGroup
    assert term_map({"id": TERM, "name": "Sprache"}).model is Topic

    with pytest.raises(RecordError, match=f"taxonomy term {TERM}: name is missing"):
        term_map({"id": TERM, "name": "<b></b>"})


def test_an_organization_keeps_its_phone_unless_the_record_has_phones():
    brief = organization_map({"id": ORGANIZATION, "name": "Verein"})
    full = organization_map(
        {"id": ORGANIZATION, "name": "Verein", "phones": [{"number": "06421 1"}]}
    )
    assert brief.phone is KEEP and full.phone == "06421 1"
    assert brief.agency_type is KEEP

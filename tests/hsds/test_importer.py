"""The importer reports data problems as skipped records and lets bugs fail loudly."""

import json

import pytest

from directory.models import AgencyPage, OfferPage
from hsds import importer
from hsds.importer import Importer
from hsds.reading import bundle_from_bytes
from hsds.schemas import EXAMPLES_DIR
from hsds.writer import Writer


def service_file(**fields) -> bytes:
    document = json.loads((EXAMPLES_DIR / "service_full.json").read_text())
    document.update(fields)
    return json.dumps(document).encode()


def run(data: bytes, **options):
    return Importer(**options).run(bundle_from_bytes(data, name="f.json"))


def test_a_bug_in_a_mapper_is_raised_not_reported_as_a_skipped_record(
    home, monkeypatch
):
    def broken(document, **kwargs):
        return document.no_such_attribute

    monkeypatch.setattr(importer, "service_map", broken)

    with pytest.raises(AttributeError, match="no_such_attribute"):
        run(service_file())
    assert not OfferPage.objects.exists()


def test_a_bug_in_the_writer_is_raised_not_reported_as_a_skipped_record(
    home, monkeypatch
):
    def broken(self, mapped, agency):
        return {}["location"]

    monkeypatch.setattr(Writer, "location_write", broken)

    with pytest.raises(KeyError):
        run(service_file())


def test_a_missing_reference_skips_the_record_naming_it_and_the_field(home):
    unknown = "5d2f1b8e-0c7a-4c1e-8f0e-3a5b6c7d8e9f"

    link = {"id": "8e7d6c5b-4a39-4281-9f0e-d1c2b3a4f5e6", "location_id": unknown}

    report = run(service_file(service_at_locations=[link]))

    (skipped,) = report.skipped
    assert skipped.action == "skipped"
    assert "ac148810-d857-441c-9679-408f346de14b" in str(skipped)
    assert f"service_at_locations[0].location_id: unknown location {unknown}" in str(
        skipped
    )
    assert not AgencyPage.objects.exists()  # its organization went back with it


def test_a_value_that_does_not_parse_skips_only_that_record(home):
    bad = json.loads(service_file(assured_date="bald"))
    bad["id"] = "7b8e2c8e-5a59-4b8a-9d3c-3e1f4b0c1a11"
    good = json.loads(service_file())

    report = run(json.dumps([bad, good]).encode())

    assert [r.action for r in report.results] == ["skipped", "created"]
    assert "assured_date: 'bald' is not a date" in str(report.skipped[0])
    assert report.counts()["created"] == 1


def test_a_value_the_database_refuses_is_a_skipped_record(home):
    report = run(service_file(name="x" * 300))

    assert report.counts()["skipped"] == 1
    assert "title" in str(report.skipped[0])
    assert not OfferPage.objects.exists()


def test_notes_stay_with_a_record_that_was_imported(home):
    report = run(service_file())

    (result,) = report.results
    assert result.action == "created"
    assert any("not valid coordinates" in message for message in result.messages)
    assert report.warnings == [result]


def test_an_update_reports_the_fields_it_changed(home):
    run(service_file())

    report = run(service_file(name="Beratung für alle", minimum_age=14))

    (result,) = report.results
    assert result.action == "updated"
    assert {"title_de", "min_age"} <= set(result.changes)
    offer = OfferPage.objects.get()
    assert (offer.title, offer.min_age) == ("Beratung für alle", 14)


def test_pages_of_an_organization_created_in_an_earlier_batch_get_their_own_places(
    home, monkeypatch
):
    # Its agency page, made in the first batch, is still in memory with no
    # children when the later batches add its offers.
    monkeypatch.setattr(importer, "BATCH", 2)
    documents = []
    for number in range(5):
        document = json.loads(service_file(name=f"Beratung {number}"))
        document["id"] = f"7b8e2c8e-5a59-4b8a-9d3c-3e1f4b0c1a1{number}"
        documents.append(document)

    report = run(json.dumps(documents).encode())

    assert report.skipped == []
    agency = AgencyPage.objects.get()
    offers = OfferPage.objects.child_of(agency)
    assert offers.count() == 5
    assert len(set(offers.values_list("slug", flat=True))) == 5
    agency.refresh_from_db()
    assert agency.numchild == agency.get_children().count() == 6  # and its place


def test_an_import_keeps_the_files_confirmation_dates(home):
    """Publishing confirms an offer as of today, but an import (also one a signed-in
    coordinator runs) brings its own assured_date, first import and update alike."""
    from django.contrib.auth import get_user_model

    coordinator = get_user_model().objects.create_superuser("k", "k@example.org")
    run(service_file(assured_date="2026-03-01"), user=coordinator, publish=False)
    assert not OfferPage.objects.get().live

    # Published now by a signed-in coordinator: its first publication.
    run(service_file(assured_date="2026-04-02"), user=coordinator)
    offer = OfferPage.objects.get()
    assert offer.live
    assert str(offer.assured_date) == "2026-04-02"

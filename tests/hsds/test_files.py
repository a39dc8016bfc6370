"""HSDS files: the export validates against the official schemas, the import reads
the official examples and our own exports, is idempotent and per language, and bad
input is reported per record without half-written data.
"""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.models import (
    AgencyPage,
    ContactPointPage,
    District,
    HomePage,
    Language,
    OfferPage,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)
from hsds import schemas, tabular
from hsds.importer import Importer
from hsds.reading import HsdsFileError, bundle_from_bytes, bundle_read

EXAMPLES = schemas.EXAMPLES_DIR
NESTED_KINDS = {
    "organization": "organization",
    "location": "location",
    "taxonomy_term": "taxonomy_term",
}


def export(tmp_path: Path, name: str, *options) -> Path:
    target = tmp_path / name
    call_command("export_hsds", str(target), *options, stdout=io.StringIO())
    return target


def import_(path, *options) -> str:
    out = io.StringIO()
    call_command("import_hsds", str(path), *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def wipe_catalogue() -> None:
    """An empty database as far as the catalogue goes (Wagtail's root stays)."""
    for home in HomePage.objects.all():
        home.delete()
    Responsibility.objects.all().delete()
    for model in (Topic, TargetGroup, ResidenceStatus, District, Language):
        model.objects.all().delete()


def every_object(document, kind="service"):
    """(kind, object) for the document and every nested object we can name."""
    yield kind, document
    for key, value in document.items():
        child = tabular.NESTED.get(key)
        for item in value if isinstance(value, list) else [value]:
            if child and isinstance(item, dict):
                yield from every_object(item, child)


# --- export ----------------------------------------------------------------------


def test_demo_export_validates_against_the_official_schemas(seeded, db, tmp_path):
    services = json.loads(export(tmp_path, "de.json").read_text(encoding="utf-8"))

    # What the public sees: ended offers and offers of offline agencies are left out.
    assert len(services) == OfferPage.objects.visible().count() + (
        Responsibility.objects.visible().count()
    )
    checked = 0
    for service in services:
        for kind, document in every_object(service):
            assert schemas.problems(document, kind) == [], (kind, document.get("id"))
            checked += 1
    assert checked > 5000
    first = services[0]
    location = first["service_at_locations"][0]["location"]
    assert first["organization"]["name"]
    assert location["addresses"][0]["postal_code"]
    assert location["schedules"] and location["languages"]
    assert any(a["taxonomy_term"]["taxonomy"] == "topics" for a in first["attributes"])


def test_responsibilities_are_services_with_their_criteria_as_attributes(
    seeded, db, tmp_path
):
    services = json.loads(export(tmp_path, "de.json").read_text(encoding="utf-8"))
    rule = Responsibility.objects.filter(residence_status__isnull=False).first()
    document = next(s for s in services if s["id"] == str(rule.hsds_id))

    codes = {a["taxonomy_term"]["code"] for a in document["attributes"]}
    assert {"responsibility", rule.topic.slug, rule.residence_status.slug} <= codes
    assert document["organization"]["id"] == str(rule.agency.hsds_id)


def test_export_in_arabic_has_arabic_text_and_german_where_untranslated(
    seeded, db, tmp_path
):
    services = json.loads(
        export(tmp_path, "ar.json", "--language", "ar").read_text(encoding="utf-8")
    )
    offer = OfferPage.objects.live().exclude(title_ar="").first()
    document = next(s for s in services if s["id"] == str(offer.hsds_id))
    assert document["name"] == offer.title_ar
    assert "/ar/" in document["url"]


def test_tabular_export_writes_a_valid_data_package(seeded, db, tmp_path):
    folder = export(tmp_path, "package", "--format", "tabular")
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    names = {resource["name"] for resource in package["resources"]}
    assert {"service", "organization", "location", "schedule", "attribute"} <= names

    for resource in package["resources"]:
        text = (folder / resource["path"]).read_text(encoding="utf-8")
        header = next(csv.reader(io.StringIO(text)))
        assert header == [field["name"] for field in resource["schema"]["fields"]]
        rows, refused = tabular.rows_read(resource["name"], text, resource["path"])
        assert refused == []
        for row in rows:
            assert schemas.problems(row, resource["name"]) == [], row


# --- round trip ------------------------------------------------------------------


def test_round_trip_through_an_empty_database_gives_the_same_documents(
    seeded, db, tmp_path
):
    before_de = export(tmp_path, "before-de.json").read_text(encoding="utf-8")
    before_ar = export(tmp_path, "before-ar.json", "--language", "ar").read_text(
        encoding="utf-8"
    )
    offers = OfferPage.objects.visible().count()  # the export has no ended offers

    wipe_catalogue()
    assert OfferPage.objects.count() == 0
    import_(tmp_path / "before-de.json")
    import_(tmp_path / "before-ar.json", "--language", "ar")

    assert OfferPage.objects.count() == offers
    assert export(tmp_path, "after-de.json").read_text(encoding="utf-8") == before_de
    after_ar = export(tmp_path, "after-ar.json", "--language", "ar")
    assert after_ar.read_text(encoding="utf-8") == before_ar


def test_round_trip_through_the_tabular_package(seeded, db, tmp_path):
    before = export(tmp_path, "before.json").read_text(encoding="utf-8")
    folder = export(tmp_path, "package", "--format", "tabular")

    wipe_catalogue()
    import_(folder)

    assert export(tmp_path, "after.json").read_text(encoding="utf-8") == before


def test_second_import_changes_nothing(seeded, db, tmp_path):
    path = export(tmp_path, "de.json")
    stamps = dict(OfferPage.objects.values_list("pk", "last_published_at"))
    pages = OfferPage.objects.count()

    output = import_(path)

    assert " 0 created, 0 updated, " in f" {output}"
    assert OfferPage.objects.count() == pages
    assert dict(OfferPage.objects.values_list("pk", "last_published_at")) == stamps


def test_import_in_a_language_fills_that_translation_only(home, tmp_path):
    german = [service_document(name="Deutschkurs", description="Für Anfänger")]
    arabic = [service_document(name="دورة ألمانية", description="Für Anfänger")]
    (tmp_path / "de.json").write_text(json.dumps(german), encoding="utf-8")
    (tmp_path / "ar.json").write_text(json.dumps(arabic), encoding="utf-8")

    import_(tmp_path / "de.json")
    import_(tmp_path / "ar.json", "--language", "ar")

    offer = OfferPage.objects.get()
    assert offer.title_de == "Deutschkurs"
    assert offer.title_ar == "دورة ألمانية"
    # The same text as the German one is not a translation: Arabic readers get the
    # German description as marked fallback.
    assert not offer.description_ar
    assert "Für Anfänger" in offer.description_de


# --- official examples -----------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in EXAMPLES.glob("*.json") if p.name != "location.json"),
)
def test_official_example_imports(home, name):
    report = Importer().run(bundle_read(EXAMPLES / name))
    assert report.skipped == []


def test_official_service_example_arrives_with_its_place_hours_and_languages(home):
    Importer().run(bundle_read(EXAMPLES / "service_full.json"))

    offer = OfferPage.objects.get(hsds_id="ac148810-d857-441c-9679-408f346de14b")
    assert offer.title == "Community Counselling"
    assert offer.agency.title == "Example Organization Inc."
    assert (offer.min_age, offer.max_age) == (12, 100)
    assert not offer.is_free and "£50" in offer.fee_description
    point = offer.contact_points.get()
    assert point.title == "MyCity Civic Center"
    assert point.postcode == "ABC 1234"
    # Latitude 100 in the example is not a place on earth: left out, noted.
    assert point.latitude is None
    assert [(s.weekday, str(s.opens)) for s in point.opening_slots.all()] == [
        (3, "10:00:00"),
        (4, "10:00:00"),
    ]
    assert list(offer.languages.values_list("code", flat=True)) == ["ur"]


def test_location_without_organization_needs_an_agency(home, agency):
    report = Importer().run(bundle_read(EXAMPLES / "location.json"))
    assert "organization" in str(report.skipped[0])

    report = Importer(agency=agency).run(bundle_read(EXAMPLES / "location.json"))
    assert report.skipped == []
    assert ContactPointPage.objects.get().agency == agency


# --- bad input -------------------------------------------------------------------


def service_document(**fields) -> dict:
    document = json.loads((EXAMPLES / "service_full.json").read_text())
    document.update(fields)
    return document


def test_malformed_json_names_line_and_column(home, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"id": "x",\n "name": }]', encoding="utf-8")

    with pytest.raises(CommandError, match=r"not valid JSON.*line 2, column 10"):
        import_(path)
    assert not AgencyPage.objects.exists()


def test_wrong_type_skips_that_record_only_and_names_the_field(home):
    good = service_document()
    bad = service_document(id="7b8e2c8e-5a59-4b8a-9d3c-3e1f4b0c1a11", name="Bad")
    bad["minimum_age"] = "twelve"
    bad["organization"] = dict(bad["organization"])
    bad["organization"]["id"] = "0c7c5a5e-8d7e-4f0e-9a52-6f7f2f2c3b10"
    bad["organization"]["name"] = "Should not exist"

    report = Importer().run(
        bundle_from_bytes(json.dumps([bad, good]).encode(), name="f")
    )

    assert [r.action for r in report.results] == ["skipped", "created"]
    assert "minimum_age" in str(report.skipped[0])
    assert "Bad" in str(report.skipped[0]) and bad["id"] in str(report.skipped[0])
    assert not AgencyPage.objects.filter(title="Should not exist").exists()
    assert OfferPage.objects.filter(title="Community Counselling").exists()


def test_a_record_that_fails_late_leaves_nothing_behind(home):
    # Valid by the schema, refused by our rules only after its organization and
    # location were written: the savepoint takes them back.
    document = service_document(minimum_age=70, maximum_age=12)

    report = Importer().run(bundle_from_bytes(json.dumps(document).encode(), name="f"))

    assert "minimum_age" in str(report.skipped[0])
    assert not AgencyPage.objects.exists()
    assert not ContactPointPage.objects.exists()


def test_unknown_organization_id_is_reported(home):
    document = service_document(organization_id="5d2f1b8e-0c7a-4c1e-8f0e-3a5b6c7d8e9f")
    del document["organization"]

    report = Importer().run(bundle_from_bytes(json.dumps(document).encode(), name="f"))

    assert "unknown organization 5d2f1b8e" in str(report.skipped[0])
    assert not OfferPage.objects.exists()


def test_overlapping_hours_are_refused_with_the_day(home):
    document = service_document()
    schedules = document["service_at_locations"][0]["location"]["schedules"]
    schedules.append(
        {
            **schedules[0],
            "id": "c0b5a6d4-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
            "opens_at": "12:00",
            "closes_at": "20:00",
        }
    )

    report = Importer().run(bundle_from_bytes(json.dumps(document).encode(), name="f"))

    assert "overlap on TH" in str(report.skipped[0])


def test_a_file_over_the_limit_is_refused_before_reading(home, tmp_path, settings):
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: no 200 MB written to disk

    with pytest.raises(HsdsFileError, match="200 MB"):
        bundle_read(path)


def test_bad_csv_rows_are_skipped_with_file_line_id_and_field(home, small_package):
    report = Importer().run(bundle_read(small_package.folder))

    problems = [str(problem) for problem in report.skipped]
    # The two-line description moves the broken row to line 5.
    assert any(
        f"services.csv line 5 (id {small_package.broken})" in p
        and "name: not UTF-8" in p
        for p in problems
    ), problems
    assert any(
        f"services.csv line 6 (id {small_package.not_a_number})" in p
        and "minimum_age" in p
        for p in problems
    ), problems
    imported = {str(i) for i in OfferPage.objects.values_list("hsds_id", flat=True)}
    assert imported == {small_package.good, small_package.multiline}
    multiline = OfferPage.objects.get(hsds_id=small_package.multiline)
    assert "Zeile 2" in multiline.description


def test_not_a_number_in_json_is_refused_as_invalid_json(home):
    with pytest.raises(HsdsFileError, match="NaN"):
        bundle_from_bytes(b'[{"id": "x", "minimum_age": NaN}]', name="f.json")

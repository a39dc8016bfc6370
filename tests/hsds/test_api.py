"""The HSDS 3.0 read API: endpoints, paging, filters, language, errors, what stays
hidden, the official schemas, our OpenAPI document, query counts, odd input.
"""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.models import PageViewRestriction

from api import openapi
from directory.models import OfferPage, OpeningException, Responsibility
from hsds import selectors
from hsds.documents import terms_used_by
from hsds.schemas import problems
from hsds.views import ServiceListView
from hsds.vocabulary import PROPERTIES, TAXONOMIES
from tests.factories import (
    AgencyPageFactory,
    ContactPointPageFactory,
    DistrictFactory,
    ResidenceStatusFactory,
    TargetGroupFactory,
    TopicFactory,
    published_offer,
    translate,
)
from tests.search.test_openapi import _assert_valid, _response, _validator

API = "/api/hsds"
JSON = "application/json; charset=utf-8"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def _term(factory, slug, **names):
    term = factory(slug=slug, name=names["de"])
    translate(term, "name", **names)
    term.save()
    return term


@pytest.fixture
def region(home, agency):
    """Two agencies, four public places, four public offers, two rules; and hidden
    things of every kind (draft, private, unpublished agency and place).
    """
    translate(agency, "title", de="Caritas Auental", ar="كاريتاس أويينتال")
    agency.description_de = "Beratung und Kurse im Auental."
    agency.save_revision().publish()
    auenstadt = DistrictFactory(
        slug="auenstadt",
        name="Auenstadt",
        postcodes="86150, 86152",
        latitude=48.65,
        longitude=10.22,
    )
    bergheim = DistrictFactory(
        slug="bergheim",
        name="Bergheim",
        postcodes="86199",
        latitude=48.80,
        longitude=10.50,
    )
    sprache = _term(TopicFactory, "sprache", de="Sprache", ar="اللغة")
    arbeit = _term(TopicFactory, "arbeit", de="Arbeit", ar="العمل")
    frauen = _term(TargetGroupFactory, "frauen", de="Frauen", ar="النساء")
    duldung = _term(ResidenceStatusFactory, "duldung", de="Duldung", ar="دولدونغ")
    centre = ContactPointPageFactory(
        parent=agency,
        title="Caritas-Zentrum",
        title_de="Caritas-Zentrum",
        district=auenstadt,
        postcode="86150",
        latitude=48.651,
        longitude=10.221,
        has_lift=True,
    )
    branch = ContactPointPageFactory(
        parent=agency,
        title="Caritas Bergheim",
        title_de="Caritas Bergheim",
        district=bergheim,
        postcode="86199",
        latitude=48.80,
        longitude=10.50,
        appointment_url="https://termine.example.org/",
    )
    OpeningException.objects.create(page=branch, date="2025-12-24", closed=True)
    hidden_point = ContactPointPageFactory(
        parent=agency, title="Geschlossen", title_de="Geschlossen"
    )
    hidden_point.unpublish()
    diakonie = AgencyPageFactory(
        parent=home, title="Diakonie Auental", title_de="Diakonie Auental"
    )
    desk = ContactPointPageFactory(
        parent=diakonie,
        title="Diakonie-Laden",
        title_de="Diakonie-Laden",
        postcode="86152",
        latitude=48.66,
        longitude=10.23,
    )
    kurs = published_offer(
        agency,
        slug="kurs",
        texts={
            "title": {"de": "Deutschkurs für Frauen", "ar": "دورة لغة ألمانية للنساء"},
            "summary": {"de": "Mit Kinderbetreuung.", "ar": "مع رعاية الأطفال."},
        },
        topics=[sprache],
        target_groups=[frauen],
        contact_points=[centre, hidden_point],
    )
    beratung = published_offer(
        agency,
        slug="beratung",
        texts={"title": {"de": "Jobberatung"}, "summary": {"de": ""}},
        topics=[arbeit],
        residence_statuses=[duldung],
        contact_points=[centre, branch],
    )
    laden = published_offer(
        diakonie,
        slug="laden",
        texts={"title": {"de": "Kleiderladen"}},
        contact_points=[desk],
    )
    online = published_offer(
        agency,
        slug="online",
        texts={"title": {"de": "Online-Sprachcafé"}},
        topics=[sprache],
        format="online",
    )
    draft = published_offer(agency, slug="entwurf", texts={"title": {"de": "Entwurf"}})
    draft.unpublish()
    private = published_offer(
        agency, slug="intern", texts={"title": {"de": "Intern"}}, topics=[sprache]
    )
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    hidden_agency = AgencyPageFactory(parent=home, title="Verborgen")
    hidden_offer = published_offer(
        hidden_agency, slug="verborgen", texts={"title": {"de": "Verborgen"}}
    )
    hidden_agency.unpublish()
    rule = Responsibility.objects.create(
        title="Sprachkurs finden",
        title_ar="العثور على دورة لغة",
        topic=sprache,
        district=bergheim,
        agency=agency,
        contact_point=branch,
    )
    rule_region = Responsibility.objects.create(
        title="Kleidung bekommen", topic=arbeit, agency=diakonie, contact_point=desk
    )
    hidden_rule = Responsibility.objects.create(
        title="Verborgene Regel", topic=arbeit, agency=hidden_agency
    )
    return {
        "caritas": agency,
        "diakonie": diakonie,
        "auenstadt": auenstadt,
        "bergheim": bergheim,
        "sprache": sprache,
        "arbeit": arbeit,
        "frauen": frauen,
        "duldung": duldung,
        "centre": centre,
        "branch": branch,
        "desk": desk,
        "kurs": kurs,
        "beratung": beratung,
        "laden": laden,
        "online": online,
        "rule": rule,
        "rule_region": rule_region,
        "hidden": [
            hidden_point,
            draft,
            private,
            hidden_agency,
            hidden_offer,
            hidden_rule,
        ],
    }


def _get(client, path, params=None, **headers):
    # A browser on another site sends its origin; CORS answers it.
    headers.setdefault("HTTP_ORIGIN", "https://example.org")
    response = client.get(f"{API}{path}", params or {}, **headers)
    assert response["Content-Type"] == JSON
    assert response["Access-Control-Allow-Origin"] == "*"
    return response


def _ok(client, path, params=None, **headers):
    response = _get(client, path, params, **headers)
    assert response.status_code == 200, response.content
    return response.json()


def _ids(body):
    return [item["id"] for item in body["contents"]]


def _hsds(*records):
    return [str(record.hsds_id) for record in records]


def _all(client, path, params=None):
    return _ok(client, path, {"per_page": 100, **(params or {})})["contents"]


# --- endpoints --------------------------------------------------------------------


def test_api_info_points_at_our_openapi_document(client, db):
    response = _get(client, "/")
    body = response.json()
    assert body["version"] == "3.0"
    assert body["openapi_url"] == "http://testserver/api/openapi.json"
    assert body["profile"].startswith("https://")
    assert response["Cache-Control"] == "public, max-age=300"
    assert "Accept-Language" in response["Vary"]


def test_services_list_offers_then_rules_with_one_to_one_fields(client, region):
    body = _ok(client, "/services")
    r = region
    assert _ids(body) == _hsds(
        r["kurs"], r["beratung"], r["online"], r["laden"], r["rule"], r["rule_region"]
    )
    first = body["contents"][0]
    assert first["name"] == "Deutschkurs für Frauen"
    assert first["status"] == "active"
    assert first["organization"]["name"] == "Caritas Auental"
    assert first["url"].endswith("/de/" + r["kurs"].url_path.split("/", 2)[2])
    for item in body["contents"]:
        assert not any(isinstance(value, list) for value in item.values())
        assert not any(isinstance(v, list) for v in item["organization"].values())


def test_full_services_are_nested_and_match_the_detail(client, region):
    contents = _all(client, "/services", {"full": "true"})
    kurs = contents[0]
    assert [at["location"]["name"] for at in kurs["service_at_locations"]] == [
        "Caritas-Zentrum"
    ]  # the unpublished place is left out
    address = kurs["service_at_locations"][0]["location"]["addresses"][0]
    assert address["postal_code"] == "86150"
    assert {a["taxonomy_term"]["code"] for a in kurs["attributes"]} >= {
        "sprache",
        "frauen",
    }
    assert kurs == _ok(client, f"/services/{region['kurs'].hsds_id}")
    rule = _ok(client, f"/services/{region['rule'].hsds_id}")
    assert rule == contents[4]
    assert rule["service_areas"][0]["name"] == "Bergheim"


def test_minimal_services_give_ids_and_dates(client, region):
    body = _ok(client, "/services", {"minimal": "true", "per_page": 1000})
    first = body["contents"][0]
    assert set(first) == {"id", "last_modified"}
    assert datetime.fromisoformat(first["last_modified"]) <= datetime.now(UTC)
    last = body["contents"][-1]
    assert last["id"] == str(region["rule_region"].hsds_id)
    assert set(last) == {"id", "last_modified"}
    assert body["total_items"] == 6


def test_organizations_brief_full_and_with_full_services(client, region):
    body = _ok(client, "/organizations")
    assert _ids(body) == _hsds(region["caritas"], region["diakonie"])
    assert body["contents"][0]["description"] == "Beratung und Kurse im Auental."
    assert "services" not in body["contents"][0]
    full = _ok(client, "/organizations", {"full": "true"})["contents"][0]
    assert [s["name"] for s in full["services"]] == [
        "Deutschkurs für Frauen",
        "Jobberatung",
        "Online-Sprachcafé",
        "Sprachkurs finden",
    ]
    assert "service_at_locations" not in full["services"][0]
    assert [loc["name"] for loc in full["locations"]] == [
        "Caritas-Zentrum",
        "Caritas Bergheim",
    ]
    detail = _ok(client, f"/organizations/{region['caritas'].hsds_id}")
    assert detail == full
    rich = _ok(
        client,
        f"/organizations/{region['caritas'].hsds_id}",
        {"full_service": "true"},
    )
    assert rich["services"][0]["service_at_locations"][0]["location"]["name"] == (
        "Caritas-Zentrum"
    )
    listed = _ok(client, "/organizations", {"full_service": "true"})["contents"][0]
    assert listed == rich


def test_service_at_locations_pair_each_service_with_each_public_place(client, region):
    body = _ok(client, "/service_at_locations")
    pairs = [
        (item["service"]["name"], item["location"]["name"]) for item in body["contents"]
    ]
    # services in the order of /services, a service's places by id
    centre_first = str(region["centre"].hsds_id) < str(region["branch"].hsds_id)
    jobs = [("Jobberatung", "Caritas-Zentrum"), ("Jobberatung", "Caritas Bergheim")]
    assert pairs == [
        ("Deutschkurs für Frauen", "Caritas-Zentrum"),
        *(jobs if centre_first else jobs[::-1]),
        ("Kleiderladen", "Diakonie-Laden"),
        ("Sprachkurs finden", "Caritas Bergheim"),
        ("Kleidung bekommen", "Diakonie-Laden"),
    ]
    item = body["contents"][2 if centre_first else 1]
    assert "addresses" not in item["location"]
    assert item["service_id"] == str(region["beratung"].hsds_id)
    assert item["location_id"] == str(region["branch"].hsds_id)
    full = _ok(client, f"/service_at_locations/{item['id']}")
    assert full["location"]["addresses"][0]["postal_code"] == "86199"
    assert full["service"]["name"] == "Jobberatung"
    assert "service_at_locations" not in full["service"]
    beratung = _ok(client, f"/services/{region['beratung'].hsds_id}")
    assert [at["id"] for at in beratung["service_at_locations"]] == [
        p["id"] for p in body["contents"][1:3]
    ]
    listed = _all(client, "/service_at_locations", {"full": "true"})
    assert listed[2 if centre_first else 1] == full


def test_taxonomies_and_terms(client, region):
    body = _ok(client, "/taxonomies")
    assert [t["name"] for t in body["contents"]] == [
        t.name for t in TAXONOMIES.values()
    ]
    topics = TAXONOMIES["topics"]
    assert _ok(client, f"/taxonomies/{topics.id}")["name"] == "Wegweiser topics"

    terms = _ok(client, "/taxonomy_terms", {"taxonomy_id": topics.id})
    assert [t["code"] for t in terms["contents"]] == ["arbeit", "sprache"]
    assert terms["contents"][0]["taxonomy_detail"]["id"] == topics.id
    every = _all(client, "/taxonomy_terms")
    assert len(every) == 4 + 2 + len(PROPERTIES)  # 4 terms, 2 districts, properties
    assert _all(client, "/taxonomy_terms", {"top_only": "true"}) == every
    parent = str(region["sprache"].hsds_id)
    assert _all(client, "/taxonomy_terms", {"parent_id": parent}) == []
    term = _ok(client, f"/taxonomy_terms/{region['sprache'].hsds_id}")
    assert term["name"] == "Sprache" and term["taxonomy_id"] == topics.id
    prop = PROPERTIES["lift"]
    assert _ok(client, f"/taxonomy_terms/{prop.id}")["code"] == "lift"


def test_trailing_slash_is_accepted(client, region):
    assert _ok(client, "/services/")["total_items"] == 6
    assert _ok(client, f"/services/{region['kurs'].hsds_id}/")["name"]


# --- paging -----------------------------------------------------------------------


def test_paging_object_on_first_middle_last_and_past_the_end(client, region):
    first = _ok(client, "/services", {"per_page": 4})
    assert {k: v for k, v in first.items() if k != "contents"} == {
        "total_items": 6,
        "total_pages": 2,
        "page_number": 1,
        "size": 4,
        "first_page": True,
        "last_page": False,
        "empty": False,
    }
    # the second page crosses from offers to rules
    second = _ok(client, "/services", {"per_page": 4, "page": 2})
    assert _ids(second) == _hsds(region["rule"], region["rule_region"])
    assert second["size"] == 2 and second["last_page"] and not second["first_page"]
    middle = _ok(client, "/services", {"per_page": 2, "page": 2})
    assert _ids(middle) == _hsds(region["online"], region["laden"])
    assert not middle["first_page"] and not middle["last_page"]
    past = _ok(client, "/services", {"per_page": 4, "page": 3})
    assert past["contents"] == [] and past["empty"] and past["size"] == 0
    assert past["last_page"] and past["total_items"] == 6


def test_empty_result_paging(client, region):
    body = _ok(client, "/services", {"search": "Gibtesnicht"})
    assert body["total_items"] == 0 and body["total_pages"] == 0
    assert body["empty"] and body["first_page"] and body["last_page"]


def test_per_page_defaults_to_50(client, agency):
    for n in range(51):
        published_offer(agency, slug=f"o{n}", texts={"title": {"de": f"O{n}"}})
    body = _ok(client, "/services", {"minimal": "true"})
    assert body["size"] == 50 and body["total_pages"] == 2


# --- filters ----------------------------------------------------------------------


SERVICE_FILTER_CASES = [
    ({"search": "deutschkurs"}, ["kurs"]),
    ({"search": "Kinderbetreuung Deutschkurs"}, ["kurs"]),
    ({"search": "Deutschkurs Gibtesnicht"}, []),
    ({"search": "رعاية", "lang": "ar"}, ["kurs"]),
    ({"search": "رعاية"}, []),  # Arabic text is searched in Arabic only
    ({"search": "sprach"}, ["online", "rule"]),
    ({"search": "دورة", "lang": "ar"}, ["kurs", "rule"]),
    ({"organization_id": "diakonie"}, ["laden", "rule_region"]),
    ({"organization_id": UNKNOWN}, []),
    ({"taxonomy_term_id": "sprache"}, ["kurs", "online", "rule"]),
    ({"taxonomy_term_id": "frauen"}, ["kurs"]),
    ({"taxonomy_term_id": "duldung"}, ["beratung"]),
    ({"taxonomy_term_id": "bergheim"}, ["beratung", "rule"]),
    ({"taxonomy_term_id": UNKNOWN}, []),
    ({"taxonomy_id": "target-groups"}, ["kurs"]),
    ({"taxonomy_id": "districts"}, ["kurs", "beratung", "rule"]),
    ({"taxonomy_id": UNKNOWN}, []),
    (
        {"taxonomy_term_id": "sprache", "organization_id": "caritas"},
        ["kurs", "online", "rule"],
    ),
    ({"taxonomy_term_id": "sprache", "search": "online"}, ["online"]),
]


def test_service_filters(client, region):
    ids = {
        key: str(region[key].hsds_id)
        for key in ("diakonie", "caritas", "sprache", "frauen", "duldung", "bergheim")
    } | {key: t.id for key, t in TAXONOMIES.items()}
    for params, expected in SERVICE_FILTER_CASES:
        query = {k: ids.get(v, v) for k, v in params.items()}
        found = _ids(_ok(client, "/services", query))
        assert found == _hsds(*(region[key] for key in expected)), params


def test_modified_after_keeps_recently_changed_offers_and_rules(client, region):
    OfferPage.objects.update(last_published_at=datetime(2025, 1, 1, tzinfo=UTC))
    OfferPage.objects.filter(pk=region["laden"].pk).update(
        last_published_at=datetime(2025, 6, 1, 12, tzinfo=UTC)
    )
    Responsibility.objects.update(updated_at=datetime(2025, 1, 1, tzinfo=UTC))
    for value in ("2025-06-01T12:00:00Z", "2025-06-01T14:00:00+02:00", "2025-03-01"):
        body = _ok(client, "/services", {"modified_after": value})
        assert _ids(body) == _hsds(region["laden"]), value
    # "+" unencoded in a query string arrives as a space
    late = client.get(f"{API}/services?modified_after=2025-06-01T14:00:01+02:00")
    assert late.json()["contents"] == []
    everything = _ok(client, "/services", {"modified_after": "2024-12-31"})
    assert everything["total_items"] == _ok(client, "/services")["total_items"]
    # Editing a rule makes it count as changed now.
    rule = region["rule"]
    rule.save()
    body = _ok(client, "/services", {"modified_after": "2025-03-01"})
    assert _ids(body) == _hsds(region["laden"], rule)


def test_every_term_filter_finds_exactly_the_services_that_use_the_term(client, region):
    services = _all(client, "/services", {"full": "true"})
    for term in _all(client, "/taxonomy_terms"):
        found = _ids(_ok(client, "/services", {"taxonomy_term_id": term["id"]}))
        using = [s["id"] for s in services if term["id"] in terms_used_by(s)]
        assert found == using, term["code"]
    for taxonomy in TAXONOMIES.values():
        found = _ids(_ok(client, "/services", {"taxonomy_id": taxonomy.id}))
        using = [
            s["id"]
            for s in services
            if any(t["taxonomy_id"] == taxonomy.id for t in terms_used_by(s).values())
        ]
        assert found == using, taxonomy.key


def test_service_at_location_filters(client, region):
    def names(params):
        return [
            (item["service"]["name"], item["location"]["name"])
            for item in _all(client, "/service_at_locations", params)
        ]

    assert names({"postcode": "86199"}) == [
        ("Jobberatung", "Caritas Bergheim"),
        ("Sprachkurs finden", "Caritas Bergheim"),  # its service area lists 86199
        ("Kleidung bekommen", "Diakonie-Laden"),  # a rule for the whole region
    ]
    assert names({"postcode": "86152"}) == [
        ("Deutschkurs für Frauen", "Caritas-Zentrum"),  # in Auenstadt, which has 86152
        ("Jobberatung", "Caritas-Zentrum"),
        ("Kleiderladen", "Diakonie-Laden"),
        ("Kleidung bekommen", "Diakonie-Laden"),
    ]
    assert names({"postcode": "12345"}) == []
    # Bergheim's centre is 0 m from the branch, ~24 km from Auenstadt
    assert names({"postcode": "86199", "proximity": "1000"}) == [
        ("Jobberatung", "Caritas Bergheim"),
        ("Sprachkurs finden", "Caritas Bergheim"),
    ]
    assert len(names({"postcode": "86199", "proximity": "30000"})) == 6
    assert names({"postcode": "86150", "proximity": "200"}) == [
        ("Deutschkurs für Frauen", "Caritas-Zentrum"),
        ("Jobberatung", "Caritas-Zentrum"),
    ]
    assert names({"organization_id": str(region["diakonie"].hsds_id)}) == [
        ("Kleiderladen", "Diakonie-Laden"),
        ("Kleidung bekommen", "Diakonie-Laden"),
    ]
    assert names({"taxonomy_term_id": str(region["sprache"].hsds_id)}) == [
        ("Deutschkurs für Frauen", "Caritas-Zentrum"),
        ("Sprachkurs finden", "Caritas Bergheim"),
    ]
    assert names({"search": "kleider"}) == [("Kleiderladen", "Diakonie-Laden")]


def test_organization_and_term_search(client, region):
    assert _ids(_ok(client, "/organizations", {"search": "diakonie"})) == _hsds(
        region["diakonie"]
    )
    assert _ids(_ok(client, "/organizations", {"search": "Kurse"})) == _hsds(
        region["caritas"]
    )
    arabic = _ok(client, "/organizations", {"search": "كاريتاس", "lang": "ar"})
    assert _ids(arabic) == _hsds(region["caritas"])
    assert [t["code"] for t in _all(client, "/taxonomy_terms", {"search": "berg"})] == [
        "bergheim"
    ]
    assert [
        t["code"] for t in _all(client, "/taxonomy_terms", {"search": "اللغة"})
    ] == []
    assert [
        t["code"]
        for t in _all(client, "/taxonomy_terms", {"search": "اللغة", "lang": "ar"})
    ] == ["sprache"]
    assert [t["name"] for t in _all(client, "/taxonomies", {"search": "district"})] == [
        "Wegweiser districts"
    ]


# --- language ---------------------------------------------------------------------


def test_language_from_parameter_or_accept_language(client, region):
    path = f"/services/{region['kurs'].hsds_id}"
    assert _ok(client, path)["name"] == "Deutschkurs für Frauen"
    arabic = _ok(client, path, {"lang": "ar"})
    assert arabic["name"] == "دورة لغة ألمانية للنساء"
    assert arabic["url"].split("/")[3] == "ar"
    assert arabic["organization"]["name"] == "كاريتاس أويينتال"
    header = _ok(client, path, HTTP_ACCEPT_LANGUAGE="ar-SA,ar;q=0.9,de;q=0.5")
    assert header == arabic
    # the parameter wins over the header
    assert _ok(client, path, {"lang": "de"}, HTTP_ACCEPT_LANGUAGE="ar")["name"] == (
        "Deutschkurs für Frauen"
    )
    # an untranslated field falls back to German
    assert _ok(client, f"/services/{region['beratung'].hsds_id}", {"lang": "ar"})[
        "name"
    ] == ("Jobberatung")
    # unsupported header languages are skipped
    assert (
        _ok(client, path, HTTP_ACCEPT_LANGUAGE="xx,ar;q=0.5")["name"]
        == (arabic["name"])
    )
    term = _ok(client, f"/taxonomy_terms/{region['sprache'].hsds_id}", {"lang": "ar"})
    assert term["name"] == "اللغة" and term["language"] == "ar"


def test_unknown_language_is_a_400(client, region):
    response = _get(client, "/services", {"lang": "xx"})
    assert response.status_code == 400
    assert "lang" in response.json()["error"]


# --- HTTP -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/services", {"q": "x"}, "q"),
        ("/services", {"postcode": "86150"}, "postcode"),  # not a /services filter
        ("/services", {"page": "0"}, "page"),
        ("/services", {"page": "-1"}, "page"),
        ("/services", {"page": "abc"}, "page"),
        ("/services", {"page": "1.5"}, "page"),
        ("/services", {"page": "99999999999999999999"}, "page"),
        ("/services", {"per_page": "101"}, "per_page"),
        ("/services", {"per_page": "0"}, "per_page"),
        ("/services", {"minimal": "true", "per_page": "1001"}, "per_page"),
        ("/services", {"full": "maybe"}, "full"),
        ("/services", {"taxonomy_term_id": "sprache"}, "taxonomy_term_id"),
        ("/services", {"organization_id": "123"}, "organization_id"),
        ("/services", {"modified_after": "gestern"}, "modified_after"),
        ("/services", {"modified_after": "2025-13-01"}, "modified_after"),
        (
            "/services",
            {"modified_after": "9999-12-31T23:59:59-01:00"},
            "modified_after",
        ),
        ("/services", {"format": "xml"}, "format"),
        ("/service_at_locations", {"proximity": "100"}, "proximity"),
        ("/service_at_locations", {"postcode": "1", "proximity": "-5"}, "proximity"),
        ("/service_at_locations", {"postcode": "1", "proximity": "nan"}, "proximity"),
        ("/service_at_locations", {"postcode": "1", "proximity": "1e309"}, "proximity"),
        ("/service_at_locations", {"postcode": "12345", "proximity": "5"}, "postcode"),
        ("/service_at_locations", {"postcode": "<script>"}, "postcode"),
        ("/taxonomy_terms", {"parent_id": "x"}, "parent_id"),
        ("/taxonomy_terms", {"top_only": "2"}, "top_only"),
        ("/organizations", {"organization_id": UNKNOWN}, "organization_id"),
        ("/organizations/not-a-uuid", {}, "id"),
        ("/services/123", {}, "id"),
        ("/service_at_locations/x", {}, "id"),
        ("/taxonomies/x", {}, "id"),
        ("/taxonomy_terms/x", {}, "id"),
        ("/services/" + UNKNOWN, {"full": "true"}, "full"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(
    client, db, path, params, parameter
):
    response = _get(client, path, params)
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == parameter
    assert parameter in body["error"]


def test_a_parameter_given_twice_is_a_400(client, db):
    response = _get(client, "/services?page=1&page=2")
    assert response.status_code == 400
    assert response.json()["parameter"] == "page"


@pytest.mark.parametrize(
    "path",
    [
        "/services/" + UNKNOWN,
        "/organizations/" + UNKNOWN,
        "/service_at_locations/" + UNKNOWN,
        "/taxonomies/" + UNKNOWN,
        "/taxonomy_terms/" + UNKNOWN,
        "/nothing",
        "/services/" + UNKNOWN + "/more",
    ],
)
def test_unknown_ids_and_paths_are_a_json_404(client, db, path):
    response = _get(client, path)
    assert response.status_code == 404
    assert response.json()["error"]


def test_hidden_records_appear_nowhere(client, region):
    hidden = _hsds(*region["hidden"])
    seen = ""
    for path, params in [
        ("/services", {"full": "true"}),
        ("/services", {"minimal": "true"}),
        ("/organizations", {"full_service": "true"}),
        ("/service_at_locations", {"full": "true"}),
    ]:
        seen += json.dumps(_all(client, path, params))
    assert "Caritas-Zentrum" in seen  # the text has the public records
    for hsds_id in hidden:
        assert hsds_id not in seen
    for record in region["hidden"]:
        for path in ("/services/", "/organizations/"):
            assert _get(client, f"{path}{record.hsds_id}").status_code == 404
    assert "Geschlossen" not in seen and "Entwurf" not in seen


def test_ndjson_streams_every_result_without_paging(client, region):
    response = client.get(f"{API}/services", {"format": "ndjson", "per_page": 1})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == _ids(_ok(client, "/services"))


# --- schemas ----------------------------------------------------------------------


def test_every_document_is_valid_hsds(client, region):
    checks = [
        ("/services", {}, "service"),
        ("/services", {"full": "true"}, "service"),
        ("/organizations", {}, "organization"),
        ("/organizations", {"full_service": "true"}, "organization"),
        ("/service_at_locations", {}, "service_at_location"),
        ("/service_at_locations", {"full": "true"}, "service_at_location"),
        ("/taxonomies", {}, "taxonomy"),
        ("/taxonomy_terms", {}, "taxonomy_term"),
    ]
    for path, params, schema in checks:
        for document in _all(client, path, params):
            assert not problems(document, schema), (path, params, document["id"])
            for service in document.get("services", []):
                assert not problems(service, "service")
            if "service" in document:
                assert not problems(document["service"], "service")
                assert not problems(document["location"], "location")


@pytest.fixture(scope="module")
def spec():
    return openapi.document()


def test_openapi_documents_every_endpoint_and_parameter(spec):
    documented = {path for path in spec["paths"] if path.startswith("/api/hsds/")}
    assert documented == {
        "/api/hsds/",
        "/api/hsds/services",
        "/api/hsds/services/{id}",
        "/api/hsds/organizations",
        "/api/hsds/organizations/{id}",
        "/api/hsds/service_at_locations",
        "/api/hsds/service_at_locations/{id}",
        "/api/hsds/taxonomies",
        "/api/hsds/taxonomies/{id}",
        "/api/hsds/taxonomy_terms",
        "/api/hsds/taxonomy_terms/{id}",
    }
    services = spec["paths"]["/api/hsds/services"]["get"]["parameters"]
    names = {
        (
            p.get("name")
            or spec["components"]["parameters"][p["$ref"].split("/")[-1]]["name"]
        )
        for p in services
    }
    assert names == {*ServiceListView.parameters(), "Accept-Language"}
    assert names == {
        "page",
        "per_page",
        "search",
        "format",
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "modified_after",
        "minimal",
        "full",
        "lang",
        "Accept-Language",
    }


@pytest.mark.parametrize(
    ("url", "path", "status"),
    [
        ("/", "/api/hsds/", 200),
        ("/services", "/api/hsds/services", 200),
        ("/services?full=true", "/api/hsds/services", 200),
        ("/services?minimal=true", "/api/hsds/services", 200),
        ("/services?page=0", "/api/hsds/services", 400),
        ("/services/{kurs}", "/api/hsds/services/{id}", 200),
        ("/services/{rule}", "/api/hsds/services/{id}", 200),
        ("/services/" + UNKNOWN, "/api/hsds/services/{id}", 404),
        ("/organizations", "/api/hsds/organizations", 200),
        ("/organizations?full=true", "/api/hsds/organizations", 200),
        ("/organizations/{caritas}", "/api/hsds/organizations/{id}", 200),
        ("/service_at_locations", "/api/hsds/service_at_locations", 200),
        ("/service_at_locations?full=1", "/api/hsds/service_at_locations", 200),
        ("/service_at_locations/{at}", "/api/hsds/service_at_locations/{id}", 200),
        ("/taxonomies", "/api/hsds/taxonomies", 200),
        ("/taxonomies/{topics}", "/api/hsds/taxonomies/{id}", 200),
        ("/taxonomy_terms", "/api/hsds/taxonomy_terms", 200),
        ("/taxonomy_terms/{sprache}", "/api/hsds/taxonomy_terms/{id}", 200),
    ],
)
def test_responses_match_our_openapi_document(client, region, spec, url, path, status):
    at = _all(client, "/service_at_locations")[0]["id"]
    ids = {
        "kurs": region["kurs"].hsds_id,
        "rule": region["rule"].hsds_id,
        "caritas": region["caritas"].hsds_id,
        "sprache": region["sprache"].hsds_id,
        "topics": TAXONOMIES["topics"].id,
        "at": at,
    }
    response = _get(client, url.format(**ids))
    assert response.status_code == status
    for header in _response(spec, path, status).get("headers", {}):
        assert response.has_header(header), header
    assert "Accept-Language" in response["Vary"]
    validator = _validator(spec, path, status)
    _assert_valid(validator, response.json())
    assert not validator.is_valid([])  # the schema is resolved, not vacuous


# --- performance ------------------------------------------------------------------


def _queries(client, path, params):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"{API}{path}", params).status_code == 200
    return len(captured)


def _more_offers(region, n):
    start = OfferPage.objects.count()
    for i in range(start, start + n):
        published_offer(
            region["caritas"],
            slug=f"mehr-{i}",
            texts={"title": {"de": f"Mehr {i}"}, "summary": {"de": "Noch eins"}},
            topics=[region["sprache"], region["arbeit"]],
            target_groups=[region["frauen"]],
            contact_points=[region["centre"], region["branch"]],
        )


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/services", {"full": "true"}),
        ("/services", {}),
        ("/services", {"minimal": "true"}),
        ("/organizations", {"full_service": "true"}),
        ("/service_at_locations", {"full": "true"}),
        ("/service_at_locations", {"postcode": "86150", "proximity": "5000"}),
    ],
)
def test_query_count_does_not_grow_with_the_data(client, region, path, params):
    _more_offers(region, 3)
    few = _queries(client, path, params)
    _more_offers(region, 15)  # still one page, with two places each
    assert _all(client, "/services", {"minimal": "true"})[-1]["id"] == str(
        region["rule_region"].hsds_id
    )
    assert _queries(client, path, params) == few


# --- odd input --------------------------------------------------------------------

PARAMETERS = [
    "page",
    "per_page",
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "minimal",
    "full",
    "full_service",
    "postcode",
    "proximity",
    "top_only",
    "parent_id",
    "format",
    "lang",
    "unknown",
]
ENDPOINTS = [
    "/services",
    "/organizations",
    "/service_at_locations",
    "/taxonomies",
    "/taxonomy_terms",
    "/services/" + UNKNOWN,
]


@hypothesis_settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.sampled_from(ENDPOINTS),
    st.dictionaries(
        st.sampled_from(PARAMETERS),
        st.one_of(
            st.text(max_size=60),
            st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
            st.sampled_from(
                [
                    "1",
                    "0",
                    "-1",
                    "100",
                    "1e309",
                    "nan",
                    "true",
                    "false",
                    "ar",
                    "86150",
                    "ndjson",
                    UNKNOWN,
                    "2025-01-01",
                    "2025-01-01T00:00:00+14:00",
                    "0001-01-01T00:00:00+01:00",
                    "' OR 1=1 --",
                    "\x00",
                    "%00",
                ]
            ),
        ),
        max_size=5,
    ),
)
def test_any_parameters_give_an_answer_never_a_failure(
    client, region, endpoint, params
):
    response = client.get(f"{API}{endpoint}", params)
    assert response.status_code in (200, 400, 404)
    if response.status_code == 404:
        assert endpoint.endswith(UNKNOWN)
    if response.streaming:
        b"".join(response.streaming_content)
        return
    body = response.json()
    assert ("error" in body) == (response.status_code != 200)


def test_full_service_refuses_to_nest_more_than_fits_in_one_answer(
    client, region, monkeypatch
):
    monkeypatch.setattr(selectors, "MAX_FULL_SERVICES", 1)

    response = _get(client, "/organizations", {"full_service": "true"})

    assert response.status_code == 400
    assert response.json()["parameter"] == "full_service"
    assert "organization_id" in response.json()["error"]
    assert _get(client, "/organizations", {"full": "true"}).status_code == 200

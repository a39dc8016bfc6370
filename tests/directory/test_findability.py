"""Findable public pages (issue 13, point 4): the sitemap with hreflang alternates,
robots.txt, canonical and alternate links, Open Graph, schema.org JSON-LD checked
against schema.org's shapes, and the share image.
"""

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import date, time, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Page

from directory import seo, seo_views, share_images
from directory.models import AgencyPage, OfferPage, OpeningException, OpeningSlot
from directory.models import base as base_models
from tests.factories import (
    AgencyPageFactory,
    ContactPointPageFactory,
    LanguageFactory,
    TargetGroupFactory,
    TopicFactory,
    published_offer,
    translate,
)

SITE = "https://wegweiser.example"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def topic(db):
    topic = TopicFactory(slug="sprache")
    translate(topic, "name", de="Sprache", ar="اللغة", en="Language")
    topic.save()
    return topic


@pytest.fixture
def point(agency):
    point = ContactPointPageFactory(
        parent=agency, title="Caritas-Zentrum", title_de="Caritas-Zentrum"
    )
    OpeningSlot.objects.create(page=point, weekday=0, opens=time(9), closes=time(12))
    OpeningSlot.objects.create(
        page=point, weekday=2, opens=time(14), closes=time(17, 30)
    )
    point.save_revision().publish()
    return point


@pytest.fixture
def offer(agency, topic, point):
    return published_offer(
        agency,
        slug="deutschkurs",
        texts={
            "title": {"de": "Deutschkurs für Frauen", "ar": "دورة لغة ألمانية للنساء"},
            "summary": {
                "de": "Mit Kinderbetreuung im Haus.",
                "ar": "مع رعاية الأطفال في المبنى.",
            },
        },
        topics=[topic],
        contact_points=[point],
        languages=[LanguageFactory(code="ar")],
        target_groups=[TargetGroupFactory(name="Frauen", name_de="Frauen")],
    )


def url_in(page, language: str) -> str:
    with translation.override(language):
        return page.url


# --- a small reader of what the head says ---------------------------------------------


class Head(HTMLParser):
    """Links, meta tags and JSON-LD scripts of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[dict] = []
        self.meta: list[dict] = []
        self.scripts: list[str] = []
        self._in_ld = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link":
            self.links.append(attributes)
        elif tag == "meta":
            self.meta.append(attributes)
        elif tag == "script" and attributes.get("type") == "application/ld+json":
            self._in_ld = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.scripts[-1] += data

    def canonical(self) -> list[str]:
        return [link["href"] for link in self.links if link.get("rel") == "canonical"]

    def alternates(self) -> dict[str, str]:
        return {
            link["hreflang"]: link["href"]
            for link in self.links
            if link.get("rel") == "alternate" and "hreflang" in link
        }

    def prop(self, name: str) -> list[str]:
        return [
            meta["content"]
            for meta in self.meta
            if meta.get("property") == name or meta.get("name") == name
        ]

    def json_ld(self) -> list[dict]:
        return [json.loads(text) for text in self.scripts]


def head_of(client, url: str, status: int = 200) -> Head:
    response = client.get(url)
    assert response.status_code == status, url
    return Head(response.content.decode())


# --- schema.org shapes (a subset of the vocabulary, with inherited properties) --------

THING = {
    "@context",
    "@type",
    "@id",
    "name",
    "description",
    "url",
    "image",
    "sameAs",
    "identifier",
    "alternateName",
}
ORGANIZATION = THING | {
    "logo",
    "email",
    "telephone",
    "contactPoint",
    "address",
    "location",
    "parentOrganization",
    "knowsLanguage",
    "department",
    "areaServed",
    "legalName",
}
PLACE = THING | {
    "address",
    "geo",
    "telephone",
    "openingHoursSpecification",
    "amenityFeature",
    "containedInPlace",
    "publicAccess",
    "isAccessibleForFree",
    "hasMap",
    "faxNumber",
}
CONTACT_POINT = THING | {
    "contactType",
    "telephone",
    "email",
    "availableLanguage",
    "hoursAvailable",
    "areaServed",
    "faxNumber",
}
PROPERTIES = {
    "Service": THING
    | {
        "provider",
        "areaServed",
        "audience",
        "availableChannel",
        "category",
        "hoursAvailable",
        "offers",
        "serviceType",
        "termsOfService",
        "logo",
        "brand",
    },
    "Organization": ORGANIZATION,
    "GovernmentOrganization": ORGANIZATION,
    "Place": PLACE,
    "City": PLACE,
    # LocalBusiness is both an Organization and a Place.
    "GovernmentOffice": PLACE | ORGANIZATION | {"openingHours", "branchOf"},
    "PostalAddress": CONTACT_POINT
    | {
        "streetAddress",
        "postalCode",
        "addressLocality",
        "addressRegion",
        "addressCountry",
        "postOfficeBoxNumber",
    },
    "GeoCoordinates": THING | {"latitude", "longitude", "elevation", "address"},
    "OpeningHoursSpecification": THING
    | {"dayOfWeek", "opens", "closes", "validFrom", "validThrough"},
    "ContactPoint": CONTACT_POINT,
    "ServiceChannel": THING
    | {
        "serviceLocation",
        "availableLanguage",
        "serviceUrl",
        "servicePhone",
        "providesService",
        "processingTime",
    },
    "Audience": THING | {"audienceType", "geographicArea"},
    "Language": THING,
    "Offer": THING
    | {"price", "priceCurrency", "availability", "eligibleRegion", "category"},
    "LocationFeatureSpecification": THING
    | {"value", "hoursAvailable", "validFrom", "validThrough", "propertyID"},
    "WebSite": THING | {"inLanguage", "publisher", "about", "keywords"},
}
# Which types a property's object may have (schema.org ranges, subtypes included).
RANGES = {
    "provider": {"Organization", "GovernmentOrganization"},
    "parentOrganization": {"Organization", "GovernmentOrganization"},
    "address": {"PostalAddress"},
    "geo": {"GeoCoordinates"},
    "openingHoursSpecification": {"OpeningHoursSpecification"},
    "hoursAvailable": {"OpeningHoursSpecification"},
    "availableChannel": {"ServiceChannel"},
    "serviceLocation": {"Place", "GovernmentOffice"},
    "audience": {"Audience"},
    "availableLanguage": {"Language"},
    "knowsLanguage": {"Language"},
    "areaServed": {"City", "Place"},
    "offers": {"Offer"},
    "contactPoint": {"ContactPoint"},
    "amenityFeature": {"LocationFeatureSpecification"},
}
DAY = re.compile(
    r"https://schema\.org/(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
)
CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")
URL = re.compile(r"https?://[^\s]+")


def shape_errors(node, where: str = "$") -> list[str]:
    """What in ``node`` (a JSON-LD object) does not fit schema.org; [] if it fits."""
    errors: list[str] = []
    kind = node.get("@type")
    if kind not in PROPERTIES:
        return [f"{where}: unknown or missing @type {kind!r}"]
    for name, value in node.items():
        here = f"{where}.{name}"
        if name not in PROPERTIES[kind]:
            errors.append(f"{here}: {kind} has no property {name!r}")
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                if name in RANGES and item.get("@type") not in RANGES[name]:
                    errors.append(f"{here}: {item.get('@type')!r} not allowed")
                errors += shape_errors(item, here)
            elif name in RANGES:
                errors.append(f"{here}: expected a {sorted(RANGES[name])} object")
            elif name == "dayOfWeek" and not DAY.fullmatch(str(item)):
                errors.append(f"{here}: {item!r} is no schema.org DayOfWeek")
            elif name in ("opens", "closes") and not CLOCK.fullmatch(str(item)):
                errors.append(f"{here}: {item!r} is no HH:MM[:SS] time")
            elif name in ("validFrom", "validThrough"):
                date.fromisoformat(item)
            elif name in ("url", "logo", "sameAs", "serviceUrl", "@context"):
                if not URL.fullmatch(str(item)):
                    errors.append(f"{here}: {item!r} is no absolute URL")
            elif name in ("latitude", "longitude"):
                if not isinstance(item, int | float):
                    errors.append(f"{here}: {item!r} is no number")
            elif name == "email" and "@" not in str(item):
                errors.append(f"{here}: {item!r} is no email address")
            elif not isinstance(item, str | int | float | bool):
                errors.append(f"{here}: {item!r} has no JSON-LD value type")
    if kind == "OpeningHoursSpecification" and not {"opens", "closes"} <= set(node):
        errors.append(f"{where}: opening hours need opens and closes")
    return errors


def test_the_shape_checker_finds_what_does_not_fit():
    wrong = {
        "@type": "Place",
        "email": "a@b.example",
        "openingHoursSpecification": [
            {"@type": "OpeningHoursSpecification", "dayOfWeek": "Mo", "opens": "9"}
        ],
        "geo": "48.6,10.2",
    }
    errors = shape_errors(wrong)
    assert any("no property 'email'" in error for error in errors)
    assert any("no schema.org DayOfWeek" in error for error in errors)
    assert any("no HH:MM" in error for error in errors)
    assert any("need opens and closes" in error for error in errors)
    assert any("expected a ['GeoCoordinates'] object" in error for error in errors)
    assert shape_errors({"@type": "Thing"}) == ["$: unknown or missing @type 'Thing'"]


# --- sitemap --------------------------------------------------------------------------


def xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own answer, not untrusted


def text(element: ET.Element | None) -> str:
    assert element is not None and element.text is not None
    return element.text


def sitemap_urls(client) -> dict[str, dict[str, str]]:
    """Every <loc> of every section the index names, with its alternates."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    assert index["Content-Type"].startswith("application/xml")
    root = xml(index.content)
    assert root.tag == f"{SITEMAP}sitemapindex"
    urls: dict[str, dict[str, str]] = {}
    for loc in root.iter(f"{SITEMAP}loc"):
        assert text(loc).startswith(f"{SITE}/sitemap-")
        section = client.get(text(loc).removeprefix(SITE))
        assert section.status_code == 200, loc.text
        urlset = xml(section.content)
        assert urlset.tag == f"{SITEMAP}urlset"
        for url in urlset.findall(f"{SITEMAP}url"):
            location = text(url.find(f"{SITEMAP}loc"))
            assert location not in urls, f"{location} listed twice"
            urls[location] = {
                str(link.get("hreflang")): str(link.get("href"))
                for link in url.findall(f"{XHTML}link")
                if link.get("rel") == "alternate"
            }
    return urls


def test_sitemap_lists_visible_pages_in_the_languages_they_exist_in(
    client, home, agency, offer, point, topic
):
    today = timezone.localdate()
    hidden = {
        "ended": published_offer(
            agency, texts={"title": {"de": "Beendet"}}, status=OfferPage.Status.ENDED
        ),
        "past": published_offer(
            agency,
            texts={"title": {"de": "Vorbei"}},
            end_date=today - timedelta(days=1),
        ),
        "stale": published_offer(agency, texts={"title": {"de": "Veraltet"}}),
        "unpublished": published_offer(agency, texts={"title": {"de": "Entwurf"}}),
    }
    OfferPage.objects.filter(pk=hidden["stale"].pk).update(
        assured_date=today - timedelta(days=3 * 365)
    )
    hidden["unpublished"].unpublish()
    # A page of another kind (the site's information pages): listed too.
    imprint = home.add_child(instance=Page(title="Impressum", slug="impressum"))

    urls = sitemap_urls(client)

    german, arabic = (SITE + url_in(offer, code) for code in ("de", "ar"))
    assert urls[german] == {"de": german, "ar": arabic, "x-default": german}
    assert urls[arabic] == urls[german]
    assert SITE + url_in(offer, "en") not in urls  # no English title: no English page
    agency_de = SITE + url_in(agency, "de")
    assert urls[agency_de] == {"de": agency_de, "x-default": agency_de}
    assert SITE + url_in(point, "de") in urls
    imprint_de = f"{SITE}/de/impressum/"
    assert urls[imprint_de] == {"de": imprint_de, "x-default": imprint_de}
    imprint.unpublish()
    assert imprint_de not in sitemap_urls(client)
    for page in hidden.values():
        assert not [url for url in urls if url.endswith(f"/{page.slug}/")], page.slug
    # Site pages exist in every language; a topic where its name is translated.
    assert len(urls[f"{SITE}/de/"]) == 11 + 1
    assert f"{SITE}/fa/who-is-responsible/" in urls
    assert f"{SITE}/ar/agencies/" in urls
    assert set(urls[f"{SITE}/de/topics/sprache/"]) == {"de", "en", "ar", "x-default"}


def test_a_language_counts_when_a_main_text_is_translated(home, agency, offer):
    assert seo.languages_of(agency) == ["de"]
    translate(agency, "description", ar="جمعية خيرية في المدينة")
    agency.save()
    assert seo.languages_of(agency) == ["de", "ar"]
    translate(offer, "seo_title", en="German course")
    offer.save()
    assert seo.languages_of(offer) == ["de", "ar"]
    translate(offer, "summary", en="With childcare in the house.")
    offer.save()
    assert seo.languages_of(offer) == ["de", "en", "ar"]


def test_languages_need_no_hash_of_the_german_text(
    home, agency, offer, topic, monkeypatch
):
    def status_languages(obj) -> list[str]:  # the definition by translation_status
        fields = seo.MAIN_FIELDS[type(obj).__name__]
        return ["de"] + [
            code
            for code in seo.other_languages()
            if obj.translation_status(code) != "missing"
            and any(str(getattr(obj, f"{f}_{code}", "") or "").strip() for f in fields)
        ]

    translate(offer, "seo_title", en="German course")  # not a main field
    translate(offer, "title", de="Deutschkurs am Abend")  # Arabic now outdated
    offer.save()
    translate(agency, "description", uk="Благодійна організація")
    agency.save()
    objects = [offer, agency, topic, OfferPage.objects.get(pk=offer.pk)]
    expected = [status_languages(obj) for obj in objects]
    assert expected[0] == ["de", "ar"] and expected[1] == ["de", "uk"]

    def no_hashing(values):
        raise AssertionError("languages_of hashed the German text")

    monkeypatch.setattr(base_models, "text_digest", no_hashing)
    assert [seo.languages_of(obj) for obj in objects] == expected


def test_sitemap_has_last_modified_and_pages_of_at_most_the_limit(
    client, home, agency, offer, monkeypatch
):
    from directory.sitemaps import OfferSitemap

    monkeypatch.setattr(OfferSitemap, "limit", 1)  # two URLs: de and ar
    root = xml(client.get("/sitemap.xml").content)
    sections = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    assert f"{SITE}/sitemap-offers.xml" in sections
    assert f"{SITE}/sitemap-offers.xml?p=2" in sections
    second = xml(client.get("/sitemap-offers.xml?p=2").content)
    (url,) = second.findall(f"{SITEMAP}url")
    assert text(url.find(f"{SITEMAP}lastmod")).startswith(str(timezone.now().year))
    assert client.get("/sitemap-offers.xml?p=3").status_code == 404
    assert client.get("/sitemap-offers.xml?p=zwei").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_sitemap_pages_stay_under_50_megabytes(settings):
    from directory.sitemaps import SECTIONS

    # Each address carries an alternate per language and x-default; one <url>
    # with all of them is under 1,000 bytes (50 MB / 50,000 addresses' links).
    links_per_url = len(settings.LANGUAGES) + 1
    for section in SECTIONS.values():
        assert section.limit * links_per_url <= 50000, section


@pytest.mark.parametrize("number", ["%C2%B2", "%D9%A3", "1234567", "-1", "+2", "2.0"])
def test_a_sitemap_page_number_that_is_none_is_a_404(client, home, number):
    assert client.get(f"/sitemap-offers.xml?p={number}").status_code == 404


def test_sitemap_follows_a_publication_at_once(client, home, agency, offer):
    first = sitemap_urls(client)
    offer.unpublish()
    assert SITE + url_in(offer, "de") in first
    assert SITE + url_in(offer, "de") not in sitemap_urls(client)


# --- robots.txt -----------------------------------------------------------------------


def robots_allows(rules: list[tuple[str, str]], path: str) -> bool:
    """RFC 9309: the longest matching rule wins, Allow on a tie."""
    matching = [
        (len(value), kind == "allow") for kind, value in rules if path.startswith(value)
    ]
    return max(matching, default=(0, True))[1]


def test_robots_txt_keeps_crawlers_to_the_public_site(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    rules = [
        (kind.lower(), value.strip())
        for kind, _sep, value in (line.partition(":") for line in lines[1:])
        if kind in ("Allow", "Disallow")
    ]
    for path in ("/de/", "/ar/caritas/deutschkurs/", "/de/search/", "/api/docs/"):
        assert robots_allows(rules, path), path
    for path in (
        "/admin/",
        "/admin/pages/3/edit/preview/",
        "/api/hsds/services",
        "/de/search/?q=kurs",
        "/fa/search/?topic=sprache",
        "/de/newsletter/confirm/abc/",
        "/newsletter/unsubscribe/abc/",
    ):
        assert not robots_allows(rules, path), path


# --- the head: canonical, alternates, Open Graph --------------------------------------


def test_offer_head_in_german_and_arabic(client, home, agency, offer):
    german, arabic = (SITE + url_in(offer, code) for code in ("de", "ar"))
    for language, own in (("de", german), ("ar", arabic)):
        head = head_of(client, url_in(offer, language) + "?utm_source=news&page=1")
        assert head.canonical() == [own]
        assert head.alternates() == {"de": german, "ar": arabic, "x-default": german}
        assert head.prop("og:url") == [own]
        assert head.prop("og:type") == ["website"]
        assert head.prop("og:site_name") == ["Wegweiser"]
        assert head.prop("robots") == []
        assert head.prop("og:locale") == [{"de": "de_DE", "ar": "ar_AR"}[language]]
        assert head.prop("og:locale:alternate") == [
            {"de": "ar_AR", "ar": "de_DE"}[language]
        ]
    assert head.prop("og:title") == ["دورة لغة ألمانية للنساء"]
    assert head.prop("og:description") == ["مع رعاية الأطفال في المبنى."]
    assert head.prop("description") == ["مع رعاية الأطفال في المبنى."]
    (image,) = head.prop("og:image")
    assert image.startswith(f"{SITE}/share-image/{offer.pk}-ar.png?v=")
    assert head.prop("og:image:width") == ["1200"]
    assert head.prop("og:image:height") == ["630"]
    assert head.prop("og:image:alt") == ["دورة لغة ألمانية للنساء"]
    assert head.prop("twitter:card") == ["summary_large_image"]


def test_a_page_not_in_the_readers_language_points_to_german(
    client, home, agency, offer
):
    german = SITE + url_in(offer, "de")
    head = head_of(client, url_in(offer, "en"))
    assert head.canonical() == [german]
    assert set(head.alternates()) == {"de", "ar", "x-default"}
    assert head.prop("og:locale") == ["en_GB"]


def test_paging_stays_in_the_canonical_address(client, home, agency, offer):
    head = head_of(client, url_in(agency, "de") + "?page=2&fbclid=x")
    assert head.canonical() == [SITE + url_in(agency, "de") + "?page=2"]


@pytest.mark.parametrize(
    ("value", "query"),
    [
        ("2", "?page=2"),
        ("02", "?page=2"),
        ("9999", "?page=9999"),
        ("1", ""),
        ("0", ""),
        ("10000", ""),
        ("²", ""),
        ("٣", ""),
        ("-2", ""),
        (" 2", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_the_canonical_page_number(value, query):
    assert seo.canonical_query(value) == query


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("?page=02", "?page=2"),
        ("?page=1", ""),
        ("?page=%C2%B2", ""),
        ("?page=10000", ""),
    ],
)
def test_odd_page_numbers_get_a_plain_canonical(
    client, home, agency, offer, query, canonical
):
    head = head_of(client, url_in(agency, "de") + query)
    assert head.canonical() == [SITE + url_in(agency, "de") + canonical]
    head = head_of(client, url_in(offer, "de") + query)
    assert head.canonical() == [SITE + url_in(offer, "de") + canonical]


def test_search_results_are_not_indexed(client, home):
    head = head_of(client, "/en/search/?q=kurs")
    assert head.prop("robots") == ["noindex"]
    assert head.canonical() == []
    assert head.json_ld() == []
    empty = head_of(client, "/en/search/")
    assert empty.prop("robots") == []
    assert empty.canonical() == [f"{SITE}/en/search/"]
    assert len(empty.alternates()) == 12


def test_an_offer_readers_may_not_see_gets_no_indexable_tags(
    client, home, agency, offer
):
    OfferPage.objects.filter(pk=offer.pk).update(status=OfferPage.Status.ENDED)
    head = head_of(client, url_in(offer, "de"), status=404)
    assert head.prop("robots") == ["noindex"]
    assert head.canonical() == []
    assert head.alternates() == {}
    assert head.json_ld() == []


# --- JSON-LD --------------------------------------------------------------------------


def test_offer_is_a_schema_org_service(client, home, agency, offer, point):
    (data,) = head_of(client, url_in(offer, "de")).json_ld()
    assert shape_errors(data) == []
    assert data["@type"] == "Service"
    assert data["name"] == "Deutschkurs für Frauen"
    assert data["url"] == SITE + url_in(offer, "de")
    assert data["provider"] == {
        "@type": "Organization",
        "name": "Caritas Auental",
        "url": SITE + url_in(agency, "de"),
    }
    assert data["category"] == ["Sprache"]
    assert data["offers"]["price"] == "0"
    (channel,) = data["availableChannel"]
    assert channel["serviceLocation"]["name"] == "Caritas-Zentrum"
    assert [language["alternateName"] for language in channel["availableLanguage"]] == [
        "ar"
    ]
    assert [
        (hours["dayOfWeek"], hours["opens"], hours["closes"])
        for hours in data["hoursAvailable"]
    ] == [
        ("https://schema.org/Monday", "09:00", "12:00"),
        ("https://schema.org/Wednesday", "14:00", "17:30"),
    ]


def test_an_authoritys_contact_point_is_a_government_office(client, home):
    authority = AgencyPageFactory(
        parent=home, title="Ausländerbehörde", agency_type=AgencyPage.Type.AUTHORITY
    )
    point = ContactPointPageFactory(
        parent=authority,
        title="Bürgerbüro",
        email="buero@auental.example",
        phone="+49 821 1234",
    )
    OpeningSlot.objects.create(page=point, weekday=4, opens=time(8), closes=time(12))
    OpeningSlot.objects.create(
        page=point, weekday=1, opens=time(13), closes=time(15), appointment_only=True
    )
    closed_on = timezone.localdate() + timedelta(days=3)
    OpeningException.objects.create(page=point, date=closed_on, closed=True)
    point.languages.set([LanguageFactory(code="uk", native_name="Українська")])
    point.save_revision().publish()

    (data,) = head_of(client, url_in(point, "de")).json_ld()
    assert shape_errors(data) == []
    assert data["@type"] == "GovernmentOffice"
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Marktplatz 1",
        "postalCode": "86150",
        "addressLocality": "Auenstadt",
        "addressRegion": "Bayern",
        "addressCountry": "DE",
    }
    assert data["geo"]["latitude"] == 48.65
    assert data["email"] == "buero@auental.example"
    assert data["parentOrganization"]["name"] == "Ausländerbehörde"
    # The appointment-only slot is no time to walk in; the holiday is closed.
    assert data["openingHoursSpecification"] == [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": "https://schema.org/Friday",
            "opens": "08:00",
            "closes": "12:00",
        },
        {
            "@type": "OpeningHoursSpecification",
            "validFrom": closed_on.isoformat(),
            "validThrough": closed_on.isoformat(),
            "opens": "00:00",
            "closes": "00:00",
        },
    ]


def test_a_welfare_contact_point_is_a_place(client, home, agency, point):
    (data,) = head_of(client, url_in(point, "de")).json_ld()
    assert shape_errors(data) == []
    assert data["@type"] == "Place"


def png_bytes(size=(400, 200), colour="red") -> bytes:
    output = io.BytesIO()
    PILImage.new("RGB", size, colour).save(output, format="PNG")
    return output.getvalue()


@pytest.fixture
def logo(settings, tmp_path, db):
    settings.MEDIA_ROOT = str(tmp_path)
    return get_image_model().objects.create(
        title="Logo", file=ContentFile(png_bytes(), name="logo.png")
    )


def test_agency_is_an_organization_and_its_logo_the_share_image(
    client, home, agency, offer, logo
):
    agency.logo = logo
    agency.website = "https://caritas-auental.example"
    agency.email = "info@caritas-auental.example"
    agency.save_revision().publish()

    head = head_of(client, url_in(agency, "de"))
    (data,) = head.json_ld()
    assert shape_errors(data) == []
    assert data["@type"] == "Organization"
    assert data["sameAs"] == ["https://caritas-auental.example"]
    assert data["logo"].startswith(f"{SITE}/media/images/")
    assert head.prop("og:image") == [data["logo"]]
    assert head.prop("og:image:width") == ["400"]
    assert head.prop("twitter:card") == ["summary"]
    # Its offers share the logo too.
    offer_head = head_of(client, url_in(offer, "ar"))
    assert offer_head.prop("og:image") == [data["logo"]]
    assert offer_head.prop("og:image:alt") == ["Caritas Auental"]


def test_home_page_is_the_website(client, home):
    head = head_of(client, "/en/")
    (data,) = head.json_ld()
    assert shape_errors(data) == []
    assert data == {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": "Wegweiser",
        "url": f"{SITE}/en/",
        "inLanguage": "en",
        "description": (
            "Wegweiser – offers, contact points and responsibilities for refugees "
            "and migrants in the region."
        ),
    }


def test_a_title_cannot_end_the_json_ld_script(client, home, agency):
    title = 'Kurs </script><script>alert("x")</script> & <!-- mehr'
    offer = published_offer(agency, texts={"title": {"de": title}})
    html = client.get(url_in(offer, "de")).content.decode()
    head = Head(html)
    (data,) = head.json_ld()
    assert data["name"] == title
    assert shape_errors(data) == []
    assert "alert(" not in "".join(
        re.findall(r"<script(?![^>]*ld\+json)[^>]*>(.*?)</script>", html, re.S)
    )


# --- share image ----------------------------------------------------------------------


def test_share_image_is_a_1200_by_630_png_made_once(
    client, home, agency, offer, monkeypatch
):
    made = []
    real = share_images.share_image_png

    def counted(**kwargs):
        made.append(kwargs["title"])
        return real(**kwargs)

    monkeypatch.setattr(seo_views, "share_image_png", counted)
    url = f"/share-image/{offer.pk}-ar.png"
    for _ in range(2):
        response = client.get(url + "?v=anything")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        image = PILImage.open(io.BytesIO(response.content))
        assert (image.format, image.size) == ("PNG", (1200, 630))
    assert made == ["دورة لغة ألمانية للنساء"]
    # A publication with the same title draws nothing again; a new title does.
    offer.save_revision().publish()
    client.get(url)
    assert len(made) == 1
    translate(offer, "title", ar="دورة لغة ألمانية")
    offer.save_revision().publish()
    client.get(url)
    client.get(f"/share-image/{offer.pk}-de.png")
    assert made[1:] == ["دورة لغة ألمانية", "Deutschkurs für Frauen"]


def test_a_share_image_only_in_the_languages_the_page_exists_in(
    client, home, agency, offer, monkeypatch
):
    made = []
    real = share_images.share_image_png
    monkeypatch.setattr(
        seo_views,
        "share_image_png",
        lambda **kwargs: made.append(kwargs["title"]) or real(**kwargs),
    )
    german = f"/share-image/{offer.pk}-de.png"
    for language in ("en", "uk", "ti"):  # the offer is German and Arabic only
        response = client.get(f"/share-image/{offer.pk}-{language}.png")
        assert (response.status_code, response["Location"]) == (302, german)
    assert made == []
    # The English page's preview shows the German card straight away.
    head = head_of(client, url_in(offer, "en"))
    (image,) = head.prop("og:image")
    assert image.startswith(f"{SITE}{german}?v=")
    # The home page exists in every language: its title is the site's own.
    assert client.get(f"/share-image/{home.pk}-uk.png").status_code == 200


BRAND_RGB = (11, 92, 171)


def title_pixels(png: bytes) -> int:
    """Drawn (not brand blue) pixels where a card's title goes: below the brand
    and its rule, above the footer band."""
    area = PILImage.open(io.BytesIO(png)).convert("RGB").crop((0, 160, 1200, 540))
    colours: list = area.getcolors(1200 * 380) or []
    drawn = [int(count) for count, colour in colours if colour != BRAND_RGB]
    return sum(drawn)


def test_a_card_being_drawn_is_not_drawn_twice(
    client, home, agency, offer, monkeypatch
):
    made = []
    real = share_images.share_image_png
    monkeypatch.setattr(
        seo_views,
        "share_image_png",
        lambda **kwargs: made.append(kwargs["title"]) or real(**kwargs),
    )
    monkeypatch.setattr(seo_views, "SHARE_IMAGE_WAIT_SECONDS", 0.1)
    card = seo_views.share_card(offer, "de")
    lock = seo_views.share_image_key(card) + ":drawing"
    cache.add(lock, 1, 30)  # another request is drawing this card
    url = f"/share-image/{offer.pk}-de.png"
    response = client.get(url)
    assert response.status_code == 200
    assert title_pixels(response.content) == 0  # the brand-only card …
    assert response["Cache-Control"] == "no-cache"  # … not kept by anyone
    assert "Deutschkurs für Frauen" not in made
    cache.delete(lock)
    response = client.get(url)
    assert title_pixels(response.content) > 0
    assert made.count("Deutschkurs für Frauen") == 1


def test_share_image_only_for_what_readers_may_see(client, home, agency, offer):
    assert client.get(f"/share-image/{offer.pk}-xx.png").status_code == 404
    assert client.get(f"/share-image/{offer.pk + 1000}-de.png").status_code == 404
    offer.unpublish()
    assert client.get(f"/share-image/{offer.pk}-de.png").status_code == 404


def test_share_image_draws_only_what_it_can_shape(settings, tmp_path):
    assert share_images.title_drawable("Deutschkurs für Frauen") == "latin"
    assert share_images.title_drawable("Курс німецької мови") == "latin"
    assert share_images.title_drawable("دورة لغة ألمانية") == "arabic"
    assert share_images.title_drawable("中文课程") is None
    settings.DIRECTORY_SHARE_IMAGE_FONT_DIR = str(tmp_path)  # no fonts at all
    assert share_images.title_drawable("دورة لغة ألمانية") is None
    image = PILImage.open(
        io.BytesIO(share_images.share_image_png(title="دورة لغة ألمانية"))
    )
    assert image.size == (1200, 630)


def test_look_at_the_share_images(client, home, agency, offer, settings, tmp_path):
    """Writes the cards to test-artifacts/ to look at; the title is drawn when its
    letters can be, and the card shows the brand alone when they cannot."""
    folder = Path(__file__).resolve().parents[2] / "test-artifacts"
    folder.mkdir(exist_ok=True)
    for language in ("de", "ar"):
        response = client.get(f"/share-image/{offer.pk}-{language}.png")
        (folder / f"share-image-{language}.png").write_bytes(response.content)
        pixels = PILImage.open(io.BytesIO(response.content)).convert("RGB")
        assert pixels.getpixel((5, 5)) == BRAND_RGB
        assert title_pixels(response.content) > 0
    undrawable = share_images.share_image_png(title="中文课程")
    (folder / "share-image-undrawable.png").write_bytes(undrawable)
    assert title_pixels(undrawable) == 0
    settings.DIRECTORY_SHARE_IMAGE_FONT_DIR = str(tmp_path)  # no fonts at all
    assert title_pixels(share_images.share_image_png(title="دورة لغة ألمانية")) == 0

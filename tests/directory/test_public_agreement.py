"""Every reader of the catalogue shows the same offers: the site's pages, the search
index, the finder, HSDS and the newsletter, on a region with an unpublished agency
(whose offer and contact point are still live), an ended offer, one past its end
date, one nobody confirmed for too long and a private page.
"""

from datetime import date, timedelta

import pytest
from django.utils import translation
from wagtail.models import PageViewRestriction

from directory.finder import Question, responsibilities_for
from directory.models import OfferPage, Responsibility
from directory.selectors import site_root_path
from hsds.documents import Documents, public_agencies, services_all
from newsletter.selectors import suggestions
from search.documents import offer_document
from search.indexing import indexable_offers
from tests.factories import (
    AgencyPageFactory,
    ContactPointPageFactory,
    DistrictFactory,
    TopicFactory,
    published_offer,
)

SHOWN = {"Alpha-Kurs", "Beta-Kurs"}
HIDDEN = {"Ende-Kurs", "Intern-Kurs", "Versteckt-Kurs", "Vorbei-Kurs", "Alt-Kurs"}
EVERY_OFFER = SHOWN | HIDDEN


@pytest.fixture
def region(home, agency):
    """The live ``agency`` with two normal offers, an ended and a private one; an
    unpublished agency with a live offer, contact point and finder rule.
    """
    topic = TopicFactory(slug="sprache", name="Sprache", name_de="Sprache")
    law = TopicFactory(slug="aufenthalt", name="Aufenthalt", name_de="Aufenthalt")
    district = DistrictFactory(slug="bergheim", name="Bergheim", name_de="Bergheim")
    centre = ContactPointPageFactory(
        parent=agency, title="Zentrum", title_de="Zentrum", district=district
    )

    def offer(parent, title, point, **fields):
        return published_offer(
            parent,
            texts={"title": {"de": title}},
            topics=[topic],
            contact_points=[point],
            **fields,
        )

    for title in sorted(SHOWN):
        offer(agency, title, centre)
    offer(agency, "Ende-Kurs", centre, status=OfferPage.Status.ENDED)
    # Its end date has passed; nobody confirmed it for longer than stale + grace.
    offer(agency, "Vorbei-Kurs", centre, end_date=date.today() - timedelta(days=2))
    forgotten = offer(agency, "Alt-Kurs", centre)
    OfferPage.objects.filter(pk=forgotten.pk).update(
        assured_date=date.today() - timedelta(days=400)
    )
    private = offer(agency, "Intern-Kurs", centre)
    PageViewRestriction.objects.create(page=private, restriction_type="login")

    hidden_agency = AgencyPageFactory(
        parent=home, title="Versteckt-Verein", title_de="Versteckt-Verein"
    )
    hidden_point = ContactPointPageFactory(
        parent=hidden_agency,
        title="Versteckt-Laden",
        title_de="Versteckt-Laden",
        district=district,
    )
    hidden_offer = offer(hidden_agency, "Versteckt-Kurs", hidden_point)
    hidden_rule = Responsibility.objects.create(
        title="Versteckt-Regel", topic=law, agency=hidden_agency
    )
    shown_rule = Responsibility.objects.create(
        title="Sprachkurs finden", topic=topic, agency=agency
    )
    Responsibility.objects.create(
        title="Sprachkurs anderswo", topic=topic, agency=hidden_agency
    )
    hidden_agency.unpublish()  # only the agency: its pages below stay live
    hidden_offer.refresh_from_db()
    hidden_point.refresh_from_db()
    assert hidden_offer.live and hidden_point.live
    return {
        "agency": agency,
        "centre": centre,
        "topic": topic,
        "law": law,
        "private": private,
        "hidden_agency": hidden_agency,
        "hidden_offer": hidden_offer,
        "hidden_point": hidden_point,
        "hidden_rule": hidden_rule,
        "shown_rule": shown_rule,
    }


def offers_in(text: str) -> set[str]:
    return {title for title in EVERY_OFFER if title in text}


def url(page) -> str:
    with translation.override("de"):
        return page.url


def test_the_site_lists_only_visible_offers(client, region):
    listings = [
        "/de/topics/sprache/",
        url(region["agency"]),
        url(region["centre"]),
        "/de/search/?q=Kurs",
    ]
    for address in listings:
        response = client.get(address)
        assert response.status_code == 200, address
        assert offers_in(response.content.decode()) == SHOWN, address

    topics = client.get("/de/topics/").content.decode()
    assert 'Sprache</a> <span class="muted">(2)</span>' in topics
    agencies = client.get("/de/agencies/").content.decode()
    assert "Caritas Auental" in agencies and "Versteckt-Verein" not in agencies
    assert "2 offers" in agencies or "2 Angebote" in agencies


def test_the_pages_of_an_unpublished_agency_are_not_served(client, region):
    for page in ("hidden_agency", "hidden_offer", "hidden_point"):
        assert client.get(url(region[page])).status_code == 404, page
    # A private offer asks for a login; a visible one is served.
    assert client.get(url(region["private"])).status_code == 302
    assert client.get(url(region["centre"])).status_code == 200


def test_the_search_index_holds_only_visible_offers(region):
    root = site_root_path()
    documents = [
        offer_document(offer, site_root_path=root) for offer in indexable_offers()
    ]
    assert {document["title"]["de"] for document in documents} == SHOWN


def test_the_finder_answers_only_with_visible_agencies(region):
    hidden = responsibilities_for(question=Question(topic=region["law"]))
    assert not hidden.matched
    shown = responsibilities_for(question=Question(topic=region["topic"]))
    assert [answer.rule for answer in shown.answers] == [region["shown_rule"]]
    assert not shown.tied


def test_hsds_publishes_only_visible_offers_agencies_and_rules(region):
    services = {service["name"] for service in services_all(Documents(language="de"))}
    assert offers_in(" ".join(services)) == SHOWN
    assert services - SHOWN == {"Sprachkurs finden"}
    assert [agency.pk for agency in public_agencies()] == [region["agency"].pk]


def test_the_newsletter_suggests_only_visible_offers(region):
    suggested = {
        offer.title for group in suggestions(since=None) for offer in group["offers"]
    }
    assert suggested == SHOWN

"""seed_demo: a believable, translated region with accounts; safe to run twice."""

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import Site

from directory.models import (
    AccessibilityStatementPage,
    AgencyPage,
    ContactPointPage,
    InformationPage,
    OfferPage,
    ResidenceStatus,
    TargetGroup,
    Topic,
)
from directory.selectors import topics_with_offer_counts


def test_demo_region_has_the_promised_size_and_links(seeded, db):
    assert AgencyPage.objects.live().count() >= 15
    assert ContactPointPage.objects.live().count() >= 40
    assert OfferPage.objects.live().count() >= 100
    assert len({a.agency_type for a in AgencyPage.objects.all()}) >= 4
    # relations really reach the database
    assert all(topic.offer_count > 0 for topic in topics_with_offer_counts())
    assert (
        OfferPage.objects.filter(contact_points__isnull=False).distinct().count() >= 100
    )
    assert ContactPointPage.objects.filter(languages__code="ar").exists()
    assert (
        Site.objects.get(is_default_site=True).root_page.specific_class.__name__
        == "HomePage"
    )


@pytest.mark.parametrize("language", ["de", "en", "ar", "uk"])
def test_demo_content_is_translated(seeded, db, language):
    untranslated = OfferPage.objects.filter(**{f"title_{language}__in": ["", None]})
    assert not untranslated.exists()
    assert not OfferPage.objects.filter(
        **{f"summary_{language}__in": ["", None]}
    ).exists()
    assert not Topic.objects.filter(**{f"name_{language}__in": ["", None]}).exists()
    offer = OfferPage.objects.first()
    assert offer.translation_status(language) in ("source", "current")


@pytest.mark.parametrize("language", ["fa", "tr", "ru", "fr"])
def test_demo_filters_are_named_in_more_languages(seeded, db, language):
    """Offers are in de/en/ar/uk; what a reader filters by also in fa, tr, ru, fr."""
    for model in (Topic, TargetGroup, ResidenceStatus):
        assert not model.objects.filter(**{f"name_{language}__in": ["", None]}).exists()


def test_demo_accounts_exist_and_can_log_in(seeded, db, client):
    User = get_user_model()
    assert User.objects.filter(username="koordination").exists()
    editors = User.objects.filter(username__startswith="redaktion-")
    assert editors.count() == AgencyPage.objects.count()
    assert client.login(username="redaktion-caritas", password="wegweiser-demo")


def test_seed_refuses_to_run_twice_unless_asked_to_skip(seeded, db):
    before = OfferPage.objects.count()
    with pytest.raises(CommandError):
        call_command("seed_demo")
    call_command("seed_demo", "--if-empty")
    assert OfferPage.objects.count() == before


def _page_text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text().split())


def test_the_demo_region_has_its_site_pages_in_every_language(seeded, db, client):
    statement = AccessibilityStatementPage.objects.get()
    kinds = set(InformationPage.objects.values_list("kind", flat=True))
    assert kinds == {"imprint", "privacy", "easy_language"}
    for page in [statement, *InformationPage.objects.all()]:
        for code, _name in settings.LANGUAGES:
            assert getattr(page, f"title_{code}"), (page.slug, code)
    for kind in ("imprint", "privacy", "easy_language"):
        page = InformationPage.objects.get(kind=kind)
        assert page.body_de and page.body_en, kind
    english = client.get("/en/leichte-sprache/")
    assert "The Wegweiser is a website." in _page_text(english)
    assert "Schlichtungsstelle" in _page_text(client.get("/ar/barrierefreiheit/"))

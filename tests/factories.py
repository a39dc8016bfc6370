"""factory_boy factories for the directory
(pages are added under a parent explicitly).
"""

from datetime import time

import factory
import wagtail_factories
from django.conf import settings

from directory.models import (
    AgencyPage,
    ContactPointPage,
    District,
    HomePage,
    Language,
    OfferPage,
    OpeningSlot,
    ResidenceStatus,
    TargetGroup,
    Topic,
)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Thema {n}")
    name_de = factory.SelfAttribute("name")
    slug = factory.Sequence(lambda n: f"thema-{n}")


class TargetGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetGroup

    name = factory.Sequence(lambda n: f"Zielgruppe {n}")
    name_de = factory.SelfAttribute("name")
    slug = factory.Sequence(lambda n: f"zielgruppe-{n}")


class ResidenceStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResidenceStatus

    name = factory.Sequence(lambda n: f"Status {n}")
    name_de = factory.SelfAttribute("name")
    slug = factory.Sequence(lambda n: f"status-{n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"Gemeinde {n}")
    name_de = factory.SelfAttribute("name")
    slug = factory.Sequence(lambda n: f"gemeinde-{n}")
    latitude = 48.6
    longitude = 10.2


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ("code",)

    code = "ar"
    native_name = "العربية"
    german_name = "Arabisch"


class HomePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = HomePage

    title = "Wegweiser"
    title_de = "Wegweiser"
    slug = "home"


class AgencyPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = AgencyPage

    title = factory.Sequence(lambda n: f"Beratungsstelle {n}")
    title_de = factory.SelfAttribute("title")
    slug = factory.Sequence(lambda n: f"stelle-{n}")
    agency_type = AgencyPage.Type.WELFARE


class ContactPointPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ContactPointPage

    title = factory.Sequence(lambda n: f"Anlaufstelle {n}")
    title_de = factory.SelfAttribute("title")
    slug = factory.Sequence(lambda n: f"anlaufstelle-{n}")
    street = "Marktplatz 1"
    postcode = "86150"
    city = "Auenstadt"
    latitude = 48.65
    longitude = 10.22


class OfferPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = OfferPage

    title = factory.Sequence(lambda n: f"Angebot {n}")
    title_de = factory.SelfAttribute("title")
    slug = factory.Sequence(lambda n: f"angebot-{n}")
    summary = "Kurze Beschreibung"
    summary_de = "Kurze Beschreibung"


class OpeningSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningSlot

    weekday = 0
    opens = time(9)
    closes = time(12)


def translate(obj, field: str, **texts: str):
    """Set ``field`` per language: translate(offer, "title", de="…", ar="…")."""
    for code, text in texts.items():
        assert code in dict(settings.LANGUAGES), code
        setattr(obj, f"{field}_{code}", text)
    return obj


RELATIONS = (
    "topics",
    "target_groups",
    "residence_statuses",
    "languages",
    "contact_points",
)


def published_offer(parent, *, texts: dict, **fields):
    """A live offer under ``parent``, published through a revision as an editor would.

    texts={"title": {"de": …, "ar": …}, …}; relations by name (topics=[…],
    contact_points=[…]); other fields are set after creation, so e.g. is_free=False can
    come with its fee text.
    """
    slug = {"slug": fields.pop("slug")} if "slug" in fields else {}
    offer = OfferPageFactory(parent=parent, **slug)
    for name, by_language in texts.items():
        translate(offer, name, **by_language)
    relations = {name: fields.pop(name) for name in RELATIONS if name in fields}
    for name, value in fields.items():
        setattr(offer, name, value)
    offer.save()
    for name, values in relations.items():
        getattr(offer, name).set(values)
    offer.save_revision().publish()
    return offer

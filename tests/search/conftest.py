"""Search test data: a small region (the engine fixtures live in tests/conftest.py)."""

import pytest


@pytest.fixture
def region(home):
    """Two agencies, three places, five offers in German (some Arabic/Ukrainian)."""
    from datetime import time

    from directory.models import OpeningSlot
    from tests.factories import (
        AgencyPageFactory,
        ContactPointPageFactory,
        DistrictFactory,
        LanguageFactory,
        ResidenceStatusFactory,
        TargetGroupFactory,
        TopicFactory,
        published_offer,
    )

    language = TopicFactory(slug="sprache", name_de="Sprache", name_ar="اللغة")
    law = TopicFactory(slug="aufenthalt", name_de="Aufenthalt", name_uk="Перебування")
    women = TargetGroupFactory(slug="frauen", name_de="Frauen")
    duldung = ResidenceStatusFactory(slug="duldung", name_de="Duldung")
    schutz = ResidenceStatusFactory(slug="schutz-24", name_de="§ 24")
    town = DistrictFactory(
        slug="auenstadt", name_de="Auenstadt", latitude=48.65, longitude=10.22
    )
    village = DistrictFactory(
        slug="bergheim", name_de="Bergheim", latitude=48.70, longitude=10.10
    )
    arabic = LanguageFactory(code="ar", native_name="العربية", german_name="Arabisch")
    ukrainian = LanguageFactory(
        code="uk", native_name="Українська", german_name="Ukrainisch"
    )

    vhs = AgencyPageFactory(parent=home, slug="vhs", title_de="Volkshochschule")
    caritas = AgencyPageFactory(parent=home, slug="caritas", title_de="Caritas")
    school = ContactPointPageFactory(
        parent=vhs,
        slug="vhs-haus",
        district=town,
        latitude=48.65,
        longitude=10.22,
        wheelchair="yes",
    )
    hall = ContactPointPageFactory(
        parent=vhs,
        slug="vhs-bergheim",
        district=village,
        latitude=48.70,
        longitude=10.10,
    )
    office = ContactPointPageFactory(
        parent=caritas,
        slug="caritas-buero",
        district=town,
        latitude=48.651,
        longitude=10.221,
    )
    OpeningSlot.objects.create(page=school, weekday=0, opens=time(9), closes=time(12))
    OpeningSlot.objects.create(page=hall, weekday=2, opens=time(14), closes=time(18))
    OpeningSlot.objects.create(page=office, weekday=0, opens=time(13), closes=time(16))

    offers = {
        "frauenkurs": published_offer(
            vhs,
            slug="frauenkurs",
            contact_points=[school],
            topics=[language],
            target_groups=[women],
            languages=[arabic],
            texts={
                "title": {
                    "de": "Deutschkurs für Frauen mit Kinderbetreuung",
                    "ar": "دورة لغة ألمانية للنساء مع رعاية الأطفال",
                },
                "summary": {
                    "de": "Vormittags lernen, Kinder werden im Nebenraum betreut.",
                    "ar": "تعلّم في الصباح، ويُعتنى بالأطفال في الغرفة المجاورة.",
                },
            },
        ),
        "abendkurs": published_offer(
            vhs,
            slug="abendkurs",
            contact_points=[hall],
            topics=[language],
            is_free=False,
            texts={
                "title": {"de": "Integrationskurs am Abend"},
                "summary": {"de": "Für Berufstätige, zweimal pro Woche."},
                "fee_description": {"de": "2,29 € pro Stunde"},
            },
        ),
        "online": published_offer(
            vhs,
            slug="online-sprachcafe",
            contact_points=[],
            topics=[language],
            format="online",
            texts={
                "title": {"de": "Online-Sprachcafé", "uk": "Онлайн-мовне кафе"},
                "summary": {"de": "Deutsch sprechen im Videochat."},
            },
        ),
        "rechtsberatung": published_offer(
            caritas,
            slug="rechtsberatung",
            contact_points=[office],
            topics=[law],
            languages=[ukrainian],
            residence_statuses=[duldung],
            texts={
                "title": {
                    "de": "Rechtsberatung zum Aufenthalt",
                    "uk": "Юридична консультація щодо перебування",
                },
                "summary": {
                    "de": "Anwältinnen beraten zu Duldung und Schutzstatus.",
                    "uk": "Юристи консультують щодо дульдунгу і тимчасового захисту.",
                },
            },
        ),
        "ukraine": published_offer(
            caritas,
            slug="ukraine-beratung",
            contact_points=[office],
            topics=[law],
            residence_statuses=[schutz],
            texts={
                "title": {"de": "Beratung für Geflüchtete aus der Ukraine"},
                "summary": {"de": "Hilfe bei der Aufenthaltserlaubnis nach § 24."},
            },
        ),
    }
    return offers


@pytest.fixture
def words_only(settings):
    """The embedding model off: search matches words only (what a test of indexing or
    of the words' matching looks at; search by meaning is tested in test_meaning)."""
    from search.embedding import embedder_forget

    settings.SEARCH_EMBEDDER = ""
    embedder_forget()
    yield
    embedder_forget()


@pytest.fixture
def indexed(region, search_settings):
    from search.indexing import rebuild

    rebuild()
    return region

"""Builds the demo region "Landkreis Auental" from demo/places.py and demo/offers.py."""

import zlib
from datetime import date, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from wagtail.models import Page, Site

from ..models import (
    AgencyPage,
    ContactPerson,
    ContactPointPage,
    District,
    HomePage,
    Language,
    OfferPage,
    OpeningException,
    OpeningSlot,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)
from ..services import agency_editors_group_ensure, coordinators_group_ensure
from . import offers as offer_data
from . import places

DEMO_PASSWORD = "wegweiser-demo"  # noqa: S105 - documented demo accounts, local only
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
HOME_INTRO = {
    "de": "Angebote, Anlaufstellen und Zuständigkeiten für Geflüchtete und Zugewanderte "
    "im Landkreis Auental – an einem Ort, in deiner Sprache.",
    "en": "Offers, contact points and responsibilities for refugees and migrants in "
    "the district of Auental – in one place, in your language.",
    "ar": "العروض ونقاط الاتصال والجهات المسؤولة للاجئين والمهاجرين في منطقة آوئنتال – "
    "في مكان واحد وبلغتك.",
    "uk": "Пропозиції, контактні пункти та відповідальні установи для біженців і "
    "мігрантів у районі Ауенталь – в одному місці, вашою мовою.",
}


def _translations(field: str, texts: dict | None) -> dict:
    """{"de": "…", "ar": "…"} → {"field_de": "…", "field_ar": "…"}."""
    if not texts:
        return {}
    return {f"{field}_{code}": text for code, text in texts.items()}


def _time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def demo_exists() -> bool:
    return HomePage.objects.exists()


@transaction.atomic
def seed_demo(*, offers: int | None = None) -> dict:
    """Create the demo region; ``offers`` beyond the hand-written ones are variants.

    Returns counts of what was created. Raises ``RuntimeError`` if a home page exists.
    """
    if demo_exists():
        raise RuntimeError("The demo region exists already (a home page is there).")
    taxonomy = _seed_taxonomies()
    home = _seed_home()
    agencies, points = _seed_agencies(home, taxonomy)
    created = _seed_offers(agencies, points, taxonomy, total=offers)
    _seed_responsibilities(agencies, points, taxonomy)
    _seed_accounts(home, agencies)
    return {
        "agencies": len(agencies),
        "contact_points": len(points),
        "offers": created,
        "topics": len(taxonomy["topics"]),
        "districts": len(taxonomy["districts"]),
    }


def _seed_taxonomies() -> dict:
    languages = {
        item["code"]: Language.objects.create(
            code=item["code"],
            native_name=item["native_name"],
            german_name=item["name_de"],
        )
        for item in places.LANGUAGES
    }
    districts = {}
    for order, item in enumerate(places.DISTRICTS):
        districts[item["slug"]] = District.objects.create(
            slug=item["slug"],
            kind=item["kind"],
            postcodes=item.get("postcode", ""),
            latitude=item.get("lat"),
            longitude=item.get("lon"),
            sort_order=order,
            **_translations("name", item["name"]),
        )
    topics = {}
    for order, item in enumerate(places.TOPICS):
        topics[item["slug"]] = Topic.objects.create(
            slug=item["slug"],
            icon=item.get("icon", "chat"),
            sort_order=order,
            **_translations("name", item["name"]),
            **_translations("description", item.get("description")),
        )
    groups = {}
    for order, item in enumerate(places.TARGET_GROUPS):
        groups[item["slug"]] = TargetGroup.objects.create(
            slug=item["slug"], sort_order=order, **_translations("name", item["name"])
        )
    statuses = {}
    for order, item in enumerate(places.RESIDENCE_STATUSES):
        statuses[item["slug"]] = ResidenceStatus.objects.create(
            slug=item["slug"],
            sort_order=order,
            **_translations("name", item["name"]),
            **_translations("description", item.get("description")),
        )
    return {
        "languages": languages,
        "districts": districts,
        "topics": topics,
        "target_groups": groups,
        "residence_statuses": statuses,
    }


def _seed_home() -> HomePage:
    root = Page.get_first_root_node()
    # Wagtail's initial "Welcome" page is replaced by our home page.
    for child in root.get_children():
        if not isinstance(child.specific, HomePage):
            Site.objects.filter(root_page=child).delete()
            child.delete()
    home = HomePage(slug="home", **_translations("title", _HOME_TITLE))
    for code, text in HOME_INTRO.items():
        setattr(home, f"intro_{code}", text)
    root.add_child(instance=home)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "hostname": "localhost",
            "port": 80,
            "root_page": home,
            "site_name": "Wegweiser Landkreis Auental",
        },
    )
    return home


_HOME_TITLE = {
    "de": "Wegweiser Landkreis Auental",
    "en": "Wegweiser district of Auental",
    "ar": "دليل منطقة آوئنتال",
    "uk": "Путівник району Ауенталь",
}


def _seed_agencies(home: HomePage, taxonomy: dict):
    agencies: dict[str, AgencyPage] = {}
    points: dict[str, ContactPointPage] = {}
    today = date.today()
    for item in places.AGENCIES:
        agency = AgencyPage(
            slug=item["slug"],
            agency_type=item["type"],
            website=item.get("website", ""),
            email=item.get("email", ""),
            phone=item.get("phone", ""),
            **_translations("title", item["name"]),
            **_translations("description", item.get("description")),
        )
        home.add_child(instance=agency)
        agencies[item["slug"]] = agency
        for cp in item["contact_points"]:
            point = ContactPointPage(
                slug=cp["slug"],
                street=cp.get("street", ""),
                postcode=cp.get("postcode", ""),
                city=cp.get("city", ""),
                district=taxonomy["districts"].get(cp.get("district")),
                latitude=cp.get("lat"),
                longitude=cp.get("lon"),
                phone=cp.get("phone", ""),
                email=cp.get("email", ""),
                appointment_url=cp.get("appointment_url", "") or "",
                wheelchair=cp.get("wheelchair", "unknown"),
                has_lift=cp.get("lift", False),
                has_hearing_loop=cp.get("hearing_loop", False),
                temporarily_closed=cp.get("temporarily_closed", False),
                **_translations("title", cp["name"]),
                **_translations("transport_hint", cp.get("transport_hint")),
                **_translations("accessibility_note", cp.get("accessibility_note")),
                **_translations("closed_note", cp.get("closed_note")),
            )
            point.opening_slots = [
                OpeningSlot(
                    weekday=WEEKDAYS[day],
                    opens=_time(opens),
                    closes=_time(closes),
                    appointment_only=appointment,
                )
                for day, opens, closes, appointment in cp.get("hours", [])
            ]
            if not point.temporarily_closed:
                point.opening_exceptions = [
                    OpeningException(
                        date=_next_holiday(today),
                        closed=True,
                        note="Feiertag",
                        note_en="Public holiday",
                        note_ar="عطلة رسمية",
                        note_uk="Святковий день",
                    )
                ]
            # Parental relations are written by the save in add_child: set them first.
            point.languages = [
                taxonomy["languages"][c]
                for c in cp.get("languages", [])
                if c in taxonomy["languages"]
            ]
            agency.add_child(instance=point)
            points[cp["slug"]] = point
    return agencies, points


def _next_holiday(today: date) -> date:
    """The next fixed German public holiday (enough for demo exceptions)."""
    fixed = [(1, 1), (5, 1), (10, 3), (12, 25), (12, 26)]
    candidates = [
        date(year, month, day)
        for year in (today.year, today.year + 1)
        for month, day in fixed
    ]
    return min(day for day in candidates if day >= today)


def _offer_page(item: dict, *, variant: int = 0) -> OfferPage:
    today = date.today()
    title = dict(item["name"])
    slug = item["slug"]
    if variant:
        title = {code: f"{text} ({variant + 1})" for code, text in title.items()}
        slug = f"{slug}-{variant + 1}"
    return OfferPage(
        slug=slug,
        is_free=item.get("free", True),
        format=item.get("format", "in_person"),
        min_age=item.get("min_age"),
        max_age=item.get("max_age"),
        status=item.get("status", "active"),
        assured_date=today - timedelta(days=zlib.crc32(slug.encode()) % 200),
        assurer_email="koordination@auental.example",
        **_translations("title", title),
        **_translations("summary", item.get("summary")),
        **_translations("description", _paragraphs(item.get("description"))),
        **_translations("fee_description", item.get("fee")),
        **_translations("how_to_apply", item.get("how_to_apply")),
        **_translations("required_documents", item.get("required_documents")),
    )


def _paragraphs(texts: dict | None) -> dict | None:
    if not texts:
        return None
    from django.utils.html import escape

    return {code: f"<p>{escape(text)}</p>" for code, text in texts.items()}


def _seed_offers(agencies, points, taxonomy, *, total: int | None) -> int:
    """The hand-written offers; beyond them, numbered variants of the same texts."""
    items = offer_data.OFFERS
    wanted = len(items) if total is None else total
    for number in range(wanted):
        variant, index = divmod(number, len(items))
        item = items[index]
        offer = _offer_page(item, variant=variant)
        person = item.get("contact_person")
        if person and not variant:
            offer.contact_persons = [
                ContactPerson(
                    name=person["name"],
                    email=person.get("email", ""),
                    phone=person.get("phone", ""),
                    **_translations("role", person.get("role")),
                )
            ]
        _set_relations(offer, item, points, taxonomy)
        agencies[item["agency"]].add_child(instance=offer)
    return wanted


def _set_relations(offer: OfferPage, item: dict, points, taxonomy) -> None:
    """Assign the many-to-many relations in memory; saving the page writes them."""
    offer.topics = [taxonomy["topics"][s] for s in item.get("topics", [])]
    offer.target_groups = [
        taxonomy["target_groups"][s] for s in item.get("target_groups", [])
    ]
    offer.residence_statuses = [
        taxonomy["residence_statuses"][s] for s in item.get("residence_statuses", [])
    ]
    offer.languages = [
        taxonomy["languages"][c]
        for c in item.get("languages", [])
        if c in taxonomy["languages"]
    ]
    offer.contact_points = [
        points[s] for s in item.get("contact_points", []) if s in points
    ]


RESPONSIBILITIES = [
    # (topic, status, agency, contact point, title, explanation, what to bring)
    (
        "aufenthalt",
        "duldung",
        "auslaenderbehoerde",
        "ab-landratsamt",
        {
            "de": "Duldung verlängern",
            "en": "Extend a Duldung (tolerated stay)",
            "ar": "تمديد وثيقة التسامح (Duldung)",
            "uk": "Продовжити дульдунг (толероване перебування)",
        },
        {
            "de": "Für die Verlängerung deiner Duldung ist die Ausländerbehörde im "
            "Landratsamt zuständig. Komm rechtzeitig vor dem Ablaufdatum.",
            "en": "The foreigners' office at the district office extends your Duldung. "
            "Come well before it expires.",
            "ar": "مكتب شؤون الأجانب في مبنى إدارة المنطقة مسؤول عن تمديد وثيقة التسامح. "
            "تعال قبل انتهاء صلاحيتها بوقت كافٍ.",
            "uk": "Дульдунг продовжує відомство у справах іноземців у районній "
            "адміністрації. Приходьте заздалегідь, до закінчення строку.",
        },
        {
            "de": "Pass oder Passersatz, aktuelle Duldung, biometrisches Foto",
            "en": "Passport or substitute, current Duldung, biometric photo",
            "ar": "جواز السفر أو بديله، وثيقة التسامح الحالية، صورة بيومترية",
            "uk": "Паспорт або документ, що його замінює, чинний дульдунг, біометричне фото",
        },
    ),
    (
        "aufenthalt",
        "schutz-24",
        "auslaenderbehoerde",
        "ab-landratsamt",
        {
            "de": "Aufenthaltserlaubnis nach § 24 verlängern",
            "en": "Extend a residence permit under § 24 (temporary protection)",
            "ar": "تمديد تصريح الإقامة وفق المادة 24 (الحماية المؤقتة)",
            "uk": "Продовжити посвідку на проживання за § 24 (тимчасовий захист)",
        },
        {
            "de": "Die Ausländerbehörde verlängert Aufenthaltserlaubnisse nach § 24. "
            "Termine gibt es online.",
            "en": "The foreigners' office extends § 24 residence permits. Book online.",
            "ar": "يقوم مكتب شؤون الأجانب بتمديد تصاريح الإقامة وفق المادة 24. "
            "يمكن حجز المواعيد عبر الإنترنت.",
            "uk": "Відомство у справах іноземців продовжує посвідки за § 24. "
            "Запис онлайн.",
        },
        None,
    ),
    (
        "arbeit",
        "aufenthaltserlaubnis",
        "jobcenter",
        "jc-auenstadt",
        {
            "de": "Bürgergeld beantragen",
            "en": "Apply for Bürgergeld (basic income support)",
            "ar": "التقدم بطلب للحصول على Bürgergeld (إعانة المواطن)",
            "uk": "Подати заяву на Bürgergeld (базова допомога)",
        },
        {
            "de": "Mit Aufenthaltserlaubnis ist das Jobcenter für Bürgergeld und "
            "Arbeitsvermittlung zuständig.",
            "en": "With a residence permit, the job centre handles Bürgergeld and job placement.",
            "ar": "مع تصريح الإقامة، يكون مركز العمل (Jobcenter) مسؤولاً عن إعانة المواطن "
            "والتوسط في العمل.",
            "uk": "З посвідкою на проживання за Bürgergeld і пошук роботи відповідає Jobcenter.",
        },
        None,
    ),
    (
        "arbeit",
        "aufenthaltsgestattung",
        "sozialamt",
        "soz-landratsamt",
        {
            "de": "Leistungen nach dem Asylbewerberleistungsgesetz",
            "en": "Benefits under the Asylum Seekers' Benefits Act",
            "ar": "المساعدات وفق قانون مساعدات طالبي اللجوء",
            "uk": "Виплати за законом про допомогу шукачам притулку",
        },
        {
            "de": "Während des Asylverfahrens ist das Amt für Soziales und Asyl zuständig.",
            "en": "During the asylum procedure, the Office for Social Affairs and Asylum is responsible.",
            "ar": "خلال إجراءات اللجوء يكون مكتب الشؤون الاجتماعية واللجوء هو المسؤول.",
            "uk": "Під час процедури надання притулку відповідає Відділ соціальних питань і притулку.",
        },
        None,
    ),
]


def _seed_responsibilities(agencies, points, taxonomy) -> None:
    for topic, status, agency, point, title, explanation, bring in RESPONSIBILITIES:
        if agency not in agencies or topic not in taxonomy["topics"]:
            continue
        Responsibility.objects.create(
            topic=taxonomy["topics"][topic],
            residence_status=taxonomy["residence_statuses"].get(status),
            agency=agencies[agency],
            contact_point=points.get(point),
            **_translations("title", title),
            **_translations("explanation", explanation),
            **_translations("what_to_bring", bring),
        )


def _seed_accounts(home: HomePage, agencies: dict[str, AgencyPage]) -> None:
    User = get_user_model()
    coordinator = User.objects.create_user(
        username="koordination",
        email="koordination@auental.example",
        password=DEMO_PASSWORD,
        first_name="Koordination",
        last_name="Integrationsbüro",
    )
    coordinator.groups.add(coordinators_group_ensure(home=home))
    User.objects.create_superuser(
        username="admin", email="admin@auental.example", password=DEMO_PASSWORD
    )
    for slug, agency in agencies.items():
        editor = User.objects.create_user(
            username=f"redaktion-{slug}",
            email=f"redaktion@{slug}.example",
            password=DEMO_PASSWORD,
        )
        editor.groups.add(agency_editors_group_ensure(agency=agency))

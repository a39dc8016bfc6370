"""Builds the demo region "Landkreis Auental" from demo/places.py and demo/offers.py."""

import zlib
from datetime import date, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from directory.models import (
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
from directory.services import (
    agency_editors_group_ensure,
    agency_trust_set,
    coordinators_group_ensure,
    home_create,
)

from . import offers as offer_data
from . import places
from .site_pages import site_pages_seed

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
def seed_demo(*, offers: int | None = None, demo_passwords: bool = True) -> dict:
    """Create the demo region; ``offers`` beyond the hand-written ones are variants.

    The accounts get the published demo password only with ``demo_passwords``;
    otherwise they cannot log in until someone sets a password (changepassword).
    Returns counts of what was created. Raises ``RuntimeError`` if a home page exists.
    """
    if demo_exists():
        raise RuntimeError("The demo region exists already (a home page is there).")
    taxonomy = _seed_taxonomies()
    home = _seed_home()
    agencies, points = _seed_agencies(home, taxonomy)
    created = _seed_offers(agencies, points, taxonomy, total=offers)
    _seed_responsibilities(agencies, points, taxonomy)
    site_pages_seed(home=home)
    _seed_accounts(home, agencies, password=DEMO_PASSWORD if demo_passwords else None)
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
    return home_create(
        site_name="Wegweiser Landkreis Auental",
        **_translations("title", _HOME_TITLE),
        **_translations("intro", HOME_INTRO),
    )


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
                # Like the offers: confirmed some time in the last ~7 months, so the
                # demo has a few stale entries to confirm and none hidden.
                assured_date=today
                - timedelta(days=zlib.crc32(cp["slug"].encode()) % 200),
                assurer_email="koordination@auental.example",
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
            point.opening_slots = [  # type: ignore[misc]  # a modelcluster child list
                OpeningSlot(
                    weekday=WEEKDAYS[day],
                    opens=_time(opens),
                    closes=_time(closes),
                    appointment_only=appointment,
                )
                for day, opens, closes, appointment in cp.get("hours", [])
            ]
            if not point.temporarily_closed:
                point.opening_exceptions = [  # type: ignore[misc]  # a modelcluster child list
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
            offer.contact_persons = [  # type: ignore[misc]  # a modelcluster child list
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


def _rule(topic, agency, point, title, explanation, bring=None, **criteria) -> dict:
    """A demo rule; ``criteria`` are status=, group=, district= slugs ("any" if left
    out)."""
    return {
        "topic": topic,
        "status": criteria.get("status"),
        "group": criteria.get("group"),
        "district": criteria.get("district"),
        "agency": agency,
        "point": point,
        "title": title,
        "explanation": explanation,
        "bring": bring,
    }


_PASSPORT_PHOTO = {
    "de": "Pass oder Passersatz, aktueller Aufenthaltstitel, biometrisches Foto",
    "en": "Passport or substitute, current residence document, biometric photo",
    "ar": "جواز السفر أو بديله، وثيقة الإقامة الحالية، صورة بيومترية",
    "uk": "Паспорт або документ, що його замінює, чинний документ на перебування, "
    "біометричне фото",
}
_PERMIT_EXTEND = {
    "de": "Aufenthaltserlaubnis verlängern",
    "en": "Extend a residence permit",
    "ar": "تمديد تصريح الإقامة",
    "uk": "Продовжити дозвіл на проживання",
}
_BENEFIT_PAPERS = {
    "de": "Ausweisdokument, Aufenthaltspapier, Mietvertrag, Kontoauszüge der letzten "
    "drei Monate",
    "en": "ID document, residence paper, rental contract, bank statements of the last "
    "three months",
    "ar": "وثيقة الهوية، ورقة الإقامة، عقد الإيجار، كشوف الحساب البنكي لآخر ثلاثة أشهر",
    "uk": "Документ, що посвідчує особу, документ на перебування, договір оренди, "
    "виписки з банку за останні три місяці",
}
_BUERGERGELD = {
    "de": "Bürgergeld beantragen",
    "en": "Apply for Bürgergeld (basic income support)",
    "ar": "التقدم بطلب للحصول على Bürgergeld (إعانة المواطن)",
    "uk": "Подати заяву на Bürgergeld (базова допомога)",
}
_BUERGERGELD_TEXT = {
    "de": "Mit Aufenthaltserlaubnis ist das Jobcenter für Bürgergeld und "
    "Arbeitsvermittlung zuständig.",
    "en": "With a residence permit, the job centre handles Bürgergeld and job "
    "placement.",
    "ar": "مع تصريح الإقامة، يكون مركز العمل (Jobcenter) مسؤولاً عن إعانة المواطن "
    "والتوسط في العمل.",
    "uk": "З посвідкою на проживання за Bürgergeld і пошук роботи відповідає Jobcenter.",
}
_ASYLBLG = {
    "de": "Leistungen nach dem Asylbewerberleistungsgesetz",
    "en": "Benefits under the Asylum Seekers' Benefits Act",
    "ar": "المساعدات وفق قانون مساعدات طالبي اللجوء",
    "uk": "Виплати за законом про допомогу шукачам притулку",
}
_ASYLBLG_TEXT = {
    "de": "Während des Asylverfahrens ist das Amt für Soziales und Asyl zuständig.",
    "en": "During the asylum procedure, the Office for Social Affairs and Asylum is "
    "responsible.",
    "ar": "خلال إجراءات اللجوء يكون مكتب الشؤون الاجتماعية واللجوء هو المسؤول.",
    "uk": "Під час процедури надання притулку відповідає Відділ соціальних питань і "
    "притулку.",
}
_MIGRATION_COUNSELLING = {
    "de": "Migrationsberatung in deiner Nähe",
    "en": "Migration counselling near you",
    "ar": "استشارات الهجرة بالقرب منك",
    "uk": "Міграційна консультація поруч із вами",
}
_MIGRATION_COUNSELLING_TEXT = {
    "de": "Die Beratung ist kostenlos und vertraulich. Sie hilft bei Briefen von "
    "Behörden, Anträgen und allen Fragen zum Leben hier – und sagt dir, wer für "
    "dein Anliegen zuständig ist.",
    "en": "Counselling is free and confidential. It helps with letters from "
    "authorities, applications and every question about life here – and tells you "
    "who is responsible for your matter.",
    "ar": "الاستشارة مجانية وسرية. تساعدك في رسائل الدوائر الرسمية والطلبات وكل أسئلة "
    "الحياة هنا، وتخبرك بالجهة المسؤولة عن طلبك.",
    "uk": "Консультація безкоштовна й конфіденційна. Тут допоможуть з листами від "
    "установ, заявами та всіма питаннями життя тут – і підкажуть, хто відповідає за "
    "вашу справу.",
}
_COUNSELLING_BRING = {
    "de": "Alle Briefe und Papiere zu deiner Frage",
    "en": "All letters and papers about your question",
    "ar": "كل الرسائل والأوراق المتعلقة بسؤالك",
    "uk": "Усі листи й документи щодо вашого питання",
}
_GERMAN_COURSE = {
    "de": "Deutschkurs finden und anmelden",
    "en": "Find and join a German course",
    "ar": "العثور على دورة لغة ألمانية والتسجيل فيها",
    "uk": "Знайти курс німецької та записатися",
}
_GERMAN_COURSE_TEXT = {
    "de": "Die Volkshochschule macht einen kostenlosen Einstufungstest und sagt dir, "
    "welcher Kurs passt und wer ihn bezahlt.",
    "en": "The adult education centre does a free placement test and tells you which "
    "course fits and who pays for it.",
    "ar": "تجري الجامعة الشعبية (VHS) اختبار تحديد مستوى مجانيًا وتخبرك بالدورة "
    "المناسبة ومن يدفع تكاليفها.",
    "uk": "Народний університет (VHS) проводить безкоштовний тест на рівень і "
    "підкаже, який курс підходить і хто за нього платить.",
}
_GERMAN_COURSE_BRING = {
    "de": "Ausweis oder Aufenthaltspapier; wenn vorhanden: Berechtigungsschein für "
    "den Integrationskurs",
    "en": "ID or residence paper; if you have one: the integration course entitlement",
    "ar": "الهوية أو ورقة الإقامة؛ وإن وُجدت: وثيقة الأحقية في دورة الاندماج",
    "uk": "Посвідчення або документ на перебування; якщо є – дозвіл на "
    "інтеграційний курс",
}

RESPONSIBILITIES = [
    # --- Residence and law: the foreigners' office by status, a branch office for
    # Waldkirchen, asylum social counselling during the procedure.
    _rule(
        "aufenthalt",
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
            "en": "The foreigners' office at the district office extends your "
            "Duldung. Come well before it expires.",
            "ar": "مكتب شؤون الأجانب في مبنى إدارة المنطقة مسؤول عن تمديد وثيقة "
            "التسامح. تعال قبل انتهاء صلاحيتها بوقت كافٍ.",
            "uk": "Дульдунг продовжує відомство у справах іноземців у районній "
            "адміністрації. Приходьте заздалегідь, до закінчення строку.",
        },
        {
            "de": "Pass oder Passersatz, aktuelle Duldung, biometrisches Foto",
            "en": "Passport or substitute, current Duldung, biometric photo",
            "ar": "جواز السفر أو بديله، وثيقة التسامح الحالية، صورة بيومترية",
            "uk": "Паспорт або документ, що його замінює, чинний дульдунг, "
            "біометричне фото",
        },
        status="duldung",
    ),
    _rule(
        "aufenthalt",
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
        _PASSPORT_PHOTO,
        status="schutz-24",
    ),
    _rule(
        "aufenthalt",
        "auslaenderbehoerde",
        "ab-landratsamt",
        _PERMIT_EXTEND,
        {
            "de": "Die Ausländerbehörde im Landratsamt verlängert deine "
            "Aufenthaltserlaubnis. Beantrage die Verlängerung spätestens sechs Wochen "
            "vor dem Ablaufdatum.",
            "en": "The foreigners' office at the district office extends your "
            "residence permit. Apply at least six weeks before it expires.",
            "ar": "يقوم مكتب شؤون الأجانب في مبنى إدارة المنطقة بتمديد تصريح إقامتك. "
            "قدّم طلب التمديد قبل انتهاء صلاحيته بستة أسابيع على الأقل.",
            "uk": "Відомство у справах іноземців у районній адміністрації продовжує "
            "ваш дозвіл на проживання. Подайте заяву щонайменше за шість тижнів до "
            "закінчення строку.",
        },
        _PASSPORT_PHOTO,
        status="aufenthaltserlaubnis",
    ),
    _rule(
        "aufenthalt",
        "auslaenderbehoerde",
        "ab-aussenstelle-waldkirchen",
        _PERMIT_EXTEND,
        {
            "de": "Wenn du in Waldkirchen wohnst, ist die Außenstelle der "
            "Ausländerbehörde in Waldkirchen für dich da.",
            "en": "If you live in Waldkirchen, the branch office of the foreigners' "
            "office in Waldkirchen serves you.",
            "ar": "إذا كنت تسكن في فالدكيرشن، فإن فرع مكتب شؤون الأجانب في "
            "فالدكيرشن هو المسؤول عنك.",
            "uk": "Якщо ви живете у Вальдкірхені, вас обслуговує філія відомства у "
            "справах іноземців у Вальдкірхені.",
        },
        _PASSPORT_PHOTO,
        status="aufenthaltserlaubnis",
        district="waldkirchen",
    ),
    _rule(
        "aufenthalt",
        "caritas",
        "car-zentrum",
        {
            "de": "Fragen zum Asylverfahren",
            "en": "Questions about the asylum procedure",
            "ar": "أسئلة حول إجراءات اللجوء",
            "uk": "Питання щодо процедури надання притулку",
        },
        {
            "de": "Über deinen Asylantrag entscheidet das Bundesamt (BAMF). Die "
            "Asylsozialberatung der Caritas erklärt dir das Verfahren, bereitet dich "
            "auf die Anhörung vor und hilft bei Briefen vom BAMF.",
            "en": "The Federal Office (BAMF) decides on your asylum application. The "
            "Caritas asylum counselling explains the procedure, prepares you for the "
            "interview and helps with letters from the BAMF.",
            "ar": "يقرر المكتب الاتحادي (BAMF) في طلب لجوئك. تشرح لك استشارة اللجوء "
            "لدى كاريتاس الإجراءات وتحضّرك للمقابلة وتساعدك في رسائل المكتب.",
            "uk": "Рішення щодо вашої заяви ухвалює Федеральне відомство (BAMF). "
            "Консультація Caritas для шукачів притулку пояснить процедуру, підготує "
            "до співбесіди й допоможе з листами від BAMF.",
        },
        {
            "de": "Aufenthaltsgestattung und alle Briefe vom BAMF",
            "en": "Your Aufenthaltsgestattung and all letters from the BAMF",
            "ar": "وثيقة الإقامة أثناء اللجوء وكل رسائل المكتب الاتحادي (BAMF)",
            "uk": "Aufenthaltsgestattung і всі листи від BAMF",
        },
        status="aufenthaltsgestattung",
    ),
    # More specific than the asylum counselling rule: minors in the procedure.
    _rule(
        "aufenthalt",
        "jugendamt",
        "ja-landratsamt",
        {
            "de": "Vormundschaft und Aufenthalt für unbegleitete Minderjährige",
            "en": "Guardianship and residence for unaccompanied minors",
            "ar": "الوصاية والإقامة للقاصرين غير المصحوبين بذويهم",
            "uk": "Опіка та перебування для неповнолітніх без супроводу",
        },
        {
            "de": "Für Kinder und Jugendliche ohne Eltern in Deutschland ist das "
            "Jugendamt zuständig. Es bestellt einen Vormund, der dich bei allen "
            "Behörden begleitet.",
            "en": "The youth welfare office is responsible for children and teenagers "
            "without parents in Germany. It appoints a guardian who goes with you to "
            "all authorities.",
            "ar": "مكتب رعاية الشباب مسؤول عن الأطفال والمراهقين الموجودين في ألمانيا "
            "بدون والديهم. يعيّن لك وصيًا يرافقك إلى كل الدوائر الرسمية.",
            "uk": "За дітей і підлітків, які перебувають у Німеччині без батьків, "
            "відповідає служба у справах молоді. Вона призначає опікуна, який "
            "супроводжує вас до всіх установ.",
        },
        None,
        status="aufenthaltsgestattung",
        group="unbegleitete-minderjaehrige",
    ),
    # --- Work and money: job centre, social office or employment agency by status.
    _rule(
        "arbeit",
        "jobcenter",
        "jc-auenstadt",
        _BUERGERGELD,
        _BUERGERGELD_TEXT,
        _BENEFIT_PAPERS,
        status="aufenthaltserlaubnis",
    ),
    _rule(
        "arbeit",
        "jobcenter",
        "jc-steinach",
        _BUERGERGELD,
        _BUERGERGELD_TEXT,
        _BENEFIT_PAPERS,
        status="aufenthaltserlaubnis",
        district="steinach",
    ),
    _rule(
        "arbeit",
        "jobcenter",
        "jc-waldkirchen",
        _BUERGERGELD,
        _BUERGERGELD_TEXT,
        _BENEFIT_PAPERS,
        status="aufenthaltserlaubnis",
        district="waldkirchen",
    ),
    _rule(
        "arbeit",
        "jobcenter",
        "jc-auenstadt",
        {
            "de": "Bürgergeld und Arbeitssuche mit § 24",
            "en": "Bürgergeld and job search with § 24 protection",
            "ar": "إعانة المواطن والبحث عن عمل مع الحماية وفق المادة 24",
            "uk": "Bürgergeld і пошук роботи із захистом за § 24",
        },
        {
            "de": "Mit vorübergehendem Schutz nach § 24 ist das Jobcenter für "
            "Bürgergeld, Sprachkurse und Arbeitsvermittlung zuständig.",
            "en": "With temporary protection under § 24, the job centre handles "
            "Bürgergeld, language courses and job placement.",
            "ar": "مع الحماية المؤقتة وفق المادة 24 يكون مركز العمل (Jobcenter) "
            "مسؤولاً عن إعانة المواطن ودورات اللغة والتوسط في العمل.",
            "uk": "З тимчасовим захистом за § 24 за Bürgergeld, мовні курси та пошук "
            "роботи відповідає Jobcenter.",
        },
        _BENEFIT_PAPERS,
        status="schutz-24",
    ),
    _rule(
        "arbeit",
        "sozialamt",
        "soz-landratsamt",
        _ASYLBLG,
        _ASYLBLG_TEXT,
        {
            "de": "Aufenthaltsgestattung, Kontoverbindung falls vorhanden",
            "en": "Aufenthaltsgestattung, bank details if you have an account",
            "ar": "وثيقة الإقامة أثناء اللجوء، وبيانات الحساب البنكي إن وُجد",
            "uk": "Aufenthaltsgestattung, банківські реквізити, якщо є рахунок",
        },
        status="aufenthaltsgestattung",
    ),
    _rule(
        "arbeit",
        "sozialamt",
        "soz-gu-muehlbach",
        _ASYLBLG,
        {
            "de": "Wer in Mühlbach wohnt, kommt zur Sprechstunde des Amts für "
            "Soziales und Asyl in der Gemeinschaftsunterkunft.",
            "en": "If you live in Mühlbach, come to the office hours of the Office "
            "for Social Affairs and Asylum in the shared accommodation.",
            "ar": "إذا كنت تسكن في مولباخ، تعال إلى ساعات استقبال مكتب الشؤون "
            "الاجتماعية واللجوء في السكن الجماعي.",
            "uk": "Якщо ви живете в Мюльбаху, приходьте на прийом Відділу соціальних "
            "питань і притулку в гуртожитку.",
        },
        None,
        status="aufenthaltsgestattung",
        district="muehlbach",
    ),
    _rule(
        "arbeit",
        "auslaenderbehoerde",
        "ab-landratsamt",
        {
            "de": "Arbeiten mit Duldung: Beschäftigungserlaubnis",
            "en": "Working with a Duldung: employment permission",
            "ar": "العمل مع وثيقة التسامح: إذن العمل",
            "uk": "Робота з дульдунгом: дозвіл на працевлаштування",
        },
        {
            "de": "Mit Duldung brauchst du für jede Arbeit oder Ausbildung eine "
            "Erlaubnis der Ausländerbehörde. Bring das Angebot des Arbeitgebers mit.",
            "en": "With a Duldung you need permission from the foreigners' office for "
            "any job or training. Bring the employer's offer.",
            "ar": "مع وثيقة التسامح تحتاج إلى إذن من مكتب شؤون الأجانب لأي عمل أو "
            "تدريب مهني. أحضر عرض صاحب العمل.",
            "uk": "З дульдунгом для будь-якої роботи чи навчання потрібен дозвіл "
            "відомства у справах іноземців. Візьміть із собою пропозицію "
            "роботодавця.",
        },
        {
            "de": "Duldung, Pass oder Passersatz, Stellenbeschreibung vom Arbeitgeber",
            "en": "Duldung, passport or substitute, job description from the employer",
            "ar": "وثيقة التسامح، جواز السفر أو بديله، وصف الوظيفة من صاحب العمل",
            "uk": "Дульдунг, паспорт або документ, що його замінює, опис роботи від "
            "роботодавця",
        },
        status="duldung",
    ),
    _rule(
        "arbeit",
        "arbeitsagentur",
        "aa-auenstadt",
        {
            "de": "Arbeit suchen und Berufsberatung",
            "en": "Job search and career advice",
            "ar": "البحث عن عمل والإرشاد المهني",
            "uk": "Пошук роботи та профорієнтація",
        },
        {
            "de": "Wenn du kein Bürgergeld bekommst, hilft dir die Agentur für Arbeit "
            "bei der Arbeitssuche, Ausbildung und Anerkennung deines Abschlusses.",
            "en": "If you do not receive Bürgergeld, the employment agency helps you "
            "find work or training and get your qualification recognised.",
            "ar": "إذا كنت لا تحصل على إعانة المواطن، تساعدك وكالة العمل في البحث "
            "عن عمل أو تدريب مهني وفي الاعتراف بشهادتك.",
            "uk": "Якщо ви не отримуєте Bürgergeld, агентство з питань праці допоможе "
            "знайти роботу чи навчання та визнати вашу кваліфікацію.",
        },
        {
            "de": "Ausweis, Lebenslauf, Zeugnisse",
            "en": "ID, CV, certificates",
            "ar": "الهوية، السيرة الذاتية، الشهادات",
            "uk": "Посвідчення, резюме, дипломи та свідоцтва",
        },
        status="niederlassungserlaubnis",
    ),
    _rule(
        "arbeit",
        "arbeitsagentur",
        "aa-auenstadt",
        {
            "de": "Arbeit suchen als EU-Bürgerin oder EU-Bürger",
            "en": "Finding work as an EU citizen",
            "ar": "البحث عن عمل كمواطن من الاتحاد الأوروبي",
            "uk": "Пошук роботи для громадян ЄС",
        },
        {
            "de": "Als EU-Bürgerin oder EU-Bürger meldest du dich bei der Agentur für "
            "Arbeit arbeitssuchend.",
            "en": "As an EU citizen you register as a jobseeker with the employment "
            "agency.",
            "ar": "بصفتك مواطنًا من الاتحاد الأوروبي تسجّل نفسك كباحث عن عمل لدى "
            "وكالة العمل.",
            "uk": "Як громадянин ЄС ви реєструєтеся як шукач роботи в агентстві з "
            "питань праці.",
        },
        {
            "de": "Personalausweis oder Pass, Meldebescheinigung",
            "en": "ID card or passport, registration certificate",
            "ar": "بطاقة الهوية أو جواز السفر، شهادة تسجيل السكن",
            "uk": "ID-картка або паспорт, довідка про реєстрацію місця проживання",
        },
        status="eu-buerger",
    ),
    # --- Housing and health during the asylum procedure: the social office.
    _rule(
        "wohnen",
        "sozialamt",
        "soz-landratsamt",
        {
            "de": "Unterkunft während des Asylverfahrens",
            "en": "Accommodation during the asylum procedure",
            "ar": "السكن أثناء إجراءات اللجوء",
            "uk": "Житло під час процедури надання притулку",
        },
        {
            "de": "Das Amt für Soziales und Asyl weist dir eine Unterkunft zu und "
            "entscheidet über einen Umzug in eine Wohnung.",
            "en": "The Office for Social Affairs and Asylum assigns your "
            "accommodation and decides about moving into a flat.",
            "ar": "يخصص لك مكتب الشؤون الاجتماعية واللجوء مكان السكن ويقرر الانتقال "
            "إلى شقة.",
            "uk": "Відділ соціальних питань і притулку надає вам житло й вирішує "
            "питання переїзду до квартири.",
        },
        None,
        status="aufenthaltsgestattung",
    ),
    _rule(
        "wohnen",
        "jobcenter",
        "jc-auenstadt",
        {
            "de": "Miete und Umzug mit Bürgergeld",
            "en": "Rent and moving house with Bürgergeld",
            "ar": "الإيجار والانتقال إلى سكن جديد مع إعانة المواطن",
            "uk": "Оренда та переїзд із Bürgergeld",
        },
        {
            "de": "Bevor du einen Mietvertrag unterschreibst, muss das Jobcenter der "
            "Miete zustimmen.",
            "en": "Before you sign a rental contract, the job centre must approve the "
            "rent.",
            "ar": "قبل أن توقّع عقد الإيجار، يجب أن يوافق مركز العمل (Jobcenter) على "
            "قيمة الإيجار.",
            "uk": "Перш ніж підписати договір оренди, Jobcenter має погодити суму "
            "оренди.",
        },
        {
            "de": "Wohnungsangebot mit Miete und Nebenkosten, Bürgergeld-Bescheid",
            "en": "Flat offer with rent and service charges, Bürgergeld notice",
            "ar": "عرض الشقة مع الإيجار والتكاليف الإضافية، قرار إعانة المواطن",
            "uk": "Пропозиція квартири з орендою та комунальними, рішення про "
            "Bürgergeld",
        },
        status="aufenthaltserlaubnis",
    ),
    _rule(
        "gesundheit",
        "sozialamt",
        "soz-landratsamt",
        {
            "de": "Krankenschein während des Asylverfahrens",
            "en": "Medical treatment voucher during the asylum procedure",
            "ar": "قسيمة العلاج أثناء إجراءات اللجوء",
            "uk": "Направлення на лікування під час процедури надання притулку",
        },
        {
            "de": "Den Krankenschein für Arztbesuche bekommst du beim Amt für Soziales "
            "und Asyl.",
            "en": "You get the voucher for doctor's visits from the Office for Social "
            "Affairs and Asylum.",
            "ar": "تحصل على قسيمة زيارة الطبيب من مكتب الشؤون الاجتماعية واللجوء.",
            "uk": "Направлення до лікаря видає Відділ соціальних питань і притулку.",
        },
        {
            "de": "Aufenthaltsgestattung",
            "en": "Aufenthaltsgestattung",
            "ar": "وثيقة الإقامة أثناء اللجوء",
            "uk": "Aufenthaltsgestattung",
        },
        status="aufenthaltsgestattung",
    ),
    _rule(
        "gesundheit",
        "gesundheitsamt",
        "ga-auenstadt",
        {
            "de": "Impfungen und Gesundheitsberatung",
            "en": "Vaccinations and health advice",
            "ar": "التطعيمات والاستشارات الصحية",
            "uk": "Щеплення та консультації щодо здоров’я",
        },
        {
            "de": "Das Gesundheitsamt impft kostenlos und berät vertraulich, auch ohne "
            "Krankenversicherung.",
            "en": "The public health office vaccinates for free and gives "
            "confidential advice, also without health insurance.",
            "ar": "يقدّم مكتب الصحة التطعيمات مجانًا ويقدّم استشارات سرية، حتى بدون "
            "تأمين صحي.",
            "uk": "Відділ охорони здоров’я безкоштовно робить щеплення та "
            "конфіденційно консультує, навіть без медичного страхування.",
        },
        {
            "de": "Impfpass, falls vorhanden",
            "en": "Vaccination record, if you have one",
            "ar": "دفتر التطعيم إن وُجد",
            "uk": "Щеплювальний паспорт, якщо є",
        },
    ),
    # --- Family: the youth office, with its family office in Bergheim.
    _rule(
        "familie",
        "jugendamt",
        "ja-landratsamt",
        {
            "de": "Kita-Platz, Erziehung und Unterhalt",
            "en": "Daycare place, parenting and child maintenance",
            "ar": "مكان في الحضانة، التربية ونفقة الأطفال",
            "uk": "Місце в дитсадку, виховання та аліменти",
        },
        {
            "de": "Das Kreisjugendamt hilft bei der Suche nach einem Kita-Platz und "
            "berät Eltern zu Erziehung und Unterhalt.",
            "en": "The district youth office helps you find a daycare place and "
            "advises parents on parenting and maintenance.",
            "ar": "يساعدك مكتب رعاية الشباب في المنطقة في العثور على مكان في الحضانة "
            "ويقدّم للوالدين الاستشارة في التربية والنفقة.",
            "uk": "Районна служба у справах молоді допомагає знайти місце в дитсадку "
            "й консультує батьків щодо виховання та аліментів.",
        },
        {
            "de": "Geburtsurkunden der Kinder, Aufenthaltspapiere",
            "en": "Children's birth certificates, residence papers",
            "ar": "شهادات ميلاد الأطفال، أوراق الإقامة",
            "uk": "Свідоцтва про народження дітей, документи на перебування",
        },
    ),
    _rule(
        "familie",
        "jugendamt",
        "ja-familienbuero-bergheim",
        {
            "de": "Kita-Platz, Erziehung und Unterhalt",
            "en": "Daycare place, parenting and child maintenance",
            "ar": "مكان في الحضانة، التربية ونفقة الأطفال",
            "uk": "Місце в дитсадку, виховання та аліменти",
        },
        {
            "de": "Für Familien in Bergheim ist das Familienbüro Bergheim die "
            "Anlaufstelle des Jugendamts.",
            "en": "For families in Bergheim, the Bergheim family office is the youth "
            "office's contact point.",
            "ar": "بالنسبة للعائلات في بيرغهايم، فإن مكتب العائلة في بيرغهايم هو نقطة "
            "الاتصال التابعة لمكتب رعاية الشباب.",
            "uk": "Для родин у Берггаймі контактним пунктом служби у справах молоді є "
            "сімейне бюро Берггайм.",
        },
        {
            "de": "Geburtsurkunden der Kinder, Aufenthaltspapiere",
            "en": "Children's birth certificates, residence papers",
            "ar": "شهادات ميلاد الأطفال، أوراق الإقامة",
            "uk": "Свідоцтва про народження дітей, документи на перебування",
        },
        district="bergheim",
    ),
    # --- Language: the adult education centre, local course sites where there is one.
    *[
        _rule(
            "sprache",
            "vhs",
            point,
            _GERMAN_COURSE,
            _GERMAN_COURSE_TEXT,
            _GERMAN_COURSE_BRING,
            district=district,
        )
        for point, district in (
            ("vhs-auenstadt", None),
            ("vhs-bergheim", "bergheim"),
            ("vhs-rosenau", "rosenau"),
        )
    ],
    # --- General counselling ("beratung", for everyone): the finder's fallback.
    _rule(
        "beratung",
        "integrationsbuero",
        "ib-landratsamt",
        {
            "de": "Erste Anlaufstelle für alle Fragen",
            "en": "First point of contact for every question",
            "ar": "نقطة الاتصال الأولى لكل الأسئلة",
            "uk": "Перший контактний пункт з усіх питань",
        },
        {
            "de": "Das Integrationsbüro des Landkreises beantwortet deine Fragen, "
            "vermittelt Sprachmittler und sagt dir, wer zuständig ist.",
            "en": "The district's integration office answers your questions, arranges "
            "interpreters and tells you who is responsible.",
            "ar": "يجيب مكتب الاندماج في المنطقة عن أسئلتك ويوفّر لك مترجمين ويخبرك "
            "بالجهة المسؤولة.",
            "uk": "Бюро інтеграції району відповідає на ваші питання, знаходить "
            "перекладачів і підказує, хто відповідальний.",
        },
        _COUNSELLING_BRING,
    ),
    *[
        _rule(
            "beratung",
            agency,
            point,
            _MIGRATION_COUNSELLING,
            _MIGRATION_COUNSELLING_TEXT,
            _COUNSELLING_BRING,
            district=district,
        )
        for agency, point, district in (
            ("caritas", "car-zentrum", "auenstadt-altstadt"),
            ("diakonie", "dia-haus", "auenstadt-sued"),
            ("diakonie", "dia-bergheim", "bergheim"),
            ("integrationsbuero", "ib-buergerhaus-lindenfeld", "lindenfeld"),
            ("caritas", "car-rosenau", "rosenau"),
            ("awo", "awo-steinach", "steinach"),
            ("caritas", "car-talheim", "talheim"),
        )
    ],
]


def _seed_responsibilities(agencies, points, taxonomy) -> None:
    for item in RESPONSIBILITIES:
        if item["agency"] not in agencies or item["topic"] not in taxonomy["topics"]:
            continue
        Responsibility.objects.create(
            topic=taxonomy["topics"][item["topic"]],
            residence_status=taxonomy["residence_statuses"].get(item["status"]),
            target_group=taxonomy["target_groups"].get(item["group"]),
            district=taxonomy["districts"].get(item["district"]),
            agency=agencies[item["agency"]],
            contact_point=points.get(item["point"]),
            **_translations("title", item["title"]),
            **_translations("explanation", item["explanation"]),
            **_translations("what_to_bring", item["bring"]),
        )


def _seed_accounts(
    home: HomePage, agencies: dict[str, AgencyPage], *, password: str | None
) -> None:
    """The demo's coordinator, admin and one editor per agency (``password`` None:
    an unusable password)."""
    User = get_user_model()
    coordinator = User.objects.create_user(
        username="koordination",
        email="koordination@auental.example",
        password=password,
        first_name="Koordination",
        last_name="Integrationsbüro",
    )
    coordinator.groups.add(coordinators_group_ensure(home=home))
    User.objects.create_superuser(
        username="admin", email="admin@auental.example", password=password
    )
    for slug, agency in agencies.items():
        editor = User.objects.create_user(
            username=f"redaktion-{slug}",
            email=f"redaktion@{slug}.example",
            password=password,
        )
        editor.groups.add(agency_editors_group_ensure(agency=agency))
    # One trusted agency shows the other way: its editors publish without approval.
    if "vhs" in agencies:
        agency_trust_set(agency=agencies["vhs"], trusted=True)

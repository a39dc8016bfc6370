"""The "Who is responsible?" finder: matching, the step-by-step page, the JSON API,
the conflict report, and the demo region's questions.
"""

from datetime import time

import factory
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from directory.finder import (
    Question,
    responsibilities_for,
    responsibility_conflicts,
)
from directory.models import (
    District,
    OpeningSlot,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)
from directory.services import agency_editors_group_ensure, coordinators_group_ensure
from tests.factories import (
    AgencyPageFactory,
    ContactPointPageFactory,
    DistrictFactory,
    LanguageFactory,
    ResidenceStatusFactory,
    TargetGroupFactory,
    TopicFactory,
    translate,
)

FINDER = "/{language}/who-is-responsible/"


class ResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Responsibility

    title = factory.Sequence(lambda n: f"Frage {n}")
    title_de = factory.SelfAttribute("title")


@pytest.fixture
def region(home):
    """Two statuses, two places, a residence-law topic with rules of two agencies."""
    law = TopicFactory(slug="aufenthalt", name="Aufenthalt", name_de="Aufenthalt")
    translate(law, "name", en="Residence", ar="الإقامة")
    law.save()
    counselling = TopicFactory(slug="beratung", name="Beratung", name_de="Beratung")
    leisure = TopicFactory(slug="alltag", name="Alltag", name_de="Alltag")
    duldung = ResidenceStatusFactory(slug="duldung", name="Duldung", name_de="Duldung")
    permit = ResidenceStatusFactory(
        slug="aufenthaltserlaubnis",
        name="Aufenthaltserlaubnis",
        name_de="Aufenthaltserlaubnis",
    )
    bergheim = DistrictFactory(
        slug="bergheim", name="Bergheim", name_de="Bergheim", postcodes="86733"
    )
    altstadt = DistrictFactory(
        slug="altstadt", name="Altstadt", name_de="Altstadt", postcodes="86720"
    )
    nord = DistrictFactory(slug="nord", name="Nord", name_de="Nord", postcodes="86720")

    office = AgencyPageFactory(
        parent=home, slug="abh", title="Ausländerbehörde", title_de="Ausländerbehörde"
    )
    main_desk = ContactPointPageFactory(
        parent=office,
        slug="abh-landratsamt",
        title="Ausländerbehörde im Landratsamt",
        title_de="Ausländerbehörde im Landratsamt",
        street="Schlossplatz 1",
        postcode="86720",
        city="Auenstadt",
    )
    main_desk.languages.set([LanguageFactory(code="ar")])
    main_desk.save_revision().publish()
    OpeningSlot.objects.create(
        page=main_desk, weekday=1, opens=time(8), closes=time(12)
    )
    branch = ContactPointPageFactory(
        parent=office,
        slug="abh-bergheim",
        title="Außenstelle Bergheim",
        title_de="Außenstelle Bergheim",
        street="Rathausgasse 2",
        postcode="86733",
        city="Bergheim",
    )
    caritas = AgencyPageFactory(
        parent=home, slug="caritas", title="Caritas", title_de="Caritas"
    )
    caritas_desk = ContactPointPageFactory(
        parent=caritas,
        slug="caritas-zentrum",
        title="Caritas-Zentrum",
        title_de="Caritas-Zentrum",
    )

    duldung_rule = ResponsibilityFactory(
        topic=law,
        residence_status=duldung,
        agency=office,
        contact_point=main_desk,
        title_de="Duldung verlängern",
        title_ar="تمديد وثيقة التسامح",
        explanation_de="Komm rechtzeitig vor dem Ablaufdatum.",
        what_to_bring_de="Pass, aktuelle Duldung, biometrisches Foto",
        what_to_bring_ar="جواز السفر، وثيقة التسامح الحالية، صورة بيومترية",
    )
    branch_rule = ResponsibilityFactory(
        topic=law,
        residence_status=duldung,
        district=bergheim,
        agency=office,
        contact_point=branch,
        title_de="Duldung verlängern in Bergheim",
    )
    general = ResponsibilityFactory(
        topic=counselling,
        agency=caritas,
        contact_point=caritas_desk,
        title_de="Migrationsberatung",
    )
    return {
        "law": law,
        "counselling": counselling,
        "leisure": leisure,
        "duldung": duldung,
        "permit": permit,
        "bergheim": bergheim,
        "altstadt": altstadt,
        "nord": nord,
        "office": office,
        "caritas": caritas,
        "main_desk": main_desk,
        "branch": branch,
        "duldung_rule": duldung_rule,
        "branch_rule": branch_rule,
        "general": general,
    }


def titles(result) -> list[str]:
    return sorted(answer.rule.title_de for answer in result.answers)


# --- matching ---------------------------------------------------------------------


def test_the_most_specific_rule_answers(region):
    somewhere = responsibilities_for(
        question=Question(
            topic=region["law"],
            residence_status=region["duldung"],
            district=region["altstadt"],
        )
    )
    in_bergheim = responsibilities_for(
        question=Question(
            topic=region["law"],
            residence_status=region["duldung"],
            district=region["bergheim"],
        )
    )
    assert titles(somewhere) == ["Duldung verlängern"]
    assert titles(in_bergheim) == ["Duldung verlängern in Bergheim"]
    assert not in_bergheim.tied
    assert in_bergheim.answers[0].contact_point == region["branch"]


def test_an_unknown_status_only_matches_rules_for_any_status(region):
    result = responsibilities_for(
        question=Question(topic=region["law"], district=region["altstadt"])
    )
    assert not result.matched
    # No guess: the general counselling contacts instead.
    assert [answer.rule for answer in result.counselling] == [region["general"]]


def test_equally_specific_rules_of_two_agencies_tie(region):
    ResponsibilityFactory(
        topic=region["law"],
        residence_status=region["duldung"],
        agency=region["caritas"],
        title_de="Duldung: Beratung bei der Caritas",
    )
    result = responsibilities_for(
        question=Question(
            topic=region["law"],
            residence_status=region["duldung"],
            district=region["altstadt"],
        )
    )
    assert result.tied
    assert titles(result) == ["Duldung verlängern", "Duldung: Beratung bei der Caritas"]


def test_a_rule_with_a_district_beats_a_region_wide_rule_of_another_agency(region):
    ResponsibilityFactory(
        topic=region["law"],
        residence_status=region["duldung"],
        district=region["altstadt"],
        agency=region["caritas"],
        title_de="Altstadt: Caritas",
    )
    result = responsibilities_for(
        question=Question(
            topic=region["law"],
            residence_status=region["duldung"],
            district=region["altstadt"],
        )
    )
    assert titles(result) == ["Altstadt: Caritas"]
    assert responsibility_conflicts() == []


def test_overlapping_rules_tie_until_a_rule_for_exactly_that_case_exists(region):
    group = TargetGroupFactory(slug="umf")
    minors = ResponsibilityFactory(
        topic=region["law"],
        target_group=group,
        agency=region["caritas"],
        title_de="Minderjährige",
    )
    question = Question(
        topic=region["law"],
        residence_status=region["duldung"],
        target_group=group,
        district=region["altstadt"],
    )
    assert titles(responsibilities_for(question=question)) == [
        "Duldung verlängern",
        "Minderjährige",
    ]
    # Minors with a Duldung: anywhere, and (against the branch office) in Bergheim.
    conflicts = {c.case["district"]: c for c in responsibility_conflicts()}
    assert set(conflicts) == {None, region["bergheim"]}
    anywhere = conflicts[None]
    assert not anywhere.same_criteria
    assert anywhere.case["residence_status"] == region["duldung"]
    assert anywhere.case["target_group"] == group
    assert {rule.pk for rule in anywhere.rules} == {
        region["duldung_rule"].pk,
        minors.pk,
    }

    ResponsibilityFactory(
        topic=region["law"],
        residence_status=region["duldung"],
        target_group=group,
        agency=region["caritas"],
        title_de="Minderjährige mit Duldung",
    )
    assert titles(responsibilities_for(question=question)) == [
        "Minderjährige mit Duldung"
    ]
    assert [c.case["district"] for c in responsibility_conflicts()] == [
        region["bergheim"]
    ]


def test_rules_of_unpublished_agencies_are_not_answers(region):
    region["office"].unpublish()
    result = responsibilities_for(
        question=Question(
            topic=region["law"],
            residence_status=region["duldung"],
            district=region["altstadt"],
        )
    )
    assert not result.matched
    assert result.counselling


def test_a_hidden_contact_point_leaves_the_agency(region):
    region["main_desk"].unpublish()
    [answer] = responsibilities_for(
        question=Question(
            topic=region["law"],
            residence_status=region["duldung"],
            district=region["altstadt"],
        )
    ).answers
    assert answer.contact_point is None
    assert answer.agency == region["office"]


# --- the page, step by step --------------------------------------------------------


def finder(client, language="en", **params):
    response = client.get(FINDER.format(language=language), params)
    assert response.status_code == 200
    return response.content.decode()


def test_one_question_per_screen_with_progress_and_back_links(client, region):
    first = finder(client)
    assert "Step 1 of 3" in first
    assert 'name="topic" value="aufenthalt"' in first
    assert 'name="status"' not in first

    second = finder(client, topic="aufenthalt", step="topic")
    assert "Step 2 of 3" in second
    assert 'name="status" value="duldung"' in second
    assert '<input type="hidden" name="topic" value="aufenthalt">' in second
    assert "?topic=aufenthalt&amp;change=topic" in second

    third = finder(client, topic="aufenthalt", status="duldung", step="situation")
    assert "Step 3 of 3" in third
    assert 'name="district" value="bergheim"' in third
    assert '<input type="hidden" name="status" value="duldung">' in third

    back = finder(client, topic="aufenthalt", change="topic")
    assert "Step 1 of 3" in back
    assert 'value="aufenthalt" required checked' in back


def test_the_answer_shows_agency_place_hours_languages_and_what_to_bring(
    client, region
):
    html = finder(client, topic="aufenthalt", status="duldung", district="altstadt")
    assert "Duldung verlängern" in html
    assert "Ausländerbehörde im Landratsamt" in html
    assert "Schlossplatz 1" in html
    assert "08:00–12:00" in html
    assert 'lang="ar"' in html  # Arabic spoken at the desk
    assert "Pass, aktuelle Duldung, biometrisches Foto" in html
    assert "Komm rechtzeitig vor dem Ablaufdatum." in html
    assert "More than one agency" not in html


def test_arabic_answer_is_right_to_left_and_marks_german_fallback(client, region):
    html = finder(
        client, language="ar", topic="aufenthalt", status="duldung", district="altstadt"
    )
    assert '<html lang="ar" dir="rtl">' in html
    assert "تمديد وثيقة التسامح" in html
    assert "جواز السفر، وثيقة التسامح الحالية، صورة بيومترية" in html
    # The explanation has no Arabic text yet: shown in German, marked as such.
    assert 'lang="de" dir="ltr" class="fallback">Komm rechtzeitig' in html


def test_no_match_offers_general_counselling_instead_of_guessing(client, region):
    html = finder(client, topic="alltag", status="", district="bergheim")
    assert "do not want to guess" in html
    assert "Migrationsberatung" in html
    assert "Caritas-Zentrum" in html
    assert "Ausländerbehörde" not in html


def test_a_tie_shows_all_answers_with_a_notice(client, region):
    ResponsibilityFactory(
        topic=region["law"],
        residence_status=region["duldung"],
        agency=region["caritas"],
        title_de="Duldung: Beratung bei der Caritas",
    )
    html = finder(client, topic="aufenthalt", status="duldung", district="altstadt")
    assert "More than one agency could be responsible" in html
    assert "Duldung verlängern" in html
    assert "Duldung: Beratung bei der Caritas" in html


def test_postcode_of_one_district_answers(client, region):
    html = finder(client, topic="aufenthalt", status="duldung", postcode=" 86733 ")
    assert "Duldung verlängern in Bergheim" in html


def test_unknown_postcode_asks_for_the_place_and_keeps_the_input(client, region):
    html = finder(
        client, topic="aufenthalt", status="duldung", postcode="12345", step="place"
    )
    assert "Step 3 of 3" in html
    assert "We do not know the postcode 12345 in this region" in html
    assert 'name="postcode" value="12345"' in html


def test_a_postcode_shared_by_several_districts_asks_which(client, region):
    html = finder(client, topic="aufenthalt", status="duldung", postcode="86720")
    assert "Several places share the postcode 86720" in html
    assert 'value="altstadt"' in html
    assert 'value="nord"' in html
    assert 'value="bergheim"' not in html


@pytest.mark.parametrize(
    ("params", "step", "message"),
    [
        ({"topic": "nope"}, 1, "We do not know this topic"),
        ({"topic": "x\x00y"}, 1, "We do not know this topic"),
        ({"topic": "<script>alert(1)</script>"}, 1, "We do not know this topic"),
        ({"topic": "a" * 5000}, 1, "We do not know this topic"),
        ({"step": "topic"}, 1, "Please choose a topic."),
        ({"topic": "aufenthalt", "step": "situation"}, 2, "Please choose the answer"),
        ({"topic": "aufenthalt", "status": "klingon"}, 2, "residence status"),
        (
            {"topic": "aufenthalt", "status": "duldung", "group": "x y"},
            2,
            "We do not know this group",
        ),
        (
            {"topic": "aufenthalt", "status": "", "district": "atlantis"},
            3,
            "We do not know this place",
        ),
        (
            {"topic": "aufenthalt", "status": "", "postcode": "abc"},
            3,
            "postcode with five digits",
        ),
        (
            {"topic": "aufenthalt", "status": "", "postcode": "9" * 400},
            3,
            "postcode with five digits",
        ),
        (
            {"topic": "aufenthalt", "status": "", "step": "place"},
            3,
            "Please choose your town or enter your postcode.",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_on_its_step(
    client, region, params, step, message
):
    html = finder(client, **params)
    assert f"Step {step} of 3" in html
    assert message in html
    assert "<script>alert(1)</script>" not in html


def test_garbage_extra_parameters_are_ignored(client, region):
    html = finder(
        client,
        topic="aufenthalt",
        status="duldung",
        district="altstadt",
        change="🙂",
        step="nine",
        page="-1",
    )
    assert "Duldung verlängern" in html


def test_home_page_links_to_the_finder(client, region):
    html = client.get("/en/").content.decode()
    assert 'href="/en/who-is-responsible/"' in html


# --- JSON API ---------------------------------------------------------------------


def test_api_answers_with_agency_contact_point_and_hours(client, region):
    response = client.get(
        "/api/finder/",
        {"topic": "aufenthalt", "status": "duldung", "postcode": "86733", "lang": "ar"},
        HTTP_ORIGIN="https://example.org",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["matched"] is True
    assert data["tied"] is False
    assert data["question"]["district"] == "bergheim"
    [answer] = data["answers"]
    assert answer["criteria"]["district"] == "bergheim"
    assert answer["agency"]["name"] == "Ausländerbehörde"
    assert answer["contact_point"]["address"]["street"] == "Rathausgasse 2"
    assert data["general_counselling"] == []

    main = client.get(
        "/api/finder/",
        {"topic": "aufenthalt", "status": "duldung", "district": "altstadt"},
        HTTP_ACCEPT_LANGUAGE="ar",
    ).json()
    [answer] = main["answers"]
    assert main["language"] == "ar"
    assert answer["title"] == "تمديد وثيقة التسامح"
    assert answer["contact_point"]["languages"] == ["ar"]
    assert answer["contact_point"]["opening_hours"] == [
        {"weekday": 1, "opens": "08:00", "closes": "12:00", "appointment_only": False}
    ]


def test_api_without_a_match_lists_general_counselling(client, region):
    data = client.get("/api/finder/", {"topic": "alltag"}).json()
    assert data["matched"] is False
    assert data["answers"] == []
    assert [item["title"] for item in data["general_counselling"]] == [
        "Migrationsberatung"
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "topic"),
        ({"topic": "nope"}, "topic"),
        ({"topic": "aufenthalt", "status": "\x00"}, "status"),
        ({"topic": "aufenthalt", "postcode": "12345"}, "postcode"),
        ({"topic": "aufenthalt", "postcode": "86720"}, "postcode"),
        ({"topic": "aufenthalt", "postcode": "zwölf"}, "postcode"),
        ({"topic": "aufenthalt", "lang": "xx"}, "lang"),
    ],
)
def test_api_rejects_bad_input_with_400(client, region, params, field):
    response = client.get("/api/finder/", params)
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == [field]
    assert body["parameter"] == field and body["error"] == body["errors"][field][0]


# --- the conflict report and warnings in the admin --------------------------------


@pytest.fixture
def conflicting(region):
    return ResponsibilityFactory(
        topic=region["law"],
        residence_status=region["duldung"],
        agency=region["caritas"],
        title_de="Duldung: Beratung bei der Caritas",
    )


def _user(role: str, home, agency):
    User = get_user_model()
    if role == "superuser":
        return User.objects.create_superuser(username=role, password="x")
    user = User.objects.create_user(username=role, password="x")
    if role == "coordinator":
        user.groups.add(coordinators_group_ensure(home=home))
    elif role == "editor":
        user.groups.add(agency_editors_group_ensure(agency=agency))
    return user


REPORT = "/admin/reports/responsibility-conflicts/"
# role → may see the report
REPORT_ACCESS = {"superuser": True, "coordinator": True, "editor": False}


@pytest.mark.parametrize(("role", "allowed"), REPORT_ACCESS.items())
def test_conflict_report_is_for_coordinators(
    client, home, region, conflicting, role, allowed
):
    client.force_login(_user(role, home, region["caritas"]))
    response = client.get(REPORT)
    html = response.content.decode()
    menu = client.get("/admin/").content.decode()
    if allowed:
        assert response.status_code == 200
        assert "Duldung: Beratung bei der Caritas" in html
        assert "Duldung verlängern" in html
        assert REPORT in menu
    else:
        assert response.status_code in (302, 403)
        assert "Duldung: Beratung bei der Caritas" not in html
        assert REPORT not in menu


def test_report_without_conflicts_says_so(admin_client, region):
    html = admin_client.get(REPORT).content
    assert b"Duldung verl" not in html
    assert Responsibility.objects.count() == 3


def test_editing_a_conflicting_rule_warns(admin_client, region, conflicting):
    edit = "/admin/snippets/directory/responsibility/edit/{}/"
    report_button = f'href="{REPORT}" class="button'
    html = admin_client.get(edit.format(conflicting.pk)).content.decode()
    assert report_button in html
    warning = html.split(report_button)[0].rsplit('<li class="warning">', 1)[1]
    assert "Ausländerbehörde" in warning
    calm = admin_client.get(edit.format(region["branch_rule"].pk)).content.decode()
    assert report_button not in calm


# --- the demo region -------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--offers", "0")
        yield
        transaction.set_rollback(True)


def _demo_question(topic, district, status=None, group=None) -> Question:
    return Question(
        topic=Topic.objects.get(slug=topic),
        residence_status=ResidenceStatus.objects.get(slug=status) if status else None,
        target_group=TargetGroup.objects.get(slug=group) if group else None,
        district=District.objects.get(slug=district),
    )


@pytest.mark.parametrize(
    ("topic", "status", "group", "district", "contact_point"),
    [
        ("aufenthalt", "duldung", None, "bergheim", "ab-landratsamt"),
        (
            "aufenthalt",
            "aufenthaltserlaubnis",
            None,
            "waldkirchen",
            "ab-aussenstelle-waldkirchen",
        ),
        ("aufenthalt", "aufenthaltserlaubnis", None, "rosenau", "ab-landratsamt"),
        ("aufenthalt", "aufenthaltsgestattung", None, "talheim", "car-zentrum"),
        (
            "aufenthalt",
            "aufenthaltsgestattung",
            "unbegleitete-minderjaehrige",
            "talheim",
            "ja-landratsamt",
        ),
        ("arbeit", "aufenthaltserlaubnis", None, "steinach", "jc-steinach"),
        ("arbeit", "aufenthaltsgestattung", None, "muehlbach", "soz-gu-muehlbach"),
        ("arbeit", "eu-buerger", None, "talheim", "aa-auenstadt"),
        ("sprache", None, None, "rosenau", "vhs-rosenau"),
        ("familie", None, None, "bergheim", "ja-familienbuero-bergheim"),
    ],
)
def test_demo_region_answers_its_questions(
    demo, db, topic, status, group, district, contact_point
):
    result = responsibilities_for(
        question=_demo_question(topic, district, status=status, group=group)
    )
    assert [answer.contact_point.slug for answer in result.answers] == [contact_point]


def test_demo_region_offers_local_counselling_when_nothing_matches(demo, db):
    result = responsibilities_for(question=_demo_question("alltag", "rosenau"))
    assert not result.matched
    assert [answer.contact_point.slug for answer in result.counselling] == [
        "car-rosenau",
        "ib-landratsamt",
    ]


def test_demo_region_has_no_conflicting_rules(demo, db):
    assert responsibility_conflicts() == []


@pytest.mark.parametrize("language", ["de", "en", "ar", "uk"])
def test_demo_rules_are_translated(demo, db, language):
    assert not Responsibility.objects.filter(
        **{f"title_{language}__in": ["", None]}
    ).exists()
    assert not Responsibility.objects.filter(
        **{f"explanation_{language}__in": ["", None]}
    ).exists()

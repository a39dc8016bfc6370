"""The coordinators' newsletter admin: who may open what, composing, the send page,
sending, scheduling, pausing, previews, and agency news through the workflow.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from wagtail.models import Workflow
from wagtail.users.models import UserProfile

from directory.models import Responsibility
from directory.services import agency_editors_group_ensure, coordinators_group_ensure
from newsletter import rendering
from newsletter.models import (
    ConsentEvent,
    Delivery,
    Issue,
    IssueItem,
    NewsItem,
    Subscriber,
    Suppression,
)
from newsletter.models.subscribers import email_hash
from newsletter.permissions import newsletter_permissions_grant
from tests.factories import AgencyPageFactory, published_offer
from tests.newsletter.conftest import subscriber_make

ROLES = ("superuser", "coordinator", "editor_a", "editor_b", "anonymous")


@pytest.fixture(autouse=True)
def newsletter_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://wegweiser.example"
    settings.NEWSLETTER_FROM_EMAIL = "newsletter@wegweiser.example"
    settings.NEWSLETTER_RATE = 0
    settings.NEWSLETTER_WORKERS = 1
    settings.NEWSLETTER_OVERDUE_HOURS = 6


@pytest.fixture
def world(home, agency, issue):
    """Agency A (``agency``) and B, their editors, a coordinator, a superuser, a news
    item of A, a confirmed subscriber; permissions as the demo sets them.
    """
    agency_b = AgencyPageFactory(parent=home, title="Diakonie", slug="diakonie")
    User = get_user_model()
    users = {
        "superuser": User.objects.create_superuser("boss", "boss@example.org", "x"),
        **{
            role: User.objects.create_user(role, f"{role}@example.org", "x")
            for role in ("coordinator", "editor_a", "editor_b")
        },
    }
    users["coordinator"].groups.add(coordinators_group_ensure(home=home))
    users["editor_a"].groups.add(agency_editors_group_ensure(agency=agency))
    users["editor_b"].groups.add(agency_editors_group_ensure(agency=agency_b))
    newsletter_permissions_grant()
    for user in users.values():
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "en"  # assert on English messages
        profile.save()
    news_a = NewsItem.objects.create(
        agency=agency, title="Neu bei A", body="Text", live=False
    )
    subscriber = subscriber_make("leser@example.org", languages=["ar"])
    return {
        "users": users,
        "agency_b": agency_b,
        "news_a": news_a,
        "issue": issue,
        "subscriber": subscriber,
    }


def login(client, world, role):
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


# --- who may open what ----------------------------------------------------------------

PAGES = {
    "issues": lambda w: "/admin/newsletter/issues/",
    "compose": lambda w: "/admin/newsletter/compose/",
    "send": lambda w: f"/admin/newsletter/issues/{w['issue'].pk}/send/",
    "news_a_edit": lambda w: f"/admin/newsletter/news/edit/{w['news_a'].pk}/",
    "subscribers": lambda w: "/admin/newsletter/subscribers/",
    "export": lambda w: f"/admin/newsletter/subscribers/export/{w['subscriber'].pk}/",
}
# "ok": 200; "denied": refused (403, or Wagtail's redirect to the dashboard);
# "login": redirected to the login page.
EVERYTHING = dict.fromkeys(PAGES, "ok")
EXPECTED = {
    "superuser": EVERYTHING,
    "coordinator": EVERYTHING,
    "editor_a": {**dict.fromkeys(PAGES, "denied"), "news_a_edit": "ok"},
    "editor_b": dict.fromkeys(PAGES, "denied"),
    "anonymous": dict.fromkeys(PAGES, "login"),
}


def outcome(response) -> str:
    if response.status_code == 200:
        return "ok"
    if response.status_code == 403:
        return "denied"
    if response.status_code == 302:
        return "login" if "/admin/login/" in response["Location"] else "denied"
    return str(response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_which_newsletter_page(client, world, role):
    login(client, world, role)
    actual = {name: outcome(client.get(url(world))) for name, url in PAGES.items()}
    assert actual == EXPECTED[role]


def test_export_is_a_json_attachment_with_the_proof_of_consent(client, world):
    login(client, world, "coordinator")
    response = client.get(PAGES["export"](world))
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert response.json()["email"] == "leser@example.org"


def test_erase_asks_first_and_then_leaves_only_the_hash(client, world):
    login(client, world, "coordinator")
    subscriber = world["subscriber"]
    url = f"/admin/newsletter/subscribers/erase/{subscriber.pk}/"
    assert "Yes, erase" in client.get(url).content.decode()
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()

    assert client.post(url).status_code == 302
    assert not Subscriber.objects.filter(pk=subscriber.pk).exists()
    assert ConsentEvent.objects.filter(
        email_hash=subscriber.email_hash, kind=ConsentEvent.Kind.ERASURE
    ).exists()


def test_subscribers_cannot_be_added_or_edited_in_the_admin(client, world):
    login(client, world, "superuser")
    body = client.get("/admin/newsletter/subscribers/").content.decode()
    assert "leser@example.org" in body
    assert "/admin/newsletter/subscribers/new/" not in body
    missing = client.get("/admin/newsletter/subscribers/new/", follow=True)
    assert missing.status_code == 404


def test_a_manual_suppression_stores_only_the_hash(client, world):
    login(client, world, "coordinator")
    response = client.post(
        "/admin/newsletter/suppressions/new/",
        {"email": "Blocked@Example.org", "note": "asked by phone"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = Suppression.objects.get()
    assert row.email_hash == email_hash("blocked@example.org")
    assert row.reason == Suppression.Reason.MANUAL
    assert "blocked" not in f"{row.email_hash}{row.note}".lower()


# --- news items: own agency only, through the approval workflow ---------------------


def test_editor_of_b_cannot_open_edit_delete_or_history_of_as_news(client, world):
    login(client, world, "editor_b")
    pk = world["news_a"].pk
    for url in (
        f"/admin/newsletter/news/edit/{pk}/",
        f"/admin/newsletter/news/delete/{pk}/",
        f"/admin/newsletter/news/history/{pk}/",
    ):
        assert outcome(client.get(url)) == "denied", url
    assert outcome(client.post(f"/admin/newsletter/news/delete/{pk}/")) == "denied"
    assert NewsItem.objects.filter(pk=pk).exists()


def test_editor_lists_and_chooses_only_their_own_agency(client, world, agency):
    NewsItem.objects.create(agency=world["agency_b"], title="Neu bei B", body="Text")
    login(client, world, "editor_a")
    listing = client.get("/admin/newsletter/news/").content.decode()
    assert "Neu bei A" in listing and "Neu bei B" not in listing

    form = client.get("/admin/newsletter/news/add/").content.decode()
    assert agency.title in form and "Diakonie" not in form


def test_editor_cannot_save_a_news_item_for_another_agency(client, world):
    login(client, world, "editor_a")
    response = client.post(
        "/admin/newsletter/news/add/",
        {"agency": world["agency_b"].pk, "title_de": "Fremd", "body_de": "Text"},
    )
    assert response.status_code == 200  # the form again, with an error
    assert not NewsItem.objects.filter(title="Fremd").exists()


def test_editor_submits_news_and_a_coordinator_approves_it(world):
    users = world["users"]
    news = world["news_a"]
    workflow = news.get_workflow()
    assert workflow == Workflow.objects.get(name="Freigabe durch die Koordination")

    news.save_revision(user=users["editor_a"])
    state = workflow.start(news, users["editor_a"])
    task_state = state.current_task_state
    task = task_state.task.specific
    assert task.user_can_access_editor(news, users["coordinator"])
    assert not task.user_can_access_editor(news, users["editor_b"])
    assert not NewsItem.objects.get(pk=news.pk).live

    task.on_action(task_state, users["coordinator"], "approve")
    news.refresh_from_db()
    assert news.live and not news.has_unpublished_changes
    assert news.current_workflow_state is None


def test_permissions_grant_is_idempotent(world):
    before = {
        user.username: sorted(user.get_all_permissions())
        for user in world["users"].values()
    }
    newsletter_permissions_grant()
    after = {
        user.username: sorted(
            get_user_model().objects.get(pk=user.pk).get_all_permissions()
        )
        for user in world["users"].values()
    }
    assert before == after
    assert world["users"]["coordinator"].has_perm("newsletter.send_issue")
    assert not world["users"]["editor_a"].has_perm("newsletter.send_issue")


# --- compose --------------------------------------------------------------------------


def test_compose_lists_suggestions_ticked_and_creates_an_issue_of_the_ticked(
    client, world, agency, topic
):
    first = published_offer(
        agency, slug="erstes", texts={"title": {"de": "Erstes Angebot"}}, topics=[topic]
    )
    second = published_offer(
        agency, slug="zweites", texts={"title": {"de": "Zweites Angebot"}}
    )
    rule = Responsibility.objects.create(
        topic=topic, agency=agency, title_de="Sprachkurs beantragen"
    )
    login(client, world, "coordinator")
    page = client.get("/admin/newsletter/compose/").content.decode()
    for text in ("Erstes Angebot", "Zweites Angebot", "Sprachkurs beantragen"):
        assert text in page
    assert f'name="offer" value="{first.pk}" checked' in page

    response = client.post(
        "/admin/newsletter/compose/",
        {
            "subject": "Neues im Dezember",
            "since": "",
            "offer": [second.pk],
            "responsibility": [rule.pk],
        },
    )

    issue = Issue.objects.get(subject_de="Neues im Dezember")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/newsletter/issues/edit/{issue.pk}/"
    items = list(issue.items.order_by("sort_order"))
    assert {(i.offer_id, i.responsibility_id) for i in items} == {
        (second.pk, None),
        (None, rule.pk),
    }
    assert issue.created_by == world["users"]["coordinator"]
    assert client.get(response["Location"]).status_code == 200


def test_compose_since_a_later_day_lists_fewer_suggestions(client, world, agency):
    published_offer(agency, slug="alt", texts={"title": {"de": "Altes Angebot"}})
    login(client, world, "coordinator")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = client.get(f"/admin/newsletter/compose/?since={tomorrow}").content.decode()
    assert "Altes Angebot" not in page
    assert "Altes Angebot" in client.get("/admin/newsletter/compose/").content.decode()


def test_compose_without_subject_keeps_the_form(client, world):
    login(client, world, "coordinator")
    response = client.post("/admin/newsletter/compose/", {"subject": ""})
    assert response.status_code == 400
    assert not Issue.objects.exclude(pk=world["issue"].pk).exists()


# --- the send page --------------------------------------------------------------------


def test_send_page_shows_recipients_and_german_fallbacks_per_edition(client, world):
    issue = world["issue"]
    issue.languages = ["de", "ar", "uk"]
    issue.save()
    subscriber_make("de@example.org", languages=["de"])
    subscriber_make("uk@example.org", languages=["uk"])
    login(client, world, "coordinator")

    body = client.get(f"/admin/newsletter/issues/{issue.pk}/send/").content.decode()

    def cell(language, name):
        row = body.split(f'data-edition="{language}"')[1].split("</tr>")[0]
        return row.split(f"data-{name}>")[1].split("<")[0].strip()

    # the leser subscriber reads Arabic; the offer has an Arabic title but no
    # Arabic summary, and no Ukrainian text at all
    assert [cell(code, "recipients") for code in ("de", "ar", "uk")] == ["1", "1", "1"]
    assert body.split("data-total>")[1].split("<")[0] == "3"
    assert [cell(code, "fallback") for code in ("de", "ar", "uk")] == ["0", "1", "1"]
    assert f"/admin/newsletter/issues/{issue.pk}/editions/ar/" in body


def test_send_page_warns_about_a_big_edition(client, world, settings):
    settings.NEWSLETTER_HTML_WARN_BYTES = 1000
    login(client, world, "coordinator")
    body = client.get(
        f"/admin/newsletter/issues/{world['issue'].pk}/send/"
    ).content.decode()
    assert "Gmail clips the message" in body


def test_a_broken_edition_shows_its_message_not_a_500(client, world, monkeypatch):
    real = rendering.edition_render

    def broken(*, issue, language, content=None):
        if language == "ar":
            raise rendering.RenderError("The Arabic edition is broken: line 3")
        return real(issue=issue, language=language, content=content)

    monkeypatch.setattr(rendering, "edition_render", broken)
    login(client, world, "coordinator")
    issue = world["issue"]
    response = client.get(f"/admin/newsletter/issues/{issue.pk}/send/")
    assert response.status_code == 200
    assert "The Arabic edition is broken: line 3" in response.content.decode()
    preview = client.get(f"/admin/newsletter/issues/{issue.pk}/editions/ar/")
    assert preview.status_code == 200
    assert "The Arabic edition is broken" in preview.content.decode()


def test_send_now_queues_and_sends_one_mail_per_subscriber(
    client, world, django_capture_on_commit_callbacks
):
    issue = world["issue"]
    subscriber_make("zwei@example.org", languages=["de"])
    login(client, world, "coordinator")
    url = f"/admin/newsletter/issues/{issue.pk}/send/"

    client.post(url, {"action": "send"})  # without the confirmation box
    assert not Delivery.objects.exists()

    # the workers start after the commit; the test task backend runs them inline
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "send", "confirm": "1"})

    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert sorted(Delivery.objects.values_list("state", flat=True)) == ["sent", "sent"]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "leser@example.org",
        "zwei@example.org",
    ]
    assert issue.started_at is not None
    report = client.get(url).content.decode()
    assert 'data-report="ar"' in report and 'data-report="de"' in report
    from wagtail.models import ModelLogEntry

    assert ModelLogEntry.objects.filter(action="newsletter.send").exists()


def test_editor_cannot_send(client, world):
    login(client, world, "editor_a")
    issue = world["issue"]
    response = client.post(
        f"/admin/newsletter/issues/{issue.pk}/send/", {"action": "send", "confirm": "1"}
    )
    assert outcome(response) == "denied"
    assert not Delivery.objects.exists()


def test_an_overdue_schedule_asks_for_confirmation_then_sends(
    client, world, django_capture_on_commit_callbacks
):
    issue = world["issue"]
    Issue.objects.filter(pk=issue.pk).update(
        status=Issue.Status.SCHEDULED, scheduled_at=timezone.now() - timedelta(days=1)
    )
    login(client, world, "coordinator")
    url = f"/admin/newsletter/issues/{issue.pk}/send/"

    first = client.post(url, {"action": "send", "confirm": "1"})
    assert first.status_code == 409
    assert "Yes, send it although the time has passed" in first.content.decode()
    assert not Delivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "send", "confirm": "1", "confirm_overdue": "1"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert len(mail.outbox) == 1


def test_schedule_and_unschedule(client, world):
    issue = world["issue"]
    login(client, world, "coordinator")
    url = f"/admin/newsletter/issues/{issue.pk}/send/"
    later = timezone.localtime() + timedelta(days=2)

    client.post(url, {"action": "schedule", "at": f"{later:%Y-%m-%dT%H:%M}"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED
    assert issue.scheduled_at == later.replace(second=0, microsecond=0)
    assert not mail.outbox

    client.post(url, {"action": "unschedule"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT

    past = client.post(url, {"action": "schedule", "at": "2020-01-01T10:00"})
    assert past.status_code == 400
    assert "Choose a time in the future." in past.content.decode()


def test_pause_and_resume_buttons_follow_the_status(client, world):
    issue = world["issue"]
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENDING)
    login(client, world, "coordinator")
    url = f"/admin/newsletter/issues/{issue.pk}/send/"
    page = client.get(url).content.decode()
    assert 'value="pause"' in page and 'value="resume"' not in page
    assert 'http-equiv="refresh"' in page

    client.post(url, {"action": "pause"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PAUSED
    page = client.get(url).content.decode()
    assert 'value="resume"' in page and 'value="pause"' not in page

    client.post(url, {"action": "resume"})
    issue.refresh_from_db()
    # nothing is queued, so the (immediate) worker finishes the issue at once
    assert issue.status in {Issue.Status.SENDING, Issue.Status.SENT}


def test_test_send_validates_addresses_and_sends(client, world):
    login(client, world, "coordinator")
    url = f"/admin/newsletter/issues/{world['issue'].pk}/send/"
    bad = client.post(
        url, {"action": "test", "addresses": "a@example.org, kaputt", "language": "ar"}
    )
    assert bad.status_code == 400 and "kaputt" in bad.content.decode()
    too_many = " ".join(f"t{n}@example.org" for n in range(11))
    assert (
        client.post(
            url, {"action": "test", "addresses": too_many, "language": "de"}
        ).status_code
        == 400
    )
    assert not mail.outbox

    client.post(
        url,
        {
            "action": "test",
            "addresses": "a@example.org\nb@example.org",
            "language": "ar",
        },
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert mail.outbox[0].subject.startswith("[Test]")


def test_test_send_shows_smtp_errors_as_a_message(client, world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    login(client, world, "coordinator")
    url = f"/admin/newsletter/issues/{world['issue'].pk}/send/"
    response = client.post(
        url,
        {"action": "test", "addresses": "a@example.org", "language": "de"},
        follow=True,
    )
    assert response.status_code == 200
    assert "The mail server did not take the test mail" in response.content.decode()


def test_a_sent_issue_opens_its_send_page_instead_of_the_editor(client, world):
    issue = world["issue"]
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENT)
    login(client, world, "coordinator")
    response = client.get(f"/admin/newsletter/issues/edit/{issue.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/newsletter/issues/{issue.pk}/send/"


def test_issue_list_shows_item_count_and_compose_button(client, world):
    login(client, world, "coordinator")
    IssueItem.objects.create(issue=world["issue"], news=world["news_a"], sort_order=1)
    body = client.get("/admin/newsletter/issues/").content.decode()
    assert "Neues im November" in body
    assert "New issue from suggestions" in body
    assert "/admin/newsletter/compose/" in body


# --- previews -------------------------------------------------------------------------


def test_preview_is_the_edition_html_with_direction_and_no_placeholders(client, world):
    login(client, world, "coordinator")
    issue = world["issue"]
    response = client.get(f"/admin/newsletter/issues/{issue.pk}/preview/ar/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert 'dir="rtl"' in html
    assert rendering.UNSUBSCRIBE_URL not in html
    assert rendering.PREFERENCES_URL not in html
    assert response.get("X-Frame-Options", "SAMEORIGIN") == "SAMEORIGIN"

    page = client.get(f"/admin/newsletter/issues/{issue.pk}/editions/ar/")
    assert 'width="360"' in page.content.decode()
    assert 'width="700"' in page.content.decode()


def test_preview_of_an_unknown_language_is_404(client, world):
    login(client, world, "coordinator")
    issue = world["issue"]
    url = f"/admin/newsletter/issues/{issue.pk}/preview/xx/"
    assert client.get(url, follow=True).status_code == 404


def test_subscriber_detail_offers_export_and_erase(client, world):
    login(client, world, "coordinator")
    subscriber = world["subscriber"]
    body = client.get(
        f"/admin/newsletter/subscribers/inspect/{subscriber.pk}/"
    ).content.decode()
    assert "Export proof of consent (JSON)" in body
    assert f"/admin/newsletter/subscribers/export/{subscriber.pk}/" in body
    assert f"/admin/newsletter/subscribers/erase/{subscriber.pk}/" in body


def test_subscriber_detail_lists_their_deliveries_for_support(client, world):
    from newsletter.models import Delivery

    login(client, world, "coordinator")
    subscriber = world["subscriber"]
    Delivery.objects.create(
        issue=world["issue"],
        subscriber=subscriber,
        email_hash=subscriber.email_hash,
        language="ar",
        state=Delivery.State.FAILED,
        attempts=5,
        last_error="SMTPServerDisconnected",
        message_id="<nl-1-abc@wegweiser.example>",
    )
    body = client.get(
        f"/admin/newsletter/subscribers/inspect/{subscriber.pk}/"
    ).content.decode()
    assert "&lt;nl-1-abc@wegweiser.example&gt;" in body
    assert "SMTPServerDisconnected" in body


def test_menu_suppressions_and_history_render(client, world):
    login(client, world, "coordinator")
    issue = world["issue"]
    client.post(
        f"/admin/newsletter/issues/{issue.pk}/send/",
        {"action": "test", "addresses": "a@example.org", "language": "de"},
    )
    home = client.get("/admin/").content.decode()
    assert "/admin/newsletter/issues/" in home
    assert client.get("/admin/newsletter/suppressions/").status_code == 200
    history = client.get(f"/admin/newsletter/issues/history/{issue.pk}/")
    assert history.status_code == 200
    assert "Test mail sent" in history.content.decode()


def test_compose_suggests_approved_news_after_an_issue_with_offers_was_sent(
    client, world, agency
):
    sent = world["issue"]  # holds an offer, no news item
    Issue.objects.filter(pk=sent.pk).update(
        status=Issue.Status.SENT, started_at=timezone.now() - timedelta(days=1)
    )
    fresh = NewsItem.objects.create(agency=agency, title="Frisch freigegeben", body="x")
    old = NewsItem.objects.create(agency=agency, title="Schon verschickt", body="x")
    IssueItem.objects.create(issue=sent, news=old, sort_order=1)
    login(client, world, "coordinator")
    page = client.get("/admin/newsletter/compose/").content.decode()
    assert fresh.live and "Frisch freigegeben" in page
    assert "Schon verschickt" not in page


def test_unscheduling_forgets_the_time(client, world):
    issue = world["issue"]
    Issue.objects.filter(pk=issue.pk).update(
        status=Issue.Status.SCHEDULED, scheduled_at=timezone.now() + timedelta(hours=1)
    )
    login(client, world, "coordinator")
    client.post(f"/admin/newsletter/issues/{issue.pk}/send/", {"action": "unschedule"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT and issue.scheduled_at is None


def test_setup_command_grants_without_demo_data(db):
    from io import StringIO

    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("newsletter_setup", stdout=StringIO())
    call_command("newsletter_setup", stdout=StringIO())
    coordinators = Group.objects.get(name="Koordination")
    codenames = set(coordinators.permissions.values_list("codename", flat=True))
    assert {"send_issue", "publish_newsitem", "view_subscriber"} <= codenames

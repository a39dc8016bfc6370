"""Running the region in Chromium: a coordinator onboards a new agency and its
editor, whose change is approved; an editor confirms stale entries."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from directory.models import AgencyPage, OfferPage
from directory.services import agency_editors_group_ensure, coordinators_group_ensure
from tests.accounts.conftest import PASSWORD, _user
from tests.browser.conftest import follow, run_axe, screenshot
from tests.factories import ContactPointPageFactory, published_offer
from tests.newsletter import conftest as newsletter_fixtures

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}
# A real local SMTP server (aiosmtpd), as the newsletter tests use it.
smtp = newsletter_fixtures.smtp


@pytest.fixture
def region(transactional_db, live_server, settings):
    from tests.conftest import make_home

    settings.ACCOUNTS_2FA_REQUIRED = False
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    home = make_home(port=int(live_server.url.rsplit(":", 1)[1]))
    coordinator = _user("koordination", group=coordinators_group_ensure(home=home))
    coordinator.wagtail_userprofile.preferred_language = "de"
    coordinator.wagtail_userprofile.save()
    return {"home": home, "coordinator": coordinator}


def _wait_for(condition, what: str, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)
    return found


def _sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def _press(page, selector: str) -> None:
    """Footer actions sit in a dropdown: press the (hidden) button itself."""
    with page.expect_navigation():
        page.locator(selector).first.evaluate("button => button.click()")


def _new_page_form(page, *, title: str, slug: str) -> None:
    page.fill("#id_title_de", title)
    # The slug field sits on the "Promote" tab; fill it where it is.
    page.locator("#id_slug").evaluate("(input, slug) => { input.value = slug; }", slug)


def test_coordinator_onboards_an_agency_whose_editor_gets_a_change_approved(
    live_server, region, smtp, browser
):
    coordinator_context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    admin = coordinator_context.new_page()
    _sign_in(admin, live_server.url, "koordination", PASSWORD)

    # A new agency, created in the admin.
    home = region["home"]
    admin.goto(f"{live_server.url}/admin/pages/add/directory/agencypage/{home.pk}/")
    _new_page_form(admin, title="Neue Hilfe e.V.", slug="neue-hilfe")
    _press(admin, "button[name=action-publish]")
    agency = AgencyPage.objects.get(slug="neue-hilfe")
    assert agency.live
    message = admin.locator(".messages").inner_text()
    assert "Invite" in message or "einladen" in message
    follow(
        admin,
        admin.get_by_role("link", name=re.compile("Invite editors|Redaktion einladen")),
    )
    assert f"/admin/agencies/{agency.pk}/editors/" in admin.url

    # The editor is invited by email.
    admin.fill("#id_email", "neu@example.org")
    admin.fill("#id_first_name", "Nora")
    follow(admin, admin.locator("button[name=action][value=invite]").last)
    screenshot(admin, "admin-agency-editors")
    assert run_axe(admin) == []
    assert "neu@example.org" in admin.locator("main").inner_text()
    mail = _wait_for(lambda: smtp.to("neu@example.org"), "the invitation")[0]
    body = mail.message.get_content()
    link = next(
        line.strip() for line in body.splitlines() if "/admin/invitation/" in line
    )
    assert link.startswith(live_server.url)

    # The editor sets a password on a phone and signs in.
    editor_context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, locale="de-DE"
    )
    phone = editor_context.new_page()
    phone.goto(link)
    screenshot(phone, "admin-invitation-phone")
    assert run_axe(phone) == []
    new_password = "ein-gutes-langes-passwort-42"
    phone.fill("#id_password1", new_password)
    phone.fill("#id_password2", new_password)
    phone.locator("form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/admin/login/"))
    _sign_in(phone, live_server.url, "neu@example.org", new_password)

    # ... adds an offer and submits it for approval.
    phone.goto(f"{live_server.url}/admin/pages/add/directory/offerpage/{agency.pk}/")
    _new_page_form(phone, title="Sprachcafé für Eltern", slug="sprachcafe-eltern")
    _press(phone, "button[name=action-submit]")
    offer = OfferPage.objects.get(slug="sprachcafe-eltern")
    assert not offer.live
    assert offer.current_workflow_state is not None

    # The coordinator approves it from the edit page.
    admin.goto(f"{live_server.url}/admin/pages/{offer.pk}/edit/")
    _press(
        admin,
        "button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])",
    )
    offer = OfferPage.objects.get(pk=offer.pk)
    assert offer.live
    assert offer.assurer_email == "neu@example.org"  # the author's change

    # The editor sees it approved.
    phone.goto(f"{live_server.url}/admin/pages/{agency.pk}/")
    listing = phone.locator("main").inner_text()
    assert "Sprachcafé für Eltern" in listing
    assert re.search(r"live|veröffentlicht", listing, re.I)
    coordinator_context.close()
    editor_context.close()


def test_editor_confirms_stale_entries(live_server, region, browser, phone):
    home = region["home"]
    from tests.factories import AgencyPageFactory

    agency = AgencyPageFactory(parent=home, title="Caritas", title_de="Caritas")
    editor = _user("redaktion", group=agency_editors_group_ensure(agency=agency))
    editor.wagtail_userprofile.preferred_language = "de"
    editor.wagtail_userprofile.save()
    long_ago = timezone.localdate() - timedelta(days=300)
    stale = published_offer(agency, texts={"title": {"de": "Alt-Kurs"}})
    point = ContactPointPageFactory(parent=agency, title="Büro", title_de="Büro")
    for page in (stale, point):
        type(page).objects.filter(pk=page.pk).update(assured_date=long_ago)
    phone.goto(f"{live_server.url}/de/")
    assert phone.locator("body").inner_text().count("Alt-Kurs") == 0  # hidden

    _sign_in(phone, live_server.url, "redaktion", PASSWORD)
    phone.goto(f"{live_server.url}/admin/freshness/")
    phone.wait_for_url(re.compile(rf"/admin/freshness/agency/{agency.pk}/"))
    screenshot(phone, "admin-freshness-phone")
    assert run_axe(phone) == []
    rows = phone.locator("main tbody").inner_text()
    assert "Alt-Kurs" in rows and "Büro" in rows
    with phone.expect_navigation():
        phone.get_by_role(
            "button", name="Angekreuzte Einträge als aktuell bestätigen"
        ).click()
    assert "2 Einträge als aktuell bestätigt" in phone.locator(".messages").inner_text()

    stale = OfferPage.objects.get(pk=stale.pk)
    assert stale.assured_date == timezone.localdate()
    assert stale.assurer_email == editor.email
    phone.goto(f"{live_server.url}/de/")
    response = phone.goto(live_server.url + stale.get_url())
    assert response.status == 200

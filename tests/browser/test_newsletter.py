"""The whole newsletter loop in Chromium against a real SMTP server: sign up in
Arabic, confirm, a coordinator composes and sends in the admin, the Arabic edition
arrives right-to-left with RFC 8058 headers, one-click unsubscribe, the next issue
does not arrive.
"""

import re
import time
import urllib.request

import pytest
from django.contrib.auth import get_user_model

from newsletter.models import Issue, Subscriber
from newsletter.sending import issue_send_start
from newsletter.services import issue_compose
from tests.browser.conftest import follow, run_axe, screenshot
from tests.factories import published_offer
from tests.newsletter.conftest import subscriber_make
from tests.newsletter.smtp import SmtpSink

pytestmark = pytest.mark.browser
PASSWORD = "koordination-test-1"


@pytest.fixture
def smtp(settings, live_server):
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SITE_URL = live_server.url
    settings.NEWSLETTER_FROM_EMAIL = "newsletter@wegweiser.example"
    yield sink
    sink.stop()


def _wait_for(condition, what: str, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)
    return found


def _html(received) -> str:
    return received.message.get_body(("html",)).get_content()


def _text(received) -> str:
    return received.message.get_body(("plain",)).get_content()


def test_sign_up_confirm_send_unsubscribe(live_server, live_site, smtp, phone, browser):
    # A reader signs up in Arabic on a phone.
    phone.goto(f"{live_server.url}/ar/newsletter/")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    form = phone.locator("main form.nl-form")
    form.locator("input[name=email]").fill("layla@example.org")
    assert form.locator("input[name=languages][value=ar]").is_checked()
    form.locator("input[name=consent]").check()
    screenshot(phone, "newsletter-signup-ar-phone")
    assert run_axe(phone) == []
    form.locator("button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/ar/newsletter/thanks/"))

    mail = _wait_for(lambda: smtp.to("layla@example.org"), "the confirmation mail")
    text = _text(mail[0])
    link = re.search(r"https?://\S+/newsletter/confirm/\S+/", text).group(0)
    assert link.startswith(f"{live_server.url}/ar/")
    assert 'dir="rtl"' in _html(mail[0])

    phone.goto(link)
    assert Subscriber.objects.get().state == Subscriber.State.PENDING  # GET only shows
    follow(phone, phone.locator("main form button[type=submit]"))
    screenshot(phone, "newsletter-confirmed-ar-phone")
    layla = Subscriber.objects.get()
    assert layla.state == Subscriber.State.CONFIRMED
    assert layla.languages[0] == "ar"
    subscriber_make("jonas@example.org", languages=["de"])

    # The coordinator composes and sends in the admin.
    get_user_model().objects.create_superuser(
        "koordination", "koordination@wegweiser.example", PASSWORD
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    admin = context.new_page()
    admin.goto(f"{live_server.url}/admin/login/")
    admin.fill("#id_username", "koordination")
    admin.fill("#id_password", PASSWORD)
    admin.locator("form button[type=submit]").click()
    admin.wait_for_url(re.compile(r"/admin/$"))
    admin.goto(f"{live_server.url}/admin/newsletter/compose/")
    screenshot(admin, "newsletter-admin-compose")
    admin.fill("input[name=subject]", "Neues aus dem Landkreis")
    follow(admin, admin.get_by_role("button", name=re.compile("draft issue", re.I)))
    screenshot(admin, "newsletter-admin-edit")
    issue = Issue.objects.get()
    assert issue.items.count() == 2  # both offers of the region are new
    admin.goto(f"{live_server.url}/admin/newsletter/issues/{issue.pk}/send/")
    screenshot(admin, "newsletter-admin-send")
    send = admin.locator("form:has(input[name=action][value=send])").first
    send.locator("input[name=confirm]").check()
    follow(admin, send.locator("button[type=submit]"))
    _wait_for(
        lambda: Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT,
        "the issue to be sent",
    )
    context.close()

    # The Arabic edition arrives right-to-left with RFC 8058 headers.
    arabic = _wait_for(lambda: smtp.to("layla@example.org")[1:], "the edition")[0]
    headers = arabic.message
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click, mailto = [p.strip(" <>") for p in headers["List-Unsubscribe"].split(",")]
    assert one_click.startswith(f"{live_server.url}/newsletter/unsubscribe/")
    assert mailto.startswith("mailto:")
    html = _html(arabic)
    assert '<html lang="ar" dir="rtl"' in html
    assert "دورة لغة ألمانية للنساء مع رعاية الأطفال" in html
    german = smtp.to("jonas@example.org")[0]
    assert 'dir="rtl"' not in _html(german)[:2000]
    for name, received in (("ar", arabic), ("de", german)):
        phone.set_content(_html(received))
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{name} edition scrolls sideways at phone width"
        screenshot(phone, f"newsletter-edition-{name}-phone")

    # One click in the mail client: a POST without cookie or login.
    request = urllib.request.Request(  # noqa: S310 - the live test server
        one_click,
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200
    assert Subscriber.objects.get(pk=layla.pk).state == Subscriber.State.UNSUBSCRIBED

    # The next issue does not reach her; it still reaches Jonas.
    published_offer(
        live_site["agency"],
        slug="sprachcafe",
        texts={"title": {"de": "Sprachcafé", "ar": "مقهى اللغة"}},
        topics=[live_site["topic"]],
    )
    second = issue_compose(subject="Noch mehr Neues")
    assert second.items.count() == 1
    issue_send_start(issue=second)
    _wait_for(
        lambda: Issue.objects.get(pk=second.pk).status == Issue.Status.SENT,
        "the second issue",
    )
    assert len(smtp.to("layla@example.org")) == 2  # confirmation and first issue
    assert len(smtp.to("jonas@example.org")) == 2

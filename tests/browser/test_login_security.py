"""Admin sign-in in Chromium: repeated wrong passwords end in the lockout page, and
a coordinator with two-factor authentication passes the code step to the dashboard.
"""

from datetime import timedelta

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from directory.services import coordinators_group_ensure
from tests.accounts.conftest import PASSWORD, _user, totp_code
from tests.browser.conftest import follow, run_axe, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def coordinator(live_server, settings):
    from tests.conftest import make_home

    settings.ACCOUNTS_2FA_REQUIRED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.ACCOUNTS_LOGIN_COOLOFF_MINUTES = 15
    home = make_home(port=int(live_server.url.rsplit(":", 1)[1]))
    return _user("koordination", group=coordinators_group_ensure(home=home))


def _sign_in(page, url: str, password: str) -> None:
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", "koordination")
    page.fill("#id_password", password)
    follow(page, page.locator("form.login-form button[type=submit]"))


def test_wrong_passwords_end_in_the_lockout_page(live_server, coordinator, phone):
    for _ in range(2):
        _sign_in(phone, live_server.url, "not-the-password")
        assert "Too many failed sign-in attempts" not in phone.content()
    _sign_in(phone, live_server.url, "not-the-password")  # the third
    assert "Too many failed sign-in attempts" in phone.content()

    _sign_in(phone, live_server.url, PASSWORD)  # right, but too late

    message = phone.locator("main [role=alert]")
    assert "Too many failed sign-in attempts" in message.inner_text()
    assert "15 minutes" in message.inner_text()
    screenshot(phone, "admin-lockout")
    assert run_axe(phone) == []
    phone.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in phone.url


def test_coordinator_signs_in_with_password_and_code(live_server, coordinator, phone):
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)

    _sign_in(phone, live_server.url, PASSWORD)

    assert "/admin/2fa/verify/" in phone.url
    screenshot(phone, "admin-code-step")
    assert run_axe(phone) == []
    phone.fill("input[name=code]", totp_code(device))
    follow(phone, phone.get_by_role("button", name="Continue"))
    assert phone.url == f"{live_server.url}/admin/"
    assert "Dashboard" in phone.title()

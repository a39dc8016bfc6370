"""TOTP second factor in the admin: enrolment, the sign-in's code step, recovery
codes, who must have it, and a superuser's reset.
"""

import re
from base64 import b32decode

import pytest
from django.contrib.auth.password_validation import validate_password
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import PageViewRestriction

from accounts.services import recovery_codes_renew
from tests.accounts.conftest import enrolled, sign_in, totp_code

VERIFY = "/admin/2fa/verify/"
SETUP = "/admin/2fa/setup/"


def where_admin_sends(client, path: str = "/admin/") -> str:
    response = client.get(path)
    if response.status_code == 200:
        return "admin"
    assert response.status_code == 302
    location = response["Location"]
    if location.startswith(VERIFY):
        return "code"
    if location.startswith(SETUP):
        return "setup"
    if location.startswith("/admin/login/"):
        return "login"
    # e.g. an editor's page explorer opens at their agency
    return "admin" if location.startswith("/admin/") else location


def test_enrolment_with_the_key_shown_turns_on_the_code_step(client, users):
    client.force_login(users["editor"])
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "<svg" in page.text
    # The user types the key shown as text into the app.
    secret = re.search(r"<code data-secret>([A-Z2-7 ]+)</code>", page.text)[1]
    device = TOTPDevice.objects.get(user=users["editor"], confirmed=False)
    assert b32decode(secret.replace(" ", "")) == device.bin_key

    done = client.post(SETUP, {"code": totp_code(device)})

    assert done.status_code == 200
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.text)
    assert len(codes) == 10
    assert where_admin_sends(client) == "admin"  # verified by the enrolment
    client.logout()
    sign_in(client, "redaktion")
    assert where_admin_sends(client) == "code"


def test_enrolment_refuses_a_wrong_code(client, users):
    client.force_login(users["editor"])
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=users["editor"])
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(SETUP, {"code": wrong})

    assert response.status_code == 400 and "does not match" in response.text
    device.refresh_from_db()
    assert not device.confirmed


def test_sign_in_asks_for_the_code_before_any_admin_page(client, users, two_factor_on):
    device = enrolled(users["coordinator"])
    assert sign_in(client, "koordination").status_code == 302

    assert where_admin_sends(client) == "code"
    assert where_admin_sends(client, "/admin/pages/") == "code"
    assert client.get("/admin/sprite/").status_code == 200  # the code page's icons
    response = client.post(f"{VERIFY}?next=/admin/pages/", {"code": totp_code(device)})

    assert response.status_code == 302 and response["Location"] == "/admin/pages/"
    assert where_admin_sends(client) == "admin"


def test_a_wrong_code_is_refused(client, users):
    device = enrolled(users["editor"])
    sign_in(client, "redaktion")
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(VERIFY, {"code": wrong})

    assert response.status_code == 400 and "not valid" in response.text
    assert where_admin_sends(client) == "code"


def test_a_code_leads_only_to_our_own_pages(client, users):
    device = enrolled(users["editor"])
    sign_in(client, "redaktion")

    response = client.post(
        VERIFY, {"code": totp_code(device), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/admin/"


def test_a_recovery_code_works_once(client, users, two_factor_on):
    enrolled(users["coordinator"])
    code = recovery_codes_renew(user=users["coordinator"])[0]
    sign_in(client, "koordination")

    assert client.post(VERIFY, {"code": code.upper()}).status_code == 302
    assert where_admin_sends(client) == "admin"
    client.logout()
    sign_in(client, "koordination")
    assert client.post(VERIFY, {"code": code}).status_code == 400
    assert where_admin_sends(client) == "code"
    assert StaticToken.objects.filter(device__user=users["coordinator"]).count() == 9


# Where the admin sends each role right after the password, with no device.
@pytest.mark.parametrize(
    ("role", "required", "expected"),
    [
        ("superuser", True, "setup"),
        ("coordinator", True, "setup"),
        ("editor", True, "admin"),
        ("superuser", False, "admin"),
        ("coordinator", False, "admin"),
        ("editor", False, "admin"),
    ],
)
def test_who_must_enrol(client, users, settings, role, required, expected):
    settings.ACCOUNTS_2FA_REQUIRED = required
    sign_in(client, users[role].username)

    assert where_admin_sends(client) == expected
    assert where_admin_sends(client, "/admin/pages/") == expected


def test_a_required_user_can_enrol_and_then_use_the_admin(client, users, two_factor_on):
    sign_in(client, "koordination")
    assert where_admin_sends(client) == "setup"
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=users["coordinator"])

    assert client.post(SETUP, {"code": totp_code(device)}).status_code == 200
    assert where_admin_sends(client) == "admin"


def test_password_alone_opens_no_page_outside_the_admin(client, users, agency):
    """A login-only page stays closed until the code is given."""
    PageViewRestriction.objects.create(page=agency, restriction_type="login")
    device = enrolled(users["editor"])
    sign_in(client, "redaktion")
    url = agency.url

    assert client.get(url).status_code == 302  # to the sign-in
    client.post(VERIFY, {"code": totp_code(device)})
    assert client.get(url).status_code == 200


def test_editor_may_turn_it_off_a_coordinator_may_not(client, users, two_factor_on):
    for role in ("editor", "coordinator"):
        device = enrolled(users[role])
        client.force_login(users[role])
        client.post(VERIFY, {"code": totp_code(device)})
        client.post("/admin/2fa/", {"action": "disable"})
        assert TOTPDevice.objects.filter(user=users[role]).exists() == (
            role == "coordinator"
        )


def test_new_recovery_codes_replace_the_old(client, users):
    device = enrolled(users["editor"])
    old = recovery_codes_renew(user=users["editor"])
    client.force_login(users["editor"])
    client.post(VERIFY, {"code": totp_code(device)})

    response = client.post("/admin/2fa/", {"action": "codes"})

    new = re.findall(r"<li><code>(\w+)</code></li>", response.text)
    assert len(new) == 10 and not set(new) & set(old)
    tokens = StaticToken.objects.filter(device__user=users["editor"])
    assert set(tokens.values_list("token", flat=True)) == set(new)


def test_superuser_resets_a_coordinators_device(client, users, two_factor_on):
    enrolled(users["coordinator"])
    recovery_codes_renew(user=users["coordinator"])
    boss_device = enrolled(users["superuser"])
    client.force_login(users["superuser"])
    client.post(VERIFY, {"code": totp_code(boss_device)})
    listing = client.get("/admin/users/").text
    reset_url = f"/admin/2fa/reset/{users['coordinator'].pk}/"
    assert reset_url in listing

    assert client.post(reset_url).status_code == 302

    assert not TOTPDevice.objects.filter(user=users["coordinator"]).exists()
    assert not StaticToken.objects.filter(device__user=users["coordinator"]).exists()
    client.logout()
    sign_in(client, "koordination")
    assert where_admin_sends(client) == "setup"


def test_only_superusers_reset(client, users, two_factor_on):
    enrolled(users["editor"])
    coordinator_device = enrolled(users["coordinator"])
    client.force_login(users["coordinator"])
    client.post(VERIFY, {"code": totp_code(coordinator_device)})

    response = client.post(f"/admin/2fa/reset/{users['editor'].pk}/")

    # Wagtail answers a refusal with a redirect to the dashboard and a message.
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert TOTPDevice.objects.filter(user=users["editor"]).exists()


def test_account_page_links_to_enrolment(client, users):
    client.force_login(users["editor"])
    assert 'href="/admin/2fa/"' in client.get("/admin/account/").text


def test_short_passwords_are_refused_when_creating_a_user(client, users):
    client.force_login(users["superuser"])
    form = {
        "username": "neu",
        "email": "neu@example.org",
        "first_name": "Neu",
        "last_name": "Person",
    }

    short = client.post(
        "/admin/users/new/", {**form, "password1": "kurz12", "password2": "kurz12"}
    )
    good = "lange-genug-passphrase"
    long = client.post(
        "/admin/users/new/", {**form, "password1": good, "password2": good}
    )

    assert short.status_code == 200 and "at least 12 characters" in short.text
    assert long.status_code == 302
    validate_password("wegweiser-demo")  # the demo accounts' password still passes

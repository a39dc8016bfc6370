"""Fixtures for the admin sign-in tests: the three roles, second factor on."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.users.models import UserProfile

from directory.services import agency_editors_group_ensure, coordinators_group_ensure

PASSWORD = "a-long-enough-password"


def _user(username: str, *, group=None, superuser: bool = False):
    model = get_user_model()
    if superuser:
        user = model.objects.create_superuser(username, f"{username}@example.org")
    else:
        user = model.objects.create_user(username, f"{username}@example.org")
    user.set_password(PASSWORD)
    user.save()
    if group is not None:
        user.groups.add(group)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"  # assert on English texts
    profile.save()
    return user


@pytest.fixture
def users(home, agency):
    return {
        "superuser": _user("chef", superuser=True),
        "coordinator": _user(
            "koordination", group=coordinators_group_ensure(home=home)
        ),
        "editor": _user("redaktion", group=agency_editors_group_ensure(agency=agency)),
    }


@pytest.fixture
def two_factor_on(settings):
    settings.ACCOUNTS_2FA_REQUIRED = True
    return settings


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or ``steps_ahead`` periods later: a code
    is accepted once, and within the device's tolerance of one step)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def sign_in(client, username: str, password: str = PASSWORD, **extra):
    """The admin's sign-in form, as a browser posts it."""
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "next": "/admin/"},
        **extra,
    )

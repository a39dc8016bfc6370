"""Enrolling, renewing and removing the admin's second factor (django-otp devices).

A user has at most one confirmed authenticator app (TOTP) and one set of one-time
recovery codes; enrolling again replaces both.
"""

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10


class InvalidCode(Exception):
    """The code typed does not match the authenticator (or came too soon after
    wrong ones: django-otp waits longer after each failure)."""


def totp_device_start(*, user) -> TOTPDevice:
    """The unconfirmed authenticator ``user`` is scanning: the one begun earlier,
    so reloading the page keeps the QR code, or a new one with a fresh secret.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
    return device


def totp_device_confirm(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator ``user`` began with a code it shows, replacing
    their earlier authenticator and recovery codes. Returns the device and the new
    recovery codes (shown once: only the codes themselves are stored).

    Raises InvalidCode when no enrolment was begun or the code does not match.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    # Outside the transaction: a failure's throttle count must be kept.
    if device is None or not device.verify_token(code):
        raise InvalidCode
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_renew(user=user)
    return device, codes


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    """Replace ``user``'s recovery codes by RECOVERY_CODE_COUNT new ones, each
    good for one sign-in, and return them.
    """
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in codes
    )
    return codes


def recovery_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@transaction.atomic
def two_factor_remove(*, user) -> None:
    """Remove ``user``'s authenticators and recovery codes: their next sign-in
    asks for the password only (or for enrolment, if it is required of them).
    """
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()

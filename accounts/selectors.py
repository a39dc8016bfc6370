"""Who must give a second factor at sign-in, and who has one."""

from django.conf import settings
from django_otp import user_has_device

from directory.services import COORDINATORS_GROUP


def two_factor_required(user) -> bool:
    """True when ACCOUNTS_2FA_REQUIRED is on and ``user`` is a superuser or a
    coordinator: they may not use the admin before enrolling.
    """
    if not settings.ACCOUNTS_2FA_REQUIRED or not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=COORDINATORS_GROUP).exists()


def two_factor_enrolled(user) -> bool:
    """True when ``user`` has a confirmed authenticator or recovery codes, so every
    sign-in asks for one of them.
    """
    return user.is_authenticated and user_has_device(user, confirmed=True)

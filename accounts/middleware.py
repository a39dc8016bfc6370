"""Keeps a signed-in user out of the admin until their second factor is given."""

from functools import partial
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django_otp.middleware import is_verified

from .selectors import two_factor_enrolled, two_factor_required

# Admin views open to a user whose second factor is outstanding: signing out, and
# what every admin page loads (translations for its scripts, the icons).
_OPEN_VIEWS = {
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_sprite",
}


def _anonymous() -> AnonymousUser:
    user = AnonymousUser()
    user.otp_device = None  # type: ignore[attr-defined]
    user.is_verified = partial(is_verified, user)  # type: ignore[attr-defined]
    return user


class TwoFactorMiddleware:
    """After the password, a user with an authenticator must give a code
    (accounts_2fa_verify) and a user who must have one but has none must enrol
    (accounts_2fa_setup) before any other admin page. Outside the admin such a
    user counts as anonymous, so the password alone opens nothing (documents,
    previews, private pages). Needs django-otp's OTPMiddleware before it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            step = self._step(user)
            if step is not None:
                if request.path.startswith(reverse("wagtailadmin_home")):
                    if self._view_name(request) not in {step, *_OPEN_VIEWS}:
                        return self._redirect(request, step)
                else:
                    anonymous = _anonymous()
                    request.user = anonymous

                    async def auser():
                        return anonymous

                    request.auser = auser
        return self.get_response(request)

    @staticmethod
    def _step(user) -> str | None:
        if two_factor_enrolled(user):
            return "accounts_2fa_verify"
        if two_factor_required(user):
            return "accounts_2fa_setup"
        return None

    @staticmethod
    def _view_name(request) -> str | None:
        try:
            return resolve(request.path_info).url_name
        except Resolver404:
            return None

    @staticmethod
    def _redirect(request, step: str):
        after = request.get_full_path() if request.method == "GET" else ""
        url = reverse(step)
        if after:
            url = f"{url}?{urlencode({'next': after})}"
        return redirect(url)

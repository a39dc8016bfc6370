"""The authentication backend that refuses sign-ins while a lockout lasts."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for sign-ins over HTTP.

    An ``authenticate()`` without a request (the test client's ``login()``, shell
    scripts) is not a sign-in form anyone can reach from outside, so it is left to
    the next backend instead of failing as django-axes would.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)

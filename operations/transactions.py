"""Admin changes are all or nothing: every admin POST runs in one transaction."""

from fnmatch import fnmatchcase

from django.db import transaction
from django.urls import Resolver404, resolve, reverse

# Admin views that manage their own transactions (URL names, glob patterns).
EXCLUDED_VIEWS = ("wagtailadmin_login", "hsds_import")


class AdminAtomicMiddleware:
    """Wraps POST, PUT, PATCH and DELETE requests under the admin's prefix in
    ``transaction.atomic()`` and rolls back when the answer is a server error, so a
    view that fails half-way (a hook raising after the page is created, a database
    lock) leaves nothing behind.

    Not ``ATOMIC_REQUESTS``: on SQLite every transaction takes the write lock at
    once (IMMEDIATE), which would serialise the public site's reads too.
    """

    WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix: str | None = None

    @staticmethod
    def _excluded(request) -> bool:
        # Sign-ins (a password hash inside a write transaction would queue every
        # writer behind a guessing attacker) and the HSDS import, which commits in
        # batches and leaves the write lock free between them.
        try:
            name = resolve(request.path_info).url_name or ""
        except Resolver404:
            return False
        return any(fnmatchcase(name, pattern) for pattern in EXCLUDED_VIEWS)

    @property
    def prefix(self) -> str:
        if self._prefix is None:
            self._prefix = reverse("wagtailadmin_home")
        return self._prefix

    def __call__(self, request):
        if (
            request.method not in self.WRITING_METHODS
            or not request.path.startswith(self.prefix)
            or self._excluded(request)
        ):
            return self.get_response(request)
        with transaction.atomic():
            # The view's exception has become a 500 answer by now (Django converts
            # it inside the middleware chain), so the status decides.
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response

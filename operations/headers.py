"""Security headers on every response: Content-Security-Policy and Permissions-Policy.

The public site gets a strict, static policy (no inline script or style, nothing from
other hosts); the admin gets a looser one, because Wagtail's admin writes inline
scripts and styles. The policies are plain strings from settings, the same for every
request, so whole responses can be cached and shared between readers (no nonces).
HSTS, X-Content-Type-Options, Referrer-Policy and Cross-Origin-Opener-Policy come from
Django's SecurityMiddleware (the SECURE_* settings).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP = "Content-Security-Policy"
CSP_REPORT_ONLY = "Content-Security-Policy-Report-Only"
# The name the policies give their reporting endpoint in `report-to`.
REPORT_GROUP = "csp"


def content_security_policy(*, admin: bool) -> str:
    """The policy for the public site or the admin, with the reporting directives
    when OPERATIONS_CSP_REPORT_URI is set; empty when that policy is switched off.
    """
    policy = (
        settings.OPERATIONS_CSP_ADMIN if admin else settings.OPERATIONS_CSP_PUBLIC
    ).strip()
    report_uri = settings.OPERATIONS_CSP_REPORT_URI
    if policy and report_uri:
        policy = policy.rstrip("; ")
        policy = f"{policy}; report-uri {report_uri}; report-to {REPORT_GROUP}"
    return policy


def is_admin_path(path: str) -> bool:
    return path.startswith(tuple(settings.OPERATIONS_CSP_ADMIN_PATHS))


class SecurityHeadersMiddleware:
    """Adds the policies to responses that do not set their own (Wagtail's image
    serving sends a stricter CSP of its own, which is kept).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "is_dummy", False):
            # Wagtail renders previews through the middleware with a made-up request
            # for the page's public URL; the real (admin) request's pass sets them.
            return response
        policy = content_security_policy(admin=is_admin_path(request.path_info))
        if policy and CSP not in response and CSP_REPORT_ONLY not in response:
            header = CSP_REPORT_ONLY if settings.OPERATIONS_CSP_REPORT_ONLY else CSP
            response[header] = policy
            if settings.OPERATIONS_CSP_REPORT_URI:
                response.setdefault(
                    "Reporting-Endpoints",
                    f'{REPORT_GROUP}="{settings.OPERATIONS_CSP_REPORT_URI}"',
                )
        if settings.OPERATIONS_PERMISSIONS_POLICY:
            response.setdefault(
                "Permissions-Policy", settings.OPERATIONS_PERMISSIONS_POLICY
            )
        return response

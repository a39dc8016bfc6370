"""Per-client throttling of the public APIs.

A client is its address (``REMOTE_ADDR``, or the address the trusted proxies put in
``X-Forwarded-For``: ``REST_FRAMEWORK["NUM_PROXIES"]``). The rate is the setting
``API_THROTTLE_RATE`` (e.g. ``600/min``); empty switches throttling off. Counts live
in the default cache, so all app processes share them.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class PublicApiThrottle(SimpleRateThrottle):
    scope = "public_api"

    def get_rate(self):
        return settings.API_THROTTLE_RATE or None

    def allow_request(self, request, view):
        # Read the rate per request: tests and operators change the setting live.
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }

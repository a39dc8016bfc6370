"""JSON-LD and the head's tags in Chromium under the public Content-Security-Policy:
the data blocks are read by the browser as data, never run, and break no rule."""

import json

import pytest
from django.utils import translation

from tests.browser import test_csp

pytestmark = pytest.mark.browser

# The CSP test's phone, which hears every complaint about the policies.
watched_phone = test_csp.watched_phone


def test_json_ld_breaks_no_rule_and_reads_as_data(
    live_server, live_site, watched_phone
):
    page, complaints = watched_phone
    pages = [live_site["offer"], live_site["agency"], live_site["point"]]
    found = []
    for language in ("de", "ar"):
        for wagtail_page in pages:
            with translation.override(language):
                url = wagtail_page.url
            page.goto(live_server.url + url)
            blocks = page.evaluate(
                "[...document.querySelectorAll('script[type=\"application/ld+json\"]')]"
                ".map(s => s.textContent)"
            )
            found += [json.loads(block)["@type"] for block in blocks]
            assert page.locator("link[rel=canonical]").count() == 1
            assert complaints.all() == [], url
    assert found == ["Service", "Organization", "Place"] * 2

"""seed_demo --offers N:
more offers than the hand-written ones, as numbered variants; no published
passwords without debugging.
"""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

from directory.models import AgencyPage, OfferPage


def test_seed_can_make_more_offers_than_written(db):
    call_command("seed_demo", "--offers", "135")
    assert OfferPage.objects.count() == 135
    assert OfferPage.objects.filter(slug__endswith="-2").exists()


def test_seed_with_zero_offers_makes_the_region_without_offers(db):
    call_command("seed_demo", "--offers", "0")
    assert not OfferPage.objects.exists()
    assert AgencyPage.objects.exists()


def test_without_debugging_the_demo_accounts_get_no_published_password(
    db, settings, client
):
    """A production site seeded with the demo must not open with a password that
    is printed in the README."""
    settings.DEBUG = False
    out = io.StringIO()
    call_command("seed_demo", "--offers", "0", stdout=out)
    admin = get_user_model().objects.get(username="admin")
    assert not admin.has_usable_password()
    assert not client.login(username="koordination", password="wegweiser-demo")
    assert "cannot log in" in out.getvalue()

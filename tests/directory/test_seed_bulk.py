"""seed_demo --offers N:
more offers than the hand-written ones, as numbered variants.
"""

from django.core.management import call_command

from directory.models import OfferPage


def test_seed_can_make_more_offers_than_written(db):
    call_command("seed_demo", "--offers", "135")
    assert OfferPage.objects.count() == 135
    assert OfferPage.objects.filter(slug__endswith="-2").exists()

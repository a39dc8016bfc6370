"""seed_demo --offers N:
more offers than the hand-written ones, as numbered variants.
"""

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

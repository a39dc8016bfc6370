"""Receivers that queue index changes when the catalogue changes; they only enqueue."""

import logging

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from directory.models import (
    AgencyPage,
    ContactPointPage,
    District,
    Language,
    OfferPage,
    ResidenceStatus,
    TargetGroup,
    Topic,
)
from directory.signals import offers_visibility_changed

from .indexing import changes_record
from .models import Synonym

log = logging.getLogger(__name__)


def _offers_affected_by(instance) -> list[OfferPage]:
    page = getattr(instance, "specific", instance)
    if isinstance(page, OfferPage):
        return [page]
    if isinstance(page, ContactPointPage):
        return list(OfferPage.objects.filter(contact_points=page))
    if isinstance(page, AgencyPage):
        return list(OfferPage.objects.filter(agency=page))
    return []


def _queue(instance) -> None:
    try:
        changes_record(_offers_affected_by(instance))
    except Exception:  # queueing must never break an editor's save
        log.exception("could not queue index change for %r", instance)


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def page_changed(sender, instance, **kwargs) -> None:
    _queue(instance)


@receiver(post_delete, sender=OfferPage)
def offer_deleted(sender, instance, **kwargs) -> None:
    _queue(instance)


@receiver(pre_delete, sender=ContactPointPage)
def contact_point_deleted(sender, instance, **kwargs) -> None:
    # Its offers stay; their places and hours change. Before the delete: afterwards
    # the offer ↔ contact point links are gone and nothing would be found.
    _queue(instance)


@receiver(post_save, sender=Topic)
@receiver(post_save, sender=TargetGroup)
@receiver(post_save, sender=ResidenceStatus)
@receiver(post_save, sender=Language)
def term_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        _queue_offers(instance.offers.all())
    from .labels import labels_forget

    labels_forget()


@receiver(post_save, sender=District)
def district_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        _queue_offers(
            OfferPage.objects.filter(contact_points__district=instance).distinct()
        )
    from .labels import labels_forget

    labels_forget()


@receiver(post_save, sender=Synonym)
@receiver(post_delete, sender=Synonym)
def synonyms_changed(sender, **kwargs) -> None:
    from .labels import synonyms_forget

    synonyms_forget()


def _queue_offers(offers) -> None:
    try:
        changes_record(list(offers))
    except Exception:
        log.exception("could not queue index changes")


@receiver(offers_visibility_changed)
def offers_came_or_went(sender, offer_ids, **kwargs) -> None:
    """Hidden as stale, shown again, or past their end date: re-index them (an
    offer no longer visible is removed from the index)."""
    _queue_offers(OfferPage.objects.filter(pk__in=offer_ids))

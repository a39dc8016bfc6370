"""What the public may see: one definition per kind, as QuerySet methods.

Every reader of the catalogue (pages, search index, finder, HSDS, newsletter) starts
from ``<Model>.objects.visible()``. Wagtail's own ``public()`` means only "no view
restriction" and stays what it is; ``visible()`` adds everything else a visitor must
not see. The queries stay one statement: the agency is a foreign key on its pages,
kept equal to the page's parent in the tree by every save.
"""

from datetime import date, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import models
from django.utils import timezone
from wagtail.query import PageQuerySet


class FreshnessCutoffs(NamedTuple):
    """Pages confirmed before ``stale_before`` are stale (listed on the dashboards,
    their editors reminded); offers confirmed before ``hidden_before`` leave the
    public site until confirmed again.
    """

    today: date
    stale_before: date
    hidden_before: date


def freshness_cutoffs(today: date | None = None) -> FreshnessCutoffs:
    """The one definition of "stale" and "hidden as stale", from
    ``DIRECTORY_STALE_AFTER_DAYS`` and ``DIRECTORY_HIDE_AFTER_DAYS``."""
    today = today or timezone.localdate()
    stale_before = today - timedelta(days=settings.DIRECTORY_STALE_AFTER_DAYS)
    return FreshnessCutoffs(
        today=today,
        stale_before=stale_before,
        hidden_before=stale_before - timedelta(days=settings.DIRECTORY_HIDE_AFTER_DAYS),
    )


class AgencyPageQuerySet(PageQuerySet):
    def visible(self) -> "AgencyPageQuerySet":
        """Published agencies outside any private section."""
        return self.live().public()


class AgencyChildPageQuerySet(PageQuerySet):
    """Pages that belong to one agency (``agency`` foreign key)."""

    def stale(self, today: date | None = None) -> "AgencyChildPageQuerySet":
        """Pages not confirmed for ``DIRECTORY_STALE_AFTER_DAYS`` (or never)."""
        cutoffs = freshness_cutoffs(today)
        return self.filter(
            models.Q(assured_date__lt=cutoffs.stale_before)
            | models.Q(assured_date__isnull=True)
        )

    def visible(self) -> "AgencyChildPageQuerySet":
        """Published pages outside any private section, of a published agency.

        A view restriction on the agency covers its pages through ``public()`` (it
        applies to the whole subtree); an unpublished agency does not, so it is
        checked here.
        """
        return self.live().public().filter(agency__live=True)


class ContactPointPageQuerySet(AgencyChildPageQuerySet):
    pass


class OfferPageQuerySet(AgencyChildPageQuerySet):
    def visible(self) -> "OfferPageQuerySet":
        """Offers a visitor may find: visible pages that have not ended and are not
        hidden as stale.
        """
        today = timezone.localdate()
        return (
            super()
            .visible()
            .exclude(status=self.model.Status.ENDED)
            .exclude(end_date__lt=today)
            .not_hidden_as_stale(today)
        )

    def not_hidden_as_stale(self, today: date | None = None) -> "OfferPageQuerySet":
        """Offers not hidden for want of a recent confirmation: confirmed within
        ``DIRECTORY_STALE_AFTER_DAYS`` + ``DIRECTORY_HIDE_AFTER_DAYS`` (an offer
        never confirmed is listed as stale, never hidden: publishing confirms it).
        """
        cutoffs = freshness_cutoffs(today)
        return self.exclude(assured_date__lt=cutoffs.hidden_before)

    def hidden_as_stale(self, today: date | None = None) -> "OfferPageQuerySet":
        cutoffs = freshness_cutoffs(today)
        return self.filter(assured_date__lt=cutoffs.hidden_before)


class ResponsibilityQuerySet(models.QuerySet):
    def visible(self) -> "ResponsibilityQuerySet":
        """Rules of a visible agency (a rule whose contact point is hidden keeps its
        agency and loses the place: readers show only visible contact points).
        """
        agencies: Any = self.model._meta.get_field("agency").related_model
        return self.filter(agency__in=agencies.objects.visible().values("pk"))

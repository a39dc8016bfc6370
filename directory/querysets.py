"""What the public may see: one definition per kind, as QuerySet methods.

Every reader of the catalogue (pages, search index, finder, HSDS, newsletter) starts
from ``<Model>.objects.visible()``. Wagtail's own ``public()`` means only "no view
restriction" and stays what it is; ``visible()`` adds everything else a visitor must
not see. The queries stay one statement: the agency is a foreign key on its pages,
kept equal to the page's parent in the tree by every save.
"""

from typing import Any

from django.db import models
from wagtail.query import PageQuerySet


class AgencyPageQuerySet(PageQuerySet):
    def visible(self) -> "AgencyPageQuerySet":
        """Published agencies outside any private section."""
        return self.live().public()


class AgencyChildPageQuerySet(PageQuerySet):
    """Pages that belong to one agency (``agency`` foreign key)."""

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
        return (
            super()
            .visible()
            .exclude(status=self.model.Status.ENDED)
            .not_hidden_as_stale()
        )

    def not_hidden_as_stale(self) -> "OfferPageQuerySet":
        """Offers not hidden for want of a recent confirmation.

        The one place for that rule: no offer is hidden yet. The freshness reminders
        will filter here on ``assured_date`` (or its replacement).
        """
        return self


class ResponsibilityQuerySet(models.QuerySet):
    def visible(self) -> "ResponsibilityQuerySet":
        """Rules of a visible agency (a rule whose contact point is hidden keeps its
        agency and loses the place: readers show only visible contact points).
        """
        agencies: Any = self.model._meta.get_field("agency").related_model
        return self.filter(agency__in=agencies.objects.visible().values("pk"))

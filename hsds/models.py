"""The one table HSDS keeps of its own: which service and place each
service-at-location id stands for.

A service-at-location id is a name-based UUID of the service's and the place's ids
(``derived_id``): stable across exports, but one-way. This table turns it back, so
``/api/hsds/service_at_locations/{id}`` is a lookup. It is derived data, filled for
the whole catalogue the first time an id is missing after a catalogue change
(``hsds.selectors.placement_keys_build``); a row whose pair is no longer public is
harmless, because every lookup checks the pair against what the public sees.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlacementKey(models.Model):
    id = models.UUIDField(_("service-at-location id"), primary_key=True)
    service_id = models.UUIDField(_("service id"))
    location_id = models.UUIDField(_("location id"))

    class Meta:
        verbose_name = _("service-at-location key")
        verbose_name_plural = _("service-at-location keys")

    def __str__(self) -> str:
        return str(self.id)

"""App config for open data: the HSDS 3.0 read API, import and export."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HsdsConfig(AppConfig):
    name = "hsds"
    verbose_name = _("Open data (HSDS)")

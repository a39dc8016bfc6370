"""App config for the demo region: data and the seed_demo command, nothing the
catalogue itself needs.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = _("Demo region")

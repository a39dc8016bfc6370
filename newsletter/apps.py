"""App config for the joint newsletter (subscribers, issues, sending)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("Newsletter")

    def ready(self) -> None:
        from directory.signals import seed_demo_extras

        from .demo import seed_demo_receiver

        seed_demo_extras.connect(seed_demo_receiver, dispatch_uid="newsletter-demo")

"""App config for the public search."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    label = "public_search"  # "search" would clash with wagtail.search's label
    verbose_name = _("Public search")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects receivers that only enqueue work)

"""App config for the directory: agencies, offers, contact points, responsibilities."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Directory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wagtail.contrib.routable_page.models import RoutablePageMixin

        from . import signals  # noqa: F401  (connects receivers)

        # Wagtail builds a routable page's URL resolver on first use and stores it on
        # the class while another thread of the same process may be reading the
        # class's __dict__ for its own first use ("dictionary changed size during
        # iteration", a 500 seen under load on a fresh gunicorn): build them now.
        for model in self.get_models():
            if issubclass(model, RoutablePageMixin):
                model.get_resolver()  # type: ignore[attr-defined]

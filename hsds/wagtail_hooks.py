"""Admin: the HSDS import in the settings menu, for coordinators."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .admin_views import HsdsImportView
from .admin_views import can_import as hsds_can_import


class HsdsImportMenuItem(MenuItem):
    def is_shown(self, request):
        return hsds_can_import(request.user)


@hooks.register("register_admin_urls")
def register_hsds_import_url():
    return [path("hsds-import/", HsdsImportView.as_view(), name="hsds_import")]


@hooks.register("register_settings_menu_item")
def register_hsds_import_menu_item():
    return HsdsImportMenuItem(
        _("Import HSDS data"),
        reverse("hsds_import"),
        name="hsds-import",
        icon_name="download",
        order=900,
    )

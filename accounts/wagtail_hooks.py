"""Admin wiring of the second factor: its URLs, the account page's link, and the
superuser's reset button in the user listing.
"""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.widgets import Button

from . import views
from .selectors import two_factor_enrolled


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return [
        path("2fa/", views.OverviewView.as_view(), name="accounts_2fa"),
        path("2fa/verify/", views.VerifyView.as_view(), name="accounts_2fa_verify"),
        path("2fa/setup/", views.SetupView.as_view(), name="accounts_2fa_setup"),
        path(
            "2fa/reset/<int:user_id>/",
            views.ResetView.as_view(),
            name="accounts_2fa_reset",
        ),
    ]


@hooks.register("register_account_menu_item")
def register_two_factor_account_item(request):
    return {
        "url": reverse("accounts_2fa"),
        "label": _("Two-factor authentication"),
        "help_text": _(
            "Ask for a code from an app on your phone at every sign-in, "
            "so a stolen password alone does not open the admin."
        ),
    }


@hooks.register("register_user_listing_buttons")
def register_two_factor_reset_button(user, request_user):
    if not request_user.is_superuser or not two_factor_enrolled(user):
        return []
    return [
        Button(
            _("Reset two-factor authentication"),
            url=reverse("accounts_2fa_reset", args=[user.pk]),
            icon_name="key",
            priority=90,
        )
    ]

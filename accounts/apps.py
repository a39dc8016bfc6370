"""App config for admin sign-in hardening: lockouts, second factor, recovery codes."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Admin sign-in")
    default_auto_field = "django.db.models.BigAutoField"

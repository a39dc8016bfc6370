"""Admin URLs and menu item of the local mailbox page; newsletter/wagtail_hooks.py
registers them."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem

from .mailbox import mailbox_directory
from .mailbox_views import (
    MailboxIndexView,
    MailboxMessageView,
    MailboxRawView,
    mailbox_can_view,
)


class MailboxMenuItem(MenuItem):
    def is_shown(self, request):
        return mailbox_directory() is not None and mailbox_can_view(request.user)


def register_admin_urls() -> list:
    """URL patterns under /admin/ (for the ``register_admin_urls`` hook).

    Always registered: the views themselves answer 404 while the mailbox is off.
    """
    return [
        path("mailbox/", MailboxIndexView.as_view(), name="newsletter_mailbox"),
        path(
            "mailbox/<str:name>/",
            MailboxMessageView.as_view(),
            name="newsletter_mailbox_message",
        ),
        path(
            "mailbox/<str:name>/raw/",
            MailboxRawView.as_view(),
            name="newsletter_mailbox_raw",
        ),
    ]


def menu_item() -> MenuItem:
    """The "Mailbox" menu item (for ``register_admin_menu_item``).

    Always an item, never None: Wagtail builds its menu once per process and calls
    ``is_shown`` per request, which hides the item unless the mailbox is on and the
    user is a superuser.
    """
    return MailboxMenuItem(
        _("Mailbox"),
        reverse("newsletter_mailbox"),
        name="newsletter-mailbox",
        icon_name="mail",
        order=10000,
    )

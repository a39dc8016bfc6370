"""Admin: the local mailbox of `make run` (superusers only, off unless
NEWSLETTER_MAILBOX_DIR is set): every message the site sent, as the reader gets it."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .mailbox import (
    MAILBOX_KEEP,
    MailboxMessageNotFound,
    mailbox_directory,
    mailbox_list,
    mailbox_names,
    mailbox_raw,
    mailbox_read,
)

PER_PAGE = 50


def mailbox_can_view(user) -> bool:
    """Only superusers: the mailbox holds every address and link the site mailed."""
    return user.is_superuser


class MailboxAccessMixin:
    """404 while the mailbox is off (as if the page did not exist), then 403 for
    everyone but superusers (Wagtail's admin turns that into its usual redirect)."""

    def dispatch(self, request, *args, **kwargs):
        self.directory = mailbox_directory()
        if self.directory is None:
            raise Http404
        if not mailbox_can_view(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class MailboxIndexView(MailboxAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "newsletter/admin/mailbox_index.html"
    page_title = _("Mailbox")
    header_icon = "mail"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(mailbox_names(directory=self.directory), PER_PAGE).get_page(
            self.request.GET.get("p")
        )
        entries = mailbox_list(
            directory=self.directory,
            offset=(page.number - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
        context.update(
            page=page,
            # Wagtail's pagination_nav.html expects this name.
            elided_page_range=page.paginator.get_elided_page_range(page.number),
            entries=entries,
            directory=self.directory,
            keep=MAILBOX_KEEP,
        )
        return context


class MailboxMessageView(MailboxAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "newsletter/admin/mailbox_message.html"
    header_icon = "mail"

    def get(self, request, *args, name, **kwargs):
        try:
            self.message = mailbox_read(directory=self.directory, name=name)
        except MailboxMessageNotFound as error:
            raise Http404 from error
        return super().get(request, *args, **kwargs)

    def get_page_title(self):
        return self.message.entry.subject or _("(no subject)")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("newsletter_mailbox"), "label": _("Mailbox")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["message"] = self.message
        return context


class MailboxRawView(MailboxAccessMixin, View):
    """The stored .eml file, to open in a mail program."""

    def get(self, request, name):
        try:
            raw = mailbox_raw(directory=self.directory, name=name)
        except MailboxMessageNotFound as error:
            raise Http404 from error
        response = HttpResponse(raw, content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

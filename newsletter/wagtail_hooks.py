"""Admin: the "Newsletter" menu (issues, news items, subscribers, suppressed
addresses), the compose, send and preview pages, and the log actions of sending.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_views as views
from . import mailbox_hooks
from .models import Issue, NewsItem, Subscriber, Suppression
from .permissions import NewsItemPermissionPolicy

# Before any view asks for it (Wagtail would otherwise make a plain model policy).
register_permission_policy(NewsItem, NewsItemPermissionPolicy(NewsItem))

READ_ONLY_VIEWS = {"add", "edit", "delete", "copy"}


class IssueViewSet(ModelViewSet):
    model = Issue
    icon = "mail"
    menu_label = _("Issues")
    url_prefix = "newsletter/issues"
    url_namespace = "newsletter_issues"
    index_view_class = views.IssueIndexView
    edit_view_class = views.IssueEditView
    list_display = [
        "subject",
        "status",
        views.ItemCountColumn("item_count", label=_("Items")),
        DateColumn("created_at", label=_("Created")),
        DateColumn("finished_at", label=_("Sent")),
    ]
    list_filter = ["status"]
    search_fields = ["subject"]
    copy_view_enabled = False


class NewsItemViewSet(SnippetViewSet):
    model = NewsItem
    icon = "doc-full"
    menu_label = _("News items")
    url_prefix = "newsletter/news"
    url_namespace = "newsletter_news"
    list_display = ["title", "agency", "topic", "live", "updated_at"]
    list_filter = ["live"]
    index_view_class = views.NewsItemIndexView
    # Every view on one item checks that it belongs to one of the user's agencies
    # (Wagtail's generic views check model permissions only).
    edit_view_class = views.agency_scoped(snippet_views.EditView)
    delete_view_class = views.agency_scoped(snippet_views.DeleteView, "delete")
    history_view_class = views.agency_scoped(snippet_views.HistoryView)
    usage_view_class = views.agency_scoped(snippet_views.UsageView)
    inspect_view_class = views.agency_scoped(
        snippet_views.InspectView, "change", "view"
    )
    preview_on_edit_view_class = views.agency_scoped(snippet_views.PreviewOnEditView)
    lock_view_class = views.agency_scoped(snippet_views.LockView)
    unlock_view_class = views.agency_scoped(snippet_views.UnlockView)
    revisions_compare_view_class = views.agency_scoped(
        snippet_views.RevisionsCompareView
    )
    revisions_view_class = views.agency_scoped(snippet_views.PreviewRevisionView)
    workflow_history_view_class = views.agency_scoped(snippet_views.WorkflowHistoryView)

    def get_edit_handler(self):
        # The model's panels (with the per-language fields modeltranslation adds)
        # and a form that offers only the user's own agencies.
        return ObjectList(
            self.model.panels, base_form_class=views.NewsItemAdminForm
        ).bind_to_model(self.model)


class SubscriberViewSet(ModelViewSet):
    """Read-only: subscribers sign up themselves; coordinators export and erase."""

    model = Subscriber
    icon = "user"
    menu_label = _("Subscribers")
    url_prefix = "newsletter/subscribers"
    url_namespace = "newsletter_subscribers"
    list_display = [
        "email",
        "state",
        views.LanguagesColumn("languages", label=_("Languages")),
        DateColumn("confirmed_at", label=_("Confirmed")),
    ]
    list_filter = ["state"]
    search_fields = ["email"]
    inspect_view_enabled = True
    inspect_view_class = views.SubscriberInspectView
    inspect_view_fields = [
        "email",
        "state",
        "paused",
        "languages",
        "topics",
        "districts",
        "source",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
        "soft_bounces",
    ]
    copy_view_enabled = False
    form_fields = ["email"]  # never shown: there is no add or edit view

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{"add_url_name": None, "edit_url_name": None, "delete_url_name": None},
            **kwargs,
        )

    def get_urlpatterns(self):
        kept = [
            pattern
            for pattern in super().get_urlpatterns()
            if pattern.name not in READ_ONLY_VIEWS
        ]
        return [
            *kept,
            path("export/<int:pk>/", views.subscriber_export, name="export"),
            path("erase/<int:pk>/", views.SubscriberEraseView.as_view(), name="erase"),
        ]


class SuppressionViewSet(ModelViewSet):
    model = Suppression
    icon = "cross"
    menu_label = _("Suppressed addresses")
    url_prefix = "newsletter/suppressions"
    url_namespace = "newsletter_suppressions"
    list_display = [
        Column(
            "email_hash",
            label=_("Address hash"),
            accessor=lambda row: f"{row.email_hash[:16]}…",
        ),
        "reason",
        "note",
        DateColumn("created_at", label=_("Since")),
    ]
    list_filter = ["reason"]
    add_view_class = views.SuppressionCreateView
    copy_view_enabled = False
    form_fields = ["note"]

    def get_form_class(self, for_update=False):
        return views.SuppressionAddForm

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(**{"edit_url_name": None}, **kwargs)

    def get_urlpatterns(self):
        return [
            pattern
            for pattern in super().get_urlpatterns()
            if pattern.name not in {"edit", "copy"}
        ]


class NewsletterGroup(SnippetViewSetGroup):
    menu_label = _("Newsletter")
    menu_icon = "mail"
    menu_order = 320
    items = (IssueViewSet, NewsItemViewSet, SubscriberViewSet, SuppressionViewSet)


register_snippet(NewsletterGroup)


@hooks.register("register_admin_urls")
def register_newsletter_urls():
    urls = [
        path(
            "newsletter/compose/",
            views.ComposeView.as_view(),
            name="newsletter_compose",
        ),
        path(
            "newsletter/issues/<int:pk>/send/",
            views.IssueSendView.as_view(),
            name="newsletter_issue_send",
        ),
        path(
            "newsletter/issues/<int:pk>/preview/<str:lang>/",
            views.issue_preview,
            name="newsletter_issue_preview",
        ),
        path(
            "newsletter/issues/<int:pk>/editions/<str:lang>/",
            views.EditionPreviewView.as_view(),
            name="newsletter_edition",
        ),
    ]
    # The local mailbox of `make run` (its views answer 404 while it is off).
    return urls + mailbox_hooks.register_admin_urls()


@hooks.register("register_admin_menu_item")
def register_mailbox_menu_item():
    return mailbox_hooks.menu_item()


@hooks.register("register_log_actions")
def register_newsletter_log_actions(actions):
    actions.register_action(
        "newsletter.send", _("Send newsletter"), _("Sending of the newsletter started")
    )
    actions.register_action(
        "newsletter.schedule",
        _("Schedule newsletter"),
        _("Newsletter scheduled or unscheduled"),
    )
    actions.register_action(
        "newsletter.pause", _("Pause newsletter"), _("Sending of the newsletter paused")
    )
    actions.register_action(
        "newsletter.resume",
        _("Resume newsletter"),
        _("Sending of the newsletter resumed"),
    )
    actions.register_action(
        "newsletter.test_send", _("Test newsletter"), _("Test mail sent")
    )

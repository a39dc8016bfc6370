"""Admin: taxonomies and responsibilities as snippets for coordinators, the
report of conflicting responsibilities, and each agency kept to its own pages and
documents.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.pages.workflow import ConfirmWorkflowCancellationView
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import Page
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import duplicate_views, report_views  # noqa: F401  (register their hooks)
from .finder import conflicts_involving
from .finder_views import ResponsibilityConflictsView
from .models import (
    District,
    Language,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)
from .permissions import document_is_public, document_user_may_open, pages_restrict


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name"]


class TargetGroupViewSet(SnippetViewSet):
    model = TargetGroup
    icon = "group"
    list_display = ["name", "slug"]


class ResidenceStatusViewSet(SnippetViewSet):
    model = ResidenceStatus
    icon = "doc-full"
    list_display = ["name", "slug"]


class DistrictViewSet(SnippetViewSet):
    model = District
    icon = "site"
    list_display = ["name", "kind", "postcodes"]


class LanguageViewSet(SnippetViewSet):
    model = Language
    icon = "openquote"
    list_display = ["code", "native_name", "german_name"]


class TaxonomyGroup(SnippetViewSetGroup):
    menu_label = _("Taxonomies")
    menu_icon = "list-ul"
    menu_order = 300
    items = (
        TopicViewSet,
        TargetGroupViewSet,
        ResidenceStatusViewSet,
        DistrictViewSet,
        LanguageViewSet,
    )


class ResponsibilityViewSet(SnippetViewSet):
    model = Responsibility
    icon = "help"
    menu_label = _("Responsibilities")
    menu_order = 310
    add_to_admin_menu = True
    list_display = ["title", "topic", "residence_status", "district", "agency"]
    list_filter = ["topic", "residence_status", "district"]


register_snippet(TaxonomyGroup)
register_snippet(ResponsibilityViewSet)


# --- Conflicting responsibilities: a report and warnings on the rule itself ----------


class ConflictReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("directory.change_responsibility")


@hooks.register("register_admin_urls")
def register_conflict_report_url():
    return [
        path(
            "reports/responsibility-conflicts/",
            ResponsibilityConflictsView.as_view(),
            name="directory_responsibility_conflicts",
        )
    ]


@hooks.register("register_reports_menu_item")
def register_conflict_report_menu_item():
    return ConflictReportMenuItem(
        _("Conflicting responsibilities"),
        reverse("directory_responsibility_conflicts"),
        name="responsibility-conflicts",
        icon_name="warning",
        order=1300,
    )


def _warn_about_conflicts(request, instance) -> None:
    if not isinstance(instance, Responsibility) or instance.pk is None:
        return
    conflicts = conflicts_involving(rule=instance)
    if not conflicts:
        return
    others = sorted(
        {
            rule.agency.title
            for conflict in conflicts
            for rule in conflict.rules
            if rule.agency_id != instance.agency_id
        }
    )
    messages.warning(
        request,
        _(
            "This rule conflicts with rules of %(agencies)s: the finder shows both "
            "answers side by side."
        )
        % {"agencies": ", ".join(others)},
        buttons=[
            messages.button(
                reverse("directory_responsibility_conflicts"), _("See the report")
            )
        ],
    )


@hooks.register("before_edit_snippet")
def warn_on_opening_a_conflicting_rule(request, instance):
    if request.method == "GET":
        _warn_about_conflicts(request, instance)


@hooks.register("after_edit_snippet")
@hooks.register("after_create_snippet")
def warn_after_saving_a_conflicting_rule(request, instance):
    _warn_about_conflicts(request, instance)


# --- Agencies in their own lanes: pages and documents --------------------------------


@hooks.register("construct_page_chooser_queryset")
def page_chooser_shows_only_pages_the_user_may_act_on(pages, request):
    """Browsing and searching the page chooser: an editor sees their own agency
    (and the pages above it), never another agency's pages or drafts.
    """
    return pages_restrict(pages, request.user)


@hooks.register("before_move_page")
def move_only_where_the_user_may_move_to(request, page_to_move, destination):
    """The move confirmation names both pages: only for a move the user may make."""
    tester = page_to_move.permissions_for_user(request.user)
    if not tester.can_move_to(destination):
        raise PermissionDenied


class GuardedConfirmWorkflowCancellationView(ConfirmWorkflowCancellationView):
    """Wagtail's confirmation names the page and its workflow to anyone logged in to
    the admin; here only to those who may edit the page.
    """

    def dispatch(self, request, *args, **kwargs):
        if not self.object.permissions_for_user(request.user).can_edit():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class DirectoryPageViewSet(PageViewSet):
    """Wagtail's page views for every page type, with the guarded confirmation."""

    model = Page
    name = "directory_pages"
    confirm_workflow_cancellation_view_class = GuardedConfirmWorkflowCancellationView


@hooks.register("register_admin_viewset")
def register_directory_page_viewset():
    # Registered after Wagtail's own (order -1) for the base Page model, so it
    # replaces that one for every page type.
    return DirectoryPageViewSet()


@hooks.register("before_serve_document")
def documents_not_on_a_public_page_need_a_login(document, request):
    """A document that no live public page refers to is for staff who may choose or
    change it: anonymous visitors are sent to the login, others get 403. Wagtail's
    own hook adds the privacy of the document's collection.
    """
    if document_is_public(document) or document_user_may_open(request.user, document):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("wagtailadmin_login"))
    raise PermissionDenied

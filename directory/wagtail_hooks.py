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
from wagtail.admin.widgets import Button
from wagtail.models import Page
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import (  # duplicate_, feedback_ and report_views register their own hooks
    coordination_views,
    duplicate_views,  # noqa: F401
    feedback_views,  # noqa: F401
    freshness,
    report_views,  # noqa: F401
    services,
)
from .finder import conflicts_involving
from .finder_views import ResponsibilityConflictsView
from .freshness import agencies_of_editor
from .models import (
    AgencyPage,
    ContactPointPage,
    District,
    Language,
    OfferPage,
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


# --- Running the region: agencies' editors, freshness ---------------------------------


@hooks.register("register_admin_urls")
def register_coordination_urls():
    return [
        path(
            "agencies/",
            coordination_views.AgencyListView.as_view(),
            name="directory_agencies",
        ),
        path(
            "agencies/<int:pk>/editors/",
            coordination_views.AgencyEditorsView.as_view(),
            name="directory_agency_editors",
        ),
        path(
            "freshness/",
            coordination_views.FreshnessIndexView.as_view(),
            name="directory_freshness",
        ),
        path(
            "freshness/agency/<int:pk>/",
            coordination_views.AgencyFreshnessView.as_view(),
            name="directory_freshness_agency",
        ),
        path(
            "freshness/confirm/<int:page_id>/",
            coordination_views.ConfirmPageView.as_view(),
            name="directory_freshness_confirm",
        ),
    ]


class CoordinatorMenuItem(MenuItem):
    def is_shown(self, request):
        return coordination_views.user_coordinates(request.user)


class EditorMenuItem(MenuItem):
    """For anyone who edits an agency (its editors) or runs them (coordinators)."""

    def is_shown(self, request):
        return coordination_views.user_coordinates(request.user) or (
            agencies_of_editor(request.user).exists()
        )


@hooks.register("register_admin_menu_item")
def register_agencies_menu_item():
    return CoordinatorMenuItem(
        _("Agencies and editors"),
        reverse("directory_agencies"),
        name="agencies-and-editors",
        icon_name="group",
        order=250,
    )


@hooks.register("register_admin_menu_item")
def register_freshness_menu_item():
    return EditorMenuItem(
        _("Keep entries current"),
        reverse("directory_freshness"),
        name="keep-current",
        icon_name="calendar-check",
        order=260,
    )


@hooks.register("after_create_page")
def onboard_new_agency(request, page):
    """A new agency gets its editors' group, media collection and page permissions
    at once; the coordinator is sent to invite its editors."""
    if not isinstance(page.specific, AgencyPage):
        return None
    services.agency_editors_group_ensure(agency=page.specific)
    if coordination_views.user_coordinates(request.user):
        messages.success(
            request,
            _("%(agency)s has its editors' group. Invite its editors now.")
            % {"agency": page.title},
            buttons=[
                messages.button(
                    reverse("directory_agency_editors", args=[page.pk]),
                    _("Invite editors"),
                )
            ],
        )
    return None


@hooks.register("register_page_header_buttons")
def coordination_header_buttons(page, user, view_name, next_url=None):
    specific = page.specific_deferred
    if isinstance(specific, AgencyPage) and coordination_views.user_coordinates(user):
        yield Button(
            _("Editors"),
            url=reverse("directory_agency_editors", args=[page.pk]),
            icon_name="group",
            priority=80,
        )
    if isinstance(specific, OfferPage | ContactPointPage | AgencyPage):
        agency_id = page.pk if isinstance(specific, AgencyPage) else specific.agency_id
        if agency_id and page.permissions_for_user(user).can_edit():
            yield Button(
                _("Confirm entries as current"),
                url=reverse("directory_freshness_agency", args=[agency_id])
                + (f"#page-{page.pk}" if agency_id != page.pk else ""),
                icon_name="calendar-check",
                priority=85,
            )


@hooks.register("register_log_actions")
def register_coordination_log_actions(actions):
    actions.register_action(
        freshness.ACTION_CONFIRM, _("Confirm as current"), _("Confirmed as current")
    )
    actions.register_action(
        freshness.ACTION_REMINDED,
        _("Stale reminder"),
        _("Editors reminded to confirm"),
    )
    actions.register_action(
        freshness.ACTION_HIDDEN,
        _("Hide as stale"),
        _("Hidden from the public site: not confirmed in time"),
    )
    actions.register_action(
        freshness.ACTION_SHOWN,
        _("Show again"),
        _("Shown on the public site again after confirmation"),
    )
    actions.register_action(
        services.ACTION_TRUSTED,
        _("Trust agency"),
        _("Agency trusted: its editors publish without approval"),
    )
    actions.register_action(
        services.ACTION_UNTRUSTED,
        _("Stop trusting agency"),
        _("Agency's changes need approval again"),
    )
    actions.register_action(
        services.ACTION_INVITED, _("Invite editor"), _("Editor invited")
    )
    actions.register_action(
        services.ACTION_REMOVED, _("Remove editor"), _("Editor removed")
    )

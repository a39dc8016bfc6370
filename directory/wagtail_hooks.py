"""Admin: taxonomies and responsibilities as snippets for coordinators, and the
report of conflicting responsibilities.
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .finder import conflicts_involving
from .finder_views import ResponsibilityConflictsView
from .hsds.admin_views import HsdsImportView
from .hsds.admin_views import can_import as hsds_can_import
from .models import (
    District,
    Language,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)


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


# --- HSDS import (coordinators) ------------------------------------------------------


class HsdsImportMenuItem(MenuItem):
    def is_shown(self, request):
        return hsds_can_import(request.user)


@hooks.register("register_admin_urls")
def register_hsds_import_url():
    return [
        path("hsds-import/", HsdsImportView.as_view(), name="directory_hsds_import")
    ]


@hooks.register("register_settings_menu_item")
def register_hsds_import_menu_item():
    return HsdsImportMenuItem(
        _("Import HSDS data"),
        reverse("directory_hsds_import"),
        name="hsds-import",
        icon_name="download",
        order=900,
    )

"""Coordinator reports (coverage, stale content and translations, activity) and the
dashboard panels."""

from collections import OrderedDict
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.reports import ReportView
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import PageLogEntry

from . import reports
from .freshness import agencies_of_editor
from .models import AgencyPage, Language, TargetGroup, Topic
from .models.base import other_languages
from .permissions import user_coordinates


def _language_choices() -> list[tuple[str, Any]]:
    names = dict(settings.LANGUAGES)
    return [(code, names[code]) for code in other_languages()]


class CoordinationReportView(ReportView):
    """A report for those who ``user_coordinates``; anyone else in the admin gets
    Wagtail's "permission denied" (back to the dashboard with a message), before
    any query runs. Rows are built by ``directory.reports``; exports write
    ``row_dict`` for each row.
    """

    paginate_by: int | None = None

    def dispatch(self, request, *args, **kwargs):
        if not user_coordinates(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": "", "label": _("Reports")},
            {
                "url": "",
                "label": self.get_page_title(),
                "sublabel": self.get_page_subtitle(),
            },
        ]

    def filter_values(self) -> dict[str, Any]:
        """The filter form's valid values (an invalid form filters nothing and
        shows its errors)."""
        if self.filters and self.filters.is_valid():
            return dict(self.filters.form.cleaned_data)
        return {}

    def row_dict(self, row) -> dict[str, Any]:
        raise NotImplementedError

    def to_row_dict(self, item):
        values = self.row_dict(item)
        return OrderedDict((name, values[name]) for name in self.list_export)

    def get_filename(self):
        return f"{self.export_filename}-{timezone.localdate():%Y-%m-%d}"


# --- Coverage ----------------------------------------------------------------------


class CoverageFilterSet(WagtailFilterSet):
    language = django_filters.ModelChoiceFilter(
        label=_("Language offered"),
        queryset=Language.objects.all(),
        empty_label=_("All languages"),
    )
    target_group = django_filters.ModelChoiceFilter(
        label=_("Target group"),
        queryset=TargetGroup.objects.all(),
        empty_label=_("All target groups"),
    )

    class Meta:
        model = Topic
        fields: list[str] = []


class CoverageReportView(CoordinationReportView):
    """Visible offers per topic and district; empty cells are gaps."""

    page_title = _("Coverage")
    header_icon = "table"
    results_template_name = "directory/admin/reports/coverage_results.html"
    filterset_class = CoverageFilterSet
    index_url_name = "directory_report_coverage"
    index_results_url_name = "directory_report_coverage_results"
    export_filename = "coverage"
    # Completed per request with one column per district (get_filtered_queryset).
    list_export = ["topic"]

    def get_filtered_queryset(self):
        values = self.filter_values()
        self.table = reports.coverage_table(
            language=values.get("language"), target_group=values.get("target_group")
        )
        self.list_export = ["topic", *(column.key for column in self.table.columns)]
        self.export_headings = {
            "topic": gettext("Topic"),
            **{column.key: column.label for column in self.table.columns},
        }
        return self.table.rows

    def row_dict(self, row):
        return {
            "topic": row.topic.name,
            **{cell.column.key: cell.count for cell in row.cells},
        }


# --- Stale content and translations ------------------------------------------------


class BacklogFilterSet(WagtailFilterSet):
    agency = django_filters.ModelChoiceFilter(
        label=_("Agency"),
        queryset=AgencyPage.objects.order_by("title"),
        empty_label=_("All agencies"),
    )
    language = django_filters.ChoiceFilter(
        label=_("Language"),
        choices=_language_choices,
        empty_label=_("All languages"),
    )

    class Meta:
        model = AgencyPage
        fields: list[str] = []


class BacklogReportView(CoordinationReportView):
    """Per agency: stale offers and contact points, offers hidden as stale, and per
    language the visible offers whose translation is missing or outdated."""

    page_title = _("Stale content and translations")
    header_icon = "time"
    results_template_name = "directory/admin/reports/backlog_results.html"
    filterset_class = BacklogFilterSet
    index_url_name = "directory_report_backlog"
    index_results_url_name = "directory_report_backlog_results"
    export_filename = "stale-content-and-translations"
    list_export = [
        "agency",
        "live_offers",
        "stale_offers",
        "hidden_offers",
        "stale_contact_points",
    ]

    def get_filtered_queryset(self):
        values = self.filter_values()
        agency = values.get("agency")
        chosen = values.get("language")
        names = dict(settings.LANGUAGES)
        self.languages = [
            (code, names[code]) for code in ([chosen] if chosen else other_languages())
        ]
        self.list_export = [
            *BacklogReportView.list_export,
            *(
                f"{kind}_{code}"
                for code, _name in self.languages
                for kind in ("missing", "outdated")
            ),
        ]
        self.export_headings = {
            "agency": gettext("Agency"),
            "live_offers": gettext("Visible offers"),
            "stale_offers": gettext("Stale offers"),
            "hidden_offers": gettext("Offers hidden as stale"),
            "stale_contact_points": gettext("Stale contact points"),
        }
        for code, name in self.languages:
            self.export_headings[f"missing_{code}"] = gettext(
                "%(language)s: missing"
            ) % {"language": name}
            self.export_headings[f"outdated_{code}"] = gettext(
                "%(language)s: outdated"
            ) % {"language": name}
        return reports.backlog_by_agency(
            agencies=[agency] if agency else None,
            languages=[code for code, _name in self.languages],
        )

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["stale_after_days"] = settings.DIRECTORY_STALE_AFTER_DAYS
        context["hide_after_days"] = (
            settings.DIRECTORY_STALE_AFTER_DAYS + settings.DIRECTORY_HIDE_AFTER_DAYS
        )
        return context

    def row_dict(self, row):
        values = {
            "agency": row.agency.title,
            "live_offers": row.live_offers,
            "stale_offers": row.stale_offers,
            "hidden_offers": row.hidden_offers,
            "stale_contact_points": row.stale_contact_points,
        }
        for code, count in row.missing.items():
            values[f"missing_{code}"] = count
        for code, count in row.outdated.items():
            values[f"outdated_{code}"] = count
        return values


class StalePagesReportView(CoordinationReportView):
    """One agency's stale offers and contact points, stalest first, each with when
    and by whom it was last confirmed and a link to edit it."""

    page_title = _("Stale content")
    header_icon = "time"
    results_template_name = "directory/admin/reports/stale_pages_results.html"
    export_filename = "stale-content"
    list_export = ["title", "kind", "assured_date", "assurer_email", "hidden"]
    export_headings = {
        "title": _("Title"),
        "kind": _("Type"),
        "assured_date": _("Last confirmed on"),
        "assurer_email": _("Confirmed by"),
        "hidden": _("Hidden as stale"),
    }

    @cached_property
    def agency(self) -> AgencyPage:
        # Read after dispatch's permission check: no 404 tells others what exists.
        return get_object_or_404(AgencyPage, pk=self.kwargs["agency_id"])

    def get_page_subtitle(self):
        return self.agency.title

    def get_index_url(self):
        return reverse("directory_report_stale_pages", args=[self.agency.pk])

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": "", "label": _("Reports")},
            {
                "url": reverse("directory_report_backlog"),
                "label": BacklogReportView.page_title,
            },
            {"url": "", "label": self.agency.title},
        ]

    def get_filtered_queryset(self):
        return reports.stale_pages(agencies=[self.agency])

    def get_filename(self):
        return f"{super().get_filename()}-{self.agency.slug}"

    def row_dict(self, row):
        return {
            "title": row.title,
            "kind": row.kind,
            "assured_date": row.assured_date,
            "assurer_email": row.assurer_email,
            "hidden": gettext("yes") if row.hidden else gettext("no"),
        }


# --- Activity ----------------------------------------------------------------------


class ActivityFilterSet(WagtailFilterSet):
    period = django_filters.ChoiceFilter(
        label=_("Count per"),
        choices=[("week", _("week")), ("month", _("month"))],
        empty_label=None,
        widget=forms.RadioSelect,
    )
    timestamp = django_filters.DateFromToRangeFilter(
        label=_("Date"), widget=DateRangePickerWidget
    )
    action = django_filters.MultipleChoiceFilter(
        label=_("Action"),
        widget=forms.CheckboxSelectMultiple,
        # Set in __init__: the actions the log holds.
    )
    agency = django_filters.ModelChoiceFilter(
        label=_("Agency"),
        queryset=AgencyPage.objects.order_by("title"),
        empty_label=_("All agencies"),
    )

    class Meta:
        model = PageLogEntry
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        used = PageLogEntry.objects.all().get_actions()
        self.filters["action"].extra["choices"] = [
            (action, label)
            for action, label in log_action_registry.get_choices()
            if action in used
        ]


class ActivityReportView(CoordinationReportView):
    """Changes per agency and week or month, from the audit log."""

    page_title = _("Activity")
    header_icon = "history"
    results_template_name = "directory/admin/reports/activity_results.html"
    filterset_class = ActivityFilterSet
    index_url_name = "directory_report_activity"
    index_results_url_name = "directory_report_activity_results"
    export_filename = "activity"
    paginate_by = 50
    list_export = ["period", "agency", "changes", "pages"]
    export_headings = {
        "period": _("From"),
        "agency": _("Agency"),
        "changes": _("Changes"),
        "pages": _("Pages changed"),
    }

    def get_filtered_queryset(self):
        values = self.filter_values()
        self.period = values.get("period") or "week"
        dates = values.get("timestamp")
        return reports.activity_by_agency(
            period=self.period,
            since=dates.start.date() if dates and dates.start else None,
            until=dates.stop.date() if dates and dates.stop else None,
            actions=values.get("action") or None,
            agency=values.get("agency"),
        )

    def row_dict(self, row):
        return {
            "period": row.period,
            "agency": row.agency_title,
            "changes": row.changes,
            "pages": row.pages,
        }


# --- Menu and URLs ------------------------------------------------------------------


class CoordinationReportMenuItem(MenuItem):
    def is_shown(self, request):
        return user_coordinates(request.user)


REPORTS = (
    # (URL folder, URL name, view (its page title is the menu label), icon)
    ("coverage", "directory_report_coverage", CoverageReportView, "table"),
    ("stale-content", "directory_report_backlog", BacklogReportView, "time"),
    ("activity", "directory_report_activity", ActivityReportView, "history"),
)


@hooks.register("register_admin_urls")
def register_report_urls():
    urls = []
    for folder, name, view, _icon in REPORTS:
        urls += [
            path(f"reports/{folder}/", view.as_view(), name=name),
            path(
                f"reports/{folder}/results/",
                view.as_view(results_only=True),
                name=f"{name}_results",
            ),
        ]
    urls.append(
        path(
            "reports/stale-content/<int:agency_id>/",
            StalePagesReportView.as_view(),
            name="directory_report_stale_pages",
        )
    )
    return urls


def _menu_item(position: int):
    _folder, name, view, icon = REPORTS[position]
    return CoordinationReportMenuItem(
        view.page_title,
        reverse(name),
        name=name.replace("_", "-"),
        icon_name=icon,
        order=1200 + 10 * position,
    )


@hooks.register("register_reports_menu_item")
def register_coverage_menu_item():
    return _menu_item(0)


@hooks.register("register_reports_menu_item")
def register_backlog_menu_item():
    return _menu_item(1)


@hooks.register("register_reports_menu_item")
def register_activity_menu_item():
    return _menu_item(2)


# --- Dashboard panels ---------------------------------------------------------------

DASHBOARD_ITEMS = 5
DASHBOARD_GAPS = 8


class CoordinationPanel(Component):
    """For coordinators: the region's totals, the approval queue (oldest first) and
    gaps in the coverage."""

    name = "directory_coordination"
    template_name = "directory/admin/dashboard/coordination.html"
    order = 50

    def get_context_data(self, parent_context=None):
        gaps = reports.coverage_table().gaps()
        return {
            "request": parent_context["request"] if parent_context else None,
            "totals": reports.region_totals(),
            "queue": reports.approval_queue(limit=DASHBOARD_ITEMS * 2),
            "gaps": gaps[:DASHBOARD_GAPS],
            "gap_count": len(gaps),
        }


class AgencyEditorPanel(Component):
    """For an agency's editors: its stale pages, outdated translations and changes
    waiting for approval."""

    name = "directory_agency"
    template_name = "directory/admin/dashboard/agency.html"
    order = 50

    def __init__(self, *, agencies: list[AgencyPage]):
        self.agencies = agencies

    def get_context_data(self, parent_context=None):
        stale = reports.stale_pages(agencies=self.agencies)
        outdated = reports.outdated_offers(agencies=self.agencies)
        names = dict(settings.LANGUAGES)
        return {
            "request": parent_context["request"] if parent_context else None,
            "agencies": self.agencies,
            "stale": stale[:DASHBOARD_ITEMS],
            "stale_count": len(stale),
            "outdated": [
                (offer, [str(names.get(code, code)) for code in offer.languages])
                for offer in outdated[:DASHBOARD_ITEMS]
            ],
            "outdated_count": len(outdated),
            "queue": reports.approval_queue(
                agencies=self.agencies, limit=DASHBOARD_ITEMS
            ),
        }


@hooks.register("construct_homepage_panels")
def add_coordination_panels(request, panels):
    """Coordinators see the region's panel; members of an agency's editors' group
    their agency's (both for someone who is both)."""
    if user_coordinates(request.user):
        panels.append(CoordinationPanel())
    agencies = list(agencies_of_editor(request.user))
    if agencies:
        panels.append(AgencyEditorPanel(agencies=agencies))

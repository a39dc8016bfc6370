"""The likely-duplicates report: pairs, side by side, "not a duplicate"."""

import logging
from dataclasses import dataclass
from datetime import datetime

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View
from django_tasks import TaskResultStatus
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.log_actions import LogFormatter

from .duplicates import (
    DISMISS_ACTION,
    DuplicatePairInvalid,
    duplicate_candidates,
    duplicate_dismiss,
    duplicate_pair,
    duplicate_scan_latest,
    duplicates_find_task,
)
from .models import AgencyPage, DuplicateCandidate, OfferPage, Topic
from .models.base import reading_order
from .permissions import user_coordinates

logger = logging.getLogger(__name__)
REPORT_URL = "directory_duplicates"
LANGUAGE_NAMES = dict(settings.LANGUAGES)


class ReportsOnly:
    """Refuses everyone else: Wagtail sends them back to the dashboard with its
    "no permission" message (a script gets 403); anonymous visitors never get
    here, Wagtail sends them to the login first."""

    def dispatch(self, request, *args, **kwargs):
        if not user_coordinates(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _back_to_report(request) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(REPORT_URL)


def _percent(value: float | None) -> int | None:
    return None if value is None else round(value * 100)


# --- The report ---------------------------------------------------------------------


class DuplicatesFilterSet(WagtailFilterSet):
    agency = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Agency"),
        empty_label=gettext_lazy("Any agency"),
        queryset=lambda request: AgencyPage.objects.order_by("title"),
        method="filter_agency",
    )
    topic = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Topic"),
        empty_label=gettext_lazy("Any topic"),
        queryset=lambda request: Topic.objects.all(),
        method="filter_topic",
    )
    min_score = django_filters.NumberFilter(
        label=gettext_lazy("Minimum similarity (%)"),
        method="filter_min_score",
        min_value=0,
        max_value=100,
    )

    class Meta:
        model = DuplicateCandidate
        fields: list[str] = []

    def filter_agency(self, queryset, name, value):
        return queryset.filter(Q(first__agency=value) | Q(second__agency=value))

    def filter_topic(self, queryset, name, value):
        return queryset.filter(first__topics=value).filter(second__topics=value)

    def filter_min_score(self, queryset, name, value):
        return queryset.filter(score__gte=float(value) / 100)


def _translated(values: dict, name: str) -> str:
    """``name`` (a translated field read by ``.values()``) in the active language,
    else the next one readers would see (``reading_order``)."""
    for code in reading_order(get_language() or settings.LANGUAGE_CODE):
        if values.get(f"{name}_{code}"):
            return values[f"{name}_{code}"]
    return values.get(name) or ""


def _row_fields() -> list[str]:
    titles = ["title", *(f"title_{code}" for code, _name in settings.LANGUAGES)]
    return [
        "first_id",
        "second_id",
        "score",
        "reasons",
        "scan__finished_at",
        *(
            f"{side}__{owner}{title}"
            for side in ("first", "second")
            for owner in ("", "agency__")
            for title in titles
        ),
    ]


@dataclass(frozen=True)
class DuplicateRow:
    """One pair as the report and its spreadsheets show it: plain values, read in
    the user's language when the row is made."""

    first_id: int
    second_id: int
    first_title: str
    first_agency: str
    second_title: str
    second_agency: str
    score: int
    title_similarity: int | None
    text_similarity: int | None
    language: str
    topics: str
    districts: str
    found_at: datetime | None

    @classmethod
    def from_values(cls, values: dict) -> "DuplicateRow":
        """From a row of ``duplicate_candidates().values(*_row_fields())``."""
        reasons = values["reasons"] or {}
        finished = values["scan__finished_at"]
        code = reasons.get("language", "")
        return cls(
            first_id=values["first_id"],
            second_id=values["second_id"],
            first_title=_translated(values, "first__title"),
            first_agency=_translated(values, "first__agency__title"),
            second_title=_translated(values, "second__title"),
            second_agency=_translated(values, "second__agency__title"),
            score=round(values["score"] * 100),
            title_similarity=_percent(reasons.get("title")),
            text_similarity=_percent(reasons.get("text")),
            language=str(LANGUAGE_NAMES.get(code, code)),
            topics=", ".join(reasons.get("topics", [])),
            districts=", ".join(reasons.get("districts", [])),
            # Local time without a zone: what a spreadsheet shows as is.
            found_at=timezone.localtime(finished).replace(tzinfo=None, microsecond=0)
            if finished
            else None,
        )

    @property
    def pair_url(self) -> str:
        return reverse("directory_duplicate_pair", args=[self.first_id, self.second_id])


class DuplicatesReportView(ReportsOnly, ReportView):
    """The newest scan's pairs, best first; filters, CSV and XLSX."""

    template_name = "directory/admin/duplicates/report.html"
    results_template_name = "directory/admin/duplicates/report_results.html"
    page_title = gettext_lazy("Likely duplicates")
    header_icon = "copy"
    filterset_class = DuplicatesFilterSet
    index_url_name = REPORT_URL
    index_results_url_name = "directory_duplicates_results"
    paginate_by = 50
    verbose_name_plural = gettext_lazy("likely duplicates")
    list_export = [
        "first_title",
        "first_agency",
        "second_title",
        "second_agency",
        "score",
        "title_similarity",
        "text_similarity",
        "language",
        "topics",
        "districts",
        "found_at",
    ]
    export_headings = {
        "first_title": gettext_lazy("Offer"),
        "first_agency": gettext_lazy("Agency"),
        "second_title": gettext_lazy("Similar offer"),
        "second_agency": gettext_lazy("Its agency"),
        "score": gettext_lazy("Similarity (%)"),
        "title_similarity": gettext_lazy("Titles (%)"),
        "text_similarity": gettext_lazy("Texts (%)"),
        "language": gettext_lazy("Compared in"),
        "topics": gettext_lazy("Shared topics"),
        "districts": gettext_lazy("Shared places"),
        "found_at": gettext_lazy("Scan finished"),
    }

    def get_filename(self) -> str:
        return f"likely-duplicates-{timezone.localdate():%Y-%m-%d}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": "", "label": gettext_lazy("Reports")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_base_queryset(self):
        # Plain values: thousands of pairs export in a second, where model instances
        # of four pages per pair take ten.
        return duplicate_candidates().values(*_row_fields())

    def write_csv_response(self, queryset):
        # Written here, in the user's language: a streamed body would be read after
        # the view, when the admin has switched back to the site's language.
        response = HttpResponse(
            b"".join(self.stream_csv(queryset)), content_type="text/csv"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self.get_filename()}.csv"'
        )
        return response

    def decorate_paginated_queryset(self, object_list):
        return [DuplicateRow.from_values(values) for values in object_list]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["scan"] = duplicate_scan_latest()
        context["scan_url"] = reverse("directory_duplicates_scan")
        context["dismiss_url"] = reverse("directory_duplicates_dismiss")
        return context


class DuplicatesScanView(ReportsOnly, View):
    """The "Scan now" button: enqueues the scan; the report shows it once it is
    finished."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            result = duplicates_find_task.enqueue()
        except Exception:  # the task backend is another system: say so, do not 500
            logger.exception("could not enqueue the duplicate scan")
            messages.error(
                request, _("The scan could not be started. Please try again later.")
            )
            return redirect(REPORT_URL)
        if result.status == TaskResultStatus.SUCCESSFUL:
            # A backend that runs tasks at once (development, tests).
            messages.success(
                request,
                _("Scan finished: %(offers)d offers compared, %(pairs)d pairs found.")
                % result.return_value,
            )
        elif result.status == TaskResultStatus.FAILED:
            messages.error(request, _("The scan failed. Please try again later."))
        else:
            messages.success(
                request,
                _(
                    "The scan has started. When it is finished, this report shows "
                    "its pairs; that takes a few minutes."
                ),
            )
        return redirect(REPORT_URL)


# --- One pair -----------------------------------------------------------------------


class PairForm(forms.Form):
    first = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    second = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class DuplicateDismissView(ReportsOnly, View):
    """The "Not a duplicate" button: the pair is hidden now and never suggested
    again."""

    http_method_names = ["post"]

    def post(self, request):
        form = PairForm(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                _("The request did not name two offers; nothing was marked."),
            )
            return redirect(REPORT_URL)
        try:
            dismissal, created = duplicate_dismiss(
                first_id=form.cleaned_data["first"],
                second_id=form.cleaned_data["second"],
                user=request.user,
            )
        except DuplicatePairInvalid as error:
            messages.error(
                request, _("Nothing was marked: %(reason)s") % {"reason": error}
            )
            return redirect(REPORT_URL)
        titles = {
            "first": dismissal.first.title,
            "second": dismissal.second.title,
        }
        if created:
            messages.success(
                request,
                _(
                    "“%(first)s” and “%(second)s” are marked as not duplicates; "
                    "they will not be suggested again."
                )
                % titles,
            )
        else:
            messages.info(
                request,
                _("“%(first)s” and “%(second)s” were marked as not duplicates before.")
                % titles,
            )
        return _back_to_report(request)


def _offer_side(offer: OfferPage, *, language: str, visible: bool) -> dict:
    """What the comparison shows of one offer, texts in ``language``."""
    points = list(offer.contact_points.all())
    return {
        "offer": offer,
        "title": getattr(offer, f"title_{language}", "") or "",
        "summary": getattr(offer, f"summary_{language}", "") or "",
        "description": getattr(offer, f"description_{language}", "") or "",
        "topics": [topic.name for topic in offer.topics.all()],
        "districts": sorted(
            {point.district.name for point in points if point.district_id}
        ),
        "contact_points": points,
        "languages": [language.native_name for language in offer.languages.all()],
        "translations": [
            name
            for code, name in settings.LANGUAGES
            if getattr(offer, f"title_{code}", "")
            or getattr(offer, f"summary_{code}", "")
        ],
        "visible": visible,
        "edit_url": reverse("wagtailadmin_pages:edit", args=[offer.pk]),
    }


def _found(candidate: DuplicateCandidate) -> dict:
    reasons = candidate.reasons or {}
    code = reasons.get("language", "")
    return {
        "score": round(candidate.score * 100),
        "title_similarity": _percent(reasons.get("title")),
        "text_similarity": _percent(reasons.get("text")),
        "language": LANGUAGE_NAMES.get(code, code),
        "finished_at": candidate.scan.finished_at,
    }


class DuplicatePairView(ReportsOnly, WagtailAdminTemplateMixin, TemplateView):
    """Two offers side by side, with "Not a duplicate" and their edit links."""

    template_name = "directory/admin/duplicates/pair.html"
    page_title = gettext_lazy("Compare offers")
    header_icon = "copy"

    def get(self, request, *args, first: int, second: int, **kwargs):
        try:
            self.pair = duplicate_pair(first_id=first, second_id=second)
        except DuplicatePairInvalid as error:
            messages.error(request, str(error))
            return redirect(REPORT_URL)
        ids = [offer.pk for offer in self.pair.offers]
        if ids != [first, second]:
            return redirect("directory_duplicate_pair", *ids)
        return super().get(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": "", "label": gettext_lazy("Reports")},
            {"url": reverse(REPORT_URL), "label": gettext_lazy("Likely duplicates")},
            {"url": "", "label": self.get_page_title()},
        ]

    def _language(self) -> str:
        wanted = self.request.GET.get("lang", "")
        if wanted in LANGUAGE_NAMES:
            return wanted
        candidate = self.pair.candidate
        if candidate is not None:
            return candidate.reasons.get("language", settings.LANGUAGE_CODE)
        return settings.LANGUAGE_CODE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pair = self.pair
        language = self._language()
        first, second = pair.offers
        candidate = pair.candidate
        context.update(
            {
                "pair": pair,
                "found": _found(candidate) if candidate is not None else None,
                "language": language,
                "language_name": LANGUAGE_NAMES.get(language, language),
                "languages": [
                    (code, name)
                    for code, name in settings.LANGUAGES
                    if getattr(first, f"title_{code}", "")
                    or getattr(second, f"title_{code}", "")
                ],
                "sides": [
                    _offer_side(
                        offer, language=language, visible=offer.pk in pair.visible
                    )
                    for offer in pair.offers
                ],
                "dismiss_url": reverse("directory_duplicates_dismiss"),
                "report_url": reverse(REPORT_URL),
            }
        )
        return context


# --- Admin registration -------------------------------------------------------------


class DuplicatesMenuItem(MenuItem):
    def is_shown(self, request):
        return user_coordinates(request.user)


@hooks.register("register_admin_urls")
def register_duplicates_urls():
    return [
        path(
            "reports/duplicates/",
            DuplicatesReportView.as_view(),
            name=REPORT_URL,
        ),
        path(
            "reports/duplicates/results/",
            DuplicatesReportView.as_view(results_only=True),
            name="directory_duplicates_results",
        ),
        path(
            "reports/duplicates/scan/",
            DuplicatesScanView.as_view(),
            name="directory_duplicates_scan",
        ),
        path(
            "reports/duplicates/dismiss/",
            DuplicateDismissView.as_view(),
            name="directory_duplicates_dismiss",
        ),
        path(
            "reports/duplicates/<int:first>/<int:second>/",
            DuplicatePairView.as_view(),
            name="directory_duplicate_pair",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_duplicates_menu_item():
    return DuplicatesMenuItem(
        gettext_lazy("Likely duplicates"),
        reverse(REPORT_URL),
        name="likely-duplicates",
        icon_name="copy",
        order=1310,
    )


class NotADuplicateFormatter(LogFormatter):
    label = gettext_lazy("Mark as not a duplicate")

    def format_message(self, log_entry):
        other = log_entry.data.get("other", {})
        return _("Marked as not a duplicate of “%(title)s” (%(agency)s)") % {
            "title": other.get("title", "?"),
            "agency": other.get("agency", "?"),
        }


@hooks.register("register_log_actions")
def register_duplicate_log_actions(actions):
    actions.register_action(DISMISS_ACTION)(NotADuplicateFormatter)

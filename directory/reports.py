"""Reads for the coordinators' reports and the admin dashboard: coverage of topics
by district, stale content and the translation backlog, activity from the audit log,
the approval queue.

Every count is a database aggregation over the querysets that define "visible",
"stale" and "hidden as stale" (``directory/querysets.py``); the one exception, which
translations are outdated, is said where it is computed.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import CharField, Count, DateField, F, IntegerField, Q
from django.db.models.functions import Cast, Coalesce, TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.models import (
    Page,
    PageLogEntry,
    WorkflowState,
    get_default_page_content_type,
)

from . import freshness
from .models import (
    AgencyPage,
    ContactPointPage,
    District,
    Language,
    OfferPage,
    TargetGroup,
    Topic,
)
from .models.base import other_languages, text_digest, translated_field_names

# The offers the public search finds with ``format=online``: the coverage report's
# "online" column counts the same ones, so its count and its link agree.
ONLINE_FORMATS = OfferPage.FORMATS_MATCHING[OfferPage.Format.ONLINE]
ONLINE_COLUMN = "online"


def _search_base() -> str:
    """The public search page in the active language (German if that is no site
    language)."""
    active = translation.get_language()
    site_language = (
        active if active in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    )
    with translation.override(site_language):
        return reverse("search")


def search_url(
    *,
    topic: Topic,
    district: District | None = None,
    online: bool = False,
    language: Language | None = None,
    target_group: TargetGroup | None = None,
    base: str | None = None,
) -> str:
    """The public search for one coverage cell, with the parameters of
    ``search/forms.py``; ``base`` is ``_search_base()`` if not given."""
    params = [("topic", topic.slug)]
    if district is not None:
        params.append(("district", district.slug))
    if online:
        params.append(("format", OfferPage.Format.ONLINE.value))
    if language is not None:
        params.append(("language", language.code))
    if target_group is not None:
        params.append(("target_group", target_group.slug))
    return f"{base or _search_base()}?{urlencode(params)}"


# --- Coverage: topics × districts ---------------------------------------------------


@dataclass(frozen=True)
class CoverageColumn:
    key: str
    label: str
    # None: the column of offers that can be used online.
    district: District | None = None


@dataclass(frozen=True)
class CoverageCell:
    column: CoverageColumn
    count: int
    search_url: str

    @property
    def is_gap(self) -> bool:
        return self.count == 0


@dataclass(frozen=True)
class CoverageRow:
    topic: Topic
    cells: list[CoverageCell]

    def count(self, key: str) -> int:
        return next(cell.count for cell in self.cells if cell.column.key == key)


@dataclass(frozen=True)
class CoverageGap:
    topic: Topic
    district: District
    search_url: str
    # In how many districts the topic has offers (the report lists gaps of widely
    # covered topics first: those are the surprising ones).
    districts_covered: int


@dataclass(frozen=True)
class CoverageTable:
    columns: list[CoverageColumn]
    rows: list[CoverageRow]
    language: Language | None = None
    target_group: TargetGroup | None = None

    def gaps(self) -> list[CoverageGap]:
        """The empty topic × district cells, topics covered in most districts first
        (then in the table's order)."""
        found: list[CoverageGap] = []
        for row in self.rows:
            district_cells = [c for c in row.cells if c.column.district is not None]
            covered = sum(1 for cell in district_cells if not cell.is_gap)
            found.extend(
                CoverageGap(
                    topic=row.topic,
                    district=cell.column.district,
                    search_url=cell.search_url,
                    districts_covered=covered,
                )
                for cell in district_cells
                if cell.is_gap and cell.column.district is not None
            )
        return sorted(found, key=lambda gap: -gap.districts_covered)


def coverage_table(
    *, language: Language | None = None, target_group: TargetGroup | None = None
) -> CoverageTable:
    """Visible offers per topic (rows, every topic) and district (columns, every
    district), optionally only those delivered in ``language`` or meant for
    ``target_group``.

    An offer counts in a district when one of its visible contact points lies there
    (as the public search's district filter); the last column counts the offers
    that can be used online (formats ``ONLINE_FORMATS``, as the search's
    ``format=online``). Two GROUP BY queries, whatever the number of offers.
    """
    offers = OfferPage.objects.visible()
    if language is not None:
        offers = offers.filter(languages=language)
    if target_group is not None:
        offers = offers.filter(target_groups=target_group)
    offer_ids = offers.order_by().values("pk")
    links = OfferPage.contact_points.through.objects
    by_district: dict[tuple[int, int], int] = {
        (topic_id, district_id): count
        for topic_id, district_id, count in links.filter(
            offerpage__in=offer_ids,
            contactpointpage__in=ContactPointPage.objects.visible()
            .order_by()
            .values("pk"),
        )
        .values_list("offerpage__topics", "contactpointpage__district")
        .annotate(count=Count("offerpage", distinct=True))
        .order_by()
    }
    online: dict[int, int] = dict(
        OfferPage.objects.filter(pk__in=offer_ids, format__in=ONLINE_FORMATS)
        .values_list("topics")
        .annotate(count=Count("pk", distinct=True))
        .order_by()
    )

    districts = list(District.objects.all())
    columns = [
        CoverageColumn(key=f"district_{d.slug}", label=d.name, district=d)
        for d in districts
    ]
    online_column = CoverageColumn(key=ONLINE_COLUMN, label=str(_("Online")))
    columns.append(online_column)
    link = partial(
        search_url, language=language, target_group=target_group, base=_search_base()
    )
    rows = []
    for topic in Topic.objects.all():
        cells = [
            CoverageCell(
                column=column,
                count=by_district.get((topic.pk, column.district.pk), 0),
                search_url=link(topic=topic, district=column.district),
            )
            for column in columns
            if column.district is not None
        ]
        cells.append(
            CoverageCell(
                column=online_column,
                count=online.get(topic.pk, 0),
                search_url=link(topic=topic, online=True),
            )
        )
        rows.append(CoverageRow(topic=topic, cells=cells))
    return CoverageTable(
        columns=columns, rows=rows, language=language, target_group=target_group
    )


# --- Stale content and the translation backlog ----------------------------------------


@dataclass
class BacklogRow:
    """One agency's stale pages and, per language, how many of its visible offers
    lack that translation or have one made from older German text."""

    agency: AgencyPage
    live_offers: int = 0
    stale_offers: int = 0
    hidden_offers: int = 0
    stale_contact_points: int = 0
    missing: dict[str, int] = field(default_factory=dict)
    outdated: dict[str, int] = field(default_factory=dict)

    @property
    def stale_total(self) -> int:
        return self.stale_offers + self.stale_contact_points

    @property
    def per_language(self) -> list[tuple[str, int, int]]:
        """(language, missing, outdated) in the report's language order."""
        return [
            (code, missing, self.outdated.get(code, 0))
            for code, missing in self.missing.items()
        ]


def _counts_by_agency(queryset) -> dict[int, int]:
    return dict(
        queryset.order_by().values_list("agency_id").annotate(count=Count("pk"))
    )


def _outdated_languages(
    offers, *, languages: Iterable[str], extra: Iterable[str] = ()
) -> Iterator[tuple[tuple, list[str]]]:
    """For each of ``offers`` that has any translation: its ``extra`` columns and
    the languages (of ``languages``) whose translation is outdated.

    Not in SQL: "outdated" compares each translation's recorded source digest with
    the digest of the current German text (``TranslationStateMixin``), a SHA-1,
    which neither SQLite nor PostgreSQL computes without an extension (pgcrypto's
    ``digest()``). So one pass over a ``values_list`` of only the German columns
    and the state, with the model's own digest: about 0.3 s at 10,000 offers.
    """
    languages = list(languages)
    german = [
        f"{name}_{settings.LANGUAGE_CODE}" for name in translated_field_names(OfferPage)
    ]
    extra = list(extra)
    rows = offers.order_by().values_list(*extra, "translation_state", *german)
    for row in rows.iterator(chunk_size=2000):
        state = row[len(extra)] or {}
        if not state:
            continue
        source = text_digest([str(value or "") for value in row[len(extra) + 1 :]])
        outdated = [
            code
            for code in languages
            if code in state and state[code].get("source") != source
        ]
        yield row[: len(extra)], outdated


def backlog_by_agency(
    *,
    agencies: Iterable[AgencyPage] | None = None,
    languages: Iterable[str] | None = None,
    today: date | None = None,
) -> list[BacklogRow]:
    """Per agency (all, or ``agencies``), by title: its live stale offers and
    contact points (``stale()``, hidden ones included), its live offers hidden as
    stale, and per language (default: every language but German) how many of its
    visible offers have that translation missing or outdated.

    Five GROUP BY queries and one pass over the visible offers' German columns
    (see ``_outdated_languages``).
    """
    codes = list(languages) if languages is not None else other_languages()
    agency_rows = AgencyPage.objects.order_by("title").only(
        "pk", "title", "slug", "live"
    )
    if agencies is not None:
        agency_rows = agency_rows.filter(pk__in=[a.pk for a in agencies])
    rows = {agency.pk: BacklogRow(agency=agency) for agency in agency_rows}
    scope = {"agency__in": list(rows)}

    live_offers = OfferPage.objects.live().filter(**scope)
    stale_offers = _counts_by_agency(live_offers.stale(today))
    hidden = _counts_by_agency(live_offers.hidden_as_stale(today))
    stale_points = _counts_by_agency(
        ContactPointPage.objects.live().filter(**scope).stale(today)
    )
    visible = OfferPage.objects.visible().filter(**scope)
    missing = {
        agency_id: dict(zip(["live", *codes], counts, strict=True))
        for agency_id, *counts in visible.order_by()
        .values_list("agency_id")
        .annotate(
            live=Count("pk"),
            **{
                f"missing_{index}": Count(
                    "pk", filter=~Q(translation_state__has_key=code)
                )
                for index, code in enumerate(codes)
            },
        )
    }
    outdated: dict[int, Counter] = defaultdict(Counter)
    for (agency_id,), languages_outdated in _outdated_languages(
        visible, languages=codes, extra=["agency_id"]
    ):
        outdated[agency_id].update(languages_outdated)

    for agency_id, row in rows.items():
        row.stale_offers = stale_offers.get(agency_id, 0)
        row.hidden_offers = hidden.get(agency_id, 0)
        row.stale_contact_points = stale_points.get(agency_id, 0)
        counts = missing.get(agency_id, {})
        row.live_offers = counts.get("live", 0)
        row.missing = {code: counts.get(code, 0) for code in codes}
        row.outdated = {code: outdated[agency_id][code] for code in codes}
    return list(rows.values())


@dataclass(frozen=True)
class StalePage:
    pk: int
    title: str
    kind: str
    agency_id: int
    assured_date: date | None
    assurer_email: str
    hidden: bool


def stale_pages(
    *, agencies: Iterable[AgencyPage], today: date | None = None
) -> list[StalePage]:
    """``freshness.stale_pages`` of ``agencies`` (live, stalest first) with when and
    by whom each was last confirmed, and whether the offer is hidden as stale."""
    pages = freshness.stale_pages(agencies=list(agencies), today=today)
    hidden = set(
        OfferPage.objects.hidden_as_stale(today)
        .filter(pk__in=[page.pk for page in pages if isinstance(page, OfferPage)])
        .values_list("pk", flat=True)
    )
    return [
        StalePage(
            pk=page.pk,
            title=page.title,
            kind=str(page._meta.verbose_name),
            agency_id=page.agency_id,
            assured_date=page.assured_date,
            assurer_email=page.assurer_email,
            hidden=page.pk in hidden,
        )
        for page in pages
    ]


@dataclass(frozen=True)
class OutdatedOffer:
    pk: int
    title: str
    languages: list[str]


def outdated_offers(*, agencies: Iterable[AgencyPage]) -> list[OutdatedOffer]:
    """The visible offers of ``agencies`` with at least one outdated translation,
    by title, with those languages (every language but German)."""
    offers = OfferPage.objects.visible().filter(agency__in=[a.pk for a in agencies])
    found = [
        OutdatedOffer(pk=pk, title=title, languages=languages)
        for (pk, title), languages in _outdated_languages(
            offers, languages=other_languages(), extra=["pk", "title"]
        )
        if languages
    ]
    return sorted(found, key=lambda offer: offer.title)


# --- Activity: the audit log per agency --------------------------------------------

PERIODS = {"week": TruncWeek, "month": TruncMonth}


@dataclass(frozen=True)
class ActivityRow:
    period: date
    agency_id: int
    agency_title: str
    changes: int
    pages: int


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def activity_by_agency(
    *,
    period: str = "week",
    since: date | None = None,
    until: date | None = None,
    actions: Iterable[str] | None = None,
    agency: AgencyPage | None = None,
) -> list[ActivityRow]:
    """Audit log entries per agency and ``period`` ("week": starting Monday, or
    "month", in local time), newest period first, then by agency title; between
    ``since`` and ``until`` (local days, both included) and of ``actions`` if given.

    An entry belongs to the agency of its page: the agency page itself or the
    agency of an offer or contact point (where the page is now). Entries on other
    pages (the home page) and on deleted pages are not counted. One GROUP BY query
    and one for the agencies' titles. Raises ``KeyError`` for another ``period``.
    """
    trunc = PERIODS[period]
    entries = PageLogEntry.objects.annotate(
        agency_pk=Coalesce(
            F("page__offerpage__agency"),
            F("page__contactpointpage__agency"),
            F("page__agencypage__page_ptr"),
            output_field=IntegerField(),
        )
    ).filter(agency_pk__isnull=False)
    if since is not None:
        entries = entries.filter(timestamp__gte=_local_midnight(since))
    if until is not None:
        entries = entries.filter(
            timestamp__lt=_local_midnight(until + timedelta(days=1))
        )
    if actions:
        entries = entries.filter(action__in=list(actions))
    if agency is not None:
        entries = entries.filter(agency_pk=agency.pk)
    grouped = list(
        entries.annotate(period=trunc("timestamp", output_field=DateField()))
        .values_list("period", "agency_pk")
        .annotate(changes=Count("pk"), pages=Count("page", distinct=True))
        .order_by()
    )
    titles = dict(
        AgencyPage.objects.filter(
            pk__in={agency_pk for _p, agency_pk, *_c in grouped}
        ).values_list("pk", "title")
    )
    rows = [
        ActivityRow(
            period=period_start,
            agency_id=agency_pk,
            agency_title=titles.get(agency_pk, ""),
            changes=changes,
            pages=pages,
        )
        for period_start, agency_pk, changes, pages in grouped
    ]
    rows.sort(key=lambda row: row.agency_title)
    rows.sort(key=lambda row: row.period, reverse=True)
    return rows


# --- Dashboard: the region, an editor's agencies, the approval queue ------------------


@dataclass(frozen=True)
class RegionTotals:
    live_offers: int
    agencies: int
    stale_offers: int
    stale_contact_points: int
    hidden_offers: int

    @property
    def stale(self) -> int:
        return self.stale_offers + self.stale_contact_points


def region_totals(*, today: date | None = None) -> RegionTotals:
    """Visible offers and agencies; live stale offers and contact points; live
    offers hidden as stale. Five counts."""
    return RegionTotals(
        live_offers=OfferPage.objects.visible().count(),
        agencies=AgencyPage.objects.visible().count(),
        stale_offers=OfferPage.objects.live().stale(today).count(),
        stale_contact_points=ContactPointPage.objects.live().stale(today).count(),
        hidden_offers=OfferPage.objects.live().hidden_as_stale(today).count(),
    )


@dataclass(frozen=True)
class ApprovalItem:
    page: Page
    agency_title: str
    requested_by: str
    requested_at: datetime
    task: str


@dataclass(frozen=True)
class ApprovalQueue:
    count: int
    items: list[ApprovalItem]


def approval_queue(
    *, agencies: Iterable[AgencyPage] | None = None, limit: int = 10
) -> ApprovalQueue:
    """Pages (of ``agencies``' subtrees if given) whose changes wait in a workflow
    (state "in progress"), oldest request first: how many, and the first
    ``limit``."""
    states = WorkflowState.objects.filter(
        status=WorkflowState.STATUS_IN_PROGRESS,
        base_content_type=get_default_page_content_type(),
    )
    if agencies is not None:
        paths = [agency.path for agency in agencies]
        if not paths:
            return ApprovalQueue(count=0, items=[])
        subtree = Q()
        for path in paths:
            subtree |= Q(path__startswith=path)
        # object_id is text (a generic relation): compare it with the ids as text.
        states = states.filter(
            object_id__in=Page.objects.filter(subtree)
            .annotate(id_text=Cast("pk", CharField()))
            .values("id_text")
        )
    count = states.count()
    first = list(
        states.select_related("requested_by", "current_task_state__task").order_by(
            "created_at", "pk"
        )[:limit]
    )
    pages = Page.objects.in_bulk([int(state.object_id) for state in first])
    # Each page's agency: the agency page among its ancestors (or itself).
    prefixes = {
        page.path[:end]
        for page in pages.values()
        for end in range(Page.steplen, len(page.path) + 1, Page.steplen)
    }
    agency_titles = dict(
        AgencyPage.objects.filter(path__in=prefixes).values_list("path", "title")
    )
    items = []
    for state in first:
        page = pages.get(int(state.object_id))
        if page is None:
            continue
        agency_title = next(
            (
                title
                for path, title in agency_titles.items()
                if page.path.startswith(path)
            ),
            "",
        )
        task_state = state.current_task_state
        items.append(
            ApprovalItem(
                page=page,
                agency_title=agency_title,
                requested_by=(
                    state.requested_by.get_full_name()
                    or state.requested_by.get_username()
                )
                if state.requested_by
                else "",
                requested_at=state.created_at,
                task=task_state.task.name if task_state else "",
            )
        )
    return ApprovalQueue(count=count, items=items)

"""Keeping every entry current: confirmations, the editors' reminders and hiding
offers nobody confirms (the rule itself: ``querysets.freshness_cutoffs``).

Every step is written to Wagtail's audit log on the page (actions registered in
``wagtail_hooks.py``). Changes to what the public sees are announced with
``offers_visibility_changed`` (search re-indexes those offers) and renew the public
content's cache generation.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.log_actions import log

from operations.caching import public_content_changed_in_transaction

from .models import AgencyPage, ContactPointPage, OfferPage
from .querysets import freshness_cutoffs
from .services import EDITORS_GROUP_PREFIX, admin_language, agency_editors_group
from .signals import offers_visibility_changed

logger = logging.getLogger(__name__)

ACTION_CONFIRM = "directory.confirm"
ACTION_REMINDED = "directory.stale_reminder"
ACTION_HIDDEN = "directory.hidden_as_stale"
ACTION_SHOWN = "directory.shown_again"
FRESHNESS_MODELS: tuple[type[OfferPage] | type[ContactPointPage], ...] = (
    OfferPage,
    ContactPointPage,
)


_confirm_on_publish: ContextVar[bool] = ContextVar(
    "directory_confirm_on_publish", default=True
)


@contextmanager
def publishing_keeps_confirmation() -> Iterator[None]:
    """Within it, publishing confirms nothing by itself: an import brings its own
    ``assured_date`` (a page without one is still confirmed as of today)."""
    token = _confirm_on_publish.set(False)
    try:
        yield
    finally:
        _confirm_on_publish.reset(token)


def publishing_confirms() -> bool:
    return _confirm_on_publish.get()


def _by_model(pages: Iterable) -> dict[Any, list[int]]:
    ids: dict[Any, list[int]] = defaultdict(list)
    for page in pages:
        page = page.specific if type(page) not in FRESHNESS_MODELS else page
        if isinstance(page, FRESHNESS_MODELS):
            ids[type(page)].append(page.pk)
    return ids


def pages_confirm(*, pages: Iterable, user=None, today: date | None = None) -> int:
    """Record that ``pages`` (offers and contact points; other pages are ignored)
    are current as of ``today``, confirmed by ``user`` (``None``: by the system,
    e.g. an import). Ends their stale episode: the reminder may be sent again after
    the next period, and an offer hidden as stale is shown again (logged, search
    re-indexes it). Returns the number of pages confirmed.

    Writes the live rows only: the confirmation is about the page, not one revision
    (``AgencyChildPage.with_content_json`` keeps it when a draft is published).
    """
    today = today or timezone.localdate()
    email = getattr(user, "email", "") or ""
    confirmed = 0
    shown: list[int] = []
    with transaction.atomic():
        for model, ids in _by_model(pages).items():
            rows = list(
                model.objects.filter(pk__in=ids).select_for_update().order_by("pk")
            )
            fields: dict[str, Any] = {
                "assured_date": today,
                "stale_reminded_on": None,
                "stale_hidden_on": None,
            }
            if user is not None:
                fields["assurer_email"] = email
            model.objects.filter(pk__in=ids).update(**fields)
            for page in rows:
                log(
                    instance=page,
                    action=ACTION_CONFIRM,
                    user=user,
                    data={"date": today.isoformat()},
                )
                if page.stale_hidden_on is not None:
                    log(instance=page, action=ACTION_SHOWN, user=user)
                    shown.append(page.pk)
            confirmed += len(rows)
        if shown:
            _visibility_changed(shown)
    return confirmed


def agency_pages_to_confirm(*, agency: AgencyPage):
    """The agency's offers and contact points (drafts included: an editor keeps
    them too), stalest first: what its editors review before confirming."""
    return [
        *OfferPage.objects.filter(agency=agency).order_by("assured_date", "title"),
        *ContactPointPage.objects.filter(agency=agency).order_by(
            "assured_date", "title"
        ),
    ]


def _visibility_changed(offer_ids: list[int]) -> None:
    public_content_changed_in_transaction()
    ids = list(offer_ids)
    transaction.on_commit(
        lambda: offers_visibility_changed.send(sender=OfferPage, offer_ids=ids)
    )


def offers_hide_stale(*, today: date | None = None) -> list[int]:
    """Mark and log the offers that just crossed the hiding line (``visible()``
    leaves them out by date already; this records when, tells search and the
    caches). Offers whose end date has passed are announced too, so the index
    drops them the day after. Idempotent; returns the ids newly hidden as stale.
    """
    cutoffs = freshness_cutoffs(today)
    with transaction.atomic():
        newly = list(
            OfferPage.objects.hidden_as_stale(cutoffs.today)
            .filter(stale_hidden_on__isnull=True)
            .select_for_update()
            .order_by("pk")
        )
        OfferPage.objects.filter(pk__in=[offer.pk for offer in newly]).update(
            stale_hidden_on=cutoffs.today
        )
        for offer in newly:
            log(
                instance=offer,
                action=ACTION_HIDDEN,
                data={"last_confirmed": offer.assured_date.isoformat()},
            )
        # The day an end date passes; a week back covers a few missed nights (the
        # nightly `search_check --repair` covers the rest).
        ended = list(
            OfferPage.objects.filter(
                end_date__lt=cutoffs.today,
                end_date__gte=cutoffs.today - timedelta(days=7),
            ).values_list("pk", flat=True)
        )
        changed = [offer.pk for offer in newly] + ended
        if changed:
            _visibility_changed(changed)
    return [offer.pk for offer in newly]


@dataclass
class Reminder:
    agency: AgencyPage
    pages: list
    recipients: list


def _editors(agency: AgencyPage) -> list:
    group = agency_editors_group(agency=agency, create=False)
    if group is None:
        return []
    return list(
        get_user_model()
        .objects.filter(groups=group, is_active=True)
        .exclude(email="")
        .select_related("wagtail_userprofile")
        .order_by("pk")
    )


def reminders_send(*, today: date | None = None) -> dict[str, int]:
    """Remind each agency's editors, once per stale episode, of its stale offers
    and contact points: one email per editor and agency listing them, in the
    editor's admin language, linking to the agency's confirmation list.

    Pages are claimed (``stale_reminded_on``) before mailing, in a transaction that
    skips rows another run holds, so two runs never remind twice; when sending to
    an agency fails, its claim is taken back and the next run tries again. Agencies
    without editors keep their pages unclaimed (the coordinators' dashboard lists
    them). Returns counts: agencies, emails, pages.
    """
    cutoffs = freshness_cutoffs(today)
    reminders: list[Reminder] = []
    with transaction.atomic():
        by_agency: dict[int, list] = defaultdict(list)
        for model in FRESHNESS_MODELS:
            for page in (
                model.objects.live()
                .filter(agency__live=True)
                .stale(cutoffs.today)
                .filter(stale_reminded_on__isnull=True)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("assured_date", "pk")
            ):
                by_agency[page.agency_id].append(page)
        agencies = AgencyPage.objects.in_bulk(list(by_agency))
        for agency_id, pages in sorted(by_agency.items()):
            agency = agencies[agency_id]
            recipients = _editors(agency)
            if not recipients:
                continue
            for model, ids in _by_model(pages).items():
                model.objects.filter(pk__in=ids).update(stale_reminded_on=cutoffs.today)
            reminders.append(
                Reminder(agency=agency, pages=pages, recipients=recipients)
            )

    counts = {"agencies": 0, "emails": 0, "pages": 0}
    connection = get_connection()
    for reminder in reminders:
        try:
            sent = _reminder_mail(reminder, connection=connection)
        except OSError:
            logger.exception("Reminder to %s failed", reminder.agency.title)
            for model, ids in _by_model(reminder.pages).items():
                model.objects.filter(pk__in=ids).update(stale_reminded_on=None)
            continue
        for page in reminder.pages:
            log(
                instance=page,
                action=ACTION_REMINDED,
                data={"recipients": [user.email for user in reminder.recipients]},
            )
        counts["agencies"] += 1
        counts["emails"] += sent
        counts["pages"] += len(reminder.pages)
    return counts


def _reminder_mail(reminder: Reminder, *, connection) -> int:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    review = base + reverse("directory_freshness_agency", args=[reminder.agency.pk])
    messages = []
    for user in reminder.recipients:
        with translation.override(admin_language(user)):
            context = {
                "user": user,
                "agency": reminder.agency,
                "pages": [
                    (page, base + reverse("wagtailadmin_pages:edit", args=[page.pk]))
                    for page in reminder.pages
                ],
                "review_url": review,
                "stale_after_days": settings.DIRECTORY_STALE_AFTER_DAYS,
                "hide_after_days": settings.DIRECTORY_HIDE_AFTER_DAYS,
            }
            subject = render_to_string(
                "directory/email/stale_reminder_subject.txt", context
            ).strip()
            text = render_to_string("directory/email/stale_reminder.txt", context)
            html = render_to_string("directory/email/stale_reminder.html", context)
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[user.email],
            connection=connection,
        )
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return connection.send_messages(messages) or 0


def freshness_check(*, today: date | None = None) -> dict[str, int]:
    """The nightly run: hide what crossed the line, then remind."""
    hidden = offers_hide_stale(today=today)
    counts = reminders_send(today=today)
    return {"hidden": len(hidden), **counts}


def stale_pages(*, agencies=None, today: date | None = None) -> list:
    """Live stale offers and contact points (of ``agencies`` if given), stalest
    first; for dashboards and lists."""
    cutoffs = freshness_cutoffs(today)
    found: list = []
    for model in FRESHNESS_MODELS:
        pages = model.objects.live().stale(cutoffs.today).select_related("agency")
        if agencies is not None:
            pages = pages.filter(agency__in=agencies)
        found.extend(pages)
    return sorted(found, key=lambda page: (page.assured_date or date.min, page.pk))


def agencies_of_editor(user):
    """The agencies whose editors' group ``user`` is in (for their dashboard and the
    confirmation list)."""
    from wagtail.models import GroupPagePermission

    pages = GroupPagePermission.objects.filter(
        group__in=user.groups.filter(name__startswith=EDITORS_GROUP_PREFIX),
        permission__codename="change_page",
    ).values("page_id")
    return AgencyPage.objects.filter(Q(pk__in=pages)).order_by("title")

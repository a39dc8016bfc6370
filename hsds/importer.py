"""Importing HSDS 3.0 into the catalogue: records matched by HSDS id, one savepoint
per record, nothing half-written, a report of what happened to each record.

With ``publish`` pages are created live without a revision and updated in place;
the search index learns about them through Wagtail's ``page_published`` signal.
Without it every new or changed page gets a revision that is submitted to the
approval workflow (new pages stay unpublished until a coordinator approves them).

Text from the file is cleaned on the way in: rich text to the features our editor
allows, plain text without markup (see ``directory.sanitise``).
"""

import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from time import monotonic, sleep
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.text import slugify
from wagtail.models import Page, PageLogEntry
from wagtail.signals import page_published

from directory.finder import districts_for_postcode
from directory.models import (
    AgencyPage,
    ContactPerson,
    ContactPointPage,
    District,
    HomePage,
    Language,
    OfferPage,
    OpeningException,
    OpeningSlot,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)
from directory.models.pages import (
    Accessibility,
    contact_points_of_other_agencies,
    slots_overlap,
)
from directory.sanitise import plain_text_clean, rich_text_clean
from directory.services import home_create

from . import schemas
from .reading import Bundle, Problem
from .vocabulary import (
    PROPERTY_BY_ID,
    STATUS_FROM_HSDS,
    TAXONOMIES,
    TAXONOMY_BY_ID,
    WEEKDAYS,
    term_by_hsds_id,
)

SOURCE = settings.LANGUAGE_CODE
BATCH = 500  # records per commit; each record has its own savepoint inside
PREFETCH = 50  # services whose existing offers are loaded together
# SQLite has one write lock and no queue for it: a writer that finds it taken sleeps
# and tries again (every 100 ms once it has waited a while) until its busy timeout
# runs out. An import that began its next batch the moment it committed would keep
# the lock for its whole run, and the web requests and task worker waiting for it
# would fail with "database is locked". So on SQLite a batch also ends after
# SQLITE_BATCH_SECONDS, and then the import leaves the lock to the others for
# SQLITE_PAUSE_SECONDS, time for three tries of each (a try may find it taken by
# another of them). Measured in tests/config/test_sqlite_concurrency.py.
SQLITE_BATCH_SECONDS = 1.0
SQLITE_PAUSE_SECONDS = 0.3


class RecordError(ValueError):
    """This record cannot be imported; the message names the field."""


# What makes a record unusable: our own checks, the models' validation, and the
# database refusing a value (too long, a constraint). Anything else is our bug and
# is raised, not reported as a skipped record.
RECORD_ERRORS = (RecordError, ValidationError, DataError, IntegrityError)


@dataclass
class RecordResult:
    kind: str
    id: str
    name: str
    action: str = "unchanged"  # created, updated, unchanged, skipped
    messages: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # fields an update changed

    def __str__(self) -> str:
        head = f"{self.kind} {self.id} ({self.name}): {self.action}"
        return "; ".join([head, *self.messages])


@dataclass
class ImportReport:
    dry_run: bool = False
    results: list[RecordResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = Counter(result.action for result in self.results)
        counts["skipped"] += len(self.problems)
        return {
            action: counts[action]
            for action in ("created", "updated", "unchanged", "skipped")
        }

    @property
    def skipped(self) -> list:
        return [*self.problems, *(r for r in self.results if r.action == "skipped")]

    @property
    def warnings(self) -> list[RecordResult]:
        return [r for r in self.results if r.action != "skipped" and r.messages]

    def summary(self) -> str:
        counts = self.counts()
        verb = "would be" if self.dry_run else "were"
        return (
            f"{counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['skipped']} skipped "
            f"({'dry run: nothing ' + verb + ' saved' if self.dry_run else 'saved'})."
        )


# --- small readers -----------------------------------------------------------------


def _str(document: dict, key: str) -> str:
    value = document.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{key}: expected text, got {value!r}")
    return value.strip()


def _uuid(value, where: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, AttributeError, TypeError):
        raise RecordError(f"{where}: {value!r} is not a UUID") from None


def _date(value, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RecordError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _time(value, where: str) -> time | None:
    if value in (None, ""):
        return None
    try:
        return time.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        raise RecordError(f"{where}: {value!r} is not a time (HH:MM)") from None


def _age(value, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordError(f"{where}: {value!r} is not a number")
    if not 0 <= value <= 150 or int(value) != value:  # also refuses NaN
        raise RecordError(f"{where}: {value!r} is not an age in whole years")
    return int(value)


def _timestamp(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed.replace(microsecond=0)


def _html(text: str) -> str:
    """HSDS descriptions may be HTML or plain text; rich text wants HTML, holding
    only what our rich-text fields allow.
    """
    if not text:
        return text
    if re.search(r"<[a-zA-Z/!][^>]*>", text):
        return rich_text_clean(text)
    return linebreaks(text, autoescape=True)


def _lines(items: list[dict], key: str) -> str:
    return "\n".join(
        str(item.get(key)).strip() for item in items if str(item.get(key) or "").strip()
    )


# --- the importer ------------------------------------------------------------------


class Importer:
    """Imports a ``Bundle`` in ``language``; ``agency`` puts everything under one
    agency (its own organization records are then ignored).
    """

    def __init__(
        self,
        *,
        language: str | None = None,
        agency: AgencyPage | None = None,
        publish: bool = True,
        user=None,
    ):
        self.language = language or SOURCE
        if self.language not in dict(settings.LANGUAGES):
            raise ValueError(f"{self.language!r} is not a site language")
        self.agency = agency
        # Without publish, changes are revisions submitted to the workflow by user.
        self.publish = publish
        self.user = user
        self._record_drafts: list = []
        self._batch_drafts: list = []
        self.report = ImportReport()
        self._home: HomePage | None = None
        # Per-run caches: records imported once even when many services share them.
        self._organizations: dict[str, AgencyPage] = {}
        self._locations: dict[str, ContactPointPage] = {}
        self._terms: dict[str, Any] = {}
        self._languages = {
            language.code: language for language in Language.objects.all()
        }
        self._record_keys: list[tuple[dict, str]] = []
        self._last_child: dict[int, str | None] = {}
        self._slugs: dict[int, set[str]] = {}
        self._validated: set[int] = set()
        self._locale = None
        self._result = RecordResult(kind="", id="", name="")
        self._record_rows: list = []
        self._batch_rows: list = []
        self._batch_offers: dict = {}
        # HSDS ids already here, so new records need no lookup query.
        self._known = {
            model: set(model.objects.values_list("hsds_id", flat=True))
            for model in (AgencyPage, ContactPointPage, OfferPage, Responsibility)
        }

    # --- running ---------------------------------------------------------------

    def run(self, bundle: Bundle, *, dry_run: bool = False) -> ImportReport:
        """Import every record; with ``dry_run`` nothing is kept.

        Never raises for a bad record: it is reported and skipped.
        """
        self.report.dry_run = dry_run
        self.report.problems = list(bundle.problems)
        seen: set[str] = set()
        services = []
        for service in bundle.services:
            key = str(service.get("id"))
            if key in seen:
                self.report.problems.append(
                    Problem(
                        f"service {key}", "appears twice in the file; the first counts"
                    )
                )
                continue
            seen.add(key)
            services.append(service)
        records = [
            *(("taxonomy_term", item, self._term_record) for item in bundle.terms),
            *(
                ("organization", item, self._organization_record)
                for item in bundle.organizations
            ),
            *(("location", item, self._location_record) for item in bundle.locations),
            *(("service", item, self._service_record) for item in services),
        ]
        if dry_run:
            with transaction.atomic():
                self._batches(records)
                transaction.set_rollback(True)
        else:
            self._batches(records)
        return self.report

    def _batches(self, records: list) -> None:
        # Each batch commits (unless inside the dry run's transaction): a long import
        # keeps what it did; each record has its own savepoint either way.
        connection = transaction.get_connection()
        shares_lock = connection.vendor == "sqlite" and not connection.in_atomic_block
        seconds = SQLITE_BATCH_SECONDS if shares_lock else None
        start = 0
        while start < len(records):
            if start and shares_lock:
                sleep(SQLITE_PAUSE_SECONDS)  # the other writers' turn (see above)
            with transaction.atomic():
                start = self._batch(records, start, seconds=seconds)

    def _batch(self, records: list, start: int, *, seconds: float | None) -> int:
        """Import ``records`` from ``start`` on: BATCH of them, or fewer once
        ``seconds`` have passed. Returns the position of the first one left.
        """
        until = None if seconds is None else monotonic() + seconds
        # Other writers may have added pages since the last batch.
        self._last_child = {}
        self._slugs = {}
        self._batch_rows = []
        self._batch_drafts = []
        end = min(start + BATCH, len(records))
        position = start
        while position < end:
            if (position - start) % PREFETCH == 0:
                chunk = records[position : min(position + PREFETCH, end)]
                self._offers_prefetch([r[1] for r in chunk if r[0] == "service"])
            self._record(*records[position])
            position += 1
            if until is not None and monotonic() >= until:
                break
        self._rows_write(self._batch_rows)
        self._drafts_submit(self._batch_drafts)
        return position

    @staticmethod
    def _rows_write(rows: list) -> None:
        """Relations and log entries of the batch's new pages, one insert per kind
        (only rows of records that succeeded are here).
        """
        by_model: dict[Any, list] = {}
        for row in rows:
            by_model.setdefault(type(row), []).append(row)
        for model, items in by_model.items():
            # A relation row may exist already when a file names a record twice.
            model.objects.bulk_create(
                items, batch_size=500, ignore_conflicts=model is not PageLogEntry
            )

    def _offers_prefetch(self, services: list[dict]) -> None:
        """Load the batch's existing offers with their relations in a few queries."""
        ids = []
        for service in services:
            try:
                ids.append(uuid.UUID(str(service.get("id"))))
            except ValueError:
                continue
        known = [i for i in ids if i in self._known[OfferPage]]
        self._batch_offers = {
            offer.hsds_id: offer
            for offer in OfferPage.objects.filter(hsds_id__in=known).prefetch_related(
                "topics",
                "target_groups",
                "residence_statuses",
                "languages",
                Prefetch(
                    "contact_points",
                    queryset=ContactPointPage.objects.only("pk", "path"),
                ),
                "contact_persons",
            )
        }

    def _record(self, kind: str, document: dict, handler) -> None:
        name = document.get("name")
        name = name if isinstance(name, str) else ""
        result = RecordResult(kind=kind, id=str(document.get("id", "?")), name=name)
        self.report.results.append(result)
        found = self._schema_problems(document, kind)
        if found:
            result.action = "skipped"
            result.messages += found[:5]
            return
        self._record_keys = []
        self._record_rows = []
        self._record_drafts = []
        self._result = result
        try:
            with transaction.atomic():
                handler(document, result)
            self._batch_rows += self._record_rows
            self._batch_drafts += self._record_drafts
        except RECORD_ERRORS as error:
            # The savepoint took the record back; so go the caches it filled.
            self._forget_record_keys()
            result.action = "skipped"
            result.messages.append(_failure_message(error))

    def _schema_problems(self, document: dict, kind: str) -> list[str]:
        """Schema violations; organizations and locations that many services share
        are checked once per run (checking is the slow part of an import).
        """
        if kind != "service":
            return schemas.problems(document, kind)
        found = []
        service = dict(document)
        shared = []
        if isinstance(service.get("organization"), dict):
            shared.append(("organization", "organization", service.pop("organization")))
        _detach(service, "service_at_locations", "location", "location", shared)
        _detach(service, "attributes", "taxonomy_term", "taxonomy_term", shared)
        found += schemas.problems(service, "service")
        for where, name, part in shared:
            key = hash(json.dumps(part, sort_keys=True, default=str))
            if key in self._validated:
                continue
            problems = schemas.problems(part, name)
            if problems:
                found += [f"{where}.{problem}" for problem in problems]
            else:
                self._validated.add(key)
        return found

    def _existing(self, model, hsds_id: str):
        key = uuid.UUID(hsds_id)
        if key not in self._known[model]:
            return None
        if model is OfferPage and key in self._batch_offers:
            # once: a failed record may leave it dirty
            found = self._batch_offers.pop(key)
        else:
            found = model.objects.filter(hsds_id=hsds_id).first()
        if not self.publish and getattr(found, "has_unpublished_changes", False):
            # Compared with the draft waiting for approval, so a second run of the
            # same file changes nothing.
            found = found.get_latest_revision_as_object()
        return found

    def _remember(self, cache: dict, key: str, value) -> None:
        cache[key] = value
        self._record_keys.append((cache, key))

    def _forget_record_keys(self) -> None:
        for cache, key in self._record_keys:
            cache.pop(key, None)
        self._record_keys = []

    @staticmethod
    def _note(result: RecordResult, action: str) -> None:
        order = ("unchanged", "updated", "created")
        if order.index(action) > order.index(result.action):
            result.action = action

    # --- writing helpers ---------------------------------------------------------

    def _set(self, obj, attr: str, value, changed: list[str]) -> None:
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            changed.append(attr)

    def _set_fk(self, obj, name: str, value, changed: list[str]) -> None:
        if getattr(obj, f"{name}_id") != (value.pk if value is not None else None):
            setattr(obj, name, value)
            changed.append(name)

    def _set_text(
        self, obj, name: str, value: str, changed: list[str], *, rich: bool = False
    ) -> None:
        """Text into this import's language; a value equal to the German text stays
        out of a translation (readers get the German fallback either way).

        Plain text loses markup; ``rich`` text must come cleaned (``_html``).
        """
        if not rich:
            value = plain_text_clean(value)
        if self.language != SOURCE:
            source = getattr(obj, f"{name}_{SOURCE}") or ""
            if not source and obj.pk is None and name in ("title", "name"):
                self._set(obj, f"{name}_{SOURCE}", value, changed)
            if value == source:
                value = ""
        attr = f"{name}_{self.language}"
        # Untouched translation columns hold NULL; for us that is the empty text.
        if (getattr(obj, attr) or "") != value:
            setattr(obj, attr, value)
            changed.append(attr)

    def _home_page(self) -> HomePage:
        if self._home is None:
            self._home = HomePage.objects.first() or home_create(
                **{f"title_{SOURCE}": "Wegweiser"}
            )
        return self._home

    def _page_save(self, page: Page, parent: Page, changed: list[str], when=None):
        """Save a changed page (a new one as the parent's last child): live with
        ``publish``, else as a revision for the workflow (see ``_drafts_submit``).

        Validates only the fields the import set (Wagtail's full_clean checks every
        field of every language and costs more than the save itself); database
        constraints catch the rest.
        """
        # Never published (an import without publish made it): published now,
        # changed or not, which also ends its workflow. Pages an editor unpublished
        # stay so.
        unpublished = page.pk is not None and not page.live
        release = self.publish and unpublished and page.first_published_at is None
        if release:
            changed.append("live.")
        if not changed:
            return None
        if page.pk is not None:
            self._result.changes += [name.rstrip(".") for name in changed]
        fields = {name for name in changed if not name.endswith(".")}
        page.clean_fields(
            exclude=[f.name for f in page._meta.concrete_fields if f.name not in fields]
        )
        if page.pk is None:
            if self.publish:
                # The source's last_modified, if it has one; we do not invent a date.
                page.live = True
                page.has_unpublished_changes = False
                page.first_published_at = page.last_published_at = when
            else:
                page.live = False
                page.has_unpublished_changes = True
            self._child_add(parent, page)
            if not self.publish:
                # Its revision once the batch has written the page's relations.
                self._record_drafts.append((type(page), page.pk))
            self._known[type(page)].add(page.hsds_id)
            for name, pks in page.__dict__.pop("_hsds_m2m", {}).items():
                field = type(page)._meta.get_field(name)
                through = field.remote_field.through
                self._record_rows += [
                    through(
                        **{
                            f"{field.m2m_field_name()}_id": page.pk,
                            f"{field.m2m_reverse_field_name()}_id": pk,
                        }
                    )
                    for pk in pks
                ]
            self._record_rows.append(
                PageLogEntry(
                    page_id=page.pk,
                    content_type=ContentType.objects.get_for_model(type(page)),
                    label=page.title_de or page.title,
                    action="wagtail.create",
                    user_id=getattr(self.user, "pk", None),
                    timestamp=timezone.now(),
                    content_changed=True,
                    data={"source": "HSDS import"},
                )
            )
            created = True
        elif not self.publish:
            # The live page stays as it is until the revision is approved.
            self._draft_submit(page)
            return "updated"
        elif release:
            page.save_revision(user=self.user, clean=False, log_action=True).publish(
                user=self.user
            )
            return "updated"
        else:
            if when is not None:
                page.last_published_at = when
            page.save(clean=False)
            created = False
        if not self.publish:
            return "created"
        page_published.send(sender=type(page), instance=page, revision=None)
        return "created" if created else "updated"

    def _drafts_submit(self, drafts: list) -> None:
        """Submit the batch's new pages, read back with the relations the batch
        wrote (a revision of the page as built would lack them).
        """
        for model, pk in drafts:
            self._draft_submit(model.objects.get(pk=pk))

    def _draft_submit(self, page: Page) -> None:
        """A revision of ``page``, submitted to its approval workflow; a page
        already in moderation keeps its workflow, which publishes the newest
        revision on approval.
        """
        page.save_revision(user=self.user, clean=False, log_action=True)
        workflow = page.get_workflow()
        if workflow is not None and not page.workflow_in_progress:
            workflow.start(page, self.user)

    def _child_add(self, parent: Page, page: Page) -> None:
        """treebeard's add_child without re-reading the parent for every child."""
        last = self._last_child.get(parent.pk, "")
        if last == "":
            child = parent.get_last_child()
            last = child.path if child else None
        if self._locale is None:
            self._locale = parent.locale
        page.locale = self._locale
        page.depth = parent.depth + 1
        page.path = (
            Page._get_path(parent.path, page.depth, 1)
            if last is None
            else _path_after(last)
        )
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + 1)
        page._cached_parent_obj = parent
        # Logged with the batch (see _rows_write), not one insert per page.
        page.save(clean=False, log_action=None)
        self._last_child[parent.pk] = page.path

    def _slug(self, parent: Page, wanted: str, fallback: str) -> str:
        """A slug free among the parent's children (``wanted`` slugified)."""
        taken = self._slugs.get(parent.pk)
        if taken is None:
            taken = set(parent.get_children().values_list("slug", flat=True))
            self._slugs[parent.pk] = taken
        base = slugify(wanted)[:80] or fallback
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        return slug

    # --- taxonomy terms ----------------------------------------------------------

    def _term_record(self, document: dict, result: RecordResult) -> None:
        if _property_code(document):
            return  # our own vocabulary of properties: nothing to store
        term, action = self._term(document)
        result.name = str(term)
        self._note(result, action)

    def _term(self, document: dict):
        tid = str(_uuid(document.get("id"), "taxonomy_term.id"))
        if tid in self._terms:
            return self._terms[tid], "unchanged"
        term = term_by_hsds_id(tid)
        model = type(term) if term is not None else _term_model(document)
        name = plain_text_clean(_str(document, "name"))
        if not name:
            raise RecordError(f"taxonomy term {tid}: name is missing")
        if term is None:
            # Mapped onto an existing term of the same code or name, else created.
            code = _str(document, "code") or name
            term = (
                model.objects.filter(slug=slugify(code)[:80]).first()
                or model.objects.filter(
                    **{f"name_{self.language}__iexact": name}
                ).first()
            )
            if term is not None:
                self._remember(self._terms, tid, term)
                return term, "unchanged"
            term = model(
                hsds_id=tid, slug=_free_slug(model, slugify(code)[:80] or "term")
            )
        changed: list[str] = []
        self._set_text(term, "name", name, changed)
        description = _str(document, "description")
        if hasattr(term, "description") and description and description != name:
            self._set_text(term, "description", description, changed)
        action = "unchanged"
        if changed:
            action = "created" if term.pk is None else "updated"
            term.full_clean(exclude=["hsds_id"])
            term.save()
        self._remember(self._terms, tid, term)
        return term, action

    def _attribute_terms(self, document: dict) -> tuple[dict, list]:
        """(properties {code: value}, terms) from a record's attributes."""
        properties: dict[str, str] = {}
        terms = []
        for position, attribute in enumerate(document.get("attributes") or []):
            where = f"attributes[{position}]"
            term_document = attribute.get("taxonomy_term") or {}
            term_id = attribute.get("taxonomy_term_id") or term_document.get("id")
            prop = PROPERTY_BY_ID.get(str(term_id)) or PROPERTY_BY_ID.get(
                str(_property_code(term_document) or "")
            )
            code = _property_code(term_document) or (prop.code if prop else None)
            if code:
                properties[code] = str(attribute.get("value") or "")
                continue
            if term_document:
                terms.append(self._term({"id": term_id, **term_document})[0])
                continue
            term = term_by_hsds_id(_uuid(term_id, f"{where}.taxonomy_term_id"))
            if term is None:
                raise RecordError(
                    f"{where}.taxonomy_term_id: unknown taxonomy term {term_id}"
                )
            terms.append(term)
        return properties, terms

    # --- organizations -----------------------------------------------------------

    def _organization_record(self, document: dict, result: RecordResult) -> None:
        if self.agency is not None:
            result.messages.append(f"ignored: everything goes to {self.agency.title}")
            return
        agency, action = self._organization(document)
        result.name = agency.title
        self._note(result, action)

    def _organization(self, document: dict) -> tuple[AgencyPage, str]:
        oid = str(_uuid(document.get("id"), "organization.id"))
        if oid in self._organizations:
            return self._organizations[oid], "unchanged"
        agency = self._existing(AgencyPage, oid)
        home = self._home_page()
        name = plain_text_clean(_str(document, "name"))
        if agency is None:
            agency = AgencyPage(hsds_id=oid)
            agency.slug = self._slug(
                home, _slug_from_url(_str(document, "uri")) or name, f"agency-{oid[:8]}"
            )
        changed: list[str] = []
        self._set_text(agency, "title", name, changed)
        description = _str(document, "description")
        self._set_text(
            agency, "description", "" if description == name else description, changed
        )
        self._set(agency, "email", _str(document, "email"), changed)
        self._set(agency, "website", _str(document, "website"), changed)
        if "phones" in document:
            phone = _phone(document["phones"] or [], "phones")
            self._set(agency, "phone", phone, changed)
        properties, _terms = self._attribute_terms(document)
        kind = properties.get("agency-type")
        if kind in AgencyPage.Type.values:
            self._set(agency, "agency_type", kind, changed)
        if self.language == SOURCE or agency.pk is None:
            self._set(agency, "draft_title", agency.title_de, changed)
        action = self._page_save(agency, home, changed) or "unchanged"
        self._remember(self._organizations, oid, agency)
        return agency, action

    def _owner(self, document: dict, *, where: str) -> tuple[AgencyPage, str]:
        """The agency a service or location belongs to."""
        if self.agency is not None:
            return self.agency, "unchanged"
        nested = document.get("organization")
        if isinstance(nested, dict) and nested.get("name"):
            return self._organization(nested)
        oid = document.get("organization_id") or (nested or {}).get("id")
        if oid:
            oid = str(_uuid(oid, f"{where}.organization_id"))
            agency = (
                self._organizations.get(oid)
                or AgencyPage.objects.filter(hsds_id=oid).first()
            )
            if agency is not None:
                return agency, "unchanged"
            raise RecordError(
                f"{where}.organization_id: unknown organization {oid}; include the "
                "organization in the file or import with --agency"
            )
        raise RecordError(
            f"{where}: no organization; include one or import with --agency"
        )

    # --- locations ---------------------------------------------------------------

    def _location_record(self, document: dict, result: RecordResult) -> None:
        agency, _action = self._owner(document, where="location")
        point, action = self._location(document, agency, result)
        result.name = point.title
        self._note(result, action)

    def _location(
        self, document: dict, agency: AgencyPage, result: RecordResult
    ) -> tuple[ContactPointPage, str]:
        lid = str(_uuid(document.get("id"), "location.id"))
        if lid in self._locations:
            return self._locations[lid], "unchanged"
        point = self._existing(ContactPointPage, lid)
        full = "addresses" in document
        address = _address(document.get("addresses") or [])
        name = (
            plain_text_clean(
                _str(document, "name") or str(address.get("address_1") or "")
            )
            or "Anlaufstelle"
        )
        parent = agency  # where a new one goes; an existing one stays put
        if point is None:
            point = ContactPointPage(hsds_id=lid, agency=agency)
            point.slug = self._slug(
                agency, _slug_from_url(_str(document, "url")) or name, f"ort-{lid[:8]}"
            )
        changed: list[str] = []
        self._set_text(point, "title", name, changed)
        if self.language == SOURCE or point.pk is None:
            self._set(point, "draft_title", point.title_de, changed)
        if full or address:
            street = ", ".join(
                part
                for part in (address.get("address_1"), address.get("address_2"))
                if part
            )
            self._set(point, "street", street, changed)
            self._set(point, "postcode", str(address.get("postal_code") or ""), changed)
            self._set(point, "city", str(address.get("city") or ""), changed)
        self._set_text(
            point, "transport_hint", _str(document, "transportation"), changed
        )
        latitude, longitude = document.get("latitude"), document.get("longitude")
        if not _coordinates_valid(latitude, longitude):
            if latitude is not None or longitude is not None:
                result.messages.append(
                    f"location {lid}: latitude/longitude {latitude}, {longitude} are "
                    "not valid coordinates; left out"
                )
            latitude = longitude = None
        self._set(point, "latitude", latitude, changed)
        self._set(point, "longitude", longitude, changed)
        # A brief document (no arrays) leaves what it does not carry as it is.
        if full or "phones" in document:
            phone = _phone(document.get("phones") or [], "phones")
            self._set(point, "phone", phone, changed)
        if full or "contacts" in document:
            emails = [
                c.get("email") for c in document.get("contacts") or [] if c.get("email")
            ]
            self._set(point, "email", emails[0] if emails else "", changed)
        if full or "accessibility" in document:
            notes = [a.get("description") for a in document["accessibility"] or [] if a]
            note = "\n".join(n for n in notes if n)
            self._set_text(point, "accessibility_note", note, changed)
        if full or "attributes" in document:
            self._location_attributes_set(point, document, changed)
        self._languages_set(point, document.get("languages"), changed)
        if full or "schedules" in document:
            self._hours_set(point, document.get("schedules") or [], changed, result)
        action = self._page_save(point, parent, changed) or "unchanged"
        self._remember(self._locations, lid, point)
        return point, action

    def _location_attributes_set(self, point, document: dict, changed) -> None:
        properties, terms = self._attribute_terms(document)
        district = next((t for t in terms if isinstance(t, District)), None)
        if district is None and point.postcode:
            # Only an unambiguous postcode says where the place is.
            candidates = districts_for_postcode(postcode=point.postcode)
            district = candidates[0] if len(candidates) == 1 else None
        self._set_fk(point, "district", district, changed)
        wheelchair = properties.get("wheelchair", Accessibility.UNKNOWN)
        if wheelchair not in Accessibility.values:
            wheelchair = Accessibility.UNKNOWN
        self._set(point, "wheelchair", wheelchair, changed)
        self._set(point, "has_lift", "lift" in properties, changed)
        self._set(point, "has_hearing_loop", "hearing-loop" in properties, changed)
        closed = "temporarily-closed" in properties
        self._set(point, "temporarily_closed", closed, changed)
        note = properties.get("temporarily-closed", "")
        self._set_text(point, "closed_note", note, changed)
        booking = properties.get("appointment-url", "")
        self._set(point, "appointment_url", booking, changed)

    def _languages_set(self, obj, documents, changed: list[str]) -> None:
        if documents is None:
            return
        wanted = []
        for position, item in enumerate(documents):
            code = str(item.get("code") or "").strip().lower()
            if not code:
                raise RecordError(f"languages[{position}].code is missing")
            if code not in self._languages:
                name = plain_text_clean(str(item.get("name") or code))[:60]
                language = Language.objects.create(
                    code=code[:12], native_name=name, german_name=name
                )
                self._remember(self._languages, code, language)
            wanted.append(self._languages[code])
        self._m2m_set(obj, "languages", wanted, changed)

    def _m2m_set(self, obj, name: str, wanted: list, changed: list[str]) -> None:
        wanted_pks = [item.pk for item in wanted]
        if obj.pk is None:
            # Written after the insert in one statement (see _page_save); going
            # through modelcluster would read every relation back first.
            if wanted_pks:
                obj.__dict__.setdefault("_hsds_m2m", {})[name] = wanted_pks
                changed.append(f"{name}.")
            return
        current = {item.pk for item in getattr(obj, name).all()}
        if current != set(wanted_pks):
            getattr(obj, name).set(wanted)
            changed.append(f"{name}.")

    def _translations_set(
        self, owner, relation: str, name: str, values: list, changed
    ) -> None:
        """This language's text of ``owner``'s child rows (exception notes, contact
        roles): the German rows and their order stay as they are. Saved in place
        with ``publish``, else in the page's revision.
        """
        attr = f"{name}_{self.language}"
        items = list(getattr(owner, relation).all()) if owner.pk else []
        touched = False
        for item, value in zip(items, values, strict=True):
            if value is None:
                continue
            value = plain_text_clean(value)
            if value == (getattr(item, f"{name}_{SOURCE}") or ""):
                value = ""
            if getattr(item, attr) != value:
                setattr(item, attr, value)
                if self.publish:
                    item.save(update_fields=[attr])
                touched = True
                changed.append(f"{name}.")
        if touched and not self.publish:
            setattr(owner, relation, items)

    def _hours_set(
        self, point: ContactPointPage, schedules: list, changed, result
    ) -> None:
        slots, exceptions = set(), {}
        for position, schedule in enumerate(schedules):
            where = f"schedules[{position}]"
            opens = _time(schedule.get("opens_at"), f"{where}.opens_at")
            closes = _time(schedule.get("closes_at"), f"{where}.closes_at")
            days = [
                d.strip().upper() for d in str(schedule.get("byday") or "").split(",")
            ]
            days = [d[-2:] for d in days if d]
            valid_from = _date(schedule.get("valid_from"), f"{where}.valid_from")
            valid_to = _date(schedule.get("valid_to"), f"{where}.valid_to")
            if days:
                if opens is None or closes is None or closes <= opens:
                    raise RecordError(
                        f"{where}: weekly hours need opens_at before closes_at"
                    )
                appointment = schedule.get("attending_type") == "appointment"
                for day in days:
                    if day not in WEEKDAYS:
                        raise RecordError(f"{where}.byday: {day!r} is not a weekday")
                    slots.add((WEEKDAYS.index(day), opens, closes, appointment))
            elif valid_from and valid_from == valid_to:
                properties, _terms = self._attribute_terms(schedule)
                closed = "closed-day" in properties or opens is None
                if (
                    opens is not None
                    and not closed
                    and (closes is None or closes <= opens)
                ):
                    raise RecordError(f"{where}: special hours need a later closes_at")
                exceptions[valid_from] = (
                    closed,
                    None if closed else opens,
                    None if closed else closes,
                    plain_text_clean(str(schedule.get("description") or ""))[:200],
                )
            else:
                result.messages.append(
                    f"{where}: neither weekly hours nor a single day; left out"
                )
        clashes = slots_overlap([(d, o, c) for d, o, c, _a in slots])
        if clashes:
            first, second = clashes[0]
            raise RecordError(
                f"schedules: opening hours overlap on {WEEKDAYS[first[0]]}: "
                f"{first[1]:%H:%M}–{first[2]:%H:%M} and {second[1]:%H:%M}–"
                f"{second[2]:%H:%M}"
            )
        current_slots = (
            {
                (s.weekday, s.opens, s.closes, s.appointment_only)
                for s in point.opening_slots.all()
            }
            if point.pk
            else set()
        )
        if current_slots != slots:
            point.opening_slots = [  # type: ignore[misc]  # modelcluster relation
                OpeningSlot(weekday=d, opens=o, closes=c, appointment_only=a)
                for d, o, c, a in sorted(slots)
            ]
            changed.append("opening_slots.")
        current_exceptions = (
            {
                e.date: (e.closed, e.opens, e.closes, getattr(e, f"note_{SOURCE}"))
                for e in point.opening_exceptions.all()
            }
            if point.pk
            else {}
        )
        if self.language != SOURCE:
            self._translations_set(
                point,
                "opening_exceptions",
                "note",
                [
                    exceptions[e.date][3] if e.date in exceptions else None
                    for e in (point.opening_exceptions.all() if point.pk else [])
                ],
                changed,
            )
        elif current_exceptions != exceptions:
            point.opening_exceptions = [  # type: ignore[misc]  # modelcluster relation
                OpeningException(
                    date=day, closed=c, opens=o, closes=cl, **{f"note_{SOURCE}": note}
                )
                for day, (c, o, cl, note) in sorted(exceptions.items())
            ]
            changed.append("opening_exceptions.")

    # --- services ----------------------------------------------------------------

    def _service_record(self, document: dict, result: RecordResult) -> None:
        properties, terms = self._attribute_terms(document)
        agency, action = self._owner(document, where="service")
        self._note(result, action)
        points = []
        for position, link in enumerate(document.get("service_at_locations") or []):
            location = link.get("location")
            if not isinstance(location, dict):
                lid = str(_uuid(link.get("location_id"), "location_id"))
                point = self._locations.get(lid) or (
                    ContactPointPage.objects.filter(hsds_id=lid).first()
                )
                if point is None:
                    raise RecordError(
                        f"service_at_locations[{position}].location_id: unknown "
                        f"location {lid}"
                    )
            else:
                owner = self._location_owner(location, agency, result)
                point, action = self._location(location, owner, result)
                self._note(result, action)
            points.append(point)
        if "responsibility" in properties:
            result.kind = "responsibility"
            self._note(
                result, self._responsibility(document, agency, points, terms, result)
            )
        else:
            foreign = contact_points_of_other_agencies(
                agency_id=agency.pk, contact_points=points
            )
            for point in foreign:
                result.messages.append(
                    f"location {point.hsds_id} belongs to another organization; an "
                    "offer takes place only at its own organization's places: left out"
                )
            points = [point for point in points if point not in foreign]
            self._note(result, self._offer(document, agency, points, properties, terms))

    def _location_owner(self, location: dict, agency, result) -> AgencyPage:
        """A service's place belongs to its own organization when we know it, else
        to the service's.
        """
        oid = location.get("organization_id")
        if self.agency is not None or not oid or str(oid) == str(agency.hsds_id):
            return agency
        try:
            return self._owner({"organization_id": oid}, where="location")[0]
        except RecordError:
            result.messages.append(
                f"location {location.get('id')}: organization {oid} is unknown; "
                f"placed under {agency.title}"
            )
            return agency

    def _offer(self, document, agency, points, properties, terms) -> str:
        sid = str(_uuid(document.get("id"), "service.id"))
        offer = self._existing(OfferPage, sid)
        full = "service_at_locations" in document
        name = plain_text_clean(_str(document, "name"))
        parent = agency  # where a new one goes; an existing one stays put
        if offer is None:
            offer = OfferPage(hsds_id=sid, agency=agency)
            offer.slug = self._slug(
                agency,
                _slug_from_url(_str(document, "url")) or name,
                f"angebot-{sid[:8]}",
            )
        changed: list[str] = []
        self._set_text(offer, "title", name, changed)
        if self.language == SOURCE or offer.pk is None:
            self._set(offer, "draft_title", offer.title_de, changed)
        summary = properties.get("summary", "")
        if full or "summary" in properties:
            self._set_text(offer, "summary", summary, changed)
        description = _str(document, "description")
        if description in (name, summary):
            description = ""
        self._set_text(offer, "description", _html(description), changed, rich=True)
        status = STATUS_FROM_HSDS.get(_str(document, "status"), "active")
        self._set(offer, "status", status, changed)
        if full or "application_process" in document:
            self._set_text(
                offer, "how_to_apply", _str(document, "application_process"), changed
            )
        fee = _str(document, "fees_description") or _str(document, "fees")
        costs = document.get("cost_options")
        if costs is not None or fee or full:
            free = any(c.get("amount") == 0 for c in costs or []) or (
                not costs and not fee
            )
            if not free and not fee:
                fee = "; ".join(
                    " ".join(
                        str(part)
                        for part in (
                            c.get("option"),
                            c.get("amount"),
                            c.get("currency"),
                        )
                        if part not in (None, "")
                    )
                    for c in costs or []
                )
            self._set(offer, "is_free", free, changed)
            self._set_text(offer, "fee_description", fee, changed)
        for key, attr in (("minimum_age", "min_age"), ("maximum_age", "max_age")):
            if full or key in document:
                self._set(offer, attr, _age(document.get(key), key), changed)
        if full or "assured_date" in document:
            self._set(
                offer,
                "assured_date",
                _date(document.get("assured_date"), "assured_date"),
                changed,
            )
        if "assurer_email" in document:
            # Our own export leaves it out (a staff address): absent is not empty.
            self._set(offer, "assurer_email", _str(document, "assurer_email"), changed)
        if "format" in properties and properties["format"] in OfferPage.Format.values:
            self._set(offer, "format", properties["format"], changed)
        if full or "required_documents" in document:
            self._set_text(
                offer,
                "required_documents",
                _lines(document.get("required_documents") or [], "document"),
                changed,
            )
        if full or "schedules" in document:
            start = end = None
            for position, schedule in enumerate(document.get("schedules") or []):
                if not schedule.get("byday"):
                    where = f"schedules[{position}]"
                    start = _date(schedule.get("valid_from"), f"{where}.valid_from")
                    end = _date(schedule.get("valid_to"), f"{where}.valid_to")
            self._set(offer, "start_date", start, changed)
            self._set(offer, "end_date", end, changed)
        if full or "attributes" in document:
            for relation, model in (
                ("topics", Topic),
                ("target_groups", TargetGroup),
                ("residence_statuses", ResidenceStatus),
            ):
                wanted = [t for t in terms if isinstance(t, model)]
                self._m2m_set(offer, relation, wanted, changed)
        if full:
            self._m2m_set(offer, "contact_points", points, changed)
        self._languages_set(offer, document.get("languages"), changed)
        if "contacts" in document and self.language == SOURCE:
            self._contacts_set(offer, document["contacts"], changed)
        elif "contacts" in document and offer.pk:
            persons = list(offer.contact_persons.all())
            roles = [str(c.get("title") or "").strip() for c in document["contacts"]]
            if len(roles) == len(persons):
                self._translations_set(offer, "contact_persons", "role", roles, changed)
        if offer.min_age is not None and offer.max_age is not None:
            if offer.min_age > offer.max_age:
                raise RecordError("minimum_age: higher than maximum_age")
        if offer.start_date and offer.end_date and offer.start_date > offer.end_date:
            raise RecordError("schedules: the offer ends before it starts")
        when = _timestamp(document.get("last_modified"))
        return self._page_save(offer, parent, changed, when=when) or "unchanged"

    def _contacts_set(self, offer: OfferPage, documents: list, changed) -> None:
        wanted = []
        for item in documents:
            name = str(item.get("name") or item.get("title") or item.get("email") or "")
            name = plain_text_clean(name.strip())
            if not name:
                continue
            wanted.append(
                (
                    name[:120],
                    plain_text_clean(str(item.get("title") or "").strip())[:120],
                    str(item.get("email") or "").strip(),
                    _phone(item.get("phones") or [], "contacts.phones"),
                )
            )
        current = (
            [
                (p.name, getattr(p, f"role_{SOURCE}") or "", p.email, p.phone)
                for p in offer.contact_persons.all()
            ]
            if offer.pk
            else []
        )
        if current != wanted:
            offer.contact_persons = [  # type: ignore[misc]  # modelcluster relation
                ContactPerson(name=n, email=e, phone=p, **{f"role_{SOURCE}": r})
                for n, r, e, p in wanted
            ]
            changed.append("contact_persons.")

    def _responsibility(self, document, agency, points, terms, result) -> str:
        rid = str(_uuid(document.get("id"), "service.id"))
        rule = self._existing(Responsibility, rid) or Responsibility(hsds_id=rid)
        topics = [t for t in terms if isinstance(t, Topic)]
        if not topics:
            raise RecordError("attributes: a responsibility needs a topic")
        changed: list[str] = []
        name = plain_text_clean(_str(document, "name"))
        self._set_text(rule, "title", name, changed)
        explanation = _str(document, "description")
        self._set_text(
            rule, "explanation", "" if explanation == name else explanation, changed
        )
        self._set_text(
            rule,
            "what_to_bring",
            _lines(document.get("required_documents") or [], "document"),
            changed,
        )
        self._set_fk(rule, "topic", topics[0], changed)
        for attr, model in (
            ("residence_status", ResidenceStatus),
            ("target_group", TargetGroup),
            ("district", District),
        ):
            found = [t for t in terms if isinstance(t, model)]
            self._set_fk(rule, attr, found[0] if found else None, changed)
        self._set_fk(rule, "agency", agency, changed)
        point = points[0] if points else None
        if point is not None and point.agency_id != agency.pk:
            result.messages.append(
                "the contact point belongs to another organization; left out"
            )
            point = None
        self._set_fk(rule, "contact_point", point, changed)
        if not changed:
            return "unchanged"
        when = _timestamp(document.get("last_modified"))
        if when is not None:
            rule.updated_at = when
            rule.keep_updated_at = True
        action = "created" if rule.pk is None else "updated"
        if rule.pk is not None:
            self._result.changes += changed
        rule.full_clean(exclude=["hsds_id"])
        rule.save()
        return action


# --- helpers outside the class ---------------------------------------------------


def _detach(service: dict, key: str, nested: str, kind: str, shared: list) -> None:
    """Move ``service[key][i][nested]`` objects to ``shared`` (to be checked once)."""
    if not isinstance(service.get(key), list):
        return  # the schema check reports it
    items = []
    for position, item in enumerate(service[key]):
        if isinstance(item, dict) and isinstance(item.get(nested), dict):
            item = dict(item)
            shared.append((f"{key}.{position}.{nested}", kind, item.pop(nested)))
        items.append(item)
    if items:
        service[key] = items


def _path_after(path: str) -> str:
    """treebeard's _inc_path without building a page (that costs ~1 ms with all
    the translated fields).
    """
    position = Page._str2int(path[-Page.steplen :]) + 1
    key = Page._int2str(position)
    if len(key) > Page.steplen:
        raise RecordError("too many pages under one parent")
    return path[: -Page.steplen] + Page.alphabet[0] * (Page.steplen - len(key)) + key


def _failure_message(error: Exception) -> str:
    """Why a record was skipped, naming the field where we know it."""
    if isinstance(error, RecordError):
        return str(error)
    if isinstance(error, ValidationError):
        return _validation_message(error)
    return f"the database refused it: {error}".strip()


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _phone(phones: list, where: str) -> str:
    for phone in phones:
        number = str(phone.get("number") or "").strip().strip('"')
        if number:
            if len(number) > 40:
                raise RecordError(f"{where}.number: {number!r} is too long")
            return number
    return ""


def _address(addresses: list) -> dict:
    for kind in ("physical", "postal", "virtual"):
        for address in addresses:
            if address.get("address_type") == kind:
                return address
    return addresses[0] if addresses else {}


def _coordinates_valid(latitude, longitude) -> bool:
    numbers = all(
        isinstance(v, (int, float)) and not isinstance(v, bool)
        for v in (latitude, longitude)
    )
    return numbers and -90 <= latitude <= 90 and -180 <= longitude <= 180


def _slug_from_url(url: str) -> str:
    """Our own page links end in the page's slug: keep it, so URLs survive a
    round trip.
    """
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    if not url.startswith(base + "/"):
        return ""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    return last if re.fullmatch(r"[-a-z0-9_]{1,80}", last) else ""


def _property_code(term: dict) -> str | None:
    if not isinstance(term, dict):
        return None
    prop = PROPERTY_BY_ID.get(str(term.get("id")))
    if prop:
        return prop.code
    if term.get("taxonomy_id") == TAXONOMIES["properties"].id:
        return str(term.get("code") or "") or None
    return None


def _term_model(document: dict):
    taxonomy = TAXONOMY_BY_ID.get(str(document.get("taxonomy_id")))
    if taxonomy is None:
        taxonomy = TAXONOMIES.get(str(document.get("taxonomy") or ""))
    return taxonomy.model if taxonomy and taxonomy.model else Topic


def _free_slug(model, wanted: str) -> str:
    slug, number = wanted or "term", 1
    while model.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{wanted}-{number}"
    return slug

"""Importing HSDS 3.0 into the catalogue: records matched by HSDS id, one savepoint
per record, nothing half-written, a report of what happened to each record.

Reading is ``hsds.reading``; each record is checked against the official schema,
mapped to our page fields by ``hsds.mapping`` and written by ``hsds.writer``. A
record with a data problem (a schema violation, a value that does not parse, a
reference to a record that is not there, a value the database refuses) is
skipped and reported with its field; any other exception is a bug and is raised.

Text from the file is cleaned on the way in: rich text to the features our editor
allows, plain text without markup (see ``directory.sanitise``).
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from time import monotonic, sleep

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from directory.freshness import publishing_keeps_confirmation
from directory.models import AgencyPage

from . import schemas
from .mapping import (
    MappedResponsibility,
    RecordError,
    location_map,
    organization_map,
    owner_map,
    property_code,
    service_map,
    term_map,
    uuid_or_none,
)
from .reading import Bundle, Problem
from .writer import Writer, action_note

__all__ = ["ImportReport", "Importer", "RecordError", "RecordResult"]

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


class Importer:
    """Imports a ``Bundle`` in ``language``; ``agency`` puts everything under one
    agency (its own organization records are then ignored).

    With ``publish`` pages are created live and updated in place; without it
    changes are revisions submitted to the approval workflow by ``user``.
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
        self.report = ImportReport()
        self.writer = Writer(
            language=self.language,
            source=SOURCE,
            agency=agency,
            publish=publish,
            user=user,
        )
        self._validated: set[int] = set()

    def run(self, bundle: Bundle, *, dry_run: bool = False) -> ImportReport:
        """Import every record; with ``dry_run`` nothing is kept.

        A record with a data problem is reported and skipped; a bug of ours raises.
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
        # The file's assured_date counts, not the day of the import.
        with publishing_keeps_confirmation():
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
        self.writer.batch_begin()
        end = min(start + BATCH, len(records))
        position = start
        while position < end:
            if (position - start) % PREFETCH == 0:
                chunk = records[position : min(position + PREFETCH, end)]
                ids = [uuid_or_none(r[1].get("id")) for r in chunk if r[0] == "service"]
                self.writer.offers_prefetch([i for i in ids if i is not None])
            self._record(*records[position])
            position += 1
            if until is not None and monotonic() >= until:
                break
        self.writer.batch_end()
        return position

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
        writer = self.writer
        writer.record_begin()
        try:
            with transaction.atomic():
                handler(document, result)
        except RECORD_ERRORS as error:
            writer.record_end(kept=False)
            result.action = "skipped"
            result.messages += writer.notes
            result.messages.append(_failure_message(error))
        else:
            writer.record_end(kept=True)
            result.messages += writer.notes
            result.changes += writer.changes

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

    # --- one record of each kind: map, then write -------------------------------

    def _term_record(self, document: dict, result: RecordResult) -> None:
        if property_code(document):
            return  # our own vocabulary of properties: nothing to store
        term, action = self.writer.term_write(term_map(document))
        result.name = str(term)
        result.action = action_note(result.action, action)

    def _organization_record(self, document: dict, result: RecordResult) -> None:
        if self.agency is not None:
            result.messages.append(f"ignored: everything goes to {self.agency.title}")
            return
        agency, action = self.writer.organization_write(organization_map(document))
        result.name = agency.title
        result.action = action_note(result.action, action)

    def _location_record(self, document: dict, result: RecordResult) -> None:
        mapped = location_map(document)
        owner = None if self.agency else owner_map(document, where="location")
        agency, _action = self.writer.owner(owner)
        point, action = self.writer.location_write(mapped, agency)
        result.name = point.title
        result.action = action_note(result.action, action)

    def _service_record(self, document: dict, result: RecordResult) -> None:
        mapped = service_map(document, owned=self.agency is None)
        if isinstance(mapped, MappedResponsibility):
            result.kind = "responsibility"
        result.action = action_note(result.action, self.writer.service_write(mapped))


# --- helpers -------------------------------------------------------------------------


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
